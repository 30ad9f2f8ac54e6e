/**
 * Runs one production: preflight, then every node as soon as its inputs are ready (the DAG
 * executor; the client keeps the plan's limits), then the narration checks, the stitch and the
 * lock file. Each step returns a failure value or nothing; the run has one exit, which writes
 * the lock, emits `run-end` and returns the summary.
 */
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { hashFile } from '../api/download.js';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { StitchOptions, StitchPlan, StitchResult } from '../media/stitch-types.js';
import {
  buildStitchPlan,
  checkNarration,
  checkNarrationOverlap,
  computeTimeline,
  hashJson,
  nodeFingerprint,
  requestUnits,
  type PlanNode,
  type ProductionDag,
  type Sha256Hex,
} from '../plan/index.js';
import { fetchAsset, type AssetStep, type DurationProbe, type ReadyAsset, type RunnerClient } from './assets.js';
import type { BudgetLedger } from './budget.js';
import { AssetCache } from './cache.js';
import { DagExecutor, type NodeDetail } from './dag-executor.js';
import type { AssetUse, EventSink, NodeState, RunSummary } from './events.js';
import { FailureError, failureOf, ProductionFailedError, type RunFailure } from './failure.js';
import { LOCK_VERSION, readLock, writeLock, type LockedAsset, type LockFile } from './lock.js';
import { checkAllWritable, checkFootage, productionPlaces } from './preflight.js';
import { requestDiagnostic } from './request-diagnostic.js';

/** Renders a final cut (src/media/stitch.ts, with the ffmpeg binaries bound by the composition root). */
export type Stitcher = (plan: StitchPlan, options: Omit<StitchOptions, 'binaries'>) => Promise<StitchResult>;

/** Everything a run needs besides the plan. */
export interface RunOptions {
  readonly client: RunnerClient;
  /** Counts the client's HTTP requests so far (for the summary). */
  readonly requestCount: () => number;
  readonly stitch: Stitcher;
  /** Version of the stitcher: enters the final cut's input hash. */
  readonly stitchVersion: string;
  readonly probeDuration: DurationProbe;
  /** `.mercadream` folder of the project. */
  readonly stateDir: string;
  /** The project's asset cache (default: one in `<stateDir>/cache` for this run). */
  readonly cache?: AssetCache;
  /** film.lock.json path. */
  readonly lockPath: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
  /** Refuse to submit any job (the lock must cover the manifest). */
  readonly frozen?: boolean;
  /** Node ids to make again, ignoring caches. */
  readonly force?: readonly string[];
  /** Nodes worked on at once (downloads, waits); the plan's job limit applies on top. */
  readonly concurrency?: number;
  /** x264 preset for the final encode. */
  readonly preset?: string;
  /** A compute-unit budget shared with other productions of a batch. */
  readonly budget?: BudgetLedger;
}

/** Runs the production; resolves with the summary whether it succeeded or failed (never rejects). */
export async function runProduction(dag: ProductionDag, options: RunOptions): Promise<RunSummary> {
  return new ProductionRun(dag, options).run();
}

/** Film-level facts of a finished run, for the summary. */
interface CutFacts {
  readonly length?: number;
  readonly output?: string;
  readonly cutUpToDate?: boolean;
}

/** The state of one run of one production. */
class ProductionRun {
  readonly #dag: ProductionDag;
  readonly #options: RunOptions;
  readonly #emit: EventSink;
  readonly #speech = new Map<string, number>();
  readonly #assets = new Map<string, ReadyAsset>();
  readonly #requestsAtStart: number;
  readonly #cache: AssetCache;
  #lock: LockFile | undefined;
  #lockedAssets: Record<string, LockedAsset> = {};
  /** True once anything may have been obtained (so a failure still records it in the lock). */
  #started = false;
  #cut: CutFacts = {};

  constructor(dag: ProductionDag, options: RunOptions) {
    this.#dag = dag;
    this.#options = options;
    this.#emit = options.onEvent ?? (() => undefined);
    this.#requestsAtStart = options.requestCount();
    this.#cache = options.cache ?? new AssetCache(join(options.stateDir, 'cache'));
  }

