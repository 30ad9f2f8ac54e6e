/**
 * Time, injectable: the client's limiter, backoff and waits sleep on it, and MercaDream Local
 * reads it for URL expiry, rate windows and job times. Tests hand both the same manual clock so
 * nothing sleeps for real and expiry can be reached in an instant.
 */

/** Milliseconds since the Unix epoch, and a cancellable sleep. */
export interface Clock {
  /** Milliseconds since the Unix epoch (1970-01-01T00:00:00Z). */
  now(): number;
  /**
   * Resolves once `ms` milliseconds (negative counts as 0) have passed on this clock; rejects
   * with the signal's reason when `signal` is aborted first (or already is).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when told to: `advance(ms)` or `set(ms)`. Sleepers wake, in order of
 * their deadlines, when a move reaches them (their promises resolve; what runs after them runs
 * once the caller yields to the event loop). A sleep of 0 ms or less resolves at once.
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  /** `start`: the first reading, ms since the epoch (default the wall clock's now). */
  constructor(start: number = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      const sleeper: Sleeper = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward by `ms` milliseconds (negative is refused) and wakes the sleepers it reaches. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, not by ${ms} ms`);
    this.set(this.#now + ms);
  }

  /** Sets the time to `ms` since the epoch (backwards too) and wakes the sleepers it reaches. */
  set(ms: number): void {
    this.#now = ms;
    const due = this.#sleepers.filter((s) => s.at <= ms).sort((a, b) => a.at - b.at);
    this.#sleepers = this.#sleepers.filter((s) => s.at > ms);
    for (const sleeper of due) sleeper.resolve();
  }

  /** Sleepers still waiting. */
  get pending(): number {
    return this.#sleepers.length;
  }
}
