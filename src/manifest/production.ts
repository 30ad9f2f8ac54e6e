/**
 * The normalized Production: a manifest after schema check, defaults and shorthands, ready for
 * the planner. Every scene and cue remembers its JSON pointer, and the Production keeps its
 * ManifestSource, so later stages still point their Diagnostics at the manifest's text.
 */
import type { CaptionSettings } from '../captions/settings.js';
import type { PaidPlan, Resolution } from '../vocabulary/catalog.js';
import type { QcSettings } from '../qc/thresholds.js';
import type { ManifestSource } from './source.js';

/** Plans a manifest may name (`free` has no API access). */
export type { PaidPlan };

export type SubtitleMode = 'none' | 'sidecar' | 'burn';

export type TransitionType =
  | 'cut'
  | 'dissolve'
  | 'fadeblack'
  | 'fadewhite'
  | 'wipeleft'
  | 'wiperight'
  | 'wipeup'
  | 'wipedown'
  | 'slideleft'
  | 'slideright'
  | 'circleopen'
  | 'circleclose'
  | 'radial'
  | 'pixelize';

/**
 * Other names of `dissolve` that users bring from other tools: ffmpeg's xfade, editly and
 * gl-transitions call the crossfade `fade`. The manifest accepts them and normalization turns
 * them into `dissolve`, so fingerprints, lock files and the final cut do not depend on the name
 * a studio happens to use.
 */
export const TRANSITION_ALIASES = { fade: 'dissolve', crossfade: 'dissolve' } as const satisfies Record<string, TransitionType>;

/** A name the manifest accepts for a transition: its own names and {@link TRANSITION_ALIASES}. */
export type TransitionName = TransitionType | keyof typeof TRANSITION_ALIASES;

/** How a scene hands over to the next. A cut always has duration 0. */
export interface Transition {
  readonly type: TransitionType;
  /** Overlap with the next scene, seconds. */
  readonly duration: number;
}

/**
 * What the stitch does when a scene's clip or footage is shorter than the scene (by a frame or
 * more): `hold` its last frame (the default), `loop` it from its start, `slow` it down to fit
 * (at most 2 times slower, SLOW_LIMIT in src/media/short-media.ts, then hold), or fail the run (`error`). Every case
 * but `error` is a warning naming the scene, the seconds needed and delivered, and what was done.
 */
export type ShortMediaPolicy = 'hold' | 'loop' | 'slow' | 'error';

/** A voice-over for one scene. */
export interface Narration {
  readonly text: string;
  /** MercaDream `voice_id`. */
  readonly voice: string;
  /** 0.5–2.0 times normal speed. */
  readonly speed: number;
  /** Start, seconds after the scene starts. */
  readonly at: number;
  /** JSON pointer of the narration in the manifest. */
  readonly pointer: string;
}

interface SceneCommon {
  /** 0-based position in the film. */
  readonly index: number;
  readonly id: string;
  /** JSON pointer of the scene (`/scenes/2`). */
  readonly pointer: string;
  /** Length in the cut, seconds, or `auto` (narration length + padding, known after speech). */
  readonly duration: number | 'auto';
  readonly narration?: Narration;
  /** Transition into the next scene; the last scene's is always a cut. */
  readonly transition: Transition;
  /** How the scene is reframed in renditions of another shape; absent = each rendition's own `reframe`. */
  readonly reframe?: Reframe;
  /** Horizontal centre of a crop, 0 (left edge) – 1 (right edge); absent = 0.5. */
  readonly focus?: number;
  /** What to do when its clip or footage is shorter than the scene (`short_media`). */
  readonly shortMedia: ShortMediaPolicy;
}

/** A scene MercaDream generates from a prompt. */
export interface GeneratedScene extends SceneCommon {
  readonly kind: 'generated';
  readonly prompt: string;
  readonly style: string;
}

/** A scene taken from local footage. */
export interface FootageScene extends SceneCommon {
  readonly kind: 'footage';
  /** Absolute path of the footage file. */
  readonly source: string;
}

export type Scene = GeneratedScene | FootageScene;

/** A music cue under the scenes `from`..`to` (inclusive). */
export interface Cue {
  readonly index: number;
  readonly id: string;
  readonly pointer: string;
  readonly prompt: string;
  /** Scene id where the cue starts. */
  readonly from: string;
  /** Scene id where the cue ends. */
  readonly to: string;
  /** 60–200 beats per minute; absent = chosen by the API. */
  readonly bpm?: number;
  /** Level relative to the rendered cue, dB. */
  readonly gain: number;
  /** Attenuation under narration, dB (≤ 0; 0 = off). */
  readonly duck: number;
  /** Seconds. */
  readonly fadeIn: number;
  /** Seconds. */
  readonly fadeOut: number;
}

