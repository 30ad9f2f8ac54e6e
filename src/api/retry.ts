/**
 * Retries for API requests with p-retry: 429, 5xx, connection resets and timeouts are retried
 * with jittered exponential backoff under a cap; 400, 401, 403 and 404 never are. The waits run
 * on the injected Clock (p-retry's own timers are set to zero) so tests need no sleeping.
 */
import pRetry from 'p-retry';
import type { Clock } from '../util/clock.js';
import { MercaApiError, NetworkError, RateLimitError } from './errors.js';
import type { RequestBucket } from './limits.js';

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
 * spent (then the last error is thrown). A 429 pauses the whole bucket until Retry-After (or a
 * backoff when the server gave none), so every request of the key waits, not only this one.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: { policy: RetryPolicy; clock: Clock; bucket?: RequestBucket; signal?: AbortSignal; onRetry?: (event: RetryEvent) => void },
): Promise<T> {
  const { policy, clock, bucket, signal } = options;
  return pRetry(
    async (attempt) => {
      try {
        return await operation(attempt);
      } catch (error: unknown) {
        if (error instanceof MercaApiError) throw error;
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
        let delayMs = backoffDelay(error.attemptNumber, policy);
        if (apiError instanceof RateLimitError) {
          const retryAfterMs = apiError.retryAfter !== undefined ? apiError.retryAfter * 1000 : delayMs;
          // Everyone waits for Retry-After; this caller adds a little jitter so they do not all wake at once.
          bucket?.pauseUntil(clock.now() + retryAfterMs);
          delayMs = retryAfterMs + Math.floor((policy.random ?? Math.random)() * 250);
        }
        options.onRetry?.({ error: apiError, attempt: error.attemptNumber, delayMs });
        await clock.sleep(delayMs, signal);
      },
    },
  );
}
