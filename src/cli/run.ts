/**
 * `mercadream-pipeline run <manifest>`: manifest → plan → assets → final cut.
 */
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AuthError, PlanError } from '../api/errors.js';
import { formatDiagnosticWithSource, hasErrors, loadManifest, sourceLines, type ProductionPlan as PlanName } from '../manifest/index.js';
import { probe } from '../media/probe.js';
import { stitch } from '../media/stitch.js';
import { planProduction } from '../plan/index.js';
import { FrozenError, runProduction } from '../runner/run.js';
import type { RunSummary } from '../runner/events.js';
import { VERSION } from '../version.js';
import { connect, ApiKeyFileError } from './connect.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatSummary, ndjsonReporter, plainReporter, type Reporter } from './reporters.js';
import { listrReporter } from './listr-reporter.js';
import type { Terminal } from './terminal.js';

/** Options of `run`, as commander parses them. */
export interface RunCommandOptions {
  plan?: PlanName;
  concurrency?: number;
  apiKeyFile?: string;
  out?: string;
  frozen?: boolean;
  force?: string[];
  json?: boolean;
  localQuality: 'full' | 'fast';
  preset?: string;
}

/** What the command needs from outside (the CLI passes the real ones; tests their own). */
export interface RunDeps {
  readonly terminal: Terminal;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  /** Makes the run's signal from Ctrl-C (installed only when `run` runs). */
  readonly interrupt?: () => AbortSignal;
  readonly isTTY: boolean;
}

/** Runs one manifest; resolves to the exit code. */
export async function runCommand(manifest: string, options: RunCommandOptions, deps: RunDeps): Promise<ExitCode> {
  const { terminal } = deps;
  const loaded = await loadManifest(manifest, {
    ...(options.plan ? { plan: options.plan } : {}),
  });
  const lines = loaded.text === undefined ? undefined : sourceLines(loaded.text);
  for (const d of loaded.diagnostics) terminal.error(formatDiagnosticWithSource(d, lines));
  if (!loaded.production || hasErrors(loaded.diagnostics)) return EXIT.usage;
  let production = loaded.production;
  if (options.out) production = { ...production, output: { ...production.output, path: resolve(options.out) } };

  const stateDir = join(production.baseDir, '.mercadream');
  const lockPath = join(production.baseDir, `${production.file.split(/[\\/]/).pop()!.replace(/\.(ya?ml|json)$/i, '')}.lock.json`);
  const reporter: Reporter = options.json ? ndjsonReporter(terminal) : deps.isTTY ? listrReporter() : plainReporter(terminal);
  let connection;
  try {
    connection = await connect({
      plan: production.plan,
      stateDir,
      ...(options.apiKeyFile ? { apiKeyFile: options.apiKeyFile } : {}),
      env: deps.env,
      localQuality: options.localQuality,
      onRetry: (e) => reporter.event({ type: 'retry', message: e.error.message, delayMs: e.delayMs }),
    });
  } catch (error: unknown) {
    if (error instanceof ApiKeyFileError) {
      terminal.error(`error: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (!options.json) terminal.error(`Using ${connection.description}`);
  let summary: RunSummary;
  try {
    const plan = planProduction(production, connection.api);
    const client = connection.client;
    summary = await runProduction(plan, {
      client,
      requestCount: () => client.stats().requests,
      stitch,
      stitchVersion: `mercadream-pipeline/${VERSION}`,
      probeDuration: async (file, signal) => (await probe(file, signal ? { signal } : {})).duration,
      stateDir,
      lockPath,
      ...(deps.signal ? { signal: deps.signal } : {}),
      onEvent: (event) => reporter.event(event),
      ...(options.frozen ? { frozen: true } : {}),
      ...(options.force ? { force: options.force } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.preset ? { preset: options.preset } : {}),
    });
  } catch (error: unknown) {
    await reporter.close();
    await connection.close();
    if (error instanceof FrozenError) {
      terminal.error(`error: ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  }
  await reporter.close();
  await connection.close();
  if (options.json) terminal.out(JSON.stringify({ type: 'summary', ...summary }));
  else for (const line of formatSummary(summary)) terminal.error(line);
  if (summary.ok) return EXIT.ok;
  return /\b(401|403)\b|Unauthorized|plan/i.test(summary.error ?? '') && summary.generated === 0 ? EXIT.auth : EXIT.failed;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(value);
}

/**
 * One AbortSignal from Ctrl-C down: the first SIGINT/SIGTERM aborts the run (state is flushed
 * and the rerun resumes); a second one exits at once.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${signal}: stopping; the next run resumes where this one stopped (again to quit now)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** Registers `run`. */
export function registerRun(program: Command, deps: RunDeps, setExit: (code: ExitCode) => void): void {
  program
    .command('run')
    .description('make the film: generate what is missing, reuse what is cached, stitch the final cut')
    .argument('<manifest>', 'the film manifest (film.yaml)')
    .addOption(new Option('--plan <plan>', 'MercaDream plan whose limits to keep (overrides the manifest)').choices(['regular', 'advanced', 'professional']))
    .option('--concurrency <n>', 'nodes worked on at once (the plan limits jobs on top)', positiveInt)
    .option('--api-key-file <file>', 'read the API key from this file instead of MERCADREAM_API_KEY')
    .option('--out <file>', 'write the final cut here instead of output.path')
    .option('--frozen', 'refuse to generate anything the lock file does not already cover')
    .option('--force <node...>', 'make these nodes again, e.g. clip:arrival (ignores the cache)')
    .option('--json', 'print NDJSON events on standard output')
    .addOption(new Option('--local-quality <quality>', 'MercaDream Local engine quality (offline runs)').choices(['full', 'fast']).default('full'))
    .addOption(new Option('--preset <preset>', 'x264 preset of the final encode').default('medium').hideHelp())
    .addHelpText('after', '\nExamples:\n  $ mercadream-pipeline run examples/neon-tokyo.yaml\n  $ MERCADREAM_API_KEY=mk_live_… mercadream-pipeline run film.yaml --frozen\n  $ mercadream-pipeline run film.yaml --force clip:arrival --json > events.ndjson\n\nWith no MERCADREAM_API_KEY (or --api-key-file) it runs offline against MercaDream Local.')
    .action(async (manifest: string, options: RunCommandOptions) => {
      try {
        const signal = deps.signal ?? deps.interrupt?.();
        setExit(await runCommand(manifest, options, { ...deps, ...(signal ? { signal } : {}) }));
      } catch (error: unknown) {
        if (error instanceof AuthError || error instanceof PlanError) {
          deps.terminal.error(`error: ${error.message}`);
          setExit(EXIT.auth);
          return;
        }
        throw error;
      }
    });
}
