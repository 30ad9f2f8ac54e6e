/**
 * `mercadream-pipeline run <manifest>`: manifest → plan → assets → final cut.
 */
import type { RunOptions } from '../runner/run.js';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { execa } from 'execa';
import { LimitsRegistry } from '../api/limits.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../api/transport.js';
import { formatDiagnostic, formatDiagnosticWithSource, sourceLines, type PaidPlan as PlanName, type Production } from '../manifest/index.js';
import { locateFfmpeg, type FfmpegBinaries } from '../media/ffmpeg.js';
import { pictureSeconds, probe } from '../media/probe.js';
import { installedFonts } from '../media/fonts.js';
import { detectSpeech } from '../media/silence.js';
import { captionFontDiagnostics } from '../runner/caption-fonts.js';
import { stitch, STITCHER_VERSION } from '../media/stitch.js';
import { checkCut } from '../media/qc/check-cut.js';
import { writeReview } from '../review/write.js';
import type { QcMode } from '../runner/qc-step.js';
import { planProduction, type ProductionDag } from '../plan/index.js';
import { failedSummary, runBatch, type BatchResult } from '../runner/batch.js';
import { failureOf, type RunFailure } from '../runner/failure.js';
import { Projects } from '../runner/paths.js';
import { acquireRunLock } from '../runner/run-lock.js';
import { checkAllWritable, productionPlaces, type WritablePlace } from '../runner/preflight.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { VERSION } from '../version.js';
import { connect, ApiKeyFileError, type Connection } from './connect.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { batchExitCode, describeFailure, exitCodeOf } from './failure-text.js';
import { listrReporter } from './listr-reporter.js';
import { buildReport, formatTable, toJUnit, type RunReport } from './report.js';
import { formatSummary, ndjsonReporter, plainReporter, type Reporter } from './reporters.js';
import { writeReviewIndex } from './review-index.js';
import { loadInputs, type LoadedInputs, type NamedProduction } from './run-inputs.js';
import { runQueued } from './run-queue.js';
import { receiveDeliveries, webhookSecret, WebhookSetupError } from './webhook-deliveries.js';
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
  /** Seconds a request may wait for the API's answer (`--request-timeout`; 0 = no limit). */
  requestTimeout?: number;
  /** Say more about internal errors and failed media tools (stacks, argv, stderr). */
  verbose?: boolean;
  /** `--qc`: whether a failed quality check fails the production (`fail`), is reported (`warn`), or nothing is measured (`off`). */
  qc: QcMode;
  /** `--review-index`: where a batch writes its review index (default: review.html in the folder the cuts share). */
  reviewIndex?: string;
  /** `--queue redis://HOST:PORT/DB`: send the productions to a fleet of workers (src/fleet). */
  queue?: string;
  /** `--webhook-url`: where the API delivers job updates (received by this run; see webhook-deliveries.ts). */
  webhookUrl?: string;
  webhookSecretFile?: string;
  /** `--webhook-listen [HOST:]PORT`: where the receiver of --webhook-url listens, when not at the URL's own port. */
  webhookListen?: string;
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

