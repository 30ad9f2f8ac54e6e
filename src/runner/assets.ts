/**
 * Getting one generated asset, as cheaply as possible, in this order:
 *   1. the cache (by fingerprint)                                   — free
 *   2. the Vault, for a job the lock file names but the cache lost   — a download, no job
 *   3. a job submitted before (recorded in .mercadream/jobs/)       — poll it, never resubmit
 *   4. a new job, its attempt recorded atomically before the POST and its id the moment the
 *      POST returns (src/runner/submission.ts)
 * POSTs carry an Idempotency-Key derived from the fingerprint and the attempt, so a crash
 * between sending and recording cannot pay twice either.
 *
 * A job that failed is not resumed: the run after the failure submits the request again as the
 * next attempt, under a new key (the old key would hand back the failed job). A run submits at
 * most one new attempt per request, and a job it waited on that fails fails the run
 * (JobFailedError, with the job id and the API's message); the next run tries again. A request
 * the API refuses outright (a 400 ValidationError) is recorded and not sent again by later runs
 * (only `--force` sends it): the same request would be refused again.
 */
import { randomBytes } from 'node:crypto';
import type { MercaClient } from '../api/client.js';
import { JobFailedError, NotFoundError, ValidationError } from '../api/errors.js';
import type { GenerateParams, Job, MusicParams, SpeechParams } from '../api/types.js';
import type { AssetRequest, Fingerprint, Sha256Hex } from '../plan/fingerprint.js';
import type { AssetCache, AssetRecord } from './cache.js';
import type { LockedAsset } from './lock.js';
import type { Provenance } from './events.js';
import { isPermanentRefusal, nextAttempt, readSubmission, recordRefusal, refusalError, removeSubmission, writeSubmission, type SubmissionRecord } from './submission.js';

export type { Provenance };
export { idempotencyKey } from './submission.js';

/** The steps of obtaining an asset, reported through `onState` (the runner maps them to node states). */
export type AssetStep = 'cached' | 'refetching' | 'resumed' | 'submitted' | 'processing' | 'downloading' | 'done';

/** The part of MercaClient the runner uses (so batches can share or wrap one client). */
export type RunnerClient = Pick<MercaClient, 'generate' | 'speech' | 'music' | 'download' | 'follow'> & {
  readonly jobs: Pick<MercaClient['jobs'], 'get' | 'wait'>;
  /** The `webhook_url` the client adds to every job it submits (MercaClient's option), if any. */
  readonly webhookUrl?: string | undefined;
};

/** Measures a downloaded file's duration in seconds (ffprobe); throws when it is not media. */
export type DurationProbe = (file: string, signal?: AbortSignal) => Promise<number>;

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
  /** Called at each step; `attempt` is the submission of the request the job is (1 = first). */
  readonly onState: (state: AssetStep, detail?: { jobId?: string; attempt?: number; progress?: number }) => void;
  /**
   * Called just before a new job is submitted; throw to refuse (`--frozen`, a failed run, the
   * budget). The returned function, if any, receives the job the API accepted (or undefined
   * when the POST failed). May be async (a budget kept in Redis): the POST waits for it.
   */
  readonly beforeSubmit?: (request: AssetRequest) => SubmitSettler | void | Promise<SubmitSettler | void>;
}

/**
 * Hears whether the API took a submission: the job it accepted, or undefined when the POST
 * failed. May be async (a budget kept in Redis): the submission waits for it, and its failure is
 * the submission's.
 */
export type SubmitSettler = (job: Job | undefined) => void | Promise<void>;

const EXT: Record<AssetRequest['endpoint'], string> = { generate: 'mp4', speech: 'wav', music: 'wav' };

/** Where a request stands once its recorded submission is read and no job is live: the record, if any. */
interface Pending {
  readonly record: SubmissionRecord | undefined;
  /**
   * True once this run has spent its one new attempt: one already spent when it starts (a
   * recorded failure), or one it learns has failed without having waited for it (the recorded
   * job, or the job an idempotent replay hands back, found failed).
   */
  readonly advanced: boolean;
}

/** A live job to wait on, and the record of the attempt it is. */
interface Started {
  readonly record: SubmissionRecord;
  readonly job: Job;
  readonly provenance: Provenance;
}

