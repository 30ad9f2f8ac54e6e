/**
 * Which job holds which of the plan's concurrent-job slots, and the hand-off of a due job's slot
 * to a submission waiting for one: a probe.
 *
 * Why probe. Without webhooks, the only news that a job has ended is a response that shows it:
 * a poll. A client that frees a slot only when a poll shows its job ended can settle at most
 * `capacity` jobs per poll (2 on the regular plan), so a 17-job film costs at least 17 POSTs and
 * 9 polls (1.53 requests per job). When a job is due (its estimated completion has passed) and a
 * submission waits for a slot, the client sends that submission's POST in the due job's slot
 * instead of polling: the server's answer tells as much as a poll would — 201, a slot was free
 * (one of ours ended); 429 `concurrency_limit`, ours are still running — and on a 201 it has also
 * submitted the next job. The job whose slot was lent is then "presumed ended" and settled by the
 * next shared list page, with the others.
 *
 *   held:     A ■■■■■■■due┐          ┌ probe accepted: C takes A's slot, A presumed ended
 *             B ■■■■■■■■■■■■■due┐   │
 *   submit C  ··········wait····POST C (201)
 *   submit D  ···················wait····POST D in B's slot (201)
 *   one GET /v2/jobs page later settles A and B (and C or D if they ended).
 *
 * The gate's count never changes through a hand-off (the slot object moves from job to job), so
 * other clients of the key (a fleet's Redis gate) see the same number of slots taken. A presumed
 * job that a later sighting shows still running takes the next slot that frees (it is running on
 * the server, so it must count).
 */
import type { JobSlot, JobSlots } from './limits.js';

/** A slot given to a submission: free from the gate, or lent by the due job `from` (a probe). */
export interface TakenSlot {
  readonly slot: JobSlot;
  /** The job whose slot this is, when the submission probes; absent for a free slot. */
  readonly from?: string;
}

/** How a POST sent in a taken slot ended. */
export type SlotAnswer = { readonly outcome: 'accepted'; readonly jobId: string } | { readonly outcome: 'refused' | 'failed' };

type Taker = (taken: TakenSlot) => boolean;

/** The client's slots; see the module docstring. */
export class SlotLedger {
  private readonly held = new Map<string, JobSlot>();
  /** Jobs whose slot is lent to a POST in flight → whether a sighting showed them ended meanwhile. */
  private readonly probing = new Map<string, boolean>();
  /** Jobs whose slot went to an accepted probe, not yet seen ended. */
  private readonly presumed = new Set<string>();
  /** Presumed jobs seen still running: they take the next slot that frees. */
  private readonly orphans = new Set<string>();
  private readonly takers: Taker[] = [];
  /** Due jobs that wait for the answer of the probe in flight rather than being polled or probed again. */
  private readonly riders = new Set<string>();

  constructor(private readonly gate: JobSlots) {}

  /** True while `id` holds a slot (its own, or lent to a probe). */
  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** The jobs holding a slot now (their own, or lent to a probe). */
  heldIds(): string[] {
    return [...this.held.keys()];
  }

  /** Records that job `id` holds `slot` (a resumed job the client follows). */
  hold(id: string, slot: JobSlot): void {
    this.held.set(id, slot);
  }

  /**
   * Waits for a slot: a free one from the gate, or the slot of a due job offered through
   * `offer`, whichever comes first. Rejects with the signal's reason when aborted.
   */
  take(signal?: AbortSignal): Promise<TakenSlot> {
    signal?.throwIfAborted();
    return new Promise<TakenSlot>((resolve, reject) => {
      const gateWait = new AbortController();
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        const at = this.takers.indexOf(taker);
        if (at >= 0) this.takers.splice(at, 1);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const taker: Taker = (taken) => {
        if (!finish()) return false;
        gateWait.abort();
        resolve(taken);
        return true;
      };
      const onAbort = () => {
        if (finish()) reject(signal?.reason);
        gateWait.abort();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.takers.push(taker);
      this.gate.acquire(gateWait.signal).then(
        (slot) => (finish() ? resolve({ slot }) : slot.release()),
        (error: unknown) => void (finish() && reject(error)),
      );
    });
  }

  /**
   * Offers the slot of due job `id` to the first submission waiting for one. True when one took
   * it: the caller then sends that POST (a probe) and reports with `answered`. Also true, without
   * a hand-off, while another probe is in flight: its answer tells about this job too (a refusal
   * means every job of ours still runs), so `id` rides on it (see `answered`).
   */
  offer(id: string): boolean {
    const slot = this.held.get(id);
    if (!slot || this.probing.has(id)) return false;
    if (this.probing.size > 0) {
      this.riders.add(id);
      return true;
    }
    for (let taker = this.takers.shift(); taker; taker = this.takers.shift()) {
      this.probing.set(id, false);
      if (taker({ slot, from: id })) return true;
      this.probing.delete(id);
    }
    return false;
  }

  /**
   * Settles the slot of a POST sent in `taken`. Returns the jobs that rode on it when it was a
   * probe (see `offer`): the caller reschedules them (they back off, as after a look at them).
   */
  answered(taken: TakenSlot, answer: SlotAnswer): string[] {
    const riders = taken.from === undefined ? [] : [...this.riders];
    if (taken.from !== undefined) this.riders.clear();
    this.settle(taken, answer);
    return riders;
  }

  private settle(taken: TakenSlot, answer: SlotAnswer): void {
    const from = taken.from;
    const fromEnded = from !== undefined && this.probing.get(from) === true;
    if (from !== undefined) this.probing.delete(from);
    // An idempotent replay of a job that already holds a slot needs no second one.
    const replay = answer.outcome === 'accepted' && this.held.has(answer.jobId) && this.held.get(answer.jobId) !== taken.slot;
    if (answer.outcome === 'accepted' && !replay) {
      if (from !== undefined) {
        this.held.delete(from);
        if (!fromEnded) this.presumed.add(from);
      }
      this.held.set(answer.jobId, taken.slot);
      return;
    }
    // Refused, failed or a replay: a lent slot stays with its job (or frees, if the job ended meanwhile).
    if (from === undefined || fromEnded) {
      if (from !== undefined) this.held.delete(from);
      this.release(taken.slot);
    }
  }

  /** A sighting of job `id` ended (completed or failed): its slot frees, or passes to an orphan. */
  ended(id: string): void {
    if (this.probing.has(id)) {
      this.probing.set(id, true);
      return;
    }
    this.presumed.delete(id);
    this.orphans.delete(id);
    const slot = this.held.get(id);
    if (!slot) return;
    this.held.delete(id);
    this.release(slot);
  }

  /** A sighting of job `id` still queued or processing: a presumed job running takes the next free slot. */
  running(id: string): void {
    if (this.presumed.delete(id)) this.orphans.add(id);
  }

  /** Counters for tests: slots held, lent to probes, jobs presumed ended, orphans. */
  stats(): { held: number; probing: number; presumed: number; orphans: number } {
    return { held: this.held.size, probing: this.probing.size, presumed: this.presumed.size, orphans: this.orphans.size };
  }

  private release(slot: JobSlot): void {
    const orphan = this.orphans.values().next();
    if (orphan.done) {
      slot.release();
      return;
    }
    this.orphans.delete(orphan.value);
    this.held.set(orphan.value, slot);
  }
}
