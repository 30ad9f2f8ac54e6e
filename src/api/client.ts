/**
 * MercaClient: the MercaDream REST API v2 client, shaped like the API's SDK example:
 *
 *   const client = new MercaClient('mk_live_…');
 *   const job = await client.generate({ prompt: 'Neon rain on Tokyo streets at midnight', resolution: '4k' });
 *   const result = await client.jobs.wait(job.id);
 *   console.log(result.download_url);
 *
 * It keeps under the plan's limits itself (a request bucket and a concurrent-job gate, shared by
 * every client of the same key given the same LimitsRegistry), retries what may succeed on a second try, waits
 * with few requests, and downloads safely. The key comes from the option or MERCADREAM_API_KEY
 * and never appears in an error, a log line or `util.inspect(client)`.
 */
import { setMaxListeners } from 'node:events';
import { PLAN_LIMITS, type PlanLimits } from '../vocabulary/catalog.js';
import { systemClock, type Clock } from '../util/clock.js';
import { AuthError, NotFoundError, RateLimitError } from './errors.js';
import { downloadFile, type DownloadResult } from './download.js';
import { LimitsRegistry, type BucketStats, type GateStats, type LimitsSource, type SharedLimits } from './limits.js';
import { SlotLedger, type TakenSlot } from './slot-ledger.js';
import { DEFAULT_RETRY_POLICY, type RetryEvent, type RetryPolicy } from './retry.js';
import { CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, Transport } from './transport.js';
import type { GenerateParams, Job, JobListParams, JobPage, MusicParams, SpeechParams, VaultAsset } from './types.js';
import { VERSION as version } from '../version.js';
import { DEFAULT_WAIT_TIMING, JobWaiter, WEBHOOK_WAIT_TIMING, type PollShare, type WaitOptions, type WaitTiming } from './wait.js';

/** The API's documented base URL. */
export const DEFAULT_BASE_URL = 'https://api.mercadream.com/v2';

/** Options of MercaClient. Everything is optional. */
export interface MercaClientOptions {
  /** Default: MERCADREAM_API_KEY. */
  readonly apiKey?: string;
  /** Default: MERCADREAM_BASE_URL, else https://api.mercadream.com/v2. */
  readonly baseUrl?: string;
  /** Plan whose limits the client keeps (default regular, the strictest), or explicit limits. */
  readonly plan?: keyof typeof PLAN_LIMITS | PlanLimits;
  /**
   * Where the client takes its request bucket and concurrent-job gate from. Clients of the same
   * key and base URL given the same registry share them, so together they keep under the plan's
   * limits; create one registry per program and pass it to every client. Default: a registry of
   * this client's own (it shares its limits with no other client).
   */
  readonly limits?: LimitsSource;
  /** Time for the limiter, backoff and waits (default the wall clock); tests pass a ManualClock. */
  readonly clock?: Clock;
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Request timeout, ms: how long a request may wait for the response headers, and how long a
   * response body (a download included) may stay silent, before the attempt fails with
   * RequestTimeoutError and is retried like any network failure. Default 300 000 (300 s), for
   * APIs slow to answer a POST that starts a render; 0 = no limit. A finite number ≥ 0, else
   * the constructor throws a RangeError. (The connection itself must open within 10 s.)
   */
  readonly requestTimeoutMs?: number;
  readonly waitTiming?: Partial<WaitTiming>;
  /**
   * Sent as `webhook_url` with every job this client submits (unless the params name one): where
   * the API delivers the job's updates. Hand each verified delivery to `observeDelivery`. Waits on
   * those jobs then poll only as the fallback for a missed delivery (WEBHOOK_WAIT_TIMING); jobs
   * submitted elsewhere (resumed, or another worker's) are polled as usual.
   */
  readonly webhookUrl?: string;
  /**
   * Shares this client's polls with the other clients of the key on other machines (a fleet:
   * src/fleet/shared-polls.ts): one of them polls in a while and the others hear what it saw.
   * Hand what the share relays to `observeDelivery`. Default: the `limits` source's share (a
   * fleet's RedisLimits has one), else this client polls alone.
   */
  readonly pollShare?: PollShare;
  /** Called before every retry (for progress displays). */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Environment to read MERCADREAM_* from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Options of a POST that creates a job. */
export interface SubmitOptions {
  /** Sent as Idempotency-Key; default a random UUID per call (reused by its retries). */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
  /**
   * Called once a concurrent-job slot is free, just before the POST: throw to cancel the
   * submission (a budget that the jobs before this one used up). The slot is given back.
   * May be async (a budget kept in Redis); the POST waits for it.
   */
  readonly beforePost?: () => void | Promise<void>;
}

/** Counters for reports and tests. */
export interface ClientStats {
  /** HTTP requests this client sent, retries and downloads included. */
  readonly requests: number;
  readonly bucket: BucketStats;
  readonly gate: GateStats;
}

/** The MercaDream v2 client. */
export class MercaClient {
  readonly baseUrl: string;
  readonly jobs: {
    /** GET /v2/jobs/{id}. */
    get(id: string, options?: { signal?: AbortSignal }): Promise<Job>;
    /** Every job, newest first, page by page (GET /v2/jobs with `before` cursors). */
    list(params?: JobListParams, options?: { signal?: AbortSignal }): AsyncIterable<Job>;
    /** One page of GET /v2/jobs. */
    page(params?: JobListParams, options?: { signal?: AbortSignal }): Promise<JobPage>;
    /** Resolves when the job completes; throws JobFailedError when it fails. */
    wait(job: string | Job, options?: WaitOptions): Promise<Job>;
  };
  readonly vault: {
    list(options?: { signal?: AbortSignal }): Promise<{ data: VaultAsset[]; has_more?: boolean }>;
    get(assetId: string, options?: { signal?: AbortSignal }): Promise<VaultAsset>;
    delete(assetId: string, options?: { signal?: AbortSignal }): Promise<void>;
  };

