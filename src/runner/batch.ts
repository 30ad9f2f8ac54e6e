/**
 * Many productions in one run (nightly batches, matrix manifests): one client, so one set of
 * plan limits per API key for all of them; one compute-unit budget checked before anything is
 * spent and again before every submission; productions run side by side, and by default one
 * failure does not stop the others (`failFast` does).
 */
import { sweepWorkDir } from '../media/work-files.js';
import type { ProductionDag } from '../plan/index.js';
import { Budget } from './budget.js';
import { estimatePlan } from './estimate.js';
import { FailureError, failureOf, type RunFailure } from './failure.js';
import type { RunEvent, RunSummary } from './events.js';
import { readLock } from './lock.js';
import { Projects, type ProjectState } from './paths.js';
import { countAssets, runProduction, type RunOptions } from './run.js';
import { acquireRunLock } from './run-lock.js';

/** One production of a batch with its display name (`film.yaml`, `film.yaml [city=tokyo]`). */
export interface BatchItem {
  readonly name: string;
  readonly plan: ProductionDag;
}

/** Options of runBatch: RunOptions less what differs per production. */
export interface BatchOptions extends Omit<RunOptions, 'stateDir' | 'lockPath' | 'onEvent' | 'budget' | 'signal'> {
  /** Most compute units the whole batch may spend. */
  readonly maxComputeUnits?: number;
  /** Stop every production when one fails. */
  readonly failFast?: boolean;
  readonly signal?: AbortSignal;
  /** The command's project states (one cache per state folder); a batch of its own when absent. */
  readonly projects?: Projects;
  /** Events, tagged with the production's name. */
  readonly onEvent?: (production: string, event: RunEvent) => void;
}

/**
 * One production's summary in a batch: with its display name, and the seconds it took from its
 * start to its end (wall time, waits for the shared plan limits included; absent when it never ran).
 */
export type BatchSummary = RunSummary & { readonly name: string; readonly seconds?: number };

/** The outcome of a batch. */
export interface BatchResult {
  /** In the order of the items; each asset counted once, by the first production that used it ({@link countEachAssetOnce}). */
  readonly summaries: readonly BatchSummary[];
  /** Compute units the plan needed before the run (still to generate). */
  readonly plannedComputeUnits: number;
  /** Set when the budget stopped the batch before anything was submitted. */
  readonly refused?: string;
}

/** Runs every item; never throws for a failed production (see the summaries). */
export async function runBatch(items: readonly BatchItem[], options: BatchOptions): Promise<BatchResult> {
  const projects = options.projects ?? new Projects();
  const planned = await plannedUnits(items, projects);
  const overBudget = refuseOverBudget(items, planned, options.maxComputeUnits);
  if (overBudget) return overBudget;
  const budget = new Budget(options.maxComputeUnits);
  const releases: Array<() => Promise<void>> = [];
  try {
    for (const dir of new Set(items.map((item) => projects.of(item.plan.production).stateDir))) releases.push(await acquireRunLock(dir));
  } catch (error: unknown) {
    await Promise.all(releases.map((release) => release()));
    const failure = failureOf(error);
    return { plannedComputeUnits: planned, summaries: items.map((item) => notRun(item, failure)) };
  }
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    await sweepLitter(held(items, projects));
    const summaries = await Promise.all(
      items.map(async (item) => {
        const production = item.plan.production;
        let summary: RunSummary;
        const counted = countingClient(options.client);
        const started = performance.now();
        try {
          summary = await runProduction(item.plan, {
            ...options,
            client: counted.client,
            requestCount: counted.count,
            stateDir: projects.of(production).stateDir,
            lockPath: projects.of(production).lockPath,
            cache: projects.of(production).cache,
            budget,
            name: item.name,
            signal: stop.signal,
            onEvent: (event) => options.onEvent?.(item.name, event),
          });
        } catch (error: unknown) {
          summary = notRun(item, failureOf(error, { signal: stop.signal }));
        }
        if (!summary.ok && options.failFast && !stop.signal.aborted) stop.abort(new FailureError({ reason: 'stopped', by: item.name }));
        return { ...summary, name: item.name, seconds: Math.round(performance.now() - started) / 1000 };
      }),
    );
    return { summaries: items.length > 1 ? countEachAssetOnce(summaries) : summaries, plannedComputeUnits: planned };
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    await Promise.all(releases.map((release) => release()));
  }
}

/**
 * The batch refused before anything is spent when its planned cost (compute units) passes
 * `max`; undefined when it fits or there is no maximum. A fleet's coordinator refuses the same way.
 */
