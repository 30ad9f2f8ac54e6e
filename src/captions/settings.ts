/**
 * How captions are cut and shown: the limits of published subtitle guidelines, as options.
 *
 * Sources: Netflix "English (USA) Timed Text Style Guide" (42 characters per line, 2 lines,
 * 17 characters per second for adult programmes, 5/6 s minimum and 7 s maximum duration, a
 * 2-frame gap between cues, line breaks after punctuation and before conjunctions and
 * prepositions, names kept on one line) and the BBC Subtitle Guidelines (line breaking at
 * natural linguistic breaks, reading speed). Pure data.
 */

/** How burned captions look: whole cues; cues with the spoken word highlighted; or short word groups (the vertical-video look). */
export type CaptionStyle = 'cues' | 'highlight' | 'words';

/** The caption options of a film (manifest `output.captions`). Durations in seconds. */
export interface CaptionSettings {
  /** Most characters on one line (a full-width CJK character counts as two). */
  readonly maxLineChars: number;
  /** Most lines in one cue. */
  readonly maxLines: number;
  /** Reading speed the cutting aims at, characters per second. */
  readonly readingSpeed: number;
  /** Reading speed above which a cue is a warning naming its scene, characters per second. */
  readonly readingSpeedWarning: number;
  /** Shortest cue on screen, seconds. */
  readonly minDuration: number;
  /** Longest cue on screen, seconds. */
  readonly maxDuration: number;
  /** Frames left empty between two cues. */
  readonly minGapFrames: number;
  /** How burned captions look. */
  readonly style: CaptionStyle;
  /** Words per group in the `words` style. */
  readonly groupWords: number;
  /** Font family of burned captions (fontconfig name); characters it lacks come from any other installed font. */
  readonly font: string;
}

/** The defaults: Netflix's English limits, and DejaVu Sans (Debian's default sans-serif). */
export const CAPTION_DEFAULTS: CaptionSettings = {
  maxLineChars: 42,
  maxLines: 2,
  readingSpeed: 17,
  readingSpeedWarning: 20,
  minDuration: 5 / 6,
  maxDuration: 7,
  minGapFrames: 2,
  style: 'cues',
  groupWords: 3,
  font: 'DejaVu Sans',
};

/**
 * Netflix's timing tolerance: a cue starts within 3 frames of its first word and ends at most
 * 12 frames after its last one.
 */
export const START_TOLERANCE_FRAMES = 3;
/** See START_TOLERANCE_FRAMES. */
export const END_TOLERANCE_FRAMES = 12;