/**
 * Obtains the asset of `request` (see the module docstring).
 * @throws JobFailedError when the job this run waited on failed (`jobId`, `jobError.message`);
 *   the record notes it and the next run submits the next attempt
 * @throws ValidationError (with `param`, `status`, `requestId`) when the API refused the
 *   request, now or in an earlier run
 * @throws the API's other errors as they come (the record keeps the attempt, to resend it)
 */
export async function fetchAsset(fingerprint: Fingerprint, request: AssetRequest, locked: LockedAsset | undefined, ctx: AssetContext): Promise<ReadyAsset> {
  const cached = await fromCache(fingerprint, locked, ctx);
  if (cached) return cached;
  const recorded = await resumeRecorded(fingerprint, request, ctx);
  const started = 'job' in recorded ? recorded : await submitNext(fingerprint, request, recorded, ctx);
  return waitAndDownload(fingerprint, request, started, ctx);
}

/**
 * Sources 1 and 2: the cache by fingerprint, the cache by the lock's SHA-256 (remembered under
 * this fingerprint), or the Vault for a locked job the cache lost. Undefined under `--force`,
 * and when none has it (a failed Vault fetch is no error: the asset is made anew).
 */
async function fromCache(fingerprint: Fingerprint, locked: LockedAsset | undefined, ctx: AssetContext): Promise<ReadyAsset | undefined> {
  if (ctx.force) return undefined;
  const { cache } = ctx;
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
  if (locked) return refetch(fingerprint, locked, ctx).catch(() => undefined);
  return undefined;
}

/**
 * Source 3: the submission recorded in an earlier run (none under `--force`). A refusal is
 * thrown again; a live job is followed and returned to wait on; a job found failed is noted
 * (this run's new attempt is then spent); a job the API no longer knows is forgotten, so its
 * attempt is sent again.
 */
async function resumeRecorded(fingerprint: Fingerprint, request: AssetRequest, ctx: AssetContext): Promise<Started | Pending> {
  const record = ctx.force === true ? undefined : await readSubmission(ctx.jobsDir, fingerprint, request.endpoint);
  if (record?.refused) throw refusalError(record.refused);
  if (!record?.job_id || record.failed) return { record, advanced: record?.failed !== undefined };
  ctx.onState('resumed', { jobId: record.job_id, attempt: record.attempt });
  try {
    const seen = await ctx.client.jobs.get(record.job_id, signalOpt(ctx));
    if (seen.status === 'failed') return { record: await noteFailure(ctx, fingerprint, record, seen), advanced: true };
    await ctx.client.follow(seen, signalOpt(ctx));
    return { record, job: seen, provenance: 'resumed' };
  } catch (error: unknown) {
    // The API no longer knows the job (another account, a wiped Local): send this attempt again.
    if (!(error instanceof NotFoundError)) throw error;
    const { job_id: _gone, ...rest } = record;
    return { record: rest, advanced: false };
  }
}

/**
 * Source 4: submits the request as its next attempt, recorded before the POST and its job id
 * the moment the POST returns. When the API replays a job that already failed, that failure is
 * noted and, if this run has not spent its one new attempt yet, the following attempt is sent;
 * otherwise the run fails with JobFailedError.
 */
async function submitNext(fingerprint: Fingerprint, request: AssetRequest, pending: Pending, ctx: AssetContext): Promise<Started> {
  let { record, advanced } = pending;
  for (;;) {
    const attempt = nextAttempt(fingerprint, request.endpoint, record, ctx.force === true, ctx.client.webhookUrl);
    // Recorded before the POST: a run that dies before the answer resends this attempt's key.
    await writeSubmission(ctx.jobsDir, fingerprint, attempt);
    const posted = await postAttempt(fingerprint, request, attempt, ctx);
    record = { ...attempt, job_id: posted.id };
    await writeSubmission(ctx.jobsDir, fingerprint, record);
    ctx.onState('submitted', { jobId: posted.id, attempt: attempt.attempt });
    if (posted.status !== 'failed') return { record, job: posted, provenance: 'generated' };
    // The API replayed this attempt's job, which failed before any run saw it.
    record = await noteFailure(ctx, fingerprint, record, posted);
    if (advanced) throw new JobFailedError(posted.id, posted.error);
    advanced = true;
  }
}

