/**
 * Getting one generated asset, as cheaply as possible, in this order:
 *   1. the cache (by fingerprint)                                   — free
 *   2. the Vault, for a job the lock file names but the cache lost   — a download, no job
 *   3. a job submitted before (recorded in .mercadream/jobs/)       — poll it, never resubmit
 *   4. a new job, its id recorded atomically the moment the POST returns
 * POSTs carry an Idempotency-Key derived from the fingerprint, so a crash between sending and
 * recording cannot pay twice either.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MercaClient } from '../api/client.js';
import { NotFoundError } from '../api/errors.js';
import type { GenerateParams, Job, MusicParams, SpeechParams } from '../api/types.js';
import type { AssetRequest, Fingerprint, Sha256Hex } from '../plan/fingerprint.js';
import { writeJsonAtomic } from '../util/atomic-file.js';
import type { AssetCache, AssetRecord } from './cache.js';
import type { LockedAsset } from './lock.js';
import type { NodeState } from './events.js';

/** The part of MercaClient the runner uses (so batches can share or wrap one client). */
export type RunnerClient = Pick<MercaClient, 'generate' | 'speech' | 'music' | 'download' | 'follow'> & { readonly jobs: Pick<MercaClient['jobs'], 'get' | 'wait'> };

/** Measures a downloaded file's duration in seconds (ffprobe); throws when it is not media. */
export type DurationProbe = (file: string, signal?: AbortSignal) => Promise<number>;

/** How an asset was obtained. */
export type Provenance = 'cached' | 'refetched' | 'resumed' | 'generated';

/** A ready asset. */
export interface ReadyAsset {
  readonly record: AssetRecord;
  /** Where it is in the cache. */
  readonly path: string;
  readonly provenance: Provenance;
}

/** Everything fetchAsset needs. */
export interface AssetContext {
  readonly client: RunnerClient;
  readonly cache: AssetCache;
  /** `.mercadream/jobs`: job ids recorded the moment a POST returns. */
  readonly jobsDir: string;
  readonly probeDuration: DurationProbe;
  readonly signal?: AbortSignal;
  /** True when this node must be made again (`--force`): caches and the lock are ignored. */
  readonly force?: boolean;
  /** Called when the node changes state. */
  readonly onState: (state: NodeState, detail?: { jobId?: string; progress?: number; message?: string }) => void;
  /**
   * Called just before a new job is submitted; throw to refuse (`--frozen`, a failed run, the
   * budget). The returned function, if any, receives the job the API accepted (or undefined
   * when the POST failed).
   */
  readonly beforeSubmit?: (request: AssetRequest) => ((job: Job | undefined) => void) | void;
}

const EXT: Record<AssetRequest['endpoint'], string> = { generate: 'mp4', speech: 'wav', music: 'wav' };

/** The Idempotency-Key of a request: the same request always sends the same key. */
export function idempotencyKey(fingerprint: Fingerprint, force: boolean): string {
  return force ? `mdp-${fingerprint.slice(0, 40)}-${randomBytes(4).toString('hex')}` : `mdp-${fingerprint.slice(0, 48)}`;
}

