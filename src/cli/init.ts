/**
 * `mercadream-pipeline init [folder]`: scaffolds a project — a starter manifest whose
 * yaml-language-server modeline points at this package's film.schema.json, and a .gitignore
 * for `.mercadream/` and `out/` — then says which two commands to run next. Never overwrites:
 * an existing manifest is kept, an existing .gitignore only gains the lines it lacks.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { makeDirectory } from '../util/make-dir.js';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { failureOf } from '../runner/failure.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { describeFailure } from './failure-text.js';
import { STARTER_MANIFEST, starterManifest, withIgnored } from './starter.js';
import type { Terminal } from './terminal.js';

/** What `init` did in a folder: files it wrote, files it left as they were. */
export interface InitResult {
  /** Absolute folder of the project. */
  readonly folder: string;
  readonly written: readonly string[];
  readonly kept: readonly string[];
  /** The modeline's schema path, relative to the folder. */
  readonly schemaPath: string;
}

/**
 * The film.schema.json of the package that is running, found by walking up from this module
 * to the package's root (dist/cli/ when installed, .build/src/cli/ in the tests).
 */
export function packageSchemaFile(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'film.schema.json');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`schemas/film.schema.json not found above ${from}`);
  }
}

/**
 * Where the modeline of a manifest in `folder` points: the project's own
 * node_modules/mercadream-pipeline when the package is installed there (a path that works on
 * every clone), otherwise the running package's schema; relative, with forward slashes.
 */
export function schemaPathFor(folder: string, running: string = packageSchemaFile()): string {
  const local = join(folder, 'node_modules', 'mercadream-pipeline', 'schemas', 'film.schema.json');
  const target = existsSync(local) ? local : running;
  return relative(folder, target).split(sep).join('/');
}

/** Scaffolds the project in `folder` (made if missing). File-system errors propagate. */
export async function initProject(folder: string, schemaFile?: string): Promise<InitResult> {
  const root = resolve(folder);
  await makeDirectory(root);
  const schemaPath = schemaPathFor(root, schemaFile);
  const written: string[] = [];
  const kept: string[] = [];
  const manifest = join(root, STARTER_MANIFEST);
  if (existsSync(manifest)) kept.push(STARTER_MANIFEST);
  else {
    await writeTextAtomic(manifest, starterManifest(schemaPath, basename(root)));
    written.push(STARTER_MANIFEST);
  }
  const gitignore = join(root, '.gitignore');
  const old = await readFile(gitignore, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const next = withIgnored(old);
  if (next === undefined) kept.push('.gitignore');
  else {
    await writeTextAtomic(gitignore, next);
    written.push('.gitignore');
  }
  return { folder: root, written, kept, schemaPath };
}

/** Runs `init` and prints what it did and the next two commands; exit 0, or 1 when it cannot write. */
export async function initCommand(folder: string, terminal: Terminal, cwd: string = process.cwd()): Promise<ExitCode> {
  let result: InitResult;
  try {
    result = await initProject(folder);
  } catch (error: unknown) {
    const failure = failureOf(error);
    terminal.error(`error: ${failure.reason === 'not-writable' ? `cannot write ${failure.path} (${failure.code})` : describeFailure(failure)}`);
    return EXIT.failed;
  }
  const shown = relative(cwd, result.folder) || '.';
  for (const file of result.written) terminal.out(`wrote ${join(shown, file)}`);
  for (const file of result.kept) terminal.out(`kept ${join(shown, file)} (already there)`);
  if (result.written.includes(STARTER_MANIFEST)) terminal.out(`editors with yaml-language-server check ${STARTER_MANIFEST} against ${result.schemaPath}`);
  const manifest = join(shown, STARTER_MANIFEST);
  terminal.out(`\nNext:\n  mercadream-pipeline validate ${manifest}\n  mercadream-pipeline run ${manifest}`);
  terminal.out('Without MERCADREAM_API_KEY the run uses MercaDream Local, offline: procedural stand-ins, not generated media.');
  return EXIT.ok;
}

/** Registers `init [folder]`. */
export function registerInit(program: Command, terminal: Terminal, setExit: (code: ExitCode) => void): void {
  program
    .command('init')
    .description('scaffold a project: a starter film.yaml that names its schema, and a .gitignore')
    .argument('[folder]', 'where the project goes (made if missing)', '.')
    .addHelpText('after', '\nExamples:\n  $ mercadream-pipeline init my-film\n  $ mercadream-pipeline init\n\nExisting files are kept; a .gitignore only gains the lines it lacks.')
    .action(async (folder: string) => setExit(await initCommand(folder, terminal)));
}
