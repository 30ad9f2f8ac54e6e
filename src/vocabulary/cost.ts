/**
 * Compute units a request costs, as MercaDream Local charges them; the planner uses the same
 * figures to estimate a production's cost before anything is spent. The API document gives one
 * data point (4k, 30 s video → 12 units); the rest is MercaDream Local's documented formula
 * (docs/local.md), so against the real service the plan's figure is an estimate and the
 * runner records what the API actually charged.
 *
 * - video:  (duration / 15) × weight(resolution), weight 720p = 1, 1080p = 2, 4k = 6, 8k = 24; × 2 at 60 fps.
 * - speech: ceil(characters / 500), at least 1.
 * - music:  ceil(duration / 30), at least 1.
 */
import type { Resolution } from './catalog.js';

const RESOLUTION_WEIGHT: Readonly<Record<Resolution, number>> = { '720p': 1, '1080p': 2, '4k': 6, '8k': 24 };

/** Units of a video job of `duration` seconds. */
export function videoUnits(duration: number, resolution: Resolution, fps: number): number {
  return (duration / 15) * RESOLUTION_WEIGHT[resolution] * (fps === 60 ? 2 : 1);
}

/** Units of a speech job for `text` (characters counted as code points). */
export function speechUnits(text: string): number {
  return Math.max(1, Math.ceil([...text].length / 500));
}

/** Units of a music job of `duration` seconds. */
export function musicUnits(duration: number): number {
  return Math.max(1, Math.ceil(duration / 30));
}