/** Runs the manifests; resolves to the exit code. Never throws for a user's mistake or a failed production. */
export async function runCommand(inputs: readonly string[], options: RunCommandOptions, deps: RunDeps): Promise<ExitCode> {
  const { terminal } = deps;
  const loaded = await loadInputs(inputs, options.plan);
  for (const { text, diagnostics } of loaded.diagnostics) {
    const lines = text === undefined ? undefined : sourceLines(text);
    for (const d of diagnostics) terminal.error(formatDiagnosticWithSource(d, lines));
  }
  if (loaded.files.length === 0) {
    terminal.error('error: no manifests found in the folders given');
    return EXIT.usage;
  }
  const { productions } = loaded;
  if (options.out && options.queue) {
    terminal.error('error: --out cannot be used with --queue: each production writes its output.path');
    return EXIT.usage;
  }
  if (options.out && productions.length + loaded.invalid.length > 1) {
    terminal.error('error: --out names one file, but this run makes several films');
    return EXIT.usage;
  }
  if (options.out && (productions[0]?.production.renditions.length ?? 0) > 1) {
    terminal.error(
      `error: --out names one file, but this film is delivered as ${productions[0]!.production.renditions.length} renditions (outputs:); set their paths in the manifest`,
    );
    return EXIT.usage;
  }
  if (productions.length === 0) return finishEarly(loaded, options, deps);
  if (options.queue) return sendToFleet(loaded, options, deps);
  if (options.out) {
    const problem = outProblem(resolve(options.out), productions[0]!.production);
    if (problem) {
      terminal.error(`error: --out ${problem}`);
      return EXIT.usage;
    }
    productions[0]!.production = withOutputPath(productions[0]!.production, resolve(options.out));
  }

  const ready = await preflight(options, deps.env);
  if ('failure' in ready) {
    terminal.error(`error: ${describeFailure(ready.failure, verboseOf(options))}`);
    return exitCodeOf(ready.failure);
  }
  // The command's one construction of every production's state (folders, lock, cache).
  const projects = new Projects();
  const writable = await writableProductions(await drawableProductions(loaded, terminal), projects);
  if (writable.productions.length === 0) return finishUnmade(writable, options, deps);
  return makeFilms(writable, options, deps, { binaries: ready.binaries, projects });
}

/**
 * `--queue`: the same checks as a local batch before anything is enqueued (burned captions the
 * fonts cannot draw, each production's places), on this machine; what passes goes to the fleet.
 */
async function sendToFleet(loaded: LoadedInputs, options: RunCommandOptions, deps: RunDeps): Promise<ExitCode> {
  const checked = await writableProductions(await drawableProductions(loaded, deps.terminal), new Projects());
  return checked.productions.length > 0 ? runQueued(checked, options, deps) : finishUnmade(checked, options, deps);
}

/** No production passed the checks: each failure that is not a manifest's (already printed) is said, then finishEarly. */
function finishUnmade(checked: LoadedInputs, options: RunCommandOptions, deps: RunDeps): Promise<ExitCode> {
  for (const s of checked.invalid) if (s.failure && s.failure.reason !== 'manifest') deps.terminal.error(`error: ${describeFailure(s.failure)}`);
  return finishEarly(checked, options, deps);
}

/** Nothing could be planned: the reports still say so, and the exit code is the manifests'. */
async function finishEarly(loaded: LoadedInputs, options: RunCommandOptions, deps: RunDeps): Promise<ExitCode> {
  const result: BatchResult = { summaries: loaded.invalid, plannedComputeUnits: 0 };
  const unwritable = await checkAllWritable(reportPlaces(options));
  if (unwritable) deps.terminal.error(`error: ${describeFailure(unwritable)}`);
  if (unwritable) return batchExitCode(loaded.invalid.map((s) => s.failure));
  const context: ReportContext = { matrices: loaded.matrices, started: performance.now() };
  const unwritten = await writeReports(result, options, context);
  if (unwritten) deps.terminal.error(`error: ${describeFailure(unwritten)}`);
  if (loaded.invalid.length > 1) for (const line of formatTable(reportOf(result, options, context))) deps.terminal.error(line);
  return batchExitCode(loaded.invalid.map((s) => s.failure));
}

/**
 * Before anything is spent, what the whole run needs: the report folders take a file, and ffmpeg
 * and ffprobe are there and run.
 */
export async function preflight(options: RunCommandOptions, env: RunDeps['env']): Promise<{ failure: RunFailure } | { binaries: FfmpegBinaries }> {
  const unwritable = await checkAllWritable(reportPlaces(options));
  if (unwritable) return { failure: unwritable };
  try {
    const binaries = await locateFfmpeg(env);
    const broken = (await mediaToolProblem('ffmpeg', binaries.ffmpeg)) ?? (await mediaToolProblem('ffprobe', binaries.ffprobe));
    return broken ? { failure: broken } : { binaries };
  } catch (error: unknown) {
    return { failure: failureOf(error) };
  }
}

