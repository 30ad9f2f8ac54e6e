/**
 * Runs one production: every node as soon as its inputs are ready (within the plan's limits,
 * which the client keeps), then the stitch, then the lock file. A failed node fails the
 * production with the API's message; nodes already under way finish and stay cached, and no
 * new job is submitted after a failure.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import pLimit from 'p-limit';
import { FRAME_SIZE } from '../vocabulary/catalog.js';
import { MercaApiError } from '../api/errors.js';
import { hashFile } from '../api/download.js';
import { formatDiagnostic } from '../manifest/diagnostic.js';
import { MUSIC_CROSSFADE, checkNarration, checkNarrationOverlap, computeTimeline, hashJson, nodeFingerprint, requestUnits, type Fingerprint, type PlanNode, type ProductionDag, type Sha256Hex, type Timeline } from '../plan/index.js';
import type { StitchOptions, StitchPlan, StitchResult } from '../media/stitch-types.js';
import { AssetCache } from './cache.js';
import type { Budget } from './budget.js';
import { fetchAsset, type DurationProbe, type ReadyAsset, type RunnerClient } from './assets.js';
import type { EventSink, RunSummary } from './events.js';
import { LOCK_VERSION, readLock, writeLock, type LockedAsset, type LockFile } from './lock.js';

/** Renders a final cut (src/media/stitch.ts). */
export type Stitcher = (plan: StitchPlan, options: StitchOptions) => Promise<StitchResult>;

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
  readonly budget?: Budget;
}

/** A run refused before anything was spent (`--frozen` and the lock does not cover the manifest). */
export class FrozenError extends Error {
  readonly type = 'frozen';
}

