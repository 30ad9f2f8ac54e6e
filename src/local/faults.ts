/**
 * Fault injection, off by default: lets client tests meet the failures a real API produces
 * (429, 500, dropped connections, failed jobs, truncated downloads, latency), reproducibly.
 * Each draw comes from one seeded generator, so the same seed and the same request order give
 * the same faults; `failJobs` draws nothing (it fails the first N jobs, then none).
 * Options and effects: docs/local.md, "Fault injection".
 */
import { prng } from '../util/prng.js';
import type { JobError } from './job.js';

/** Fractions are probabilities in [0, 1]. */
export interface FaultOptions {
  /** Seed of the generator; default 1. */
  readonly seed?: number;
  /** Fraction of API requests answered 429 `rate_limit_exceeded` (Retry-After: 1). */
  readonly rate429?: number;
  /** Fraction of API requests answered 500 `internal_error`. */
  readonly rate500?: number;
  /** Fraction of API requests whose connection is destroyed without a response. */
  readonly dropConnection?: number;
  /** Fraction of jobs that end `failed` instead of rendering. */
  readonly jobFailure?: number;
  /**
   * A count, a whole number ≥ 0: the first `failJobs` jobs that start rendering (counted from
   * this server's start, in the order the workers pick them up, which is the order they were
   * queued) end `failed` with error type `injected_failure`; every later job renders normally
   * (unless `jobFailure` fails it). Deterministic, unlike `jobFailure`: a drill for a client's
   * handling of failed jobs and of re-running them.
   */
  readonly failJobs?: number;
  /** Fraction of downloads that send fewer bytes than Content-Length, then destroy the connection. */
  readonly truncateDownload?: number;
  /**
   * Fraction of webhook deliveries lost: never sent, as when a receiver was unreachable for
   * longer than the API retries. A drill for clients whose polling must find those jobs anyway.
   */
  readonly dropDeliveries?: number;
  /** Milliseconds added before every response. */
  readonly latencyMs?: number;
  /**
   * Charge this many times the documented compute units (≥ 1, whole result rounded up): a
   * drill for clients whose cost estimate turns out low.
   */
  readonly costMultiplier?: number;
}

/** What to do with one API request. */
export type RequestFault = 'none' | 'drop' | '500' | '429';

/** A fault option that is not a fraction or not a non-negative number. */
export class FaultOptionsError extends Error {
  readonly type = 'invalid_fault_options';
}

/** Draws faults. Throws {@link FaultOptionsError} on an out-of-range option. */
export class Faults {
  readonly options: FaultOptions;
  readonly #random: () => number;
  /** Jobs failed so far because of `failJobs`. */
  #failedByCount = 0;

  constructor(options: FaultOptions = {}) {
    for (const name of ['rate429', 'rate500', 'dropConnection', 'jobFailure', 'truncateDownload', 'dropDeliveries'] as const) {
      const value = options[name];
      if (value !== undefined && !(value >= 0 && value <= 1)) throw new FaultOptionsError(`faults.${name} must be a fraction between 0 and 1`);
    }
    if (options.failJobs !== undefined && !(Number.isInteger(options.failJobs) && options.failJobs >= 0)) throw new FaultOptionsError('faults.failJobs must be a whole number ≥ 0');
    if (options.latencyMs !== undefined && !(options.latencyMs >= 0)) throw new FaultOptionsError('faults.latencyMs must be ≥ 0');
    if (options.costMultiplier !== undefined && !(options.costMultiplier >= 1)) throw new FaultOptionsError('faults.costMultiplier must be ≥ 1');
    this.options = options;
    this.#random = prng(options.seed ?? 1);
  }

  #hit(fraction: number | undefined): boolean {
    if (fraction === undefined || fraction <= 0) return false;
    return this.#random() < fraction;
  }

  /** The fault (if any) for the next API request. */
  forRequest(): RequestFault {
    if (this.#hit(this.options.dropConnection)) return 'drop';
    if (this.#hit(this.options.rate500)) return '500';
    if (this.#hit(this.options.rate429)) return '429';
    return 'none';
  }

  /**
   * Called once per job as it starts rendering: the error the job should fail with, or undefined
   * to render it. `failJobs` is used up first (without drawing from the generator), then
   * `jobFailure` is drawn.
   */
  failJob(): JobError | undefined {
    const count = this.options.failJobs ?? 0;
    if (this.#failedByCount < count) {
      this.#failedByCount += 1;
      return {
        type: 'injected_failure',
        message: `Injected failure ${this.#failedByCount} of ${count}: MercaDream Local fails the first ${count} jobs that start (faults.failJobs).`,
      };
    }
    if (this.#hit(this.options.jobFailure)) return { type: 'injected_failure', message: 'The job failed (fault injected by MercaDream Local).' };
    return undefined;
  }

  /** True when the next download should be truncated. */
  truncateDownload(): boolean {
    return this.#hit(this.options.truncateDownload);
  }

  /** True when the next webhook delivery should be lost. */
  dropDelivery(): boolean {
    return this.#hit(this.options.dropDeliveries);
  }

  /** Compute units to charge for a job the formula prices at `units`. */
  charge(units: number): number {
    const multiplier = this.options.costMultiplier ?? 1;
    return multiplier === 1 ? units : Math.ceil(units * multiplier);
  }

  /** Milliseconds to wait before answering. */
  get latencyMs(): number {
    return this.options.latencyMs ?? 0;
  }
}
