/**
 * Waiting for jobs with as few requests as possible. The first poll of a job happens no earlier
 * than its `estimated_completion`; later polls back off (×1.5, 1 s to 15 s). When several waits
 * are due at once they share one GET /v2/jobs page (newest first, 100 a page) instead of one
 * GET /v2/jobs/{id} each, so requests per job stay near one however many jobs are in flight.
 * Webhook deliveries (or any other sighting of a job) settle waits through `observe`.
 */
import type { Clock } from '../util/clock.js';
import { JobFailedError } from './errors.js';
import type { Job, JobPage } from './types.js';

/** How the waiter reaches the API (MercaClient supplies these). */
export interface WaiterSource {
  getJob(id: string, signal?: AbortSignal): Promise<Job>;
  listJobs(params: { limit: number; before?: string }, signal?: AbortSignal): Promise<JobPage>;
}

/** Poll spacing, ms. */
export interface WaitTiming {
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly factor: number;
  /**
   * How long after a job's `estimated_completion` its first poll waits, ms (default 0). With
   * webhooks the delivery settles the wait; polling is only the fallback for a missed delivery.
   */
  readonly afterEtaMs?: number;
}

export const DEFAULT_WAIT_TIMING: WaitTiming = { minIntervalMs: 1000, maxIntervalMs: 15_000, factor: 1.5 };

/**
 * Wait timing when webhooks are received: polling is only the fallback for a missed delivery, so
 * the first poll comes 30 s after the estimate and later ones 10 s, 20 s, … up to 60 s apart
 * (shared list-endpoint polls when several are due).
 */
export const WEBHOOK_WAIT_TIMING: WaitTiming = { minIntervalMs: 10_000, maxIntervalMs: 60_000, factor: 2, afterEtaMs: 30_000 };

/** Options of one wait. */
export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Called with the job each time a poll sees it still running. */
  readonly onProgress?: (job: Job) => void;
}

interface Waiter {
  readonly id: string;
  readonly timing: WaitTiming;
  createdAt: number;
  nextPollAt: number;
  interval: number;
  readonly options: WaitOptions;
  resolve: (job: Job) => void;
  reject: (error: unknown) => void;
}

/** Shares polls between every wait of one client. */
export class JobWaiter {
  private readonly waiters = new Map<string, Waiter[]>();
  private running = false;
  private wake: AbortController | undefined;

  /**
   * @param deliveries when webhooks are received: which jobs' updates are delivered here (those
   *   this client submitted with its webhook URL), and the timing of their fallback polls
   */
  constructor(
    private readonly source: WaiterSource,
    private readonly clock: Clock,
    private readonly timing: WaitTiming = DEFAULT_WAIT_TIMING,
    private readonly deliveries?: { readonly expected: (id: string) => boolean; readonly timing: WaitTiming },
  ) {}

  /**
   * Resolves with the job once it is `completed`; rejects with JobFailedError when it `failed`,
   * with the signal's reason when aborted, or with the API error when polling keeps failing.
   */
  wait(job: Job | string, options: WaitOptions = {}): Promise<Job> {
    const known = typeof job === 'string' ? undefined : job;
    const id = typeof job === 'string' ? job : job.id;
    if (known && settledState(known)) return settle(known);
    options.signal?.throwIfAborted();
    const timing = this.deliveries?.expected(id) ? this.deliveries.timing : this.timing;
    return new Promise<Job>((resolve, reject) => {
      const now = this.clock.now();
      const eta = known?.estimated_completion instanceof Date ? known.estimated_completion.getTime() : undefined;
      const waiter: Waiter = {
        id,
        timing,
        createdAt: known?.created_at instanceof Date ? known.created_at.getTime() : now,
        // A bare id is looked up at once; a job we know is first polled when it should be done.
        nextPollAt: known ? Math.max(now + timing.minIntervalMs / 2, (eta ?? now + timing.minIntervalMs) + (timing.afterEtaMs ?? 0)) : now,
        interval: timing.minIntervalMs,
        options,
        resolve: (j) => {
          cleanup();
          resolve(j);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const onAbort = () => {
        this.remove(waiter);
        reject(options.signal?.reason);
      };
      const cleanup = () => options.signal?.removeEventListener('abort', onAbort);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const list = this.waiters.get(id) ?? [];
      list.push(waiter);
      this.waiters.set(id, list);
      this.wake?.abort();
      void this.loop();
    });
  }

  /** Number of jobs being waited for. */
  get size(): number {
    return this.waiters.size;
  }

  /** Reports a sighting of `job` (a webhook, a list page): settles its waits when it has ended. */
  observe(job: Job): void {
    const waiting = this.waiters.get(job.id);
    if (!waiting) return;
    if (job.status === 'completed' || job.status === 'failed') {
      this.waiters.delete(job.id);
      for (const w of waiting) settle(job).then(w.resolve, w.reject);
      return;
    }
    const now = this.clock.now();
    for (const w of waiting) {
      w.options.onProgress?.(job);
      w.interval = Math.min(w.timing.maxIntervalMs, w.interval * w.timing.factor);
      w.nextPollAt = now + w.interval;
    }
  }

  private remove(waiter: Waiter): void {
    const list = (this.waiters.get(waiter.id) ?? []).filter((w) => w !== waiter);
    if (list.length === 0) this.waiters.delete(waiter.id);
    else this.waiters.set(waiter.id, list);
  }

  private async loop(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiters.size > 0) {
        const now = this.clock.now();
        const first = [...this.waiters.values()].map((l) => l[0]!);
        const next = Math.min(...first.map((w) => w.nextPollAt));
        if (next > now) {
          this.wake = new AbortController();
          await this.clock.sleep(next - now, this.wake.signal).catch(() => undefined);
          this.wake = undefined;
          continue;
        }
        const due = first.filter((w) => w.nextPollAt <= now);
        await this.poll(due);
      }
    } finally {
      this.running = false;
    }
  }

  private async poll(due: Waiter[]): Promise<void> {
    try {
      if (due.length === 1) {
        this.observe(await this.source.getJob(due[0]!.id));
        return;
      }
      const wanted = new Set(due.map((w) => w.id));
      const oldest = Math.min(...due.map((w) => w.createdAt));
      let before: string | undefined;
      for (let page = 0; page < 5 && wanted.size > 0; page++) {
        const result = await this.source.listJobs({ limit: 100, ...(before ? { before } : {}) });
        for (const job of result.data) {
          wanted.delete(job.id);
          this.observe(job);
        }
        const last = result.data[result.data.length - 1];
        const lastCreated = last?.created_at instanceof Date ? last.created_at : undefined;
        if (!result.has_more || !lastCreated || lastCreated.getTime() < oldest) break;
        before = lastCreated.toISOString();
      }
      // Jobs older than the pages read (rare): one by one.
      for (const id of wanted) if (this.waiters.has(id)) this.observe(await this.source.getJob(id));
    } catch (error: unknown) {
      for (const w of due) {
        this.remove(w);
        w.reject(error);
      }
    }
  }
}

function settledState(job: Job): boolean {
  return job.status === 'completed' || job.status === 'failed';
}

function settle(job: Job): Promise<Job> {
  return job.status === 'failed' ? Promise.reject(new JobFailedError(job.id, job.error)) : Promise.resolve(job);
}
