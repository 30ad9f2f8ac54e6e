/**
 * How long MercaDream Local's renders really take, learned from the renders it has finished, so
 * that the `estimated_completion` it promises is what its engines deliver on this machine (fast
 * or full quality, a busy or an idle machine) rather than the nominal figure alone.
 *
 * Per job type it keeps the pace: the ratio of a render's measured time to its nominal time
 * (estimatedRenderMs: 2 s + 1.5 s per compute unit), as an exponentially weighted mean (weight
 * 0.3 for the newest render, so a few renders move it and one outlier does not). The estimate of
 * a render is its nominal time × the pace of its type; until a render of that type has finished
 * the pace is 1. A real API estimates from its own history the same way; clients pace their polls
 * by the estimate, so an estimate far below the truth costs every client early, wasted requests.
 */
import { estimatedRenderMs } from './compute-units.js';
import type { JobRequest, JobType } from './job.js';

/** Weight of the newest render in the mean. */
const NEWEST_WEIGHT = 0.3;

/** Learned render paces, one per job type. */
export class RenderPace {
  readonly #pace = new Map<JobType, number>();

  /** Expected render time of `request` once a worker picks it up, ms. */
  estimate(request: JobRequest): number {
    return Math.round(estimatedRenderMs(request) * (this.#pace.get(request.type) ?? 1));
  }

  /** Records a finished render of `request` that took `renderedMs` (from pick-up to completion). */
  record(request: JobRequest, renderedMs: number): void {
    if (!(renderedMs > 0)) return;
    const ratio = renderedMs / estimatedRenderMs(request);
    const before = this.#pace.get(request.type);
    this.#pace.set(request.type, before === undefined ? ratio : before + NEWEST_WEIGHT * (ratio - before));
  }
}
