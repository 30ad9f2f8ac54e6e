/**
 * Retries for API requests with p-retry: 429, 5xx, connection resets and timeouts are retried
 * with jittered exponential backoff under a cap; 400, 401, 403 and 404 never are. A 429 with a
 * valid Retry-After waits that long plus a spread (see retryAfterDelay), so many callers told the
 * same Retry-After do not all come back in the same instant. The waits run on the injected Clock
 * (p-retry's own timers are set to zero) so tests need no sleeping.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Clock } from '../util/clock.js';
import { MercaApiError, NetworkError, RateLimitError } from './errors.js';
import type { RequestLimiter } from './limits.js';

/** How hard to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  /** First backoff ceiling, ms; doubles per attempt. */
  readonly baseMs: number;
  /** Largest backoff, ms. */
  readonly capMs: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

/** 8 retries, 0.5 s doubling to at most 30 s: rides out a minute-long outage. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 8, baseMs: 500, capMs: 30_000 };

/**
 * Backoff before retry number `retry` (1-based), ms: "full jitter" — uniform in
 * [0, min(cap, base·2^(retry−1))] (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor((policy.random ?? Math.random)() * ceiling);
}

/** The least spread of retries after a Retry-After, ms (see retryAfterDelay). */
export const RETRY_AFTER_SPREAD_MIN_MS = 2_000;
/** The spread of retries after a Retry-After as a fraction of the wait (see retryAfterDelay). */
export const RETRY_AFTER_SPREAD_FRACTION = 0.25;

/**
 * Wait before retrying after the server said `Retry-After: <retryAfterSeconds>`, ms: the full
 * wait (RFC 9110 §10.2.3: the time the client ought to wait before a follow-up request, so never
 * less), plus a jitter uniform in [0, spread) with spread = max(2 s, a quarter of the wait).
 * Callers told the same Retry-After in the same instant — the requests of one client, or
 * clients in other processes — come back spread over seconds rather than together, where the
 * server would refuse most of them again. (2 s rather than 1 s: n uniform draws over a window W
 * span W·(n−1)/(n+1) on average, so a 1 s window would spread them over less than a second.)
 */
export function retryAfterDelay(retryAfterSeconds: number, policy: Pick<RetryPolicy, 'random'>): number {
  const waitMs = retryAfterSeconds * 1000;
  const spreadMs = Math.max(RETRY_AFTER_SPREAD_MIN_MS, waitMs * RETRY_AFTER_SPREAD_FRACTION);
  return waitMs + Math.floor((policy.random ?? Math.random)() * spreadMs);
}

/**
 * Wait before retry number `retry` (1-based) after `error`, ms: retryAfterDelay for a 429 whose
 * Retry-After the client could read, else backoffDelay — also for a 429 whose Retry-After is
 * missing or malformed (`120junk`, `-5`, empty: see parseRetryAfter).
 */
export function retryDelay(error: MercaApiError, retry: number, policy: RetryPolicy): number {
  if (error instanceof RateLimitError && error.retryAfter !== undefined) return retryAfterDelay(error.retryAfter, policy);
  return backoffDelay(retry, policy);
}

/**
 * Thrown by an operation to end withRetries at once with `error` (no retry, no pause of the
 * bucket): an answer the caller asked to take as it is (CallOptions.final).
 */
export class FinalError extends AbortError {
  constructor(readonly error: MercaApiError) {
    super(error);
  }
}

/** True for errors worth another attempt. */
export function isRetryable(error: unknown): boolean {
  return error instanceof MercaApiError ? error.retryable : false;
}

/** What withRetries reports before each retry. */
export interface RetryEvent {
  readonly error: MercaApiError;
  /** The attempt that failed, 1-based. */
  readonly attempt: number;
  /** How long it will wait before the next attempt, ms. */
  readonly delayMs: number;
}

/**
 * Runs `operation` until it succeeds, a non-retryable error occurs, or the policy's retries are
 * spent (then the last error is thrown), waiting retryDelay between attempts. A 429 pauses the
 * whole bucket until Retry-After (or for the backoff when the server gave none or a malformed
 * one), so every request of the key waits, not only this one; the retries themselves come back
 * spread out (retryAfterDelay).
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: { policy: RetryPolicy; clock: Clock; bucket?: RequestLimiter; signal?: AbortSignal; onRetry?: (event: RetryEvent) => void },
): Promise<T> {
  const { policy, clock, bucket, signal } = options;
  return pRetry(
    async (attempt) => {
      try {
        return await operation(attempt);
      } catch (error: unknown) {
        if (error instanceof MercaApiError || error instanceof FinalError) throw error;
        throw new NetworkError({ status: 0, type: 'network', message: error instanceof Error ? error.message : String(error) }, { cause: error });
      }
    },
    {
      retries: policy.retries,
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      randomize: false,
      ...(signal ? { signal } : {}),
      shouldRetry: (error) => isRetryable(error),
      onFailedAttempt: async (error) => {
        if (!isRetryable(error) || error.retriesLeft <= 0) return;
        const apiError = error as unknown as MercaApiError;
        const delayMs = retryDelay(apiError, error.attemptNumber, policy);
        if (apiError instanceof RateLimitError) {
          // Every request of the key waits out Retry-After; this one waits a spread beyond it.
          bucket?.pauseUntil(clock.now() + (apiError.retryAfter !== undefined ? apiError.retryAfter * 1000 : delayMs));
        }
        options.onRetry?.({ error: apiError, attempt: error.attemptNumber, delayMs });
        await clock.sleep(delayMs, signal);
      },
    },
  );
}
