/**
 * `mercadream-pipeline serve`: runs MercaDream Local, the v2 API on this machine, until Ctrl-C.
 *
 *   mercadream-pipeline serve [--port 8787] [--host 127.0.0.1] [--data .mercadream/local]
 *                             [--keys keys.yaml] [--quality full|fast] [--workers 2]
 *
 * Without --keys it uses `<data>/keys.yaml`, creating one fresh `mk_test_` key per plan (free
 * included) the first time, so jobs stay visible to the same keys across restarts; it prints them.
 */
import { makeDirectory } from '../util/make-dir.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadDefaultEngines, locateEnginesFfmpeg, EnginesUnavailableError } from '../local/default-engines.js';
import type { LocateEnv } from '../media/ffmpeg.js';
import type { EngineQuality, Engines } from '../local/engines/types.js';
import { ensureKeysFile } from '../local/keys-file.js';
import { KeysFileError, loadKeysFile, type KeySpec } from '../local/keys.js';
import { startLocalServer } from '../local/server.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** Seams for tests; the defaults are the real thing. */
export interface ServeDeps {
  /**
   * Loads the media engines; default the real engines (src/local/engines), with ffmpeg located
   * once from `env` and passed down.
   */
  readonly loadEngines?: (quality: EngineQuality) => Promise<Engines>;
  /** Where the default engines look for ffmpeg (FFMPEG_PATH, FFPROBE_PATH, PATH); default process.env. */
  readonly env?: LocateEnv;
  /** Stops the server when aborted; default SIGINT or SIGTERM. */
  readonly stop?: AbortSignal;
  /** Writes a line for the user; default stdout. */
  readonly print?: (line: string) => void;
  /** Writes a line about a problem; default stderr. */
  readonly printError?: (line: string) => void;
  /** Receives the command's exit code; default process.exitCode. */
  readonly setExit?: (code: ExitCode) => void;
}

interface ServeOptions {
  port: number;
  host: string;
  data: string;
  keys?: string;
  quality: EngineQuality;
  workers: number;
}

function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return Number(value);
  };
}

function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  controller.signal.addEventListener('abort', () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
  return controller.signal;
}

/** The keys of --keys, or of `<data>/keys.yaml` (created with one key per plan when absent). */
async function resolveKeys(options: ServeOptions): Promise<{ specs: KeySpec[]; source: string; created: boolean }> {
  if (options.keys !== undefined) return { specs: await loadKeysFile(options.keys), source: options.keys, created: false };
  const { specs, file, created } = await ensureKeysFile(options.data);
  return { specs, source: file, created };
}

/** Registers `serve` on `program`. */
export function registerServe(program: Command, deps: ServeDeps = {}): void {
  program
    .command('serve')
    .description('Run MercaDream Local: the MercaDream v2 API on this machine, with procedural stand-in media (no generative models).')
    .option('--port <port>', 'TCP port (0 = any free port)', integerIn(0, 65535), 8787)
    .option('--host <host>', 'interface to bind (loopback unless you say otherwise)', '127.0.0.1')
    .option('--data <dir>', 'folder for jobs, vault files and keys', '.mercadream/local')
    .option('--keys <file>', 'keys file (YAML: keys: [{key, plan, webhook_secret}])')
    .addOption(new Option('--quality <quality>', 'engine quality').choices(['full', 'fast']).default('full'))
    .option('--workers <n>', 'jobs rendered at once', integerIn(1, 64), 2)
    .action(async (options: ServeOptions) => {
      const code = await serve(options, deps);
      if (deps.setExit) deps.setExit(code);
      else process.exitCode = code;
    });
}

async function serve(options: ServeOptions, deps: ServeDeps): Promise<ExitCode> {
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const printError = deps.printError ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    await makeDirectory(options.data);
    // Engines first: if they cannot load, nothing is written (no keys file made for nothing).
    const loadEngines = deps.loadEngines ?? (async (quality: EngineQuality) => loadDefaultEngines(quality, await locateEnginesFfmpeg(deps.env ?? process.env)));
    const engines = await loadEngines(options.quality);
    const keys = await resolveKeys(options);
    const server = await startLocalServer({
      dataDir: options.data,
      engines,
      port: options.port,
      host: options.host,
      keys: keys.specs,
      quality: options.quality,
      workers: options.workers,
    });
    print(`MercaDream Local listening on ${server.url}`);
    print('Its videos, voices and music are procedural stand-ins drawn by ffmpeg, not the output of generative models.');
    print(`Keys (${keys.created ? 'created in' : 'from'} ${keys.source}):`);
    for (const record of server.keys) print(`  ${record.plan.padEnd(12)} ${record.key}`);
    if (options.host !== '127.0.0.1' && options.host !== 'localhost' && options.host !== '::1') {
      printError(`Warning: listening on ${options.host}, reachable from other machines over plain HTTP.`);
    }
    const stop = deps.stop ?? stopOnSignals();
    if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
    print('Stopping: jobs still rendering will run again on the next start.');
    await server.close();
    return EXIT.ok;
  } catch (error: unknown) {
    if (error instanceof KeysFileError) {
      printError(`Invalid keys file: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof EnginesUnavailableError) {
      printError(error.message);
      return EXIT.failed;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof Error && error.name === 'YAMLParseError') {
      printError(`Invalid keys file: not YAML (${error.message.split('\n')[0]})`);
      return EXIT.usage;
    }
    if (code === 'EISDIR') {
      printError(`Keys file cannot be read: ${options.keys ?? options.data} (${code})`);
      return EXIT.usage;
    }
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      printError(`Cannot listen on ${options.host}:${options.port} (${code}).`);
      return EXIT.usage;
    }
    if (code === 'ENOENT' && options.keys !== undefined) {
      printError(`Keys file not found: ${options.keys}`);
      return EXIT.usage;
    }
    throw error;
  }
}
