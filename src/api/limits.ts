/**
 * The client's own plan limits, kept before the server has to say 429:
 * - `RequestBucket`: a token bucket over every request to the API host (polls included);
 * - `JobGate`: a semaphore over jobs that are queued or processing on the server.
 * Both expose counters for the UI and tests, take time from an injected Clock, and are shared
 * by every client of the same key and base URL that is given the same `LimitsRegistry`.
 * Clients in other processes or on other machines share them through a `LimitsSource` kept
 * elsewhere (src/fleet/redis-limits.ts keeps them in Redis) behind the same two interfaces,
 * `RequestLimiter` and `JobSlots`.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../util/clock.js';
import type { PollShare } from './wait.js';

/** Counters of a RequestBucket. */
export interface BucketStats {
  /** Requests let through so far. */
  granted: number;
  /** Callers waiting for a token now. */
  waiting: number;
  /** Tokens available now (fractional). */
  tokens: number;
  /** Until when (epoch ms) every request is paused by a 429 or an exhausted X-RateLimit-Remaining; 0 if not. */
  pausedUntil: number;
}

/** What the transport asks of a request limiter: a token before every request, and the server's word on its own limit. */
export interface RequestLimiter {
  /** The plan's requests per minute this limiter keeps under. */
  readonly perMinute: number;
  /** Waits for a token. Rejects with the signal's reason when aborted. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Stops every request until `untilMs` (epoch ms; a 429's Retry-After). Never shortens a pause. */
  pauseUntil(untilMs: number): void;
  /** Applies X-RateLimit-Remaining (requests left in the server's window) and its reset (epoch ms). */
  tighten(remaining: number, resetAtMs: number): void;
  stats(): BucketStats;
}

/** What the client asks of a concurrent-job gate: a slot per job queued or processing on the server. */
export interface JobSlots {
  /** Slots in all (the plan's concurrent jobs). */
  readonly capacity: number;
  /** Waits for a free slot. Rejects with the signal's reason when aborted (the slot is not taken). */
  acquire(signal?: AbortSignal): Promise<JobSlot>;
  stats(): GateStats;
}

/**
 * A token bucket that keeps at most `perMinute` requests in ANY 60-second window: with burst
 * capacity b and refill rate (perMinute − b)/60 s, the most a window can hold is b + (perMinute − b).
 * (A bucket of capacity perMinute refilling at perMinute/60 s would allow twice that.)
 */
export class RequestBucket implements RequestLimiter {
  readonly perMinute: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private granted = 0;
  private waiting = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly ratePerMs: number;

  constructor(
    perMinute: number,
    private readonly clock: Clock,
    burst = Math.max(1, Math.floor(perMinute / 10)),
  ) {
    if (!(perMinute >= 1)) throw new RangeError(`perMinute must be at least 1, not ${perMinute}`);
    this.perMinute = perMinute;
    this.burst = Math.min(burst, perMinute);
    this.ratePerMs = Math.max(perMinute - this.burst, 1) / 60_000;
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** Waits for a token, in FIFO order. Rejects with the signal's reason when aborted. */
  acquire(signal?: AbortSignal): Promise<void> {
    this.waiting++;
    const turn = this.chain.then(() => this.takeOne(signal));
    this.chain = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn.finally(() => {
      this.waiting--;
    });
  }

  /** Stops every request until `untilMs` (a 429's Retry-After). Never shortens a pause. */
  pauseUntil(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  /**
   * Applies the server's X-RateLimit-Remaining/Reset: fewer tokens than we think we have means
   * other clients share the key; none left means wait for the reset.
   * @param remaining requests the server will still accept in its window
   * @param resetAtMs when its window resets (epoch ms)
   */
  tighten(remaining: number, resetAtMs: number): void {
    this.refill(this.clock.now());
    if (remaining < this.tokens) this.tokens = Math.max(0, remaining);
    if (remaining <= 0) this.pauseUntil(resetAtMs);
  }

  stats(): BucketStats {
    this.refill(this.clock.now());
    return { granted: this.granted, waiting: this.waiting, tokens: this.tokens, pausedUntil: this.pausedUntil };
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.ratePerMs);
      this.last = now;
    }
  }

