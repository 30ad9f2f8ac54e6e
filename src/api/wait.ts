/**
 * Waiting for jobs with as few requests as possible. The first poll of a job happens no earlier
 * than its `estimated_completion`; later polls back off (×1.5, 1 s to 15 s). A poll while several
 * jobs are waited for reads one GET /v2/jobs page (newest first, 100 a page) that settles every
 * job on it, due or not, instead of one GET /v2/jobs/{id} each, so requests per job stay near one
 * however many jobs are in flight.
 *
 * A due job may be probed instead of polled (WaiterSource.probe): the client submits the next job
 * in its concurrent-job slot, and the POST's answer says whether a slot was free (see
 * MercaClient). The job then waits for the next shared page (`postpone`), which settles it with
 * the others. Webhook deliveries (or any other sighting of a job) settle waits through `observe`.
 */
import type { Clock } from '../util/clock.js';
import { JobFailedError } from './errors.js';
import { Lateness } from './lateness.js';
import type { Job, JobPage } from './types.js';

/** How the waiter reaches the API (MercaClient supplies these). */
export interface WaiterSource {
  getJob(id: string, signal?: AbortSignal): Promise<Job>;
  listJobs(params: { limit: number; before?: string }, signal?: AbortSignal): Promise<JobPage>;
  /**
   * Offered each due job before it is polled: true when the source uses the moment to probe
   * instead (a POST in the job's slot); it then calls `postpone` for the job once the probe has
   * answered. False (or absent): the job is polled.
   */
  probe?(id: string): boolean;
  /** Shares polls with other clients of the key (a fleet); absent: this client polls alone. */
  readonly share?: PollShare;
}

/**
 * Polls shared by the clients of one key on many machines: at most one of them polls in a
 * while (a lease), and what its polls see reaches the others, whose waits settle through
 * `observe`/`observeDelivery`. src/fleet/shared-polls.ts keeps it in Redis.
 */
export interface PollShare {
  /**
   * True when this client may poll now (it took the lease); false when another client polled
   * within the lease: its sightings come to this one, which backs off as if it had polled.
   * Resolves true when the share cannot be reached (polling alone beats waiting for ever).
   */
  claim(): Promise<boolean>;
  /** Hands the jobs a poll saw to the other clients. Never rejects. */
  publish(jobs: readonly Job[]): Promise<void>;
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
  /**
   * The first look at a job waits this fraction of its expected length (creation to estimated
   * completion) past the estimate (default 0): estimates are means, and a look that finds the job
   * still running is a request spent for nothing.
   */
  readonly etaMargin?: number;
  /**
   * After a look finds a job running, the next waits this fraction of its expected length (then
   * grows by `factor`), within the least and longest interval (default 0: the least interval).
   */
  readonly laterFraction?: number;
}

/**
 * Default poll spacing: the first look a quarter of a job's expected length after it is due
 * (a look too early costs a request and tells nothing), then a quarter of its length, growing
 * ×1.5, between 1 s and 15 s.
 */
