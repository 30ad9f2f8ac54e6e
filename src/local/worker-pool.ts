/**
 * A bounded pool of job workers: at most `size` tasks run at once, the rest wait in FIFO order.
 * Default size 2 suits a 2-core machine (each render is one ffmpeg process using ~1 core).
 */

/** Counts the pool exposes for tests and status output. */
export interface PoolStats {
  readonly size: number;
  readonly active: number;
  readonly pending: number;
}

/** Runs queued tasks with bounded concurrency. */
export class WorkerPool {
  readonly #size: number;
  readonly #queue: Array<() => Promise<void>> = [];
  #active = 0;
  #idleWaiters: Array<() => void> = [];

  /** `size`: workers, an integer ≥ 1. Throws RangeError otherwise. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('the worker pool needs at least one worker');
    this.#size = size;
  }

  get stats(): PoolStats {
    return { size: this.#size, active: this.#active, pending: this.#queue.length };
  }

  /** Queues `task`; its errors are the task's own business (it must not reject). */
  push(task: () => Promise<void>): void {
    this.#queue.push(task);
    this.#next();
  }

  /** Forgets tasks that have not started (used on shutdown; they stay `queued` on disk). */
  clearPending(): void {
    this.#queue.length = 0;
    this.#settle();
  }

  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #next(): void {
    while (this.#active < this.#size) {
      const task = this.#queue.shift();
      if (task === undefined) break;
      this.#active += 1;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.#active -= 1;
          this.#next();
          this.#settle();
        });
    }
  }

  #settle(): void {
    if (this.#active === 0 && this.#queue.length === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