  private async takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      this.refill(now);
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now, signal);
        continue;
      }
      if (this.tokens >= 1) {
        this.tokens -= 1;
        this.granted++;
        return;
      }
      await this.clock.sleep(Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerMs)), signal);
    }
  }
}

/** Counters of a JobGate. */
export interface GateStats {
  /** Jobs holding a slot (submitted and not yet finished). */
  active: number;
  /** Callers waiting for a slot. */
  pending: number;
  /** Slots in all. */
  capacity: number;
  /** Most slots ever held at once. */
  peak: number;
}

/** A slot in the JobGate; `release()` is idempotent. */
export interface JobSlot {
  release(): void;
}

/** A FIFO semaphore over the plan's concurrent jobs. */
export class JobGate implements JobSlots {
  private active = 0;
  private peak = 0;
  private readonly queue: Array<{ grant: () => void }> = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, not ${capacity}`);
  }

  /** Waits for a free slot. Rejects with the signal's reason when aborted (the slot is not taken). */
  acquire(signal?: AbortSignal): Promise<JobSlot> {
    signal?.throwIfAborted();
    return new Promise<JobSlot>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          this.peak = Math.max(this.peak, this.active);
          let released = false;
          resolve({
            release: () => {
              if (released) return;
              released = true;
              this.active--;
              this.next();
            },
          });
        },
      };
      const onAbort = () => {
        const at = this.queue.indexOf(entry);
        if (at >= 0) this.queue.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
      this.next();
    });
  }

  stats(): GateStats {
    return { active: this.active, pending: this.queue.length, capacity: this.capacity, peak: this.peak };
  }

  private next(): void {
    while (this.active < this.capacity && this.queue.length > 0) this.queue.shift()!.grant();
  }
}

/** The limits every client of one key shares. */
export interface SharedLimits {
  readonly bucket: RequestLimiter;
  readonly gate: JobSlots;
  /** Polls shared by the key's clients on other machines (a fleet); absent: each client polls alone. */
  readonly polls?: PollShare;
}

/** Where a client takes the limits of its key from (LimitsRegistry in-process; a Redis-backed one for a fleet). */
export interface LimitsSource {
  /**
   * The limits of `apiKey` at `baseUrl`, created with `plan`'s figures when first seen.
   * @param clock time for the limiter's waits
   */
  for(baseUrl: string, apiKey: string, plan: { readonly requestsPerMinute: number; readonly concurrentJobs: number }, clock: Clock): SharedLimits;
}

/** The id under which the limits of (base URL, key) are kept: SHA-256 hex of both, so no store ever holds the key. */
export function limitsId(baseUrl: string, apiKey: string): string {
  return createHash('sha256').update(`${baseUrl}\u0000${apiKey}`).digest('hex');
}

/**
 * Who shares limits with whom: one bucket and gate per (base URL, API key), created on first use
 * with the plan's figures. The composition root makes one registry and passes it to every
 * MercaClient (option `limits`), so all the clients of one key keep under the plan's limits
 * together; a client given none makes its own, shared with nobody. There is no process-wide
 * registry: two registries never share anything.
 *
 * The key is hashed (SHA-256 of base URL and key) before it is used as a map key, so the
 * registry never holds it.
 */
export class LimitsRegistry implements LimitsSource {
  readonly #entries = new Map<string, SharedLimits>();

  /**
   * The bucket and gate of `apiKey` at `baseUrl` (compared as given: pass it normalised, as
   * MercaClient does, without a trailing slash).
   * @param plan the plan's requests per minute and concurrent jobs; used only when this key is
   *   first seen: a later client of the same key gets the existing limits, whatever plan it names
   * @param clock time for a new bucket (the first client's clock is the one kept)
   */
  for(baseUrl: string, apiKey: string, plan: { readonly requestsPerMinute: number; readonly concurrentJobs: number }, clock: Clock): SharedLimits {
    const id = limitsId(baseUrl, apiKey);
    let limits = this.#entries.get(id);
    if (!limits) {
      limits = { bucket: new RequestBucket(plan.requestsPerMinute, clock), gate: new JobGate(plan.concurrentJobs) };
      this.#entries.set(id, limits);
    }
    return limits;
  }

  /** How many (base URL, key) pairs have limits here. */
  get size(): number {
    return this.#entries.size;
  }
}