  private readonly transport: Transport;
  private readonly limits: SharedLimits;
  private readonly waiter: JobWaiter;
  private readonly clock: Clock;
  private readonly policy: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly slots: SlotLedger;
  /** The last sighting of each job still running, so a webhook delivery (which carries less) completes it. */
  private readonly running = new Map<string, Job>();
  /** The `webhook_url` added to every job this client submits (the `webhookUrl` option), if any. */
  readonly webhookUrl: string | undefined;
  /** Deliveries that arrived before their job's POST answered, by job id (the oldest dropped past 1000). */
  private readonly early = new Map<string, { job_id: string; status: Job['status']; [field: string]: unknown }>();
  /** Jobs this client submitted with its webhook URL, still running: their updates are delivered here. */
  private readonly delivered = new Set<string>();
  /** Aborted by close(): ends the client's own waits on the jobs it holds slots for. */
  private readonly lifetime = new AbortController();
  private requestCount = 0;

  /**
   * @throws AuthError when no API key is given or set in MERCADREAM_API_KEY
   * @throws TypeError when the base URL is plain http:// to a host other than loopback
   * @throws RangeError when requestTimeoutMs is not a finite number ≥ 0
   */
  // Longer than most: the client's one composition of its parts (transport, limits, waiter, resources), a line each.
  // eslint-disable-next-line max-lines-per-function
  constructor(apiKeyOrOptions?: string | MercaClientOptions, maybeOptions: MercaClientOptions = {}) {
    const options = typeof apiKeyOrOptions === 'string' ? { ...maybeOptions, apiKey: apiKeyOrOptions } : { ...apiKeyOrOptions };
    const env = options.env ?? process.env;
    const apiKey = options.apiKey ?? env['MERCADREAM_API_KEY'];
    if (!apiKey) throw new AuthError({ status: 0, type: 'missing_api_key', message: 'no API key: pass apiKey or set MERCADREAM_API_KEY' });
    this.baseUrl = (options.baseUrl ?? env['MERCADREAM_BASE_URL'] ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    setMaxListeners(0, this.lifetime.signal); // one listener per followed job
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(Number.isFinite(requestTimeoutMs) && requestTimeoutMs >= 0)) throw new RangeError(`requestTimeoutMs must be a number of milliseconds ≥ 0, not ${requestTimeoutMs}`);
    this.requestTimeoutMs = requestTimeoutMs;
    this.clock = options.clock ?? systemClock;
    this.webhookUrl = options.webhookUrl;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const plan = typeof options.plan === 'object' ? options.plan : PLAN_LIMITS[options.plan ?? 'regular'];
    this.limits = (options.limits ?? new LimitsRegistry()).for(this.baseUrl, apiKey, plan, this.clock);
    this.slots = new SlotLedger(this.limits.gate);
    this.transport = new Transport({
      baseUrl: new URL(this.baseUrl),
      apiKey,
      clock: this.clock,
      bucket: this.limits.bucket,
      policy: this.policy,
      timeouts: { connectMs: CONNECT_TIMEOUT_MS, requestMs: requestTimeoutMs },
      userAgent: `mercadream-pipeline/${version}`,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      onRequest: () => void this.requestCount++,
    });
    this.waiter = new JobWaiter(
      {
        getJob: (id, signal) => this.jobs.get(id, signal ? { signal } : {}),
        listJobs: (params, signal) => this.jobs.page(params, signal ? { signal } : {}),
        probe: (id) => this.slots.offer(id),
        ...((options.pollShare ?? this.limits.polls) ? { share: (options.pollShare ?? this.limits.polls)! } : {}),
      },
      this.clock,
      { ...DEFAULT_WAIT_TIMING, ...options.waitTiming },
      options.webhookUrl ? { expected: (id) => this.delivered.has(id), timing: WEBHOOK_WAIT_TIMING } : undefined,
    );

    const call = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, extra: { query?: Record<string, string | number | undefined>; signal?: AbortSignal | undefined } = {}) =>
      this.transport.call<T>(method, path, { ...(extra.query ? { query: extra.query } : {}), ...(extra.signal ? { signal: extra.signal } : {}) });

