/**
 * Pure: what a conform does with a clip or footage shorter than its scene, and the ffmpeg
 * fragments that do it. A source is short when it ends a whole frame (1/fps) or more before the
 * scene does; a shortfall under one frame is the rounding of lengths to the frame grid, and the
 * conform's last-frame hold covers it unremarked.
 *
 *   scene        |==================== need ====================|
 *   source       |===== have =====|
 *   hold         |===== have =====|▒▒▒▒▒▒▒ last frame ▒▒▒▒▒▒▒▒▒▒▒|
 *   loop         |===== have =====|===== have =====|=== have ====|
 *   slow (≤ 2×)  |================ have × factor ================|
 *   slow (> 2×)  |======== have × 2 ========|▒▒▒▒ last frame ▒▒▒▒|
 */

/** What the stitch may do with a short source (the manifest's `short_media` but `error`, which stops the run before). */
export type ShortMediaTreatment = 'hold' | 'loop' | 'slow';

/**
 * The most a source is slowed down: 2 times (half speed). Motion slowed to about half speed still
 * reads as natural slow motion (a 48 fps shot played at 24 fps is the everyday case of it);
 * slower, frames repeated without interpolation visibly stutter. Past it the rest is held.
 */
export const SLOW_LIMIT = 2;

/** How a conform fits a source to its scene. Seconds throughout. */
export type ShortMediaFit =
  /** The source is long enough (or short by less than one frame). */
  | { readonly kind: 'enough' }
  /** The last frame is held for `held` seconds. */
  | { readonly kind: 'hold'; readonly held: number }
  /** The source plays `plays` times from its start (the last time cut where the scene ends). */
  | { readonly kind: 'loop'; readonly plays: number }
  /** The source is slowed `factor` times (1 < factor ≤ SLOW_LIMIT), then its last frame held for `held` seconds (0 within the limit). */
  | { readonly kind: 'slow'; readonly factor: number; readonly held: number };

/**
 * Seconds the source is short of the scene, or 0 when it is short by less than one frame.
 * @param need seconds the scene takes from the source (its frames / fps)
 * @param have seconds the source has from its in-point (ffprobe's duration − in-point)
 * @param fps the film's frames per second
 */
export function shortfall(need: number, have: number, fps: number): number {
  const short = need - have;
  return short >= 1 / fps - 1e-6 ? short : 0;
}

/** How `treatment` fits a source of `have` seconds to a scene of `need` seconds at `fps` (see {@link shortfall}). */
export function shortMediaFit(treatment: ShortMediaTreatment, need: number, have: number, fps: number): ShortMediaFit {
  const short = shortfall(need, have, fps);
  if (short === 0 || !(have > 0)) return short === 0 ? { kind: 'enough' } : { kind: 'hold', held: short };
  switch (treatment) {
    case 'hold':
      return { kind: 'hold', held: short };
    case 'loop':
      return { kind: 'loop', plays: Math.ceil(need / have - 1e-9) };
    case 'slow': {
      const factor = Math.min(need / have, SLOW_LIMIT);
      return { kind: 'slow', factor, held: Math.max(0, need - have * factor) };
    }
    default:
      return unreachable(treatment);
  }
}

/**
 * Input options that go before the source's `-i`: `-stream_loop -1` for a loop (ffmpeg reads the
 * file again from its start each time it ends, picture and sound alike, without holding frames
 * in memory as the `loop` filter would; the output's frame and time limits end it).
 */
export function shortMediaInputArgs(fit: ShortMediaFit): string[] {
  return fit.kind === 'loop' ? ['-stream_loop', '-1'] : [];
}

/**
 * The video filters that take the place of the conform's last-frame hold: for `slow`, timestamps
 * stretched by the factor (`setpts`) and the picture brought back to the film's frame grid (`fps`,
 * which repeats frames); then, always, the last frame held until the scene ends (`tpad` clone:
 * the hold itself, the rest past the slow limit, and any sub-frame rounding).
 * @param seconds length of the scene, frames / fps
 */
export function shortMediaVideoFilters(fit: ShortMediaFit, fps: number, seconds: number): string[] {
  const slow = fit.kind === 'slow' ? [`setpts=${decimal(fit.factor)}*PTS`, `fps=${fps}`] : [];
  return [...slow, `tpad=stop_mode=clone:stop_duration=${seconds}`];
}

/**
 * Audio filters that go first in a clip's own sound chain: for `slow`, `atempo` by 1/factor, so
 * the sound stays with the picture and keeps its pitch (atempo takes 0.5–100 in one instance,
 * which SLOW_LIMIT keeps within); the conform's `apad` then fills any held rest with silence.
 */
export function shortMediaAudioFilters(fit: ShortMediaFit): string[] {
  return fit.kind === 'slow' ? [`atempo=${decimal(1 / fit.factor)}`] : [];
}

/** A number as a filter argument: at most 6 decimals, no exponent. */
function decimal(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}

function unreachable(value: never): never {
  throw new Error(`unexpected short-media treatment ${String(value)}`);
}
