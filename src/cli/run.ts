/**
 * `mercadream-pipeline run <manifest>`: manifest → plan → assets → final cut.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AuthError, PlanError } from '../api/errors.js';
import { formatDiagnosticWithSource, hasErrors, loadManifest, sourceLines, type Production, type PaidPlan as PlanName } from '../manifest/index.js';
import { probe } from '../media/probe.js';
import { stitch } from '../media/stitch.js';
import { planProduction } from '../plan/index.js';
import { runBatch, type BatchResult } from '../runner/batch.js';
import { stateDirOf } from '../runner/paths.js';
import { RunInProgressError } from '../runner/run-lock.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { VERSION } from '../version.js';
import { connect, ApiKeyFileError } from './connect.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatSummary, ndjsonReporter, plainReporter, type Reporter } from './reporters.js';
import { buildReport, formatTable, toJUnit } from './report.js';
import { listrReporter } from './listr-reporter.js';
import { productionName } from '../manifest/matrix.js';
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
  maxComputeUnits?: number;
  failFast?: boolean;
  report?: string;
  junit?: string;
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

/** Manifest files named directly, and the *.yaml/*.yml files of named folders (sorted). */
async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(input)).filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort();
      out.push(...names.map((n) => join(input, n)));
    } else out.push(input);
  }
  return out;
}

