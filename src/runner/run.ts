/**
 * Runs one production: preflight, then every node as soon as its inputs are ready (the DAG
 * executor; the client keeps the plan's limits), then the narration checks, the stitch and the
 * lock file. Each step returns a failure value or nothing; the run has one exit, which writes
 * the lock, emits `run-end` and returns the summary.
 */
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Rendition } from '../manifest/production.js';
import type { SpeechSpan, SpeechTiming } from '../captions/timing.js';
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
import { FileFacts } from './file-facts.js';
import type { AssetUse, EventSink, NodeState, RenditionSummary, RunSummary } from './events.js';
import { FailureError, failureOf, ProductionFailedError, type RunFailure } from './failure.js';
import { LOCK_VERSION, readLock, writeLock, type LockedAsset, type LockedCut, type LockFile } from './lock.js';
import { hasOutputsList, lockCutFields, lockedCutsOf, mergeQcOutcomes, sidecarsPresent, type RenditionCuts } from './renditions.js';
import { checkAllWritable, checkFootage, productionPlaces } from './preflight.js';
import { cutFilesOf, qcFilmOf, type QcMode, type QualityControl, type ReviewWriter } from './qc-step.js';
import type { CutFiles, QcOutcome } from '../media/qc/check-cut.js';
import type { QcFilm } from '../qc/film.js';
import { qcCachePath, readQcCache, writeQcCache } from './qc-cache.js';
import { readingSpeedDiagnostics } from './caption-warnings.js';
import { shortMediaOutcome, withShortMedia } from './short-media.js';
import { hdrFootageDiagnostics, type ColourProbe } from './colour-warnings.js';
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
  /** Seconds a downloaded asset lasts (its picture's, for a clip). */
  readonly probeDuration: DurationProbe;
  /**
   * Seconds of picture of a footage file, 0 when it has no video stream (a `source:` that is only
   * sound is refused at its line); absent = probeDuration.
   */
  readonly probeFootage?: DurationProbe;
  /** Colour tags of footage, for the HDR warnings (colour-warnings.ts); absent = no such warnings. */
  readonly probeColour?: ColourProbe;
  /**
   * Where a speech asset of `duration` seconds is heard, between its pauses (silencedetect,
   * src/media/silence.ts), so captions are timed from the speech; absent = words spread evenly.
   */
  readonly detectSpeech?: (file: string, duration: number, signal?: AbortSignal) => Promise<SpeechSpan[]>;
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
  /** x264 preset of conforms and transition windows (StitchOptions.preset). */
  readonly preset?: string;
  /** A compute-unit budget shared with other productions of a batch. */
  readonly budget?: BudgetLedger;
  /** The production's display name (a batch's `film.yaml [city=tokyo]`); default: the manifest's path. */
  readonly name?: string;
  /** Measures and judges the final cut after the stitch (none: no QC). */
  readonly qc?: QualityControl;
  /** `--qc` (default `warn`): whether a failed check fails the production. */
  readonly qcMode?: QcMode;
  /** Writes the review page beside the cut (none: no page). */
  readonly review?: ReviewWriter;
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
  readonly renditions?: readonly RenditionSummary[];
}