/** Found is not enough: the tool must run (a wrong architecture, a missing library, `/bin/false`). */
async function mediaToolProblem(tool: 'ffmpeg' | 'ffprobe', file: string): Promise<RunFailure | undefined> {
  const ran = await execa(file, ['-version'], { reject: false, timeout: 20_000, stdin: 'ignore' });
  if (ran.exitCode === 0) return undefined;
  const said =
    String(ran.stderr || ran.stdout || '')
      .trim()
      .split('\n')
      .at(-1) ?? '';
  return { reason: 'media-tool', tool, message: `${tool} at ${file} does not run (\`-version\` ended with ${ran.exitCode ?? ran.signal ?? 'an error'}${said ? `: ${said}` : ''})` };
}

/**
 * Each production's own places (film folder, lock file, state folder) must take a file before
 * anything is spent; one that cannot fails alone, as an invalid manifest does.
 */
async function writableProductions(loaded: LoadedInputs, projects: Projects): Promise<LoadedInputs> {
  const productions: NamedProduction[] = [];
  const invalid = [...loaded.invalid];
  for (const named of loaded.productions) {
    const project = projects.of(named.production);
    const failure = await checkAllWritable(productionPlaces(named.production, project.lockPath, project.stateDir));
    if (!failure) productions.push(named);
    else invalid.push({ name: named.name, manifest: named.production.file, ok: false, generated: 0, cached: 0, refetched: 0, requests: 0, computeUnits: 0, failure });
  }
  return { ...loaded, productions, invalid };
}

/**
 * A film that burns captions the installed fonts cannot draw fails before anything is spent, as
 * an invalid manifest does (its diagnostics printed here); warnings are printed and it goes on.
 */
async function drawableProductions(loaded: LoadedInputs, terminal: Terminal): Promise<LoadedInputs> {
  if (!loaded.productions.some((p) => p.production.renditions.some((r) => r.subtitles === 'burn'))) return loaded;
  const fonts = await installedFonts();
  const productions: NamedProduction[] = [];
  const invalid = [...loaded.invalid];
  for (const named of loaded.productions) {
    const found = captionFontDiagnostics(named.production, fonts);
    const lines = sourceLines(named.production.source.text);
    for (const d of found) terminal.error(formatDiagnosticWithSource(d, lines));
    const errors = found.filter((d) => d.severity === 'error');
    if (errors.length === 0) productions.push(named);
    else invalid.push(failedSummary(named.name, named.production.file, { reason: 'manifest', diagnostics: errors }));
  }
  return { ...loaded, productions, invalid };
}

/** The folders `--report` and `--junit` write into. */
function reportPlaces(options: RunCommandOptions): WritablePlace[] {
  return [
    ...(options.report ? [{ what: 'report (--report)', folder: dirname(resolve(options.report)) }] : []),
    ...(options.junit ? [{ what: 'JUnit report (--junit)', folder: dirname(resolve(options.junit)) }] : []),
  ];
}

/** Connects, runs every production, writes the reports and prints the outcome. */
async function makeFilms(loaded: LoadedInputs, options: RunCommandOptions, deps: RunDeps, built: { binaries: FfmpegBinaries; projects: Projects }): Promise<ExitCode> {
  const { projects } = built;
  const { terminal } = deps;
  const batch = loaded.productions.length + loaded.invalid.length > 1;
  const reporter: Reporter = options.json ? ndjsonReporter(terminal) : deps.isTTY && !batch ? listrReporter() : plainReporter(terminal);
  const first = loaded.productions[0]!.production;
  // The projects are taken before MercaDream Local starts on their data: a second run of the same
  // project is refused before it can touch the first run's jobs.
  const held = await holdProjects(loaded.productions.map((p) => projects.of(p.production).stateDir));
  if ('failure' in held) {
    await reporter.close();
    terminal.error(`error: ${describeFailure(held.failure)}`);
    return exitCodeOf(held.failure);
  }
  try {
    return await connectAndMake(loaded, options, deps, { ...built, reporter, first });
  } finally {
    await held.release();
  }
}

