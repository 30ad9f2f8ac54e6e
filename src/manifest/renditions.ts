/**
 * The renditions of a film (`outputs:`, or the single `output:`): their frame sizes, names and
 * defaults, and the one resolution every clip is requested at. Pure.
 *
 * Frame sizes: a resolution names the frame's short side (720p = 720, 1080p = 1080, 4k = 2160,
 * 8k = 4320, the heights of the API's 16:9 frames, src/vocabulary/catalog.ts FRAME_SIZE), and
 * the aspect gives the long side: 720p is 1280×720 at 16:9, 720×1280 at 9:16, 720×720 at 1:1
 * and 720×900 at 4:5.
 */
import type { CaptionSettings } from '../captions/settings.js';
import { FRAME_SIZE, PLAN_LIMITS, RESOLUTIONS, type PaidPlan, type Resolution } from '../vocabulary/catalog.js';
import type { CaptionData } from './normalize.js';
import type { Aspect, Reframe, Rendition, SubtitleMode } from './production.js';

/** One `outputs[k]` entry as written (schema-valid). */
export interface RenditionData {
  name?: string;
  path: string;
  aspect?: Aspect;
  resolution?: Resolution;
  size?: string;
  reframe?: Reframe;
  subtitles?: SubtitleMode;
  captions?: CaptionData;
}

/** Width:height of each aspect. */
const RATIO: Readonly<Record<Aspect, readonly [number, number]>> = { '16:9': [16, 9], '9:16': [9, 16], '1:1': [1, 1], '4:5': [4, 5] };

/** Share of a vertical frame's height at the bottom that platform controls cover (Shorts, Reels, TikTok safe zones). */
export const VERTICAL_CAPTION_SAFE_BOTTOM = 0.2;

/**
 * Frame size in pixels of `aspect` with its short side at `resolution` (the long side rounded
 * to an even number, as H.264 4:2:0 needs).
 */
export function renditionSize(aspect: Aspect, resolution: Resolution): { width: number; height: number } {
  const short = FRAME_SIZE[resolution].height;
  const [w, h] = RATIO[aspect];
  const long = 2 * Math.round((short * Math.max(w, h)) / Math.min(w, h) / 2);
  return w >= h ? { width: long, height: short } : { width: short, height: long };
}

/** `1080x1350` → its width and height. */
export function parseSize(size: string): { width: number; height: number } {
  const [width, height] = size.split('x').map(Number) as [number, number];
  return { width, height };
}

/** What an entry leaves to the film: the plan's default resolution, and how paths and caption settings are normalized (normalize.ts). */
export interface RenditionContext {
  readonly defaultResolution: Resolution;
  /** The absolute path of a manifest path. */
  readonly resolvePath: (path: string) => string;
  /** The caption settings of `captions:` as written, defaults filled in. */
  readonly captions: (data: CaptionData | undefined) => CaptionSettings;
  /** Subtitles of an entry that names none. */
  readonly subtitles: SubtitleMode;
}

/** The renditions of `outputs:`, named (default: the aspect or size, numbered from -2 on a repeat). */
export function normalizeRenditions(entries: readonly RenditionData[], context: RenditionContext): Rendition[] {
  const taken = new Set(entries.flatMap((e) => (e.name === undefined ? [] : [e.name])));
  return entries.map((entry, k) => {
    const aspect = entry.size === undefined ? (entry.aspect ?? '16:9') : undefined;
    const { width, height } = entry.size !== undefined ? parseSize(entry.size) : renditionSize(aspect!, entry.resolution ?? context.defaultResolution);
    const name = entry.name ?? freeName(aspect ? aspect.replace(':', 'x') : `${width}x${height}`, taken);
    return {
      name,
      pointer: `/outputs/${k}`,
      path: context.resolvePath(entry.path),
      ...(aspect ? { aspect } : {}),
      width,
      height,
      reframe: entry.reframe ?? (width * 9 === height * 16 ? 'pad' : 'fit'),
      subtitles: entry.subtitles ?? context.subtitles,
      captions: context.captions(entry.captions),
      captionSafeBottom: height > width ? VERTICAL_CAPTION_SAFE_BOTTOM : 0,
    };
  });
}

/** `base`, or `base-2`, `base-3` … when taken; the name returned is taken from then on. */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

/**
 * The resolution every clip is requested at, so no rendition needs a larger picture than the
 * clips have: the smallest the API makes whose short side covers every rendition's short side,
 * capped by the plan's maximum. For renditions named by resolution it is the largest of them
 * (a 720p 16:9, 9:16 and 1:1 film requests 720p clips; a 9:16 crop of them is scaled up).
 */
export function clipResolution(renditions: readonly Pick<Rendition, 'width' | 'height'>[], plan: PaidPlan): Resolution {
  const max = PLAN_LIMITS[plan].maxResolution;
  const short = Math.max(...renditions.map((r) => Math.min(r.width, r.height)));
  const allowed = RESOLUTIONS.slice(0, RESOLUTIONS.indexOf(max) + 1);
  return allowed.find((r) => FRAME_SIZE[r].height >= short) ?? max;
}

/** Whether a frame of `width`×`height` fits the plan's largest frame (either orientation). */
export function sizeWithinPlan(width: number, height: number, plan: PaidPlan): boolean {
  const max = FRAME_SIZE[PLAN_LIMITS[plan].maxResolution];
  return Math.max(width, height) <= max.width && Math.min(width, height) <= max.height;
}

/** The one rendition of a film with a single `output:`: 16:9 at its resolution, bars for any other shape (as before renditions). */
export function singleRendition(output: { path: string; resolution: Resolution; subtitles: SubtitleMode; captions: CaptionSettings }): Rendition {
  const { width, height } = FRAME_SIZE[output.resolution];
  return {
    name: '16x9',
    pointer: '/output',
    path: output.path,
    aspect: '16:9',
    width,
    height,
    reframe: 'pad',
    subtitles: output.subtitles,
    captions: output.captions,
    captionSafeBottom: 0,
  };
}