    this.jobs = {
      get: async (id, o = {}) => this.seen(await call<Job>('GET', `jobs/${encodeURIComponent(id)}`, o)),
      page: async (params = {}, o = {}) => {
        const page = await call<JobPage>('GET', 'jobs', {
          query: {
            status: params.status,
            limit: params.limit,
            before: params.before instanceof Date ? params.before.toISOString() : params.before,
          },
          signal: o.signal,
        });
        // Running jobs first: a presumed-ended job seen running takes the slot of one seen ended.
        for (const job of [...page.data].sort((a, b) => Number(ended(a)) - Number(ended(b)))) this.seen(job);
        return page;
      },
      list: (params = {}, o = {}) => this.iterate(params, o.signal),
      wait: (job, o = {}) => this.waiter.wait(job, o),
    };
    this.vault = {
      list: (o = {}) => call('GET', 'vault', o),
      get: (assetId, o = {}) => call('GET', `vault/${encodeURIComponent(assetId)}`, o),
      delete: async (assetId, o = {}) => {
        await call('DELETE', `vault/${encodeURIComponent(assetId)}`, o);
      },
    };
  }

  /** POST /v2/generate: a video job. Waits for a free concurrent-job slot first. */
  generate(params: GenerateParams, options: SubmitOptions = {}): Promise<Job> {
    return this.submit('generate', params, options);
  }

  /** POST /v2/speech: a narration job. */
  speech(params: SpeechParams, options: SubmitOptions = {}): Promise<Job> {
    return this.submit('speech', params, options);
  }

  /** POST /v2/music: a score job. */
  music(params: MusicParams, options: SubmitOptions = {}): Promise<Job> {
    return this.submit('music', params, options);
  }