export const DEFAULT_WAIT_TIMING: WaitTiming = {
  minIntervalMs: 1000,
  maxIntervalMs: 15_000,
  factor: 1.5,
  etaMargin: 0.25,
  laterFraction: 0.25,
};

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
  /** The estimated completion the job was first known with, epoch ms (for Lateness). */
  readonly eta: number | undefined;
  /** Before this, a sighting of the job running tells nothing new: its schedule stays. */
  dueAt: number;
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
  private readonly lateness = new Lateness();

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
      const expected = this.lateness.expectedLength(known, eta);
      // A bare id is looked up at once; a job we know is first looked at when it should be done.
      const firstLook = known ? firstPollAt(now, known, eta, expected, timing) : now;
      const waiter: Waiter = {
        id,
        timing,
        createdAt: known?.created_at instanceof Date ? known.created_at.getTime() : now,
        eta,
        dueAt: firstLook,
        nextPollAt: firstLook,
        interval: firstInterval(expected, timing),
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
      if (job.status === 'completed') this.lateness.record(job, waiting[0]!.eta);
      for (const w of waiting) settle(job).then(w.resolve, w.reject);
      return;
    }
    const now = this.clock.now();
    for (const w of waiting) {
      w.options.onProgress?.(job);
      if (now < w.dueAt) continue; // seen on a page read for other jobs, before its own time
      w.interval = Math.min(w.timing.maxIntervalMs, w.interval * w.timing.factor);
      w.nextPollAt = now + w.interval;
    }
  }

  /**
   * News that job `id` still runs without a sighting of it (a probe refused for the plan's
   * concurrent jobs): its schedule moves as for a sighting, never earlier.
   */
  stillRunning(id: string): void {
    const now = this.clock.now();
    for (const w of this.waiters.get(id) ?? []) {
      if (now < w.dueAt) continue;
      w.interval = Math.min(w.timing.maxIntervalMs, w.interval * w.timing.factor);
      w.nextPollAt = Math.max(w.nextPollAt, now + w.interval);
    }
  }

  /**
   * Sets when `id` is next polled, after a probe (see WaiterSource.probe) or any other news of it:
   * in `delayMs`, or when omitted after the next backoff step (as for a sighting of it running).
   */
  postpone(id: string, delayMs?: number): void {
    const now = this.clock.now();
    for (const w of this.waiters.get(id) ?? []) {
      if (delayMs === undefined) w.interval = Math.min(w.timing.maxIntervalMs, w.interval * w.timing.factor);
      w.nextPollAt = now + (delayMs ?? w.interval);
    }
    this.wake?.abort();
  }

  /**
   * After an accepted probe, job `id` has most likely ended: it is polled once twice its age so
   * far has passed (between the timing's least and longest interval), so that one list page
   * settles it together with the jobs that end meanwhile (about two more on a 2-job plan); a look
   * at other jobs before then settles it sooner.
   */
  presumeEnded(id: string): void {
    const now = this.clock.now();
    for (const w of this.waiters.get(id) ?? []) w.nextPollAt = now + Math.min(w.timing.maxIntervalMs, Math.max(w.timing.minIntervalMs, 2 * (now - w.createdAt)));
    this.wake?.abort();
  }

  /** Offers a due waiter's job to the source's probe; a probed job waits for `postpone` (a safety poll after the longest interval). */
  private probed(waiter: Waiter): boolean {
    if (!this.source.probe?.(waiter.id)) return false;
    for (const w of this.waiters.get(waiter.id) ?? []) w.nextPollAt = this.clock.now() + w.timing.maxIntervalMs;
    return true;
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
        if (first.filter((w) => w.nextPollAt <= now && !this.probed(w)).length === 0) continue;
        // Jobs due within the least interval join this look rather than make another one just after.
        const due = first.filter((w) => w.nextPollAt <= now + w.timing.minIntervalMs);
        for (const w of due) for (const each of this.waiters.get(w.id) ?? []) each.dueAt = Math.min(each.dueAt, now);
        await this.poll(due);
      }
    } finally {
      this.running = false;
    }
  }

  private async poll(due: Waiter[]): Promise<void> {
    const share = this.source.share;
    if (share && !(await share.claim())) {
      // Another client of the key polls now; what it sees comes here through observe.
      for (const w of due) this.stillRunning(w.id);
      return;
    }
    const seen: Job[] = [];
    try {
      // With a fleet's share, the page is read even for one job: it shows every worker's jobs, and
      // the others wait for what this look relays.
      if (this.waiters.size === 1 && !share) {
        const job = await this.source.getJob(due[0]!.id);
        seen.push(job);
        this.observe(job);
        return;
      }
      // One page settles every job waited for, due or not.
      const all = [...this.waiters.values()].map((l) => l[0]!);
      const wanted = new Set(due.map((w) => w.id));
      const oldest = Math.min(...all.map((w) => w.createdAt));
      let before: string | undefined;
      for (let page = 0; page < 5 && wanted.size > 0; page++) {
        const result = await this.source.listJobs({ limit: 100, ...(before ? { before } : {}) });
        for (const job of result.data) {
          wanted.delete(job.id);
          seen.push(job);
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
    } finally {
      if (share && seen.length > 0) void share.publish(seen);
    }
  }
}

/**
 * When a job we know is first polled (or probed): at the end of its expected length (the
 * estimate stretched by the lateness learned so far, from its creation) plus a margin of
 * `etaMargin` of that length, at most the longest interval (so that most first looks find it
 * ended, and a job expected to take twenty minutes is not left for five past its end) plus `afterEtaMs`, and
 * never sooner than half the least interval from now.
 * @param eta the job's estimated completion, epoch ms; `expected` its expected length from its creation, ms (0: unknown)
 */
function firstPollAt(now: number, job: Job, eta: number | undefined, expected: number, timing: WaitTiming): number {
  const created = job.created_at instanceof Date ? job.created_at.getTime() : undefined;
  const end = created !== undefined && expected > 0 ? created + expected : (eta ?? now + timing.minIntervalMs);
  const margin = Math.min((timing.etaMargin ?? 0) * expected, timing.maxIntervalMs);
  return Math.max(now + timing.minIntervalMs / 2, end + margin + (timing.afterEtaMs ?? 0));
}

/** The wait after a look that finds the job running: `laterFraction` of its expected length, within the timing's bounds. */
function firstInterval(expected: number, timing: WaitTiming): number {
  return Math.min(timing.maxIntervalMs, Math.max(timing.minIntervalMs, (timing.laterFraction ?? 0) * expected));
}

function settledState(job: Job): boolean {
  return job.status === 'completed' || job.status === 'failed';
}

function settle(job: Job): Promise<Job> {
  return job.status === 'failed' ? Promise.reject(new JobFailedError(job.id, job.error)) : Promise.resolve(job);
}
