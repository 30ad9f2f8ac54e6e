/**
 * What a job costs in compute units, and how long MercaDream Local expects it to take.
 *
 * Cost formula (src/api/cost.ts, documented in docs/local.md):
 * - video:  (duration / 15) × weight(resolution), weight 720p = 1, 1080p = 2, 4k = 6, 8k = 24;
 *           × 2 at 60 fps. The API document's example — 4k, 30 s → 12 units — follows from it.
 * - speech: ceil(characters / 500), at least 1.
 * - music:  ceil(duration / 30), at least 1.
 */
import { musicUnits, speechUnits, videoUnits } from '../vocabulary/cost.js';
import { unreachable, type JobRequest } from './job.js';

/** Compute units of a validated request (see the module docstring). */
export function computeUnits(request: JobRequest): number {
  switch (request.type) {
    case 'video':
      return videoUnits(request.params.duration, request.params.resolution, request.params.fps);
    case 'speech':
      return speechUnits(request.params.text);
    case 'music':
      return musicUnits(request.params.duration);
    default:
      return unreachable(request);
  }
}

/**
 * Expected render time in milliseconds once a worker picks the job up: a rough 1.5 s per
 * compute unit plus 2 s; good enough to pace polling, not a promise.
 */
export function estimatedRenderMs(request: JobRequest): number {
  return 2_000 + computeUnits(request) * 1_500;
}