/**
 * POSTs one recorded attempt. A refusal the API would repeat is recorded so later runs do not
 * send it again; another 400 is recorded as the attempt's failure.
 */
async function postAttempt(fingerprint: Fingerprint, request: AssetRequest, attempt: SubmissionRecord, ctx: AssetContext): Promise<Job> {
  try {
    return await submit(request, attempt, ctx);
  } catch (error: unknown) {
    if (isPermanentRefusal(error)) await writeSubmission(ctx.jobsDir, fingerprint, { ...attempt, refused: recordRefusal(error) });
    else if (error instanceof ValidationError) await writeSubmission(ctx.jobsDir, fingerprint, { ...attempt, failed: { type: error.type, message: error.message } });
    throw error;
  }
}

/**
 * Waits for the job (reporting its progress) and downloads it into the cache; the submission
 * record is then removed. A job that fails is noted in the record (the next run submits the
 * next attempt) and its JobFailedError thrown.
 */
async function waitAndDownload(fingerprint: Fingerprint, request: AssetRequest, started: Started, ctx: AssetContext): Promise<ReadyAsset> {
  let finished: Job;
  try {
    finished = await ctx.client.jobs.wait(started.job, {
      ...signalOpt(ctx),
      onProgress: (j) => ctx.onState('processing', { jobId: j.id, ...(typeof j.progress === 'number' ? { progress: j.progress } : {}) }),
    });
  } catch (error: unknown) {
    if (error instanceof JobFailedError) await noteFailure(ctx, fingerprint, started.record, { id: error.jobId, error: error.jobError });
    throw error;
  }
  const ready = await download(fingerprint, request.endpoint, finished, ctx, started.provenance, started.record.attempt);
  await removeSubmission(ctx.jobsDir, fingerprint);
  return ready;
}

/**
 * POSTs `request` as `attempt` (its Idempotency-Key, and its recorded `webhook_url` when that is
 * not the client's own); the context's beforeSubmit hears whether the API took it.
 */
async function submit(request: AssetRequest, attempt: SubmissionRecord, ctx: AssetContext): Promise<Job> {
  const pending: { settle?: SubmitSettler } = {};
  const options = {
    idempotencyKey: attempt.idempotency_key,
    ...signalOpt(ctx),
    // Checked when the job is really about to go out (a plan slot is free), not when queued.
    beforePost: async () => {
      const settle = await ctx.beforeSubmit?.(request);
      if (settle) pending.settle = settle;
    },
  };
  // The params were built by the planner to the API's shapes (src/plan/dag.ts).
  // The body resent under a recorded key must be the one first sent: the recorded webhook_url
  // (undefined drops the field), unless it is the client's own, which the client adds itself.
  const recorded = attempt.webhook_url !== ctx.client.webhookUrl;
  const params = { ...request.params, ...(recorded ? { webhook_url: attempt.webhook_url } : {}) } as unknown;
  let job: Job;
  try {
    job =
      request.endpoint === 'generate'
        ? await ctx.client.generate(params as GenerateParams, options)
        : request.endpoint === 'speech'
          ? await ctx.client.speech(params as SpeechParams, options)
          : await ctx.client.music(params as MusicParams, options);
  } catch (error: unknown) {
    // The POST's error is the one to report; a release that fails too leaves the units reserved,
    // so the budget refuses sooner, never later.
    await Promise.resolve(pending.settle?.(undefined)).catch(() => undefined);
    throw error;
  }
  await pending.settle?.(job);
  return job;
}

/** Records that the attempt's job failed, in the API's words; the next run submits the next attempt. */
async function noteFailure(ctx: AssetContext, fingerprint: Fingerprint, record: SubmissionRecord, job: Pick<Job, 'id' | 'error'>): Promise<SubmissionRecord> {
  const failed: SubmissionRecord = { ...record, job_id: job.id, failed: { type: job.error?.type ?? 'job_failed', message: job.error?.message ?? 'no reason given' } };
  await writeSubmission(ctx.jobsDir, fingerprint, failed);
  return failed;
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
    ctx.onState('done', { jobId: job.id, attempt });
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
