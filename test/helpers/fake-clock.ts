/** A Clock whose time only moves when a test says so (or when every sleeper is waiting). */
import type { Clock } from '../../src/util/clock.js';

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** Manual time for limiter, backoff and wait tests: nothing sleeps for real. */
export class FakeClock implements Clock {
  private time: number;
  private sleepers: Sleeper[] = [];
  /** Every sleep requested, ms, in order. */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { at: this.time + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms`, waking sleepers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const next = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.time = Math.max(this.time, next.at);
      this.sleepers = this.sleepers.filter((s) => s !== next);
      next.resolve();
    }
    this.time = end;
    await flush();
  }

  /** Sleepers pending now. */
  get pending(): number {
    return this.sleepers.length;
  }
}

/**
 * Lets queued continuations run, including zero-delay timers that libraries (p-retry) schedule
 * between attempts.
 */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
  await new Promise<void>((r) => setTimeout(r, 1));
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
