/**
 * A compute-unit budget shared by every production of a batch (`--max-compute-units`).
 * A job is reserved at its planned cost before it is submitted; when the API answers, the
 * reservation is replaced by what the API actually charged, so a server that charges more
 * than planned stops later submissions sooner. Nothing is ever submitted past the budget.
 */

/** The next job would take the batch over its budget. */
export class BudgetError extends Error {
  readonly type = 'budget_exceeded';
}

/**
 * A reservation of compute units: settled with what the API charged, or released when nothing
 * was submitted. Both are idempotent. The in-process Budget settles at once; a fleet's budget
 * (Redis) returns a promise, which callers await so that a failed update is an error, not lost.
 */
export interface Reservation {
  /**
   * Replaces the reserved units by `actual` (compute units the API charged; undefined keeps the
   * reservation) for job `jobId`; a job settled before (handed back to another production, or
   * replayed) costs nothing more.
   */
  settle(actual: number | undefined, jobId?: string): void | Promise<void>;
  /** Gives the reserved units back. */
  release(): void | Promise<void>;
}

/** The in-process Budget's reservation: settled and released at once. */
export interface ImmediateReservation extends Reservation {
  settle(actual: number | undefined, jobId?: string): void;
  release(): void;
}

/** A reservation kept elsewhere (a fleet's budget in Redis): settling and releasing resolve once the total is updated. */
export interface PendingReservation extends Reservation {
  settle(actual: number | undefined, jobId?: string): Promise<void>;
  release(): Promise<void>;
}

/**
 * What a run asks of a budget: reserve a job's planned units before its POST. The in-process
 * Budget answers at once; a fleet's budget (src/fleet/redis-budget.ts) is kept in Redis and
 * answers asynchronously, so callers await the reservation.
 */
export interface BudgetLedger {
  /** Reserves `units` for `what` (a node id); throws BudgetError when that would pass the maximum. */
  reserve(units: number, what: string): Reservation | Promise<Reservation>;
}

/** Compute units committed so far against an optional maximum. */
export class Budget implements BudgetLedger {
  private committed = 0;
  /** Jobs already charged: a job handed back again (the same request from another production, an idempotent replay) costs nothing more. */
  private readonly charged = new Set<string>();

  /** @param max most compute units the batch may spend; undefined = no limit */
  constructor(readonly max?: number) {}

  /** Units reserved or charged so far. */
  get spent(): number {
    return this.committed;
  }

  /**
   * Reserves `units` for `what` (a node id); throws BudgetError when that would pass the
   * maximum. Returns the reservation to settle once the API says what it charged (`actual`
   * units, undefined when it did not say) for job `jobId`; a job settled before counts 0.
   */
  reserve(units: number, what: string): ImmediateReservation {
    if (this.max !== undefined && this.committed + units > this.max + 1e-9) {
      throw new BudgetError(`not submitted: ${what} would cost ${units} compute units, and ${this.committed} of the budget's ${this.max} are spent or reserved`);
    }
    this.committed += units;
    let open = true;
    return {
      settle: (actual, jobId) => {
        if (!open) return;
        open = false;
        const again = jobId !== undefined && this.charged.has(jobId);
        if (jobId !== undefined) this.charged.add(jobId);
        if (again) this.committed -= units;
        else if (actual !== undefined) this.committed += actual - units;
      },
      release: () => {
        if (!open) return;
        open = false;
        this.committed -= units;
      },
    };
  }
}
