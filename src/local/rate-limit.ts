/**
 * Per-key requests-per-minute limit over a sliding 60-second window (the plan table's
 * "requests / min"). Only admitted requests occupy the window: a client that keeps hammering
 * after a 429 recovers as soon as its old requests age out.
 */
import type { Clock } from '../util/clock.js';

const WINDOW_MS = 60_000;

/** The state a response reports in X-RateLimit-* headers. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Requests per minute of the plan (X-RateLimit-Limit). */
  readonly limit: number;
  /** Requests left in the window after this one (X-RateLimit-Remaining). */
  readonly remaining: number;
  /** Unix seconds when a slot frees up (X-RateLimit-Reset). */
  readonly resetAt: number;
  /** Seconds to wait before retrying, ≥ 1 (Retry-After); meaningful when refused. */
  readonly retryAfter: number;
}

/** Sliding-window limiter keyed by key owner. */
export class RateLimiter {
  readonly #clock: Clock;
  readonly #admitted = new Map<string, number[]>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Admits or refuses one request of `owner` under `limit` requests per minute. */
  take(owner: string, limit: number): RateDecision {
    const now = this.#clock.now();
    const times = (this.#admitted.get(owner) ?? []).filter((t) => t > now - WINDOW_MS);
    const allowed = times.length < limit;
    if (allowed) times.push(now);
    this.#admitted.set(owner, times);
    const oldest = times[0] ?? now;
    const freesAt = oldest + WINDOW_MS;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - times.length),
      resetAt: Math.ceil(freesAt / 1000),
      retryAfter: Math.max(1, Math.ceil((freesAt - now) / 1000)),
    };
  }
}

/** The X-RateLimit-* headers of a decision. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(decision.resetAt),
  };
}
