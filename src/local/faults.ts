/**
 * Fault injection, off by default: lets client tests meet the failures a real API produces
 * (429, 500, dropped connections, failed jobs, truncated downloads, latency), reproducibly.
 * Each draw comes from one seeded generator, so the same seed and the same request order give
 * the same faults.
 */
import { prng } from '../util/prng.js';

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
  /** Fraction of downloads that send fewer bytes than Content-Length, then destroy the connection. */
  readonly truncateDownload?: number;
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

  constructor(options: FaultOptions = {}) {
    for (const name of ['rate429', 'rate500', 'dropConnection', 'jobFailure', 'truncateDownload'] as const) {
      const value = options[name];
      if (value !== undefined && !(value >= 0 && value <= 1)) throw new FaultOptionsError(`faults.${name} must be a fraction between 0 and 1`);
    }
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

  /** True when the next job should fail. */
  failJob(): boolean {
    return this.#hit(this.options.jobFailure);
  }

  /** True when the next download should be truncated. */
  truncateDownload(): boolean {
    return this.#hit(this.options.truncateDownload);
  }

  /** Milliseconds to wait before answering. */
  /** Compute units to charge for a job the formula prices at `units`. */
  charge(units: number): number {
    const multiplier = this.options.costMultiplier ?? 1;
    return multiplier === 1 ? units : Math.ceil(units * multiplier);
  }

  get latencyMs(): number {
    return this.options.latencyMs ?? 0;
  }
}