/** Runs the manifests; resolves to the exit code. */
export async function runCommand(inputs: readonly string[], options: RunCommandOptions, deps: RunDeps): Promise<ExitCode> {
  const { terminal } = deps;
  const files = await expandInputs(inputs);
  if (files.length === 0) {
    terminal.error('error: no manifests found in the folders given');
    return EXIT.usage;
  }
  const productions: Array<{ name: string; production: Production }> = [];
  let invalid = false;
  for (const file of files) {
    const loaded = await loadManifest(file, options.plan ? { plan: options.plan } : {});
    const lines = loaded.text === undefined ? undefined : sourceLines(loaded.text);
    for (const d of loaded.diagnostics) terminal.error(formatDiagnosticWithSource(d, lines));
    if (hasErrors(loaded.diagnostics) || loaded.productions.length === 0) {
      invalid = true;
      continue;
    }
    for (const production of loaded.productions) {
      const name = productionName(file, production.matrix);
      productions.push({ name, production });
    }
  }
  if (invalid) return EXIT.usage;
  if (options.out) {
    if (productions.length > 1) {
      terminal.error('error: --out names one file, but this run makes several films');
      return EXIT.usage;
    }
    const only = productions[0]!;
    only.production = { ...only.production, output: { ...only.production.output, path: resolve(options.out) } };
  }

  const first = productions[0]!.production;
  const batch = productions.length > 1;
  const reporter: Reporter = options.json ? ndjsonReporter(terminal) : deps.isTTY && !batch ? listrReporter() : plainReporter(terminal);
  let connection;
  try {
    connection = await connect({
      plan: options.plan ?? first.plan,
      stateDir: stateDirOf(first),
      ...(options.apiKeyFile ? { apiKeyFile: options.apiKeyFile } : {}),
      env: deps.env,
      localQuality: options.localQuality,
      onRetry: (e) => reporter.event({ type: 'retry', message: e.error.message, delayMs: e.delayMs }),
    });
  } catch (error: unknown) {
    // A bad key file, or a base URL that is not a URL or is plain http off loopback.
    if (error instanceof ApiKeyFileError || error instanceof TypeError) {
      terminal.error(`error: ${error.message}${error instanceof TypeError ? ' (check MERCADREAM_BASE_URL)' : ''}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (!options.json) terminal.error(`Using ${connection.description}`);
  const known = new Set(productions.flatMap((p) => planProduction(p.production, connection.api).nodes.map((n) => n.id)));
  const unknown = (options.force ?? []).filter((id) => !known.has(id) || id === 'stitch');
  if (unknown.length > 0) {
    await connection.close();
    terminal.error(`error: --force names no node that makes an asset: ${unknown.join(', ')} (nodes: ${[...known].filter((id) => id !== 'stitch').join(', ')})`);
    return EXIT.usage;
  }
  const started = performance.now();
  let result: BatchResult;
  try {
    try {
    const client = connection.client;
    result = await runBatch(
      productions.map((p) => ({ name: p.name, plan: planProduction(p.production, connection.api) })),
      {
        client,
        requestCount: () => client.stats().requests,
        stitch,
        stitchVersion: `mercadream-pipeline/${VERSION}`,
        probeDuration: async (file, signal) => (await probe(file, signal ? { signal } : {})).duration,
        ...(deps.signal ? { signal: deps.signal } : {}),
        onEvent: (name, event) => reporter.event(batch && event.type === 'node' ? { ...event, node: `${name} ${event.node}` } : event),
        ...(options.frozen ? { frozen: true } : {}),
        ...(options.force ? { force: options.force } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.preset ? { preset: options.preset } : {}),
        ...(options.maxComputeUnits !== undefined ? { maxComputeUnits: options.maxComputeUnits } : {}),
        ...(options.failFast ? { failFast: true } : {}),
      },
    );
    } catch (error: unknown) {
      if (!(error instanceof RunInProgressError)) throw error;
      await reporter.close();
      await connection.close();
      terminal.error(`error: ${error.message}`);
      return EXIT.failed;
    }
  } finally {
    await reporter.close();
  }
  const requests = connection.client.stats().requests;
  await connection.close();
  const report = buildReport(result, {
    api: connection.api,
    ...(options.maxComputeUnits !== undefined ? { max: options.maxComputeUnits } : {}),
    requests,
    matrix: new Map(productions.filter((p) => p.production.matrix).map((p) => [p.name, p.production.matrix!])),
  });
  if (options.report) await writeTextAtomic(resolve(options.report), `${JSON.stringify(report, null, 2)}\n`);
  if (options.junit) await writeTextAtomic(resolve(options.junit), toJUnit(report, (performance.now() - started) / 1000));
  if (options.json) {
    for (const summary of result.summaries) terminal.out(JSON.stringify({ type: 'summary', ...summary }));
  } else {
    if (result.refused) terminal.error(`error: ${result.refused}`);
    else if (batch) for (const line of formatTable(report)) terminal.error(line);
    else for (const line of formatSummary(result.summaries[0]!)) terminal.error(line);
  }
  if (report.ok) return EXIT.ok;
  const refusedByApi = result.summaries.every((s) => s.ok || (/\b(401|403)\b|Unauthorized|not available on your plan/i.test(s.error ?? '') && s.generated === 0));
  return refusedByApi ? EXIT.auth : EXIT.failed;
}

function nonNegativeNumber(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError('expected a number ≥ 0');
  return Number(value);
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
    .argument('<manifests...>', 'film manifests (film.yaml), or folders of them')
    .addOption(new Option('--plan <plan>', 'MercaDream plan whose limits to keep (overrides the manifest)').choices(['regular', 'advanced', 'professional']))
    .option('--concurrency <n>', 'nodes worked on at once (the plan limits jobs on top)', positiveInt)
    .option('--api-key-file <file>', 'read the API key from this file instead of MERCADREAM_API_KEY')
    .option('--out <file>', 'write the final cut here instead of output.path')
    .option('--frozen', 'refuse to generate anything the lock file does not already cover')
    .option('--force <node...>', 'make these nodes again, e.g. clip:arrival (ignores the cache)')
    .option('--json', 'print NDJSON events on standard output')
    .option('--max-compute-units <n>', 'refuse to spend more than this many compute units in all (checked before anything is spent, and before every job)', nonNegativeNumber)
    .option('--fail-fast', 'stop every production when one fails (default: the others go on)')
    .option('--report <file>', 'write a JSON report (schemas/report.schema.json)')
    .option('--junit <file>', 'write a JUnit XML report for CI dashboards')
    .addOption(new Option('--local-quality <quality>', 'MercaDream Local engine quality (offline runs)').choices(['full', 'fast']).default('full'))
    .addOption(new Option('--preset <preset>', 'x264 preset of the final encode').default('medium').hideHelp())
    .addHelpText('after', '\nExamples:\n  $ mercadream-pipeline run examples/neon-tokyo.yaml\n  $ MERCADREAM_API_KEY=mk_live_… mercadream-pipeline run film.yaml --frozen\n  $ mercadream-pipeline run film.yaml --force clip:arrival --json > events.ndjson\n  $ mercadream-pipeline run manifests/ --max-compute-units 500 --report report.json --junit report.xml\n\nWith no MERCADREAM_API_KEY (or --api-key-file) it runs offline against MercaDream Local.')
    .action(async (manifests: string[], options: RunCommandOptions) => {
      try {
        const signal = deps.signal ?? deps.interrupt?.();
        setExit(await runCommand(manifests, options, { ...deps, ...(signal ? { signal } : {}) }));
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