/** How the final cut is rendered. */
export interface OutputSettings {
  /** Absolute path of the final cut. */
  readonly path: string;
  readonly resolution: Resolution;
  /** 24 | 30 | 60. */
  readonly fps: number;
  /** Integrated loudness target, LUFS. */
  readonly loudness: number;
  readonly subtitles: SubtitleMode;
  /** How captions are cut, timed and drawn (`output.captions`). */
  readonly captions: CaptionSettings;
}

/** A validated, normalized manifest. */
export interface Production {
  /** The manifest's path as the user gave it. */
  readonly file: string;
  /** Absolute folder of the manifest; relative paths in it resolve here. */
  readonly baseDir: string;
  readonly title: string;
  readonly plan: PaidPlan;
  /**
   * The film-wide settings: fps, loudness, and the resolution every clip is requested at; with
   * `outputs:`, path, subtitles and captions are the first rendition's.
   */
  readonly output: OutputSettings;
  /**
   * Every file the film is delivered as, in manifest order, at least one: `output:` alone is one
   * rendition (16:9 at output.resolution, reframe pad), `outputs:` one per entry.
   */
  readonly renditions: readonly Rendition[];
  readonly scenes: readonly Scene[];
  readonly score: readonly Cue[];
  /** The manifest text and parse tree, for diagnostics of later stages. */
  readonly source: ManifestSource;
  /** The values of this production's matrix combination, when the manifest has a `matrix:`. */
  readonly matrix?: Readonly<Record<string, MatrixValue>>;
  /** A file-name-safe name of the combination (`tokyo-noir`), for lock files and reports. */
  readonly variant?: string;
  /** QC limits the manifest's `qc:` block sets (the rest keep src/qc/thresholds.ts's defaults). */
  readonly qc?: QcSettings;
}

/** A value a matrix variable takes. */
export type MatrixValue = string | number | boolean;

/** Defaults applied where a manifest is silent (README "Manifest reference" documents them). */
export const DEFAULTS = {
  plan: 'regular',
  fps: 24,
  loudness: -14,
  subtitles: 'sidecar',
  style: 'cinematic',
  voice: 'neural-narrator-m',
  transitionType: 'cut',
  transitionDuration: 0.5,
  speed: 1,
  narrationAt: 0.5,
  sceneDuration: 5,
  cueGain: -6,
  cueDuck: -12,
  cueFadeIn: 1,
  cueFadeOut: 2,
  shortMedia: 'hold',
} as const;

/** Frame shapes a rendition may have, width:height. */
export const ASPECTS = ['16:9', '9:16', '1:1', '4:5'] as const;
export type Aspect = (typeof ASPECTS)[number];

/**
 * How a picture of another shape fills a rendition's frame: `fit` (scaled to fit over a blurred,
 * darkened copy of itself), `crop` (scaled to fill, the part at the scene's focus kept) or `pad`
 * (scaled to fit, bars).
 */
export type Reframe = 'fit' | 'crop' | 'pad';

/**
 * One file the film is delivered as (`outputs[k]`, or the single `output:`). fps and loudness
 * are film-wide (Production.output): one frame grid and one sound serve every rendition.
 */
export interface Rendition {
  /** Its name in the lock file, the report and `plan` (`9x16`). */
  readonly name: string;
  /** JSON pointer of its entry (`/outputs/1`; `/output` for the single output). */
  readonly pointer: string;
  /** Absolute path of the file. */
  readonly path: string;
  /** Its shape, when given by aspect and resolution (absent for an explicit `size`). */
  readonly aspect?: Aspect;
  /** Frame size in pixels (even, unless the manifest's `size` is odd: a diagnostic then). */
  readonly width: number;
  readonly height: number;
  /** The default reframe of its scenes; a scene's own wins. */
  readonly reframe: Reframe;
  readonly subtitles: SubtitleMode;
  /** How its captions are cut, timed and drawn. */
  readonly captions: CaptionSettings;
  /**
   * Fraction of the frame's height at the bottom that captions stay above: 0.2 for a frame
   * taller than wide (the platform controls of Shorts, Reels and TikTok cover it), else 0.
   */
  readonly captionSafeBottom: number;
}
