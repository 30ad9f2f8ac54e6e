/**
 * A fleet's compute-unit budget (`--max-compute-units`) kept in Redis, so every worker stops
 * submitting at the same cap. A reservation is an INCRBY of the job's planned units (kept in
 * thousandths, so fractional units add exactly); one that takes the total past the maximum is
 * taken back at once (DECRBY) and refused. INCRBY is atomic, so two workers reserving at once
 * can both be refused near the cap but never both let through past it. Settling replaces the
 * reservation by what the API charged, as the in-process Budget does (src/runner/budget.ts); a
 * job that several productions share (one Idempotency-Key, so one charge) is charged by the first
 * settle of its id only: the batch's set `<key>:jobs` remembers the ids charged (SADD answers 1
 * for a new member), and a later settle of the same id gives its whole reservation back.
 */
import type { Redis } from 'ioredis';
import { BudgetError, type BudgetLedger, type PendingReservation } from '../runner/budget.js';

/** Seconds a batch's budget key lives in Redis (a week: longer than any nightly batch). */
const BUDGET_TTL_SECONDS = 7 * 24 * 3600;

const toMilli = (units: number) => Math.round(units * 1000);

/** One batch's budget at Redis key `key`. */
export class RedisBudget implements BudgetLedger {
  /**
   * @param key the batch's budget key (`mdp:budget:<batch id>`)
   * @param max most compute units the whole fleet may spend on the batch; undefined = no limit (spending is still counted)
   */
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly max?: number,
  ) {}

  /** Reserves `units` for `what`; throws BudgetError when the fleet's total would pass the maximum. */
  async reserve(units: number, what: string): Promise<PendingReservation> {
    const milli = toMilli(units);
    const after = await this.redis.incrby(this.key, milli);
    await this.redis.expire(this.key, BUDGET_TTL_SECONDS);
    if (this.max !== undefined && after > toMilli(this.max)) {
      await this.redis.decrby(this.key, milli);
      throw new BudgetError(`not submitted: ${what} would cost ${units} compute units, and ${(after - milli) / 1000} of the budget's ${this.max} are spent or reserved`);
    }
    let open = true;
    return {
      settle: async (actual, jobId) => {
        if (!open) return;
        open = false;
        if (jobId !== undefined && !(await this.firstCharge(jobId))) await this.adjust(-milli);
        else if (actual !== undefined) await this.adjust(toMilli(actual) - milli);
      },
      release: async () => {
        if (!open) return;
        open = false;
        await this.adjust(-milli);
      },
    };
  }

  /** True for the first settle of `jobId` in this batch (any worker's): the one that charges it. */
  private async firstCharge(jobId: string): Promise<boolean> {
    const added = await this.redis.sadd(this.chargedKey, jobId);
    await this.redis.expire(this.chargedKey, BUDGET_TTL_SECONDS);
    return added === 1;
  }

  /** Adds `delta` thousandths to the batch's total; Redis's error (if any) is the caller's. */
  private async adjust(delta: number): Promise<void> {
    if (delta !== 0) await this.redis.incrby(this.key, delta);
  }

  /** The Redis set of the job ids this batch has charged. */
  get chargedKey(): string {
    return `${this.key}:jobs`;
  }

  /** Compute units reserved or charged so far by the whole fleet. */
  async spent(): Promise<number> {
    return Number((await this.redis.get(this.key)) ?? '0') / 1000;
  }
}
