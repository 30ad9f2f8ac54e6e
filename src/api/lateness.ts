/**
 * How late jobs end against the API's `estimated_completion`, learned by the client from the
 * jobs it has seen completed, per job type: the ratio of a job's real length (created_at to
 * completed_at) to its promised length (created_at to the estimate it was given), as a weighted
 * mean (0.3 for the newest job). An API whose estimates run short (a busy render farm, a first
 * job of a kind) would otherwise cost a wasted look at every job; the waiter stretches each
 * estimate by this ratio before its first look. Ratios below 1 are kept at 1: an early job is
 * found at the first look anyway, and looking sooner than promised saves nothing.
 */
import type { Job } from './types.js';

const NEWEST_WEIGHT = 0.3;

/** Learned lateness per job type (see the module docstring). */
export class Lateness {
  readonly #ratio = new Map<string, number>();

  /**
   * The length to expect of `job`, ms: its promised length (creation to `eta`, epoch ms) × the
   * lateness of its type; 0 when either time is unknown.
   */
  expectedLength(job: Job | undefined, eta: number | undefined): number {
    const created = job?.created_at instanceof Date ? job.created_at.getTime() : undefined;
    if (created === undefined || eta === undefined) return 0;
    return Math.max(0, eta - created) * (this.#ratio.get(job?.type ?? '') ?? 1);
  }

  /** Learns from `job`, seen completed, which had been promised for `eta` (epoch ms). */
  record(job: Job, eta: number | undefined): void {
    const created = job.created_at instanceof Date ? job.created_at.getTime() : undefined;
    const completed = job.completed_at instanceof Date ? job.completed_at.getTime() : undefined;
    if (created === undefined || completed === undefined || eta === undefined || !(eta > created)) return;
    const ratio = Math.max(1, (completed - created) / (eta - created));
    const type = job.type ?? '';
    const before = this.#ratio.get(type);
    this.#ratio.set(type, before === undefined ? ratio : before + NEWEST_WEIGHT * (ratio - before));
  }
}