/** Runs the production; resolves with the summary whether it succeeded or failed. */
export async function runProduction(plan: ProductionDag, options: RunOptions): Promise<RunSummary> {
  const { production } = plan;
  const emit: EventSink = options.onEvent ?? (() => undefined);
  const cache = new AssetCache(join(options.stateDir, 'cache'));
  const jobsDir = join(options.stateDir, 'jobs');
  const lock = await readLock(options.lockPath);
  const lockedAssets: Record<string, LockedAsset> = lock && lock.api === plan.api ? { ...lock.assets } : {};
  const requestsAtStart = options.requestCount();
  const force = new Set(options.force ?? []);
  const speech = new Map<string, number>();
  const assets = new Map<string, ReadyAsset>();
  const nodeFp = new Map<string, Fingerprint>();
  const tally = { generated: 0, cached: 0, refetched: 0, computeUnits: 0 };
  let failure: string | undefined;

  emit({ type: 'run-start', manifest: production.file, api: plan.api, nodes: plan.nodes.length, nodeIds: plan.nodes.map((n) => n.id) });

  if (options.frozen) {
    const missing = plan.nodes.filter((n) => n.kind !== 'stitch' && n.dependsOn.length === 0).filter((n) => {
      const fp = nodeFingerprint(plan, n, speech);
      return fp === undefined || !lockedAssets[fp];
    });
    if (missing.length > 0) throw new FrozenError(`--frozen: the lock file does not cover ${missing.map((n) => n.id).join(', ')}; run without --frozen to generate them`);
  }

  const limit = pLimit(options.concurrency ?? 8);
  const done = new Map<string, Promise<void>>();
  const runNode = (node: PlanNode): Promise<void> => {
    const existing = done.get(node.id);
    if (existing) return existing;
    const promise = (async () => {
      await Promise.all(node.dependsOn.map((id) => runNode(plan.nodes.find((n) => n.id === id)!)));
      if (node.kind === 'stitch') return;
      await limit(async () => {
        if (failure) {
          emit({ type: 'node', node: node.id, state: 'skipped', message: 'not started: the production has failed' });
          return;
        }
        const request = node.request(speech);
        if (!request) throw new Error(`${node.id}: its request could not be built (a dependency is missing)`);
        if (node.kind === 'clip') {
          const scene = production.scenes.find((s) => s.id === node.subject);
          const misfit = scene?.narration ? checkNarration(production, speech).filter((d) => d.pointer === scene.narration!.pointer) : [];
          if (misfit.length > 0) throw new Error(misfit.map(formatDiagnostic).join('\n'));
        }
        const fp = nodeFingerprint(plan, node, speech)!;
        nodeFp.set(node.id, fp);
        const ready = await fetchAsset(fp, request, lockedAssets[fp], {
          client: options.client,
          cache,
          jobsDir,
          probeDuration: options.probeDuration,
          ...(options.signal ? { signal: options.signal } : {}),
          force: force.has(node.id),
          onState: (state, detail) => emit({ type: 'node', node: node.id, state, ...detail }),
          beforeSubmit: (request) => {
            if (failure) throw new Error('not submitted: the production has already failed');
            if (options.frozen) throw new FrozenError(`--frozen: ${node.id} is not in the lock file`);
            const reservation = options.budget?.reserve(requestUnits(request), `${production.file} ${node.id}`);
            return (job) => (job ? reservation?.settle(typeof job.compute_units === 'number' ? job.compute_units : undefined) : reservation?.release());
          },
        });
        assets.set(node.id, ready);
        if (ready.provenance === 'cached') tally.cached++;
        else if (ready.provenance === 'refetched') tally.refetched++;
        else {
          tally.generated++;
          tally.computeUnits += ready.record.compute_units;
        }
        if (node.kind === 'speech' && node.subject) speech.set(node.subject, ready.record.duration);
      });
    })().catch((error: unknown) => {
      const message = describe(error);
      failure ??= `${node.id}: ${message}`;
      emit({ type: 'node', node: node.id, state: 'failed', message });
      throw error;
    });
    done.set(node.id, promise);
    return promise;
  };

  const summary = (extra: Partial<RunSummary>): RunSummary => ({
    manifest: production.file,
    ok: failure === undefined,
    ...tally,
    requests: options.requestCount() - requestsAtStart,
    ...extra,
    ...(failure ? { error: failure } : {}),
  });

  const refused = await preflight(production, options);
  if (refused) {
    failure = refused;
    const result = summary({});
    emit({ type: 'run-end', ok: false, summary: result });
    return result;
  }
  await Promise.allSettled(plan.nodes.map(runNode));
  if (!failure) {
    const problems = checkNarration(production, speech);
    if (problems.length > 0) failure = problems.map(formatDiagnostic).join('\n');
  }

  // The lock records every asset the manifest now uses that exists. After a failure it also
  // keeps what it knew before (job ids the Vault can give back), and a run that produced
  // nothing against another API leaves it alone.
  const fresh: Record<string, LockedAsset> = {};
  for (const [nodeId, ready] of [...assets.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const { fingerprint, ...rest } = ready.record;
    fresh[fingerprint] = { ...rest, nodes: [...(fresh[fingerprint]?.nodes ?? []), nodeId].sort() };
  }
  const nextAssets: Record<string, LockedAsset> = failure ? { ...lockedAssets, ...fresh } : fresh;
  const writeLockWith = async (finalCut: LockFile['final_cut']) =>
    lock && lock.api !== plan.api && assets.size === 0 ? false : writeLock(options.lockPath, { lockfileVersion: LOCK_VERSION, api: plan.api, assets: nextAssets, ...(finalCut ? { final_cut: finalCut } : {}) });

  if (failure) {
    await writeLockWith(lock?.final_cut);
    const result = summary({});
    emit({ type: 'run-end', ok: false, summary: result });
    return result;
  }

  const timeline = computeTimeline(production, speech);
  const overlaps = checkNarrationOverlap(production, timeline);
  if (overlaps.length > 0) {
    failure = overlaps.map(formatDiagnostic).join('\n');
    await writeLockWith(lock?.final_cut);
    const result = summary({ length: timeline.length });
    emit({ type: 'run-end', ok: false, summary: result });
    return result;
  }
  const stitchPlan = buildStitchPlan(plan, timeline, assets);
  const inputs = hashJson({
    stitcher: options.stitchVersion,
    plan: {
      ...stitchPlan,
      clips: await Promise.all(stitchPlan.clips.map(async (c) => ({ ...c, file: await contentId(c.file, assets) }))),
      narration: await Promise.all(stitchPlan.narration.map(async (n) => ({ ...n, file: await contentId(n.file, assets) }))),
      cues: await Promise.all(stitchPlan.cues.map(async (c) => ({ ...c, file: await contentId(c.file, assets) }))),
    },
  });
  const outPath = relative(production.baseDir, production.output.path);
  const upToDate = lock?.final_cut?.inputs === inputs && (await hashFile(production.output.path).catch(() => undefined)) === lock.final_cut.sha256;
  if (upToDate && lock?.final_cut) {
    emit({ type: 'stitch', state: 'up-to-date' });
    await writeLockWith(lock.final_cut);
    const result = summary({ length: timeline.length, output: production.output.path, cutUpToDate: true });
    emit({ type: 'run-end', ok: true, summary: result });
    return result;
  }
  emit({ type: 'stitch', state: 'started' });
  try {
    await mkdir(join(options.stateDir, 'work'), { recursive: true });
    const result = await options.stitch(stitchPlan, {
      workDir: join(options.stateDir, 'work'),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.preset ? { preset: options.preset } : {}),
      onProgress: (progress, stage) => emit({ type: 'stitch', state: 'progress', progress, stage }),
    });
    const sha256 = (await hashFile(result.path)) as Sha256Hex;
    await writeLockWith({ path: outPath.split('\\').join('/'), sha256, inputs, length: Math.round(timeline.length * 1000) / 1000 });
    emit({ type: 'stitch', state: 'done' });
  } catch (error: unknown) {
    failure = `stitch: ${describe(error)}`;
    emit({ type: 'stitch', state: 'failed', message: describe(error) });
    await writeLockWith(lock?.final_cut);
    const result = summary({ length: timeline.length });
    emit({ type: 'run-end', ok: false, summary: result });
    return result;
  }
  const result = summary({ length: timeline.length, output: production.output.path, cutUpToDate: false });
  emit({ type: 'run-end', ok: true, summary: result });
  return result;
}