  /** The one exit: whatever happens, the lock is consistent and the summary says how it ended. */
  async run(): Promise<RunSummary> {
    const { production, nodes, api } = this.#dag;
    this.#emit({ type: 'run-start', manifest: production.file, api, nodes: nodes.length, nodeIds: nodes.map((n) => n.id) });
    const failure = await this.#make().catch((error: unknown) => failureOf(error, this.#signal()));
    // The lock keeps what this run obtained; if even that fails, the run's own failure is still the one to tell.
    if (failure && this.#started) await this.#recordAfterFailure();
    const summary = this.#summary(failure);
    this.#emit({ type: 'run-end', ok: failure === undefined, summary });
    return summary;
  }

  async #make(): Promise<RunFailure | undefined> {
    const { production } = this.#dag;
    const options = this.#options;
    const refused =
      (await checkAllWritable(productionPlaces(production, options.lockPath, options.stateDir))) ?? (await checkFootage(production, options.probeDuration, options.signal));
    if (refused) return refused;
    this.#lock = await readLock(options.lockPath);
    this.#lockedAssets = this.#lock && this.#lock.api === this.#dag.api ? { ...this.#lock.assets } : {};
    const uncovered = options.frozen ? this.#notInLock() : [];
    if (uncovered.length > 0) return { reason: 'frozen', nodes: uncovered };
    this.#started = true;
    const executor = new DagExecutor(
      this.#dag.nodes.filter((n) => n.kind !== 'stitch'),
      { concurrency: options.concurrency ?? 8, emit: this.#emit, signal: options.signal },
    );
    const failed = await executor.run((node, move) => this.#obtain(node, move, executor));
    if (failed) return failed;
    const misfits = checkNarration(production, this.#speech);
    if (misfits.length > 0) return { reason: 'manifest', diagnostics: misfits };
    return this.#stitch();
  }

  /** Asset nodes with no dependencies whose asset the lock does not record (`--frozen`). */
  #notInLock(): string[] {
    return this.#dag.nodes
      .filter((n) => n.kind !== 'stitch' && n.dependsOn.length === 0)
      .filter((n) => {
        const fp = nodeFingerprint(this.#dag, n, this.#speech);
        return fp === undefined || !this.#lockedAssets[fp];
      })
      .map((n) => n.id);
  }

  /** The work of one node: its asset from the cache, the Vault, a recorded job or a new job. */
  async #obtain(node: PlanNode, move: (state: NodeState, detail?: NodeDetail) => void, executor: DagExecutor<PlanNode>): Promise<void> {
    const { production } = this.#dag;
    const request = node.request(this.#speech);
    if (!request) throw new Error(`${node.id}: its request could not be built (a dependency is missing)`);
    if (node.kind === 'clip') {
      const scene = production.scenes.find((s) => s.id === node.subject);
      const misfits = scene?.narration ? checkNarration(production, this.#speech).filter((d) => d.pointer === scene.narration!.pointer) : [];
      if (misfits.length > 0) throw new FailureError({ reason: 'manifest', diagnostics: misfits });
    }
    const fp = nodeFingerprint(this.#dag, node, this.#speech)!;
    const ready = await fetchAsset(fp, request, this.#lockedAssets[fp], {
      client: this.#options.client,
      cache: this.#cache,
      jobsDir: join(this.#options.stateDir, 'jobs'),
      probeDuration: this.#options.probeDuration,
      ...(this.#options.signal ? { signal: this.#options.signal } : {}),
      force: this.#options.force?.includes(node.id) === true,
      onState: (step, detail) => {
        const state = STEP_STATE[step];
        if (state) move(state, { ...detail, ...(step === 'resumed' ? { via: 'resumed' as const } : {}) });
      },
      beforeSubmit: async (req) => {
        // Checked when the job is really about to go out (a plan slot is free), not when queued.
        if (executor.failure) throw new ProductionFailedError();
        if (this.#options.frozen) throw new FailureError({ reason: 'frozen', nodes: [node.id] });
        const reservation = await this.#options.budget?.reserve(requestUnits(req), `${production.file} ${node.id}`);
        move('submitting');
        return (job) => (job ? reservation?.settle(typeof job.compute_units === 'number' ? job.compute_units : undefined) : reservation?.release());
      },
    }).catch((error: unknown) => {
      if (error instanceof ProductionFailedError || error instanceof FailureError) throw error;
      throw new FailureError(this.#pointAtManifest(failureOf(error, { node: node.id, ...this.#signal() })));
    });
    this.#assets.set(node.id, ready);
    if (node.kind === 'speech' && node.subject) this.#speech.set(node.subject, ready.record.duration);
    move('ready', { via: ready.provenance, jobId: ready.record.job_id, attempt: attemptOf(ready) });
  }

  /** A request the API rejected gets a diagnostic at the manifest place it came from. */
  #pointAtManifest(failure: RunFailure): RunFailure {
    if (failure.reason !== 'request-rejected') return failure;
    const diagnostic: Diagnostic | undefined = requestDiagnostic(this.#dag.production, failure);
    return diagnostic ? { ...failure, diagnostic } : failure;
  }

  /** Timeline checks, then the final cut (or nothing to do when it is up to date). */
  async #stitch(): Promise<RunFailure | undefined> {
    const { production } = this.#dag;
    const timeline = computeTimeline(production, this.#speech);
    this.#cut = { length: timeline.length };
    const overlaps = checkNarrationOverlap(production, timeline);
    if (overlaps.length > 0) return { reason: 'manifest', diagnostics: overlaps };
    const plan = buildStitchPlan(this.#dag, timeline, (id) => this.#assets.get(id)!.path);
    const inputs = await this.#stitchInputsHash(plan);
    const lock = this.#lock;
    const upToDate = lock?.final_cut?.inputs === inputs && (await hashFile(production.output.path).catch(() => undefined)) === lock.final_cut.sha256;
    if (upToDate && lock?.final_cut) {
      this.#emit({ type: 'stitch', state: 'up-to-date' });
      await this.#writeLock(this.#freshAssets(), lock.final_cut);
      this.#cut = { length: timeline.length, output: production.output.path, cutUpToDate: true };
      return undefined;
    }
    this.#emit({ type: 'stitch', state: 'started' });
    let sha256: Sha256Hex;
    try {
      const workDir = join(this.#options.stateDir, 'work');
      await mkdir(workDir, { recursive: true });
      const result = await this.#options.stitch(plan, {
        workDir,
        ...(this.#options.signal ? { signal: this.#options.signal } : {}),
        ...(this.#options.preset ? { preset: this.#options.preset } : {}),
        onProgress: (progress, stage) => this.#emit({ type: 'stitch', state: 'progress', progress, stage }),
      });
      sha256 = (await hashFile(result.path)) as Sha256Hex;
    } catch (error: unknown) {
      const failure = failureOf(error, { node: 'stitch', ...this.#signal() });
      this.#emit({ type: 'stitch', state: 'failed', failure });
      return failure;
    }
    this.#emit({ type: 'stitch', state: 'done' });
    const path = relative(production.baseDir, production.output.path).split('\\').join('/');
    await this.#writeLock(this.#freshAssets(), { path, sha256, inputs, length: Math.round(timeline.length * 1000) / 1000 });
    this.#cut = { length: timeline.length, output: production.output.path, cutUpToDate: false };
    return undefined;
  }

  /**
   * The stitch's input hash: the plan with each file replaced by what it is (a cached asset by
   * its recorded SHA-256, footage by hashing its content, so an edited clip re-stitches even at
   * the same path), and the stitcher's version.
   */
  async #stitchInputsHash(plan: StitchPlan): Promise<Sha256Hex> {
    const contentId = async (file: string): Promise<string> => {
      for (const ready of this.#assets.values()) if (ready.path === file) return ready.record.sha256;
      return hashFile(file);
    };
    const withIds = async <T extends { file: string }>(items: readonly T[]) => Promise.all(items.map(async (item) => ({ ...item, file: await contentId(item.file) })));
    return hashJson({
      stitcher: this.#options.stitchVersion,
      plan: { ...plan, clips: await withIds(plan.clips), narration: await withIds(plan.narration), cues: await withIds(plan.cues) },
    });
  }

  /** The lock's assets as this run used them, each with the nodes that use it. */
  #freshAssets(): Record<string, LockedAsset> {
    const fresh: Record<string, LockedAsset> = {};
    for (const [nodeId, ready] of [...this.#assets.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const { fingerprint, ...rest } = ready.record;
      fresh[fingerprint] = { ...rest, nodes: [...(fresh[fingerprint]?.nodes ?? []), nodeId].sort() };
    }
    return fresh;
  }

  /**
   * After a failure the lock keeps what it knew (job ids the Vault can give back) plus what this
   * run obtained, and the last final cut; a run that obtained nothing against another API
   * leaves another API's lock alone. A lock that cannot be written is the failure to report.
   */
  async #recordAfterFailure(): Promise<RunFailure | undefined> {
    if (this.#lock && this.#lock.api !== this.#dag.api && this.#assets.size === 0) return undefined;
    try {
      await this.#writeLock({ ...this.#lockedAssets, ...this.#freshAssets() }, this.#lock?.final_cut);
      return undefined;
    } catch (error: unknown) {
      return failureOf(error);
    }
  }

  async #writeLock(assets: Record<string, LockedAsset>, finalCut: LockFile['final_cut']): Promise<void> {
    await writeLock(this.#options.lockPath, { lockfileVersion: LOCK_VERSION, api: this.#dag.api, assets, ...(finalCut ? { final_cut: finalCut } : {}) });
  }

  #summary(failure: RunFailure | undefined): RunSummary {
    const uses: AssetUse[] = [...this.#assets.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([node, ready]) => ({ node, via: ready.provenance, jobId: ready.record.job_id, attempt: attemptOf(ready) }));
    const count = (via: AssetUse['via']) => uses.filter((u) => u.via === via).length;
    const made = [...this.#assets.values()].filter((r) => r.provenance === 'generated' || r.provenance === 'resumed');
    return {
      manifest: this.#dag.production.file,
      ok: failure === undefined,
      generated: made.length,
      cached: count('cached'),
      refetched: count('refetched'),
      requests: this.#options.requestCount() - this.#requestsAtStart,
      computeUnits: made.reduce((sum, r) => sum + r.record.compute_units, 0),
      ...(uses.length > 0 ? { assets: uses } : {}),
      ...this.#cut,
      ...(failure ? { failure } : {}),
    };
  }

  #signal(): { signal?: AbortSignal } {
    return this.#options.signal ? { signal: this.#options.signal } : {};
  }
}

/** The node states fetchAsset's steps move to; `cached` and `done` end in `ready`, set once the asset is in hand. */
const STEP_STATE: Readonly<Record<AssetStep, NodeState | undefined>> = {
  cached: undefined,
  refetching: 'downloading',
  resumed: 'rendering',
  submitted: 'rendering',
  processing: 'rendering',
  downloading: 'downloading',
  done: undefined,
};

/** The attempt whose job made an asset (1 the first). */
function attemptOf(ready: ReadyAsset): number {
  return ready.record.attempt;
}