/** Obtains the asset of `request` (see the module docstring). Throws the API's error when a job fails. */
export async function fetchAsset(fingerprint: Fingerprint, request: AssetRequest, locked: LockedAsset | undefined, ctx: AssetContext): Promise<ReadyAsset> {
  const { cache } = ctx;
  if (!ctx.force) {
    const cached = await cache.lookup(fingerprint);
    if (cached) {
      ctx.onState('cached');
      return { record: cached, path: cache.assetPath(cached.sha256, cached.ext), provenance: 'cached' };
    }
    if (locked && (await cache.present(locked))) {
      const record: AssetRecord = { ...withoutNodes(locked), fingerprint };
      await cache.remember(record);
      ctx.onState('cached');
      return { record, path: cache.assetPath(record.sha256, record.ext), provenance: 'cached' };
    }
    if (locked) {
      const again = await refetch(fingerprint, locked, ctx).catch(() => undefined);
      if (again) return again;
    }
  }
  const jobFile = join(ctx.jobsDir, `${fingerprint}.json`);
  const recorded = ctx.force ? undefined : await readFile(jobFile, 'utf8').then((t) => (JSON.parse(t) as { job_id: string }).job_id, () => undefined);
  let job: Job | undefined;
  let provenance: Provenance = 'generated';
  if (recorded) {
    ctx.onState('resumed', { jobId: recorded });
    try {
      job = await ctx.client.jobs.get(recorded, signalOpt(ctx));
      await ctx.client.follow(job, signalOpt(ctx));
      provenance = 'resumed';
    } catch (error: unknown) {
      // The API no longer knows the job (another account, a wiped Local): make it anew.
      if (!(error instanceof NotFoundError)) throw error;
      await rm(jobFile, { force: true });
      job = undefined;
    }
  }
  if (!job) {
    const pending: { settle?: (job: Job | undefined) => void } = {};
    const options = {
      idempotencyKey: idempotencyKey(fingerprint, ctx.force === true),
      ...signalOpt(ctx),
      // Checked when the job is really about to go out (a plan slot is free), not when queued.
      beforePost: () => {
        const settle = ctx.beforeSubmit?.(request);
        if (settle) pending.settle = settle;
      },
    };
    // The params were built by the planner to the API's shapes (src/plan/dag.ts).
    const params = { ...request.params } as unknown;
    try {
      job =
        request.endpoint === 'generate' ? await ctx.client.generate(params as GenerateParams, options)
        : request.endpoint === 'speech' ? await ctx.client.speech(params as SpeechParams, options)
        : await ctx.client.music(params as MusicParams, options);
    } catch (error: unknown) {
      pending.settle?.(undefined);
      throw error;
    }
    pending.settle?.(job);
    await mkdir(ctx.jobsDir, { recursive: true });
    await writeJsonAtomic(jobFile, { job_id: job.id, endpoint: request.endpoint }, 0o644);
    ctx.onState('submitted', { jobId: job.id });
    provenance = 'generated';
  }
  const finished = await ctx.client.jobs.wait(job, {
    ...signalOpt(ctx),
    onProgress: (j) => ctx.onState('processing', { jobId: j.id, ...(typeof j.progress === 'number' ? { progress: j.progress } : {}) }),
  });
  const ready = await download(fingerprint, request.endpoint, finished, ctx, provenance, 1);
  await rm(jobFile, { force: true });
  return ready;
}

/** Fetches a locked asset again from the Vault: GET /v2/jobs/{id} → download_url, checked against the lock's SHA-256. */
async function refetch(fingerprint: Fingerprint, locked: LockedAsset, ctx: AssetContext): Promise<ReadyAsset | undefined> {
  ctx.onState('refetching', { jobId: locked.job_id });
  const job = await ctx.client.jobs.get(locked.job_id, signalOpt(ctx));
  if (job.status !== 'completed' || !job.download_url) return undefined;
  const ready = await download(fingerprint, locked.endpoint, job, ctx, 'refetched', locked.attempt);
  if (ready.record.sha256 !== locked.sha256) return undefined; // the Vault holds something else now: make it anew
  return ready;
}

async function download(fingerprint: Fingerprint, endpoint: AssetRequest['endpoint'], job: Job, ctx: AssetContext, provenance: Provenance, attempt: number): Promise<ReadyAsset> {
  ctx.onState('downloading', { jobId: job.id });
  const temp = await ctx.cache.incomingPath(`${fingerprint}.${randomBytes(4).toString('hex')}.${EXT[endpoint]}`);
  try {
    const got = await ctx.client.download(job, temp, signalOpt(ctx));
    const duration = await ctx.probeDuration(temp, ctx.signal);
    const record: AssetRecord = {
      fingerprint,
      endpoint,
      job_id: job.id,
      sha256: got.sha256 as Sha256Hex,
      bytes: got.bytes,
      duration: Math.round(duration * 1000) / 1000,
      compute_units: typeof job.compute_units === 'number' ? job.compute_units : 0,
      ext: EXT[endpoint],
      attempt,
    };
    const path = await ctx.cache.store(temp, record);
    ctx.onState('done', { jobId: job.id });
    return { record, path, provenance };
  } finally {
    await ctx.cache.discard(temp);
  }
}

function withoutNodes(locked: LockedAsset): Omit<AssetRecord, 'fingerprint'> {
  const { nodes: _nodes, ...rest } = locked;
  return rest;
}

function signalOpt(ctx: AssetContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}