/**
 * What can be known before anything is spent: every footage file is media ffmpeg can read, and
 * the final cut's folder can be written. Returns the reason to stop, or undefined.
 */
async function preflight(production: ProductionDag['production'], options: RunOptions): Promise<string | undefined> {
  for (const scene of production.scenes) {
    if (scene.kind !== 'footage') continue;
    const seconds = await options.probeDuration(scene.source, options.signal).catch(() => undefined);
    if (seconds === undefined || !(seconds > 0)) {
      return formatDiagnostic(production.source.diagnostic(`${scene.pointer}/source`, 'footage-readable', `scenes[${scene.index}].source is not a video ffmpeg can read (${scene.source})`));
    }
  }
  const folder = dirname(production.output.path);
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch (error: unknown) {
    return `the final cut cannot be written to ${folder} (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return undefined;
}

/** The stitch's inputs in film time, from the timeline and the ready assets. */
export function buildStitchPlan(plan: ProductionDag, timeline: Timeline, assets: ReadonlyMap<string, ReadyAsset>): StitchPlan {
  const { production } = plan;
  const { width, height } = FRAME_SIZE[production.output.resolution];
  return {
    output: { path: production.output.path, width, height, fps: production.output.fps, loudness: production.output.loudness, subtitles: production.output.subtitles, title: production.title },
    length: timeline.length,
    clips: timeline.scenes.map((t) => {
      const scene = production.scenes[t.index]!;
      const file = scene.kind === 'footage' ? scene.source : assets.get(`clip:${scene.id}`)!.path;
      return { id: scene.id, file, inPoint: 0, duration: t.duration, start: t.start, transition: t.transition > 0 ? { type: scene.transition.type, duration: t.transition } : { type: 'cut', duration: 0 } };
    }),
    narration: timeline.narration.map((n) => ({
      id: n.sceneId,
      file: assets.get(`speech:${n.sceneId}`)!.path,
      start: n.start,
      duration: n.duration,
      text: production.scenes.find((s) => s.id === n.sceneId)!.narration!.text,
    })),
    cues: timeline.cues.flatMap((cue) => {
      const spec = production.score.find((c) => c.id === cue.id)!;
      return cue.parts.map((part, k) => ({
        id: part.node,
        file: assets.get(part.node)!.path,
        start: part.start,
        duration: part.duration,
        inPoint: 0,
        gain: spec.gain,
        duck: spec.duck,
        fadeIn: k === 0 ? spec.fadeIn : MUSIC_CROSSFADE,
        fadeOut: k === cue.parts.length - 1 ? spec.fadeOut : MUSIC_CROSSFADE,
      }));
    }),
  };
}

/**
 * What a stitch input is, for the stitch hash: a cached asset by its recorded SHA-256, local
 * footage by hashing its content (so an edited clip re-stitches even at the same path).
 */
async function contentId(file: string, assets: ReadonlyMap<string, ReadyAsset>): Promise<string> {
  for (const ready of assets.values()) if (ready.path === file) return ready.record.sha256;
  return hashFile(file);
}

function describe(error: unknown): string {
  if (error instanceof MercaApiError) return `${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
