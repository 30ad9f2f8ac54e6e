/**
 * The film's caption track: every narration cut into cues (segment.ts), its words timed from its
 * audio (timing.ts), the cues placed on the film's frame grid with the minimum gap between them,
 * and a reading-speed warning for each scene whose captions go by too fast. Pure.
 */
import { lineTexts } from './line-break.js';
import { segmentWords, splitLongWords } from './segment.js';
import type { CaptionSettings } from './settings.js';
import { timeWords, type SpeechTiming, type TimedToken } from './timing.js';
import { graphemes, tokenize } from './words.js';

/** One narration, as the captions need it. */
export interface CaptionSource {
  /** The scene the narration belongs to. */
  readonly sceneId: string;
  /** What is said. */
  readonly text: string;
  /** Film time at which its speech asset starts, seconds. */
  readonly start: number;
  /** Length of its speech asset, seconds. */
  readonly duration: number;
  /** What is known of its audio (speech spans from silencedetect; word timestamps from the API). */
  readonly timing?: SpeechTiming;
}

/** A word on screen, film seconds. */
export interface CaptionWord {
  readonly text: string;
  /** Film seconds. */
  readonly start: number;
  /** Film seconds. */
  readonly end: number;
  /** True when a space separates it from the word before on its line. */
  readonly spaceBefore: boolean;
  /** Which line of its cue it is on (0 the top one). */
  readonly line: number;
}

/** One caption cue, film seconds on the frame grid. */
export interface CaptionCue {
  /** 0-based position in the track. */
  readonly index: number;
  readonly sceneId: string;
  /** Film seconds, on a frame. */
  readonly start: number;
  /** Film seconds, on a frame. */
  readonly end: number;
  /** The text, line by line (at most maxLines, each at most maxLineChars wide). */
  readonly lines: readonly string[];
  /** Its words with their times, in order. */
  readonly words: readonly CaptionWord[];
}

/** A scene whose captions go by faster than the reading-speed warning. */
export interface ReadingSpeedWarning {
  readonly sceneId: string;
  /** The fastest cue's characters per second. */
  readonly charactersPerSecond: number;
  /** Cues above the warning in that scene. */
  readonly cues: number;
}

/** The captions of a film. */
export interface CaptionTrack {
  readonly cues: readonly CaptionCue[];
  readonly warnings: readonly ReadingSpeedWarning[];
}

/** Seconds a cue stays after its last word (Netflix allows up to 12 frames). */
const LINGER_FRAMES = 6;

/** A cue before the gaps between cues are made. */
interface DraftCue {
  readonly sceneId: string;
  readonly start: number;
  end: number;
  readonly lines: readonly string[];
  readonly words: readonly CaptionWord[];
}

/** The draft cues of one narration. */
function narrationCues(source: CaptionSource, settings: CaptionSettings, fps: number): DraftCue[] {
  // Cue times are whole frames of the film's grid: the nearest frame, and for the longest a cue
  // may stay, the last frame within it.
  const frame = (t: number) => Math.round(t * fps) / fps;
  const longest = Math.floor(settings.maxDuration * fps + 1e-7) / fps;
  const tokens = splitLongWords(tokenize(source.text), settings.maxLineChars);
  const timed: TimedToken[] = timeWords(tokens, source.duration, source.timing);
  return segmentWords(timed, settings, settings.minGapFrames / fps).map((segment) => {
    const words: CaptionWord[] = [];
    let index = segment.first;
    segment.lines.forEach((line, lineIndex) =>
      line.forEach((token, k) => {
        const w = timed[index++]!;
        words.push({ text: token.text, start: source.start + w.start, end: source.start + w.end, spaceBefore: k > 0 && token.spaceBefore, line: lineIndex });
      }),
    );
    const start = frame(words[0]!.start);
    const lastEnd = words[words.length - 1]!.end;
    const end = Math.min(frame(start + longest), Math.max(frame(lastEnd + LINGER_FRAMES / fps), frame(start + settings.minDuration + 0.5 / fps)));
    return { sceneId: source.sceneId, start, end, lines: lineTexts(segment.lines), words };
  });
}

/**
 * The caption track of a film's narrations.
 * @param fps frames per second of the film (cue times fall on its frames)
 */
export function buildCaptionTrack(sources: readonly CaptionSource[], settings: CaptionSettings, fps: number): CaptionTrack {
  const drafts = sources.flatMap((s) => narrationCues(s, settings, fps)).sort((a, b) => a.start - b.start);
  const gap = settings.minGapFrames / fps;
  drafts.forEach((cue, i) => {
    const next = drafts[i + 1];
    if (next && cue.end > next.start - gap) cue.end = Math.max(cue.start + 1 / fps, Math.round((next.start - gap) * fps) / fps);
  });
  const cues: CaptionCue[] = drafts.map((d, index) => ({
    index,
    sceneId: d.sceneId,
    start: d.start,
    end: d.end,
    lines: d.lines,
    words: d.words.map((w) => ({ ...w, start: Math.min(Math.max(w.start, d.start), d.end), end: Math.min(Math.max(w.end, d.start), d.end) })),
  }));
  return { cues, warnings: readingSpeedWarnings(cues, settings) };
}

/** Characters per second of a cue (graphemes of its text, spaces counted, over its time on screen). */
export function charactersPerSecond(cue: Pick<CaptionCue, 'lines' | 'start' | 'end'>): number {
  const characters = graphemes(cue.lines.join(' ')).length;
  return characters / Math.max(cue.end - cue.start, 1e-3);
}

/** One warning per scene whose fastest cue passes `readingSpeedWarning`. */
function readingSpeedWarnings(cues: readonly CaptionCue[], settings: CaptionSettings): ReadingSpeedWarning[] {
  const byScene = new Map<string, { charactersPerSecond: number; cues: number }>();
  for (const cue of cues) {
    const cps = charactersPerSecond(cue);
    if (cps <= settings.readingSpeedWarning) continue;
    const seen = byScene.get(cue.sceneId);
    byScene.set(cue.sceneId, { charactersPerSecond: Math.max(cps, seen?.charactersPerSecond ?? 0), cues: (seen?.cues ?? 0) + 1 });
  }
  return [...byScene].map(([sceneId, w]) => ({ sceneId, charactersPerSecond: Math.round(w.charactersPerSecond * 10) / 10, cues: w.cues }));
}