  /**
   * Downloads a completed job's asset (or any signed download URL) to `destination`, verified
   * against `file_size_bytes`. See downloadFile for the guarantees and the retries. Given a job,
   * a 403 (its signed download_url has expired) fetches the job again (GET /v2/jobs/{id}) for a
   * fresh URL and carries on, resuming what already arrived; given a bare URL, a 403 is final.
   * @throws NotFoundError when the asset is gone (404, or the job no longer has a download_url)
   */
  download(
    source: Job | string,
    destination: string,
    options: { signal?: AbortSignal; onProgress?: (received: number, expected: number | undefined) => void } = {},
  ): Promise<DownloadResult> {
    const url = typeof source === 'string' ? source : source.download_url;
    if (!url) throw new TypeError(`job ${typeof source === 'string' ? '' : source.id} has no download_url (is it completed?)`);
    const expectedBytes = typeof source === 'string' ? undefined : (source.file_size_bytes ?? undefined);
    const refreshUrl =
      typeof source === 'string'
        ? undefined
        : async (signal?: AbortSignal): Promise<string> => {
            const fresh = await this.jobs.get(source.id, signal ? { signal } : {});
            if (fresh.download_url) return fresh.download_url;
            throw new NotFoundError({
              status: 404,
              type: 'no_download_url',
              message: `job ${source.id} has no download_url any more (status ${fresh.status}; was its asset deleted from the vault?)`,
              request: `GET /v2/jobs/${source.id}`,
            });
          };
    return downloadFile(url, destination, {
      dispatcher: this.transport.dispatcher,
      clock: this.clock,
      policy: this.policy,
      ...(expectedBytes !== undefined ? { expectedBytes } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onRequest: () => void this.requestCount++,
      userAgent: `mercadream-pipeline/${version}`,
      requestTimeoutMs: this.requestTimeoutMs,
      ...(refreshUrl ? { refreshUrl } : {}),
    });
  }

  /**
   * Counts a job submitted earlier (by a run that was interrupted) against the plan's
   * concurrent-job gate until it ends, so new submissions wait for it as the server does.
   * Waits for a free slot; returns at once for a job that has ended or is already counted.
   */
  async follow(job: Job, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (job.status === 'completed' || job.status === 'failed' || this.slots.holds(job.id)) return;
    const slot = await this.limits.gate.acquire(options.signal);
    if (this.slots.holds(job.id)) {
      slot.release();
      return;
    }
    this.slots.hold(job.id, slot);
    void this.waiter.wait(job, { signal: this.lifetime.signal }).catch(() => undefined);
  }

  /** Hands a job seen elsewhere (a webhook delivery) to waiting callers. */
  observe(job: Job): void {
    this.seen(job);
  }

  /**
   * Hands a verified webhook delivery (verifyWebhook's payload) to waiting callers: its status,
   * progress, download URL and error, over what the client last saw of the job (its POST's
   * answer: type, compute units, times). A delivery for a job whose POST has not answered yet is
   * kept until it does.
   */
  observeDelivery(payload: { job_id: string; status: Job['status']; [field: string]: unknown }): void {
    const known = this.running.get(payload.job_id);
    if (!known) {
      // A delivery can overtake the POST's own answer: keep it until the job is known.
      this.early.set(payload.job_id, payload);
      if (this.early.size > 1000) this.early.delete(this.early.keys().next().value!);
      return;
    }
    const fields = ['status', 'progress', 'download_url', 'error', 'file_size_bytes'] as const;
    const update = Object.fromEntries(fields.filter((f) => payload[f] !== undefined && payload[f] !== null).map((f) => [f, payload[f]]));
    const merged: Job = { ...known, ...update };
    // The POST's answer had no size yet (null): the download then checks its SHA-256, not a size.
    if (typeof merged.file_size_bytes !== 'number') delete merged.file_size_bytes;
    this.seen(merged);
  }

  stats(): ClientStats {
    return { requests: this.requestCount, bucket: this.limits.bucket.stats(), gate: this.limits.gate.stats() };
  }

  /** Stops following jobs and closes the connection pool. Callers' own waits: abort their signals first. */
  async close(): Promise<void> {
    this.lifetime.abort(new Error('client closed'));
    await this.transport.close();
  }

  /** Redacted view for util.inspect and console.log. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `MercaClient { baseUrl: '${this.baseUrl}', apiKey: [redacted] }`;
  }

  /**
   * Takes a slot (a free one, or a due job's: a probe, see SlotLedger) and POSTs. A probe the
   * server refuses (429 `concurrency_limit`: our jobs still run) waits for the next slot and
   * tries again; `beforePost` runs once, before the first POST.
   */
  private async submit(endpoint: 'generate' | 'speech' | 'music', body: object, options: SubmitOptions): Promise<Job> {
    let checked = false;
    for (;;) {
      const taken = await this.slots.take(options.signal);
      let job: Job;
      try {
        if (!checked) await options.beforePost?.();
        checked = true;
        job = await this.transport.call<Job>('POST', endpoint, {
          body: this.webhookUrl && !('webhook_url' in body) ? { ...body, webhook_url: this.webhookUrl } : body,
          ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(taken.from !== undefined ? { final: isConcurrencyRefusal } : {}),
        });
      } catch (error: unknown) {
        const refused = taken.from !== undefined && isConcurrencyRefusal(error);
        const riders = this.slots.answered(taken, { outcome: refused ? 'refused' : 'failed' });
        // Refused: every job of ours still runs, so each backs off as if a poll had seen it running.
        if (taken.from !== undefined) this.waiter.postpone(taken.from);
        for (const id of refused ? new Set([...riders, ...this.slots.heldIds()]) : riders) if (id !== taken.from) this.waiter.stillRunning(id);
        if (refused) continue;
        throw error;
      }
      return this.submitted(job, body, taken);
    }
  }

  /** The POST's answer: the job holds the slot, and the client follows it until it ends. */
  private submitted(job: Job, body: object, taken: TakenSlot): Job {
    // Jobs that rode on an accepted probe back off: the slot that freed is most likely the lender's.
    for (const id of this.slots.answered(taken, { outcome: 'accepted', jobId: job.id })) this.waiter.stillRunning(id);
    if (taken.from !== undefined) this.waiter.presumeEnded(taken.from);
    if (this.webhookUrl && !('webhook_url' in body)) this.delivered.add(job.id);
    this.seen(job);
    const early = this.early.get(job.id);
    this.early.delete(job.id);
    if (early) this.observeDelivery(early);
    // The client follows every job it holds a slot for, so the slot comes back when the job ends
    // even if the caller never waits on it (its polls are shared with the caller's waits).
    if (this.slots.holds(job.id)) void this.waiter.wait(job, { signal: this.lifetime.signal }).catch(() => undefined);
    return job;
  }

  /** Every sighting of a job: frees its slot once it has ended, and settles its waits. */
  private seen(job: Job): Job {
    if (ended(job)) {
      this.slots.ended(job.id);
      this.running.delete(job.id);
      this.delivered.delete(job.id);
    } else {
      this.slots.running(job.id);
      if (this.slots.holds(job.id) || this.waiter.size > 0) this.running.set(job.id, job);
    }
    this.waiter.observe(job);
    return job;
  }

  private async *iterate(params: JobListParams, signal: AbortSignal | undefined): AsyncGenerator<Job> {
    let before = params.before;
    for (;;) {
      const page = await this.jobs.page({ ...params, ...(before ? { before } : {}) }, signal ? { signal } : {});
      yield* page.data;
      const last = page.data[page.data.length - 1];
      if (!page.has_more || !last?.created_at) return;
      before = last.created_at instanceof Date ? last.created_at : String(last.created_at);
    }
  }
}

function ended(job: Job): boolean {
  return job.status === 'completed' || job.status === 'failed';
}

/** A 429 for the plan's concurrent jobs (not its requests per minute). */
function isConcurrencyRefusal(error: unknown): boolean {
  return error instanceof RateLimitError && error.type === 'concurrency_limit';
}
