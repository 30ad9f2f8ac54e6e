/**
 * Cutting one narration's timed words into cues: a dynamic programme over where cues end, each
 * cue at most `maxLines` lines of `maxLineChars` and at most `maxDuration` of speech, preferring
 * to end cues at the speaker's pauses and at sentence and clause ends, to keep reading speed at
 * or under the target, and to give every cue room for the minimum duration (Netflix Timed Text
 * Style Guide: "Timing", "Line Treatment"; BBC Subtitle Guidelines: "Breaking subtitles"). Pure.
 */
import { breakLines, breakPenalty } from './line-break.js';
import type { CaptionSettings } from './settings.js';
import type { TimedToken } from './timing.js';
import { displayWidth, graphemes, isLink, joinTokens, type CaptionToken } from './words.js';

/** Silence between two words that counts as the speaker's pause, seconds. */
export const PAUSE_SECONDS = 0.05;
/** A pause this long inside a cue leaves it on screen over silence, seconds. */
const LONG_PAUSE_SECONDS = 1.2;
/** Most words one cue is searched over (84 characters hold fewer). */
const MAX_WORDS = 60;

/** One cue of a narration: which words, and how they sit on lines. */
export interface CueSegment {
  /** Index of its first word in the narration. */
  readonly first: number;
  /** Index after its last word. */
  readonly end: number;
  /** Its words, line by line. */
  readonly lines: readonly (readonly CaptionToken[])[];
}

/** Cost of ending a cue after word `i` (the next word starts the next cue). */
function endCost(words: readonly TimedToken[], i: number): number {
  const here = words[i]!;
  const next = words[i + 1];
  if (!next) return 0;
  const pause = next.start - here.end >= PAUSE_SECONDS;
  const punctuation = { sentence: 0, clause: 1.5, none: isLink(next.token) ? 4 : 9 }[here.token.after];
  const name = here.token.after === 'none' && here.token.capitalised && next.token.capitalised ? 30 : 0;
  return (pause ? 0 : 2) + (pause ? punctuation * 0.3 : punctuation) + name;
}

/** Characters of a cue's text, as reading speed counts them (graphemes, spaces included). */
export function cueCharacters(tokens: readonly CaptionToken[]): number {
  return graphemes(joinTokens(tokens)).length;
}

/** Cost of the words first..end-1 as one cue; undefined when they cannot be one. */
function cueCost(words: readonly TimedToken[], first: number, end: number, settings: CaptionSettings, gap: number): { cost: number; lines: CaptionToken[][] } | undefined {
  const tokens = words.slice(first, end).map((w) => w.token);
  const lines = breakLines(tokens, settings.maxLineChars, settings.maxLines);
  if (!lines) return undefined;
  const span = words[end - 1]!.end - words[first]!.start;
  if (span > settings.maxDuration && end - first > 1) return undefined;
  let cost = 2 + endCost(words, end - 1);
  const room = (words[end]?.start ?? Infinity) - words[first]!.start - gap;
  if (room < settings.minDuration) cost += 25;
  const shown = Math.min(Math.max(span, settings.minDuration), room);
  const cps = cueCharacters(tokens) / Math.max(shown, 1e-3);
  if (cps > settings.readingSpeed) cost += (cps - settings.readingSpeed) * 0.5;
  for (let i = first; i < end - 1; i++) if (words[i + 1]!.start - words[i]!.end > LONG_PAUSE_SECONDS) cost += 8;
  // A cue that ends one sentence and starts the next one without finishing it reads badly.
  const sentenceInside = words.slice(first, end - 1).some((w) => w.token.after === 'sentence');
  if (sentenceInside && words[end - 1]!.token.after !== 'sentence') cost += 3;
  let at = 0;
  for (const line of lines.slice(0, -1)) cost += 0.5 * breakPenalty(line[line.length - 1]!, tokens[(at += line.length)]!);
  return { cost, lines };
}

/**
 * The cues of one narration's words.
 * @param gap seconds left empty between cues (the minimum gap in frames, over fps)
 * @throws RangeError if a single word is wider than a line (split such words first: splitLongWords)
 */
export function segmentWords(words: readonly TimedToken[], settings: CaptionSettings, gap: number): CueSegment[] {
  const n = words.length;
  const best: Array<{ cost: number; from: number; lines: CaptionToken[][] } | undefined> = [{ cost: 0, from: 0, lines: [] }];
  const limit = settings.maxLineChars * settings.maxLines + settings.maxLines;
  for (let end = 1; end <= n; end++) {
    let width = 0;
    for (let first = end - 1; first >= Math.max(0, end - MAX_WORDS); first--) {
      width += words[first]!.token.width + 1;
      if (width > limit + 1 && first < end - 1) break;
      const before = best[first];
      if (!before) continue;
      const cue = cueCost(words, first, end, settings, gap);
      const current = best[end];
      if (cue && (!current || before.cost + cue.cost < current.cost)) best[end] = { cost: before.cost + cue.cost, from: first, lines: cue.lines };
    }
    if (!best[end]) throw new RangeError(`the word “${words[end - 1]!.token.text}” does not fit on a caption line`);
  }
  const cues: CueSegment[] = [];
  for (let end = n; end > 0;) {
    const step = best[end]!;
    cues.unshift({ first: step.from, end, lines: step.lines });
    end = step.from;
  }
  return cues;
}

/** Words wider than a line, cut into pieces that fit (joined without spaces). */
export function splitLongWords(tokens: readonly CaptionToken[], maxLineChars: number): CaptionToken[] {
  return tokens.flatMap((token) => {
    if (token.width <= maxLineChars) return [token];
    const pieces: CaptionToken[] = [];
    let text = '';
    let width = 0;
    const flush = () => {
      pieces.push({ ...token, text, width, spaceBefore: pieces.length === 0 ? token.spaceBefore : false, syllables: token.syllables * (width / token.width), after: 'none' });
    };
    for (const g of graphemes(token.text)) {
      const w = displayWidth(g);
      if (width + w > maxLineChars) {
        flush();
        text = '';
        width = 0;
      }
      text += g;
      width += w;
    }
    flush();
    pieces[pieces.length - 1] = { ...pieces[pieces.length - 1]!, after: token.after };
    return pieces;
  });
}
