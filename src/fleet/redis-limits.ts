/**
 * One API key's plan limits kept in Redis, so every worker of a fleet (any number of processes
 * on any number of machines) keeps under them together: the same `RequestLimiter` and
 * `JobSlots` interfaces as the in-process bucket and gate (src/api/limits.ts), built on
 * well-kept libraries rather than scripts of our own:
 * - requests per minute: rate-limiter-flexible's RateLimiterRedis, a fixed window counted in Redis;
 * - concurrent jobs: redis-semaphore's Semaphore, whose slots are leases with a time-to-live,
 *   refreshed while their holder lives, so a worker that dies gives its slots back when its
 *   leases run out.
 * Keys are `mdp:requests:<id>` and `semaphore:mdp:jobs:<id>`, where the id is limitsId (a hash:
 * Redis never holds the API key).
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Semaphore } from 'redis-semaphore';
import { limitsId, type BucketStats, type GateStats, type JobSlot, type JobSlots, type LimitsSource, type RequestLimiter, type SharedLimits } from '../api/limits.js';
import type { Clock } from '../util/clock.js';
import { FLEET_PREFIX } from './redis.js';
import { RedisPollShare } from './shared-polls.js';

/** A fixed window: `points` requests every `seconds`. */
export interface RequestWindow {
  readonly seconds: number;
  readonly points: number;
}

/**
 * The fixed window that keeps at most `perMinute` requests in ANY 60-second window while
 * letting the most through: fixed windows of d seconds follow one another, so a 60 s stretch
 * touches at most ⌈60/d⌉ + 1 of them, and p·(⌈60/d⌉ + 1) ≤ perMinute bounds it. The shortest d
 * with the highest rate p·60/d wins (regular, 60/min: 5 every 6 s, 50 a minute sustained).
 * @throws RangeError when perMinute is below 2 (no fixed window can bound it)
 */
export function requestWindow(perMinute: number): RequestWindow {
  let best: RequestWindow | undefined;
  for (let seconds = 1; seconds <= 60; seconds++) {
    const points = Math.floor(perMinute / (Math.ceil(60 / seconds) + 1));
    if (points >= 1 && (!best || points / seconds > best.points / best.seconds + 1e-12)) best = { seconds, points };
  }
  if (!best) throw new RangeError(`a shared request limit needs at least 2 requests per minute, not ${perMinute}`);
  return best;
}

/** The request bucket of one key, counted in Redis (see the module docstring). */
export class RedisRequestBucket implements RequestLimiter {
  readonly perMinute: number;
  readonly window: RequestWindow;
  readonly #limiter: RateLimiterRedis;
  readonly #id: string;
  readonly #clock: Clock;
  #pausedUntil = 0;
  #granted = 0;
  #waiting = 0;

  constructor(redis: Redis, id: string, perMinute: number, clock: Clock) {
    this.perMinute = perMinute;
    this.window = requestWindow(perMinute);
    this.#limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${FLEET_PREFIX}:requests`, points: this.window.points, duration: this.window.seconds });
    this.#id = id;
    this.#clock = clock;
  }

  /** Waits for a token of the fleet's window. Rejects with the signal's reason when aborted, or with Redis's error. */
  async acquire(signal?: AbortSignal): Promise<void> {
    this.#waiting++;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const now = this.#clock.now();
        if (now < this.#pausedUntil) {
          await this.#clock.sleep(this.#pausedUntil - now, signal);
          continue;
        }
        const wait = await this.#limiter.consume(this.#id, 1).then(
          () => 0,
          (refused: unknown) => {
            if (refused instanceof RateLimiterRes) return refused.msBeforeNext;
            throw refused;
          },
        );
        if (wait === 0) {
          this.#granted++;
          return;
        }
        // Spread the waiters of every worker over a little time, so they do not all ask at once.
        await this.#clock.sleep(wait + Math.floor(Math.random() * 100), signal);
      }
    } finally {
      this.#waiting--;
    }
  }

  /** Pauses this process's requests until `untilMs` (a 429's Retry-After); the other workers hear their own 429s. */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }

  /** None left in the server's window: pause until it resets (the fleet's window keeps the rest). */
  tighten(remaining: number, resetAtMs: number): void {
    if (remaining <= 0) this.pauseUntil(resetAtMs);
  }

  /** This process's counters (`tokens` is the window's size: Redis holds what is left of it). */
  stats(): BucketStats {
    return { granted: this.#granted, waiting: this.#waiting, tokens: this.window.points, pausedUntil: this.#pausedUntil };
  }
}

/** The concurrent-job gate of one key, leased in Redis (see the module docstring). */
export class RedisJobGate implements JobSlots {
  #active = 0;
  #pending = 0;
  #peak = 0;
  #lost = 0;

  /**
   * @param leaseMs how long a slot outlives its holder, ms: the holder refreshes it every third
   *   of that; a worker that dies frees its slots within `leaseMs`
   */
  constructor(
    private readonly redis: Redis,
    private readonly id: string,
    readonly capacity: number,
    private readonly leaseMs: number,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, not ${capacity}`);
  }

  /** Waits for a free slot of the fleet. Rejects with the signal's reason when aborted (no slot is held). */
  async acquire(signal?: AbortSignal): Promise<JobSlot> {
    const semaphore = new Semaphore(this.redis, `${FLEET_PREFIX}:jobs:${this.id}`, this.capacity, {
      lockTimeout: this.leaseMs,
      refreshInterval: Math.max(100, Math.floor(this.leaseMs / 3)),
      acquireTimeout: Number.POSITIVE_INFINITY,
      retryInterval: 200 + Math.floor(Math.random() * 100),
      onLockLost: () => void this.#lost++,
    });
    this.#pending++;
    try {
      await semaphore.acquire(signal);
    } finally {
      this.#pending--;
    }
    this.#active++;
    this.#peak = Math.max(this.#peak, this.#active);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#active--;
        semaphore.release().catch(() => undefined); // a lease that cannot be given back runs out by itself
      },
    };
  }

  /** This process's counters (the fleet's are in Redis). */
  stats(): GateStats {
    return { active: this.#active, pending: this.#pending, capacity: this.capacity, peak: this.#peak };
  }

  /** Slots whose lease ran out while held (Redis unreachable for longer than the lease). */
  get lost(): number {
    return this.#lost;
  }
}

/** Limits of every key kept in one Redis, and its shared polls (shared-polls.ts): what `MercaClient`'s `limits` option takes in a fleet. */
export class RedisLimits implements LimitsSource {
  readonly #entries = new Map<string, SharedLimits>();

  /** @param leaseMs lifetime of a job slot's lease, ms (see RedisJobGate) */
  constructor(
    private readonly redis: Redis,
    private readonly leaseMs = 30_000,
  ) {}

  /** The key's limits (the plan's figures are the first client's; see LimitsSource). */
  for(baseUrl: string, apiKey: string, plan: { readonly requestsPerMinute: number; readonly concurrentJobs: number }, clock: Clock): SharedLimits {
    const id = limitsId(baseUrl, apiKey);
    let limits = this.#entries.get(id);
    if (!limits) {
      limits = {
        bucket: new RedisRequestBucket(this.redis, id, plan.requestsPerMinute, clock),
        gate: new RedisJobGate(this.redis, id, plan.concurrentJobs, this.leaseMs),
        polls: new RedisPollShare(this.redis, id),
      };
      this.#entries.set(id, limits);
    }
    return limits;
  }
}
