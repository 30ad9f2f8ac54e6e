/**
 * The contract between the runner and the stitcher: everything needed to render a final cut,
 * in film time (seconds from the start of the cut). The runner builds it from the plan's
 * timeline and the assets it fetched; `stitch()` (src/media/stitch.ts) turns it into the file.
 *
 *   clip 0  |=========d0=========|
 *   clip 1                  |==t0==|=======d1=======|      start1 = start0 + d0 − t0
 *   clip 2                                     |==t1==|====d2====|
 *   film    0 ────────────────────────────────────────────────────▶ length = Σd − Σt
 */

import type { CaptionSettings } from '../captions/settings.js';
import type { CaptionTrack } from '../captions/track.js';
import type { FfmpegBinaries } from './ffmpeg.js';

/**
 * How a clip's picture fills an output of another shape (src/media/reframe.ts): `fit` (fitted over
 * a blurred, darkened copy of itself), `crop` (cover and crop; `focus` 0–1 is the crop window's
 * horizontal centre, default 0.5, clamped so the window stays inside the picture) or `pad` (black bars).
 */
export interface Reframe {
  readonly mode: 'fit' | 'crop' | 'pad';
  /** Horizontal centre of the crop window, 0 (left) – 1 (right) of the picture; `crop` only; default 0.5. */
  readonly focus?: number;
}

/** One scene's picture (and its own sound, if any) in the cut. */
export interface StitchClip {
  /** Scene id (for messages and progress). */
  readonly id: string;
  /** The asset: a generated clip or local footage, any format ffmpeg reads. */
  readonly file: string;
  /** Seconds into `file` where the scene's part begins (generated clips are longer than needed and trimmed). */
  readonly inPoint: number;
  /** Length of the scene in the cut, seconds, transitions included (d_i). */
  readonly duration: number;
  /**
   * Film time at which the scene starts, seconds. The stitcher places the clip from the frame
   * nearest `start` to the frame nearest `start + duration` (stitch-timeline.ts): a plan on the
   * timeline's frame grid is read back exactly, and the next clip must start where this one's
   * transition begins.
   */
  readonly start: number;
  /** Transition into the next clip; `cut` with duration 0 for none and for the last clip. */
  readonly transition: { readonly type: string; readonly duration: number };
  /** Gain applied to the clip's own sound (ambience), dB; default 0. */
  readonly gain?: number;
  /**
   * What the conform does when `file` ends before inPoint + duration by a frame or more
   * (short-media.ts): `loop` or `slow`; absent = hold its last frame.
   */
  readonly shortMedia?: 'loop' | 'slow';
  /**
   * How the picture fills the output when its shape differs (reframe.ts); absent = `pad`
   * (letterbox/pillarbox). A clip already at the output size is the same picture in every mode.
   */
  readonly reframe?: Reframe;
}

/** A voice-over placed on the timeline. */
export interface StitchNarration {
  readonly id: string;
  readonly file: string;
  /** Film time at which it starts, seconds. */
  readonly start: number;
  /** Its length, seconds (the speech asset's duration). */
  readonly duration: number;
  /** What is said, for the subtitles (any characters: quotes, colons, %, \, non-Latin scripts). */
  readonly text: string;
}

/** A music cue laid under the scenes. */
export interface StitchCue {
  readonly id: string;
  readonly file: string;
  /** Film time at which it starts, seconds. */
  readonly start: number;
  /** Length in the cut, seconds (the asset is trimmed to it). */
  readonly duration: number;
  /** Seconds into `file` where the used part begins (0 unless a long cue is split). */
  readonly inPoint: number;
  /** dB applied to the cue. */
  readonly gain: number;
  /** dB the cue is lowered while narration plays (sidechain ducking); 0 = off. */
  readonly duck: number;
  /** Seconds. */
  readonly fadeIn: number;
  /** Seconds. */
  readonly fadeOut: number;
}

