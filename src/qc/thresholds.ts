/**
 * The limits QC judges a final cut against, their defaults and where each comes from. A manifest's
 * `qc:` block (film-schema.ts, `$defs/qc`) overrides any of them; what it leaves out keeps the default.
 */

/** What to do with a rendition whose colour is not tagged (primaries, transfer, matrix). */
export type UntaggedColour = 'pass' | 'warn' | 'fail';

/** Every limit, resolved (units in the names' comments). */
export interface QcThresholds {
  readonly black: {
    /** Longest black stretch allowed outside `fadeblack` transitions, seconds. */
    readonly max: number;
    /** Luma at or under which a pixel counts as black, 0–1 (blackdetect `pix_th`). */
    readonly pixel: number;
  };
  readonly freeze: {
    /** Longest frozen picture allowed outside held scenes, seconds. */
    readonly max: number;
    /** Difference under which two frames count as the same, dB (freezedetect `n`). */
    readonly noise: number;
    /** Scenes meant to hold still (a title card, a logo): a freeze inside them is fine. */
    readonly held: readonly string[];
  };
  readonly silence: {
    /** Longest silence allowed where narration is placed, seconds. */
    readonly max: number;
    /** Level under which sound counts as silence, dBFS (silencedetect `n`). */
    readonly noise: number;
  };
  readonly loudness: {
    /** Integrated loudness may differ from `output.loudness` by this much, LU. */
    readonly tolerance: number;
    /** Highest true peak allowed, dBTP. */
    readonly truePeak: number;
  };
  readonly captions: {
    /** Characters per caption line. */
    readonly lineLength: number;
    /** Lines per caption. */
    readonly lines: number;
    /** Reading speed over which a caption is a warning, characters per second. */
    readonly readingSpeed: number;
    /** Reading speed over which a caption fails, characters per second. */
    readonly maxReadingSpeed: number;
  };
  readonly sync: {
    /** Frames the video and audio streams, and each against the timeline, may differ by. */
    readonly frames: number;
  };
  readonly colour: {
    /** Verdict for a rendition not tagged BT.709 limited range (the pipeline's own cuts are; footage delivered as is may not be). */
    readonly untagged: UntaggedColour;
  };
}

/** What a manifest may set: any part of any group. */
export type QcSettings = { readonly [G in keyof QcThresholds]?: Partial<QcThresholds[G]> };

/**
 * The defaults. Sources: captions from the Netflix English timed-text style guide (42 characters
 * a line, 2 lines, 17 characters per second for adults' target, 20 the ceiling); loudness from
 * EBU R128 (±1 LU around the target, true peak ≤ −1 dBTP); black and freeze pixel/noise levels
 * are ffmpeg's own blackdetect and freezedetect defaults; durations are this project's choice:
 * half a second of black or two seconds of stillness is visible to anyone, a second of silence
 * inside a sentence is a dropout.
 */
export const DEFAULT_QC: QcThresholds = {
  black: { max: 0.5, pixel: 0.1 },
  freeze: { max: 2, noise: -60, held: [] },
  silence: { max: 1, noise: -50 },
  loudness: { tolerance: 1, truePeak: -1 },
  captions: { lineLength: 42, lines: 2, readingSpeed: 17, maxReadingSpeed: 20 },
  sync: { frames: 1 },
  colour: { untagged: 'warn' },
};

/**
 * The limits a film's captions were cut to (`output.captions`, src/captions/settings.ts): QC's
 * caption checks start from them, so a film is judged by the limits it asked for; a `qc.captions`
 * limit still wins. Characters a line, lines a cue, characters per second (target and warning).
 */
export interface FilmCaptionLimits {
  readonly maxLineChars: number;
  readonly maxLines: number;
  readonly readingSpeed: number;
  readonly readingSpeedWarning: number;
}

/** The defaults, then the film's own caption limits (`film`), then the manifest's `qc:` settings, laid over each other group by group. */
export function resolveThresholds(settings: QcSettings | undefined, film?: FilmCaptionLimits): QcThresholds {
  const s = settings ?? {};
  const own = film ? { lineLength: film.maxLineChars, lines: film.maxLines, readingSpeed: film.readingSpeed, maxReadingSpeed: film.readingSpeedWarning } : {};
  return {
    black: { ...DEFAULT_QC.black, ...s.black },
    freeze: { ...DEFAULT_QC.freeze, ...s.freeze },
    silence: { ...DEFAULT_QC.silence, ...s.silence },
    loudness: { ...DEFAULT_QC.loudness, ...s.loudness },
    captions: { ...DEFAULT_QC.captions, ...own, ...s.captions },
    sync: { ...DEFAULT_QC.sync, ...s.sync },
    colour: { ...DEFAULT_QC.colour, ...s.colour },
  };
}
