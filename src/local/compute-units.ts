/**
 * What a job costs in compute units, and how long MercaDream Local expects it to take.
 *
 * Cost formula (integers, documented in docs/local.md):
 * - video:  (duration / 15) × weight(resolution), weight 720p = 1, 1080p = 2, 4k = 6, 8k = 24;
 *           × 2 at 60 fps. The API document's example — 4k, 30 s → 12 units — follows from it.
 * - speech: ceil(characters / 500), at least 1.
 * - music:  ceil(duration / 30), at least 1.
 */
import type { Resolution } from '../api/catalog.js';
import { unreachable, type JobRequest } from './job.js';

const RESOLUTION_WEIGHT: Readonly<Record<Resolution, number>> = { '720p': 1, '1080p': 2, '4k': 6, '8k': 24 };

/** Compute units of a validated request (see the module docstring). */
export function computeUnits(request: JobRequest): number {
  switch (request.type) {
    case 'video': {
      const p = request.params;
      return (p.duration / 15) * RESOLUTION_WEIGHT[p.resolution] * (p.fps === 60 ? 2 : 1);
    }
    case 'speech':
      return Math.max(1, Math.ceil([...request.params.text].length / 500));
    case 'music':
      return Math.max(1, Math.ceil(request.params.duration / 30));
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