export function refuseOverBudget(items: readonly BatchItem[], planned: number, max: number | undefined): BatchResult | undefined {
  if (max === undefined || planned <= max) return undefined;
  const refused = `the batch would spend about ${planned} compute units, more than --max-compute-units ${max}; nothing was submitted`;
  return { plannedComputeUnits: planned, refused, summaries: items.map((item) => notRun(item, { reason: 'budget', message: refused })) };
}

/** Compute units still to spend (a batch's or a fleet's): what is still to generate, each asset once however many productions share it. */
export async function plannedUnits(items: readonly BatchItem[], projects: Projects): Promise<number> {
  const toGenerate = new Map<string, number>();
  for (const item of items) {
    const project = projects.of(item.plan.production);
    const lock = await readLock(project.lockPath).catch(() => undefined);
    const estimate = await estimatePlan(item.plan, project.cache, lock);
    for (const row of estimate.rows) if (row.status === 'to generate' && row.fingerprint) toGenerate.set(row.fingerprint, row.computeUnits);
  }
  return [...toGenerate.values()].reduce((a, b) => a + b, 0);
}

/**
 * The batch's summaries with each asset counted once: productions that need the same request
 * share one job (the same Idempotency-Key, or the cache the first one filled), which the API
 * charged once. The first production in batch order that used an asset keeps it in its
 * generated, cached or refetched count, with the compute units its job charged (whichever
 * production submitted or resumed it: the first may have found it in the cache another one
 * filled); a later one counts it as `shared`. So the rows add up to what the batch made and the
 * API charged.
 */
export function countEachAssetOnce(summaries: readonly BatchSummary[]): BatchSummary[] {
  const counted = new Set<string>();
  const charged = new Map<string, number>();
  for (const use of summaries.flatMap((s) => s.assets ?? [])) charged.set(use.jobId, Math.max(charged.get(use.jobId) ?? 0, use.computeUnits));
  return summaries.map((summary) => {
    const uses = summary.assets ?? [];
    const own = uses.filter((use) => !counted.has(use.jobId)).map((use) => ({ ...use, computeUnits: charged.get(use.jobId) ?? use.computeUnits }));
    const shared = new Set(uses.filter((use) => counted.has(use.jobId)).map((use) => use.jobId)).size;
    for (const use of own) counted.add(use.jobId);
    return { ...summary, ...countAssets(own), shared };
  });
}

/** The state folders of a batch's productions, each once. */
function held(items: readonly BatchItem[], projects: Projects): ProjectState[] {
  return [...new Map(items.map((item) => projects.of(item.plan.production)).map((p) => [p.stateDir, p])).values()];
}

/**
 * Once the projects are held, what killed runs left behind is litter: per-run temp files in the
 * work folder and partial downloads. A sweep that fails leaves the litter, never the run.
 */
async function sweepLitter(projects: readonly ProjectState[]): Promise<void> {
  for (const project of projects) {
    await sweepWorkDir(project.workDir).catch(() => undefined);
    await project.cache.sweepIncoming().catch(() => undefined);
  }
}

/** The summary of a production that did not run. */
export function notRun(item: BatchItem, failure: RunFailure): BatchSummary {
  return failedSummary(item.name, item.plan.production.file, failure);
}

/** The summary of a production that failed before it made anything: its name, manifest path and failure, every count 0. */
export function failedSummary(name: string, manifest: string, failure: RunFailure): BatchSummary {
  return { name, manifest, ok: false, generated: 0, cached: 0, refetched: 0, requests: 0, computeUnits: 0, failure };
}

/**
 * The client as one production sees it, counting the calls made on its behalf (submissions,
 * lookups, downloads, waits). Polls shared between productions are not split between them.
 */
function countingClient(client: RunOptions['client']): { client: RunOptions['client']; count: () => number } {
  let calls = 0;
  const tally =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A) => {
      calls++;
      return f(...args);
    };
  return {
    count: () => calls,
    client: {
      generate: tally(client.generate.bind(client)),
      speech: tally(client.speech.bind(client)),
      music: tally(client.music.bind(client)),
      download: tally(client.download.bind(client)),
      follow: client.follow.bind(client),
      ...(client.webhookUrl ? { webhookUrl: client.webhookUrl } : {}),
      jobs: { get: tally(client.jobs.get.bind(client.jobs)), wait: tally(client.jobs.wait.bind(client.jobs)) },
    },
  };
}

export { BudgetError } from './budget.js';
