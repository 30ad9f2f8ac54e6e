/**
 * Reframing: how a clip's picture fills an output of another shape (a 16:9 clip in a 9:16, 1:1
 * or 4:5 rendition, or the other way round), as one video filter fragment that takes one picture
 * and gives one picture of exactly `width`×`height` square pixels:
 *
 * - `pad` (the default): scaled to fit, the rest black bars (letterbox/pillarbox) — the bytes the
 *   conform always wrote, so existing conformed clips keep their keys' meaning;
 * - `crop`: scaled to cover and cropped; the crop window's horizontal centre sits at `focus`
 *   (0 = left edge, 1 = right edge of the scaled picture, default 0.5), clamped so the window stays
 *   inside the picture (a subject off centre stays in frame);
 * - `fit`: scaled to fit over a blurred, darkened copy of itself scaled to cover (the look of
 *   social video): the bars are filled with the picture's own colours.
 *
 * Pure. conform.ts composes the fragment into its filter chain (after fps and squaring the pixels,
 * before setsar), so it sees the source's picture with square pixels.
 */
import type { Reframe } from './stitch-types.js';
import { StitchPlanError } from './stitch-timeline.js';

/** The reframe modes, in the words of the manifest. */
export const REFRAME_MODES = ['fit', 'crop', 'pad'] as const;

/** Default horizontal focus of `crop`: the centre. */
export const DEFAULT_FOCUS = 0.5;

/**
 * The background of `fit` is made at 1/FILL_DOWNSCALE of the output size (blurring a quarter-size
 * picture and scaling it up looks the same as blurring the full one, at a sixteenth of the work).
 */
const FILL_DOWNSCALE = 4;
/** Gaussian blur of the fill, in pixels of the downscaled picture (×FILL_DOWNSCALE at output size). */
const FILL_BLUR_SIGMA = 8;
/**
 * Brightness offset of the fill (eq filter, −1…1 of the luma range): dark enough that the picture
 * stands out from its fill, light enough that the fill's colours still show.
 */
const FILL_BRIGHTNESS = -0.25;

/** Pure: a reframe with its defaults filled in (`pad` when absent; focus only for `crop`); the form keys are made of. */
export function normalReframe(reframe: Reframe | undefined): Reframe {
  if (!reframe || reframe.mode === 'pad') return { mode: 'pad' };
  if (reframe.mode === 'fit') return { mode: 'fit' };
  return { mode: 'crop', focus: reframe.focus ?? DEFAULT_FOCUS };
}

/**
 * Checks a clip's reframe: a known mode, a focus that is a number in 0–1.
 * @param where names the clip in the message (e.g. `clip "market"`)
 * @throws StitchPlanError naming the clip and the parameter
 */
export function checkReframe(reframe: Reframe | undefined, where: string): void {
  if (reframe === undefined) return;
  if (!(REFRAME_MODES as readonly string[]).includes(reframe.mode)) {
    throw new StitchPlanError(`${where}: reframe.mode "${String(reframe.mode)}" is not one of ${REFRAME_MODES.join(', ')}`);
  }
  const { focus } = reframe;
  if (focus !== undefined && !(typeof focus === 'number' && Number.isFinite(focus) && focus >= 0 && focus <= 1)) {
    throw new StitchPlanError(`${where}: reframe.focus ${String(focus)} is not a number from 0 to 1`);
  }
}

/** Pure: `scale` to fit inside width×height (aspect kept, even sides). */
function scaleToFit(width: number, height: number): string {
  return `scale=${width}:${height}:force_original_aspect_ratio=decrease:force_divisible_by=2`;
}

/** Pure: `scale` to cover width×height (aspect kept) then `crop` to it, the window's centre at `focus` across. */
function coverCrop(width: number, height: number, focus: number): string {
  const x = focus === DEFAULT_FOCUS ? '(iw-ow)/2' : `'clip(iw*${focus}-ow/2,0,iw-ow)'`;
  return `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}:${x}:(ih-oh)/2`;
}

/** Pure: the `fit` graph: split, blurred and darkened cover as the fill, the fitted picture centred over it. */
function fitGraph(width: number, height: number): string {
  const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));
  const fillW = even(width / FILL_DOWNSCALE);
  const fillH = even(height / FILL_DOWNSCALE);
  return [
    'split[reframe_fill][reframe_picture]',
    `[reframe_fill]${coverCrop(fillW, fillH, DEFAULT_FOCUS)},gblur=sigma=${FILL_BLUR_SIGMA},scale=${width}:${height},eq=brightness=${FILL_BRIGHTNESS}[reframe_back]`,
    `[reframe_picture]${scaleToFit(width, height)}[reframe_front]`,
    '[reframe_back][reframe_front]overlay=x=(W-w)/2:y=(H-h)/2',
  ].join(';');
}

/**
 * Pure: the filter fragment that reframes one picture into `width`×`height` (pixels, even) by
 * `reframe` (absent = `pad`). The fragment has one unlabelled input and one unlabelled output, so
 * it joins a `-vf` chain with commas on both sides; `fit`'s inner pads are labelled `reframe_*`.
 */
export function reframeFilter(reframe: Reframe | undefined, width: number, height: number): string {
  const r = normalReframe(reframe);
  if (r.mode === 'fit') return fitGraph(width, height);
  if (r.mode === 'crop') return coverCrop(width, height, r.focus ?? DEFAULT_FOCUS);
  return `${scaleToFit(width, height)},pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:black`;
}