/** Takes every project's run lock, or says which run holds one. */
async function holdProjects(stateDirs: readonly string[]): Promise<{ failure: RunFailure } | { release: () => Promise<void> }> {
  const releases: Array<() => Promise<void>> = [];
  const release = async () => {
    await Promise.all(releases.map((r) => r()));
  };
  try {
    for (const dir of new Set(stateDirs)) releases.push(await acquireRunLock(dir));
    return { release };
  } catch (error: unknown) {
    await release();
    return { failure: failureOf(error) };
  }
}

/** Opens the connection and runs the batch. */
async function connectAndMake(
  loaded: LoadedInputs,
  options: RunCommandOptions,
  deps: RunDeps,
  parts: { binaries: FfmpegBinaries; projects: Projects; reporter: Reporter; first: Production },
): Promise<ExitCode> {
  const { binaries, projects, reporter, first } = parts;
  const { terminal } = deps;
  const batch = loaded.productions.length + loaded.invalid.length > 1;
  const connection = await openConnection({ plan: first.plan, stateDir: projects.of(first).stateDir }, options, deps, { reporter, binaries });
  if (typeof connection === 'number') {
    await reporter.close();
    return connection;
  }
  const dags = loaded.productions.map((p) => ({ name: p.name, plan: planProduction(p.production, connection.api) }));
  const unknown = unknownForceTargets(
    dags.map((d) => d.plan),
    options.force ?? [],
  );
  if (unknown) {
    await Promise.all([reporter.close(), connection.close()]);
    terminal.error(`error: ${unknown}`);
    return EXIT.usage;
  }
  const started = performance.now();
  const client = connection.client;
  let made: BatchResult;
  try {
    made = await runBatch(dags, {
      client,
      requestCount: () => client.stats().requests,
      ...mediaPieces(binaries),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onEvent: (name, event) => reporter.event(batch && event.type === 'node' ? { ...event, node: `${name} ${event.node}` } : event, batch ? name : undefined),
      ...(options.frozen ? { frozen: true } : {}),
      ...(options.force ? { force: options.force } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      // The engines' `fast` clips are encoded at ultrafast: stitching at the same preset copies them.
      ...(options.preset || options.localQuality === 'fast' ? { preset: options.preset ?? 'ultrafast' } : {}),
      ...(options.maxComputeUnits !== undefined ? { maxComputeUnits: options.maxComputeUnits } : {}),
      ...(options.failFast ? { failFast: true } : {}),
      qcMode: options.qc,
      projects,
    });
  } finally {
    // Whatever happened, the reporter is drawn to its end and the API connection (MercaDream Local's
    // server, when embedded) is closed, so the process can exit.
    await reporter.close();
    await connection.close();
  }
  const requests = client.stats().requests;
  return finish({ ...made, summaries: inFileOrder(loaded, made.summaries) }, options, deps, { matrices: loaded.matrices, started, api: connection.api, requests });
}

/**
 * The API connection (the real API with a key, else MercaDream Local), or the exit code of why
 * there is none: a bad key file or base URL is a usage error (2), anything else a failure.
 */
async function openConnection(
  first: { plan: PlanName; stateDir: string },
  options: RunCommandOptions,
  deps: RunDeps,
  parts: { reporter: Reporter; binaries: FfmpegBinaries },
): Promise<Connection | ExitCode> {
  const { reporter, binaries } = parts;
  try {
    const connection = await connect({
      plan: options.plan ?? first.plan,
      stateDir: first.stateDir,
      ...(options.apiKeyFile ? { apiKeyFile: options.apiKeyFile } : {}),
      env: deps.env,
      localQuality: options.localQuality,
      onRetry: (e) => reporter.event({ type: 'retry', message: e.error.message, delayMs: e.delayMs }),
      limits: new LimitsRegistry(),
      binaries,
      ...(options.requestTimeout !== undefined ? { requestTimeoutMs: options.requestTimeout * 1000 } : {}),
      ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    });
    // With --json, standard output's first line says it (standard error stays for failures).
    if (options.json) deps.terminal.out(JSON.stringify(connectionEvent(connection)));
    else deps.terminal.error(`Using ${connection.description}`);
    return options.webhookUrl ? await withDeliveries(connection, options, deps.env) : connection;
  } catch (error: unknown) {
    const usage = connectionUsageError(error);
    if (usage) {
      deps.terminal.error(`error: ${usage}`);
      return EXIT.usage;
    }
    const failure = failureOf(error);
    deps.terminal.error(`error: ${describeFailure(failure, verboseOf(options))}`);
    return exitCodeOf(failure);
  }
}

/**
 * The one line of a connection problem the user fixes on the command line or in the environment
 * (exit 2, usage): an --api-key-file that cannot be read or is empty, a MERCADREAM_BASE_URL that
 * is not a URL (the TypeError of `new URL`), a --webhook-url that cannot be received. Undefined
 * for anything else (the API's refusals, bugs), which the failure text describes.
 */
export function connectionUsageError(error: unknown): string | undefined {
  if (error instanceof ApiKeyFileError || error instanceof WebhookSetupError) return error.message;
  if (error instanceof TypeError) return `${error.message} (check MERCADREAM_BASE_URL)`;
  return undefined;
}

/**
 * The `connection` line of `--json`: which API the run talks to (`api`, as in the report and the
 * lock file), whether it is MercaDream Local started in-process (`local`: procedural stand-ins,
 * not the MercaDream API's models), and the same in words.
 */
function connectionEvent(connection: Connection): Record<string, unknown> {
  return { type: 'connection', api: connection.api, local: connection.local !== undefined, description: connection.description, time: new Date().toISOString() };
}

/** The connection with a webhook receiver for `--webhook-url` (closed with it); closes the connection when none can start. */
async function withDeliveries(connection: Connection, options: RunCommandOptions, env: RunDeps['env']): Promise<Connection> {
  try {
    const secret = await webhookSecret({
      env,
      ...(options.webhookSecretFile ? { file: options.webhookSecretFile } : {}),
      ...(connection.webhookSecret ? { known: connection.webhookSecret } : {}),
    });
    const receiver = await receiveDeliveries(options.webhookUrl!, secret, (payload) => connection.client.observeDelivery(payload), options.webhookListen);
    return {
      ...connection,
      async close() {
        await receiver.close();
        await connection.close();
      },
    };
  } catch (error: unknown) {
    await connection.close();
    throw error;
  }
}

/** Reports, the closing words, and the exit code of a run whose productions have ended. */
export async function finish(result: BatchResult, options: RunCommandOptions, deps: RunDeps, context: ReportContext): Promise<ExitCode> {
  const index = result.summaries.length > 1 ? await writeReviewIndex(result, options.reviewIndex) : {};
  const unwritten = (await writeReports(result, options, context)) ?? index.failure;
  printOutcome(result, reportOf(result, options, context), options, deps);
  if (index.path) deps.terminal.error(`review: ${index.path}`);
  if (unwritten) deps.terminal.error(`error: ${describeFailure(unwritten)}`);
  const code = batchExitCode(result.summaries.map((s) => s.failure));
  return unwritten && code === EXIT.ok ? EXIT.failed : code;
}

/** `--force` targets that name no node making an asset, as a usage message; undefined when all are known. */
export function unknownForceTargets(dags: readonly ProductionDag[], force: readonly string[]): string | undefined {
  const known = new Set(dags.flatMap((d) => d.nodes.filter((n) => n.kind !== 'stitch').map((n) => n.id)));
  const unknown = force.filter((id) => !known.has(id));
  return unknown.length === 0 ? undefined : `--force names no node that makes an asset: ${unknown.join(', ')} (nodes: ${[...known].join(', ')})`;
}

/** Invalid manifests and made films, in the order the files were named. */
export function inFileOrder(loaded: LoadedInputs, made: BatchResult['summaries']): BatchResult['summaries'] {
  const rank = new Map(loaded.files.map((f, i) => [f, i]));
  return [...loaded.invalid, ...made].sort((a, b) => (rank.get(a.manifest) ?? 0) - (rank.get(b.manifest) ?? 0));
}

/** What a report needs besides the result. */
export interface ReportContext {
  readonly matrices: LoadedInputs['matrices'];
  /** performance.now() when the productions started (for JUnit's time). */
  readonly started: number;
  readonly api?: string;
  readonly requests?: number;
}

function reportOf(result: BatchResult, options: RunCommandOptions, context: ReportContext): RunReport {
  return buildReport(result, {
    ...(context.api ? { api: context.api } : {}),
    ...(context.requests !== undefined ? { requests: context.requests } : {}),
    ...(options.maxComputeUnits !== undefined ? { max: options.maxComputeUnits } : {}),
    matrix: context.matrices,
  });
}

/** Writes --report and --junit; a failure value when one cannot be written (the run is not undone). */
async function writeReports(result: BatchResult, options: RunCommandOptions, context: ReportContext): Promise<RunFailure | undefined> {
  const report = reportOf(result, options, context);
  try {
    if (options.report) await writeTextAtomic(resolve(options.report), `${JSON.stringify(report, null, 2)}\n`);
    if (options.junit) await writeTextAtomic(resolve(options.junit), toJUnit(report, (performance.now() - context.started) / 1000));
    return undefined;
  } catch (error: unknown) {
    return failureOf(error);
  }
}

/** The closing words: NDJSON summaries, or the table or summary; an interruption is one line. */
function printOutcome(result: BatchResult, report: RunReport, options: RunCommandOptions, deps: RunDeps): void {
  const { terminal } = deps;
  if (options.json) {
    for (const summary of result.summaries) terminal.out(JSON.stringify({ type: 'summary', ...summary }));
    if (result.summaries.length > 1) terminal.out(JSON.stringify({ type: 'totals', ...report.totals }));
    // Standard error is for people: the failures in words there too.
    for (const s of result.summaries) if (s.failure && s.failure.reason !== 'manifest') terminal.error(`${s.name}: ${describeFailure(s.failure, verboseOf(options))}`);
    return;
  }
  if (result.summaries.some((s) => s.failure?.reason === 'interrupted')) {
    terminal.error(describeFailure({ reason: 'interrupted' }));
    return;
  }
  if (result.refused) terminal.error(`error: ${result.refused}`);
  else if (result.summaries.length > 1) {
    for (const line of formatTable(report)) terminal.error(line);
    for (const s of result.summaries) if (s.failure && s.failure.reason !== 'manifest') terminal.error(`${s.name}: ${describeFailure(s.failure, verboseOf(options))}`);
    for (const s of result.summaries) for (const w of s.warnings ?? []) terminal.error(formatDiagnostic(w));
  } else for (const line of formatSummary(result.summaries[0]!, options.verbose)) terminal.error(line);
}

/** `--verbose` as the reporters and failure text take it (stacks of internal errors, ffmpeg command lines). */
export function verboseOf(options: RunCommandOptions): { verbose: boolean } {
  return { verbose: options.verbose === true };
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
  // The run stops quietly and says so once, at the end ("interrupted — rerun to resume").
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
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
    .option(
      '--request-timeout <seconds>',
      `seconds a request may wait for the API's answer before it is retried (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}; 0 = no limit)`,
      nonNegativeNumber,
    )
    .option('--verbose', 'on failure, show stacks of internal errors and the ffmpeg command lines and output')
    .option('--queue <url>', 'send the productions to a fleet of workers through Redis (redis://HOST:PORT/DB; see `worker`)')
    .option(
      '--webhook-url <url>',
      'receive job updates here (an address the API reaches; this run listens on its port and path, plain HTTP: put a TLS reverse proxy in front of an https:// URL): a job then costs its POST alone',
    )
    .option('--webhook-listen <address>', 'where the receiver of --webhook-url listens, PORT or HOST:PORT, when not at its own port (the port a reverse proxy forwards to)')
    .option('--webhook-secret-file <file>', "the key's webhook secret (default MERCADREAM_WEBHOOK_SECRET)")
    .option('--report <file>', 'write a JSON report (schemas/report.schema.json)')
    .option('--junit <file>', 'write a JUnit XML report for CI dashboards')
    .addOption(
      new Option('--qc <mode>', 'quality control of every cut: fail (a failed check fails the production), warn (report only) or off')
        .choices(['fail', 'warn', 'off'])
        .default('warn'),
    )
    .option('--review-index <file>', "where a batch writes its review index (default: review.html in the folder the cuts' review pages share)")
    .addOption(new Option('--local-quality <quality>', 'MercaDream Local engine quality (offline runs)').choices(['full', 'fast']).default('full'))
    .addOption(new Option('--preset <preset>', 'x264 preset of conforms and transition windows (default: the house preset; ultrafast with --local-quality fast)').hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n  $ mercadream-pipeline run examples/neon-tokyo.yaml\n  $ MERCADREAM_API_KEY=mk_live_… mercadream-pipeline run film.yaml --frozen\n  $ mercadream-pipeline run film.yaml --force clip:arrival --json > events.ndjson\n  $ mercadream-pipeline run manifests/ --max-compute-units 500 --report report.json --junit report.xml\n  $ mercadream-pipeline run manifests/ --queue redis://render-01:6379/0 --report report.json\n\nWith no MERCADREAM_API_KEY (or --api-key-file) it runs offline against MercaDream Local.',
    )
    .action(async (manifests: string[], options: RunCommandOptions) => {
      const signal = deps.signal ?? deps.interrupt?.();
      try {
        setExit(await runCommand(manifests, options, { ...deps, ...(signal ? { signal } : {}) }));
      } catch (error: unknown) {
        // Every expected failure is a value by now: what arrives here is a bug, said in one line.
        const failure = failureOf(error, signal ? { signal } : {});
        deps.terminal.error(`error: ${describeFailure(failure, verboseOf(options))}`);
        setExit(exitCodeOf(failure));
      }
    });
}

/**
 * The runner's media pieces on the ffmpeg and ffprobe of `binaries`: stitch, probe, speech pauses,
 * QC of the cut and its review page (the same for `run` and a fleet's `worker`).
 */
export function mediaPieces(
  binaries: FfmpegBinaries,
): Pick<RunOptions, 'stitch' | 'stitchVersion' | 'probeDuration' | 'probeFootage' | 'probeColour' | 'detectSpeech' | 'qc' | 'review'> {
  return {
    stitch: (plan, stitchOptions) => stitch(plan, { ...stitchOptions, binaries }),
    stitchVersion: `mercadream-pipeline/${VERSION} (${STITCHER_VERSION})`,
    probeDuration: async (file, signal) => pictureSeconds(await probe(file, { ffprobePath: binaries.ffprobe, ...(signal ? { signal } : {}) })),
    probeFootage: async (file, signal) => {
      const facts = await probe(file, { ffprobePath: binaries.ffprobe, ...(signal ? { signal } : {}) });
      return facts.video ? pictureSeconds(facts) : 0;
    },
    probeColour: async (file, signal) => (await probe(file, { ffprobePath: binaries.ffprobe, ...(signal ? { signal } : {}) })).video?.colour,
    detectSpeech: (file, duration, signal) => detectSpeech(file, duration, { ffmpegPath: binaries.ffmpeg, signal }),
    qc: (film, files, context) => checkCut(film, files, { binaries, ...context }),
    review: writeReview,
  };
}

/** The production of a film with one rendition, written to `path` (`--out`) instead of its manifest's path. */
function withOutputPath(production: Production, path: string): Production {
  return { ...production, output: { ...production.output, path }, renditions: production.renditions.map((r) => ({ ...r, path })) };
}

/**
 * Why `--out` (an absolute path) cannot be the film's final cut, or undefined: it must end in
 * .mp4, .mov or .mkv, as `output.path` must (so it is never the manifest or its lock file), and
 * must not be any scene's footage, which rendering would overwrite.
 */
export function outProblem(out: string, production: Production): string | undefined {
  if (!/\.(mp4|mov|mkv)$/i.test(out)) return `${out} must end in .mp4, .mov or .mkv`;
  const scene = production.scenes.find((s) => s.kind === 'footage' && resolve(s.source) === out);
  return scene ? `${out} is the footage of scene \`${scene.id}\`: rendering would overwrite it` : undefined;
}