/** One rendition's stitch plan. */
interface RenditionPlan {
  readonly rendition: Rendition;
  readonly plan: StitchPlan;
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
  /** Every rendition's stitch plan, the first first, once there are any (QC and the review page read them). */
  #plans: RenditionPlan[] = [];
  #qc: QcOutcome | undefined;
  /** The cut of each rendition the lock records: the last lock's, then what this run made. */
  #cuts: RenditionCuts = new Map();
  /** Warnings found while making the film (short clips and footage, captions read too fast, HDR footage tone-mapped). */
  #warnings: Diagnostic[] = [];
  /** Hashes and durations of footage and the final cut, by path, size and mtime (file-facts.ts). */
  #files: FileFacts | undefined;

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
    const summary = await this.#withReview(this.#summary(failure));
    this.#emit({ type: 'run-end', ok: failure === undefined, summary });
    return summary;
  }

  async #make(): Promise<RunFailure | undefined> {
    const { production } = this.#dag;
    const options = this.#options;
    const files = (this.#files = await FileFacts.open(join(options.stateDir, 'file-facts.json')));
    const probeFootage = options.probeFootage ?? options.probeDuration;
    const probeKnown: DurationProbe = (file, signal) => files.duration(file, () => probeFootage(file, signal));
    const refused = (await checkAllWritable(productionPlaces(production, options.lockPath, options.stateDir))) ?? (await checkFootage(production, probeKnown, options.signal));
    if (refused) return refused;
    this.#lock = await readLock(options.lockPath);
    this.#cuts = lockedCutsOf(this.#lock, production);
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
    return (await this.#stitch()) ?? (await this.#qualityControl());
  }

  /**
   * QC of the cut, its own step after the stitch (also when the cut was up to date: the verdicts
   * describe the file as it is). With `--qc fail` a failed check fails the production; a QC that
   * cannot measure fails it too then, and is only reported otherwise.
   */
  async #qualityControl(): Promise<RunFailure | undefined> {
    const { qc, qcMode = 'warn' } = this.#options;
    if (!qc || qcMode === 'off' || this.#plans.length === 0) return undefined;
    this.#emit({ type: 'qc', state: 'started' });
    try {
      const outcomes = [];
      let allCached = true;
      for (const { rendition, plan } of this.#plans) {
        const { outcome, cached } = await this.#qcRendition(rendition, plan);
        outcomes.push({ rendition, outcome });
        allCached &&= cached;
      }
      const outcome = (this.#qc = mergeQcOutcomes(outcomes));
      this.#emit({ type: 'qc', state: 'done', qc: outcome.summary, ...(allCached ? { cached: true } : {}) });
      const failed = outcome.summary.verdicts.filter((v) => v.status === 'fail');
      return qcMode === 'fail' && failed.length > 0 ? { reason: 'qc', verdicts: failed } : undefined;
    } catch (error: unknown) {
      const failure = failureOf(error, { node: 'qc', ...this.#signal() });
      this.#emit({ type: 'qc', state: 'failed', failure });
      return qcMode === 'fail' || failure.reason === 'interrupted' ? failure : undefined;
    }
  }

  /** QC of one rendition: measured, or the outcome of its unchanged file measured before. */
  async #qcRendition(rendition: Rendition, plan: StitchPlan): Promise<{ outcome: QcOutcome; cached: boolean }> {
    const film = qcFilmOf(plan, this.#dag.production);
    const files = cutFilesOf(rendition);
    const sha256 = this.#cuts.get(rendition.name)?.sha256;
    const cachePath = sha256 ? await qcCachePath(this.#options.stateDir, sha256, film, files.captions) : undefined;
    const cached = cachePath ? await readQcCache(cachePath) : undefined;
    const outcome = cached ?? (await this.#measure(film, files));
    if (cachePath && !cached) await writeQcCache(cachePath, outcome);
    return { outcome, cached: cached !== undefined };
  }

  /** Runs the injected QC on the cut, its stills made in the work folder. */
  async #measure(film: QcFilm, files: CutFiles): Promise<QcOutcome> {
    const workDir = join(this.#options.stateDir, 'work');
    await mkdir(workDir, { recursive: true });
    return this.#options.qc!(film, files, { workDir, ...(this.#options.signal ? { signal: this.#options.signal } : {}) });
  }

  /** Writes the review page when there is a cut to review; a page that cannot be written is reported, never the run's failure. */
  async #withReview(summary: RunSummary): Promise<RunSummary> {
    const { review } = this.#options;
    const { production } = this.#dag;
    const first = this.#plans[0];
    if (!review || !first || !summary.output || summary.failure?.reason === 'interrupted') return summary;
    try {
      const name = this.#options.name ?? production.file;
      const files = cutFilesOf(first.rendition);
      const path = await review({ name, production, film: qcFilmOf(first.plan, production), files, summary, ...(this.#qc ? { outcome: this.#qc } : {}) });
      this.#emit({ type: 'review', path });
      return { ...summary, review: path };
    } catch (error: unknown) {
      this.#emit({ type: 'review', path: '', error: error instanceof Error ? error.message : String(error) });
      return summary;
    }
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
        return (job) => (job ? reservation?.settle(typeof job.compute_units === 'number' ? job.compute_units : undefined, job.id) : reservation?.release());
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

  /** Timeline checks, then every rendition's cut in turn, from one timeline (each left alone when up to date). */
  async #stitch(): Promise<RunFailure | undefined> {
    const { production } = this.#dag;
    const timeline = computeTimeline(production, this.#speech);
    this.#cut = { length: timeline.length };
    const overlaps = checkNarrationOverlap(production, timeline);
    if (overlaps.length > 0) return { reason: 'manifest', diagnostics: overlaps };
    const short = shortMediaOutcome(production, timeline, await this.#sourceLengths());
    if (short.errors.length > 0) return { reason: 'manifest', diagnostics: short.errors };
    const speech = await this.#speechTiming(timeline.narration);
    const assetPath = (id: string) => this.#assets.get(id)!.path;
    this.#plans = production.renditions.map((rendition) => ({
      rendition,
      plan: withShortMedia(buildStitchPlan(this.#dag, timeline, assetPath, speech, rendition), short.treatments),
    }));
    this.#warnings = distinctWarnings([
      ...short.warnings,
      ...this.#plans.flatMap(({ plan }) => readingSpeedDiagnostics(production, plan.captions?.warnings ?? [])),
      ...(await this.#hdrWarnings()),
    ]);
    const made: RenditionSummary[] = [];
    for (const { rendition, plan } of this.#plans) {
      const stitched = await this.#stitchRendition(rendition, plan, timeline.length);
      if ('reason' in stitched) return stitched;
      made.push({ name: rendition.name, output: rendition.path, width: rendition.width, height: rendition.height, cutUpToDate: stitched.upToDate });
    }
    await this.#files!.save().catch(() => undefined); // facts are a cache: losing them costs a rehash, never the run
    await this.#writeLock(this.#freshAssets());
    const upToDate = made.every((m) => m.cutUpToDate);
    this.#cut = { length: timeline.length, output: made[0]!.output, cutUpToDate: upToDate, ...(hasOutputsList(production) ? { renditions: made } : {}) };
    return undefined;
  }

  /** One rendition's cut: nothing to do when its file and sidecars are what the lock says its inputs made, else stitched. */
  async #stitchRendition(rendition: Rendition, plan: StitchPlan, length: number): Promise<RunFailure | { upToDate: boolean }> {
    const { production } = this.#dag;
    const tag = hasOutputsList(production) ? { rendition: rendition.name } : {};
    const inputs = await this.#stitchInputsHash(plan);
    const locked = this.#cuts.get(rendition.name);
    const files = this.#files!;
    const upToDate = locked?.inputs === inputs && (await files.sha256(rendition.path).catch(() => undefined)) === locked.sha256 && (await sidecarsPresent(rendition));
    if (upToDate) {
      this.#emit({ type: 'stitch', state: 'up-to-date', ...tag });
      return { upToDate: true };
    }
    this.#emit({ type: 'stitch', state: 'started', ...tag });
    let sha256: Sha256Hex;
    try {
      const workDir = join(this.#options.stateDir, 'work');
      await mkdir(workDir, { recursive: true });
      const result = await this.#options.stitch(plan, {
        workDir,
        ...(this.#options.signal ? { signal: this.#options.signal } : {}),
        ...(this.#options.preset ? { preset: this.#options.preset } : {}),
        onProgress: (progress, stage) => this.#emit({ type: 'stitch', state: 'progress', progress, stage, ...tag }),
      });
      sha256 = (await files.sha256(result.path)) as Sha256Hex;
    } catch (error: unknown) {
      const failure = failureOf(error, { node: 'stitch', ...this.#signal() });
      this.#emit({ type: 'stitch', state: 'failed', failure, ...tag });
      return failure;
    }
    this.#emit({ type: 'stitch', state: 'done', ...tag });
    const path = relative(production.baseDir, rendition.path).split('\\').join('/');
    this.#cuts.set(rendition.name, { path, sha256, inputs, length: Math.round(length * 1000) / 1000 } satisfies LockedCut);
    // Recorded at once: a run killed while the next rendition renders leaves a lock that names this file as it is.
    await this.#writeLock(this.#freshAssets());
    return { upToDate: false };
  }

  /** HDR footage, as warnings (colour-warnings.ts); each file's transfer probed only when it changed (file-facts.ts). */
  async #hdrWarnings(): Promise<Diagnostic[]> {
    const probeColour = this.#options.probeColour;
    if (!probeColour) return [];
    const files = this.#files!;
    const known: ColourProbe = async (file, signal) => ({ transfer: await files.transfer(file, async () => (await probeColour(file, signal))?.transfer ?? '') });
    return hdrFootageDiagnostics(this.#dag.production, known, this.#options.signal);
  }

  /**
   * The stitch's input hash: the plan with each file replaced by what it is (a cached asset by
   * its recorded SHA-256, footage by its content's hash, so an edited clip re-stitches even at
   * the same path: hashed again only when its size or mtime changed, file-facts.ts), and the
   * stitcher's version.
   */
  async #stitchInputsHash(plan: StitchPlan): Promise<Sha256Hex> {
    const files = this.#files!;
    const contentId = async (file: string): Promise<string> => {
      for (const ready of this.#assets.values()) if (ready.path === file) return ready.record.sha256;
      return files.sha256(file);
    };
    const withIds = async <T extends { file: string }>(items: readonly T[]) => Promise.all(items.map(async (item) => ({ ...item, file: await contentId(item.file) })));
    return hashJson({
      stitcher: this.#options.stitchVersion,
      plan: { ...plan, clips: await withIds(plan.clips), narration: await withIds(plan.narration), cues: await withIds(plan.cues) },
    });
  }

  /**
   * How long each scene's source lasts, by scene id: a generated clip's as its asset record says,
   * footage's as ffprobe says (known from preflight: file-facts.ts probes it again only when changed).
   */
  async #sourceLengths(): Promise<Map<string, number>> {
    const lengths = new Map<string, number>();
    const { signal } = this.#options;
    const probeFootage = this.#options.probeFootage ?? this.#options.probeDuration;
    for (const scene of this.#dag.production.scenes) {
      const length =
        scene.kind === 'footage' ? await this.#files!.duration(scene.source, () => probeFootage(scene.source, signal)) : this.#assets.get(`clip:${scene.id}`)?.record.duration;
      if (length !== undefined) lengths.set(scene.id, length);
    }
    return lengths;
  }

  /** Where each narration's speech is heard, by scene id (for the captions' timing); nothing without a detector. */
  async #speechTiming(narration: readonly { sceneId: string; duration: number }[]): Promise<Map<string, SpeechTiming>> {
    const detect = this.#options.detectSpeech;
    const timing = new Map<string, SpeechTiming>();
    if (!detect) return timing;
    for (const n of narration) {
      const file = this.#assets.get(`speech:${n.sceneId}`)?.path;
      if (file) timing.set(n.sceneId, { spans: await detect(file, n.duration, this.#options.signal) });
    }
    return timing;
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
      // A cut this run delivered stays recorded (a QC failure comes after it); else the last one.
      await this.#writeLock({ ...this.#lockedAssets, ...this.#freshAssets() });
      return undefined;
    } catch (error: unknown) {
      return failureOf(error);
    }
  }

  /** The lock: `assets`, and the cuts known of every rendition (#cuts: the last lock's, then what this run made). */
  async #writeLock(assets: Record<string, LockedAsset>): Promise<void> {
    const lock: LockFile = { lockfileVersion: LOCK_VERSION, api: this.#dag.api, assets, ...lockCutFields(this.#cuts, this.#dag.production) };
    await writeLock(this.#options.lockPath, lock);
  }

  #summary(failure: RunFailure | undefined): RunSummary {
    const uses: AssetUse[] = [...this.#assets.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([node, ready]) => ({ node, via: ready.provenance, jobId: ready.record.job_id, attempt: attemptOf(ready), computeUnits: unitsSpent(ready) }));
    return {
      manifest: this.#dag.production.file,
      ok: failure === undefined,
      ...countAssets(uses),
      requests: this.#options.requestCount() - this.#requestsAtStart,
      ...(uses.length > 0 ? { assets: uses } : {}),
      ...this.#cut,
      ...(this.#qc ? { qc: this.#qc.summary } : {}),
      ...(this.#warnings.length > 0 ? { warnings: this.#warnings } : {}),
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

/** Compute units this run spent on an asset: what its job charged when this run made it, else 0. */
function unitsSpent(ready: ReadyAsset): number {
  return ready.provenance === 'generated' || ready.provenance === 'resumed' ? ready.record.compute_units : 0;
}

/**
 * The summary's counts of `uses`, each asset (named by the job that made it) once however many
 * nodes use it: two scenes with the same request share one asset, made and charged once.
 */
export function countAssets(uses: readonly AssetUse[]): Pick<RunSummary, 'generated' | 'cached' | 'refetched' | 'computeUnits'> {
  const assets = [...new Map(uses.map((u) => [u.jobId, u])).values()];
  const count = (...via: AssetUse['via'][]) => assets.filter((u) => via.includes(u.via)).length;
  return { generated: count('generated', 'resumed'), cached: count('cached'), refetched: count('refetched'), computeUnits: assets.reduce((sum, u) => sum + u.computeUnits, 0) };
}

/** Warnings once each: renditions with the same captions find the same ones. */
function distinctWarnings(warnings: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return warnings.filter((d) => {
    const key = `${d.pointer}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