/** The output settings of the final cut. */
export interface StitchOutput {
  /** Final path of the cut (.mp4/.mov/.mkv); written to a temp file beside it and renamed. */
  readonly path: string;
  /** Frame size in pixels, even: any shape (1280x720, portrait 720x1280, square 720x720, 4:5 720x900...). */
  readonly width: number;
  readonly height: number;
  /** 24 | 30 | 60. */
  readonly fps: number;
  /** Integrated loudness target, LUFS (true peak ≤ −1 dBTP). */
  readonly loudness: number;
  /** none | sidecar (.srt, .vtt and .words.json beside the cut) | burn (drawn into the picture). */
  readonly subtitles: 'none' | 'sidecar' | 'burn';
  /**
   * Fraction (0–1) of the picture's height at the bottom that captions stay above, burned (ass.ts)
   * and in the WebVTT sidecar (a `line:` cue setting): 0.2 for vertical renditions, whose bottom
   * fifth platform UI covers. Absent = the usual placement. SubRip (.srt) cannot place captions.
   */
  readonly captionSafeBottom?: number;
  /** How captions are cut and drawn; default CAPTION_DEFAULTS (src/captions/settings.ts). */
  readonly captions?: CaptionSettings;
  /** Title written into the file's metadata. */
  readonly title: string;
}

/** Everything stitch() needs. */
export interface StitchPlan {
  readonly output: StitchOutput;
  /** In film order; at least one. */
  readonly clips: readonly StitchClip[];
  readonly narration: readonly StitchNarration[];
  readonly cues: readonly StitchCue[];
  /** Film length, seconds (= Σ durations − Σ transitions). */
  readonly length: number;
  /**
   * The captions, cut and timed from the speech (src/captions); when absent the stitcher cuts
   * them from the narration text alone, spreading words evenly over each speech asset.
   */
  readonly captions?: CaptionTrack;
}

/** What stitch() wrote. */
export interface StitchResult {
  readonly path: string;
  /** Sidecar subtitle files, when requested. */
  readonly srt?: string;
  readonly vtt?: string;
  /** The word-level sidecar (`<film>.words.json`), with the other sidecars. */
  readonly words?: string;
  /** Measured integrated loudness of the result, LUFS, and true peak, dBTP. */
  readonly loudness?: { readonly integrated: number; readonly truePeak: number };
  /**
   * What this run rendered and what it reused from workDir: clips conformed now (of which
   * `copied` were stream-copied, not re-encoded), conformed clips reused, transition windows
   * rendered now, how the sound was normalized (`reused` when it was kept: made by an earlier
   * stitch of the same sound, such as another rendition of the film), and `upToDate` when
   * the cut at the output path was already made of the same inputs (optional; added by the stitcher).
   */
  readonly stats?: {
    readonly conformed: number;
    readonly reused: number;
    readonly windows: number;
    readonly copied?: number;
    readonly sound?: 'linear' | 'loudnorm' | 'reused';
    readonly upToDate?: boolean;
  };
}

/** Options of stitch(). */
export interface StitchOptions {
  /**
   * The ffmpeg and ffprobe every stage runs, as the caller's one locateFfmpeg() found them
   * (`{ ffmpeg, ffprobe, … }` paths). Required: the stitcher looks nothing up itself.
   */
  readonly binaries: FfmpegBinaries;
  /** Folder for intermediate files (conformed clips are kept there and reused by content; see sweepWorkDir). */
  readonly workDir: string;
  readonly signal?: AbortSignal;
  /** 0–100 over the whole render. */
  readonly onProgress?: (percent: number, stage: string) => void;
  /**
   * x264 preset of conforms and windows (tests use `ultrafast`); default HOUSE_PRESET
   * (house-format.ts), the preset MercaDream Local's engines encode with.
   */
  readonly preset?: string;
  /** Re-encode every clip, even those already in the house format (how clips were conformed before copies; the bench's reference). */
  readonly reencodeAll?: boolean;
  /** ffmpeg processes run at once (conforms, windows, sound); default and maximum os.availableParallelism(). */
  readonly jobs?: number;
}
