/**
 * When each word of a narration is said, in seconds from the start of its speech asset.
 *
 * The asset is real audio: where its speaker pauses (found by `silencedetect`, src/media/
 * silence.ts) splits it into phrases. Word boundaries are aligned to those pauses — sentence and
 * clause ends first, so a pause lands after "sleeps." rather than inside a clause — by a small
 * dynamic programme over (pause, word boundary) pairs whose cost is how far the boundary sits
 * from the pause on a syllable-weighted estimate, plus a penalty for a boundary without
 * punctuation. Inside a phrase, words share its speech time by their syllables. A pause matched
 * to no boundary stays inside its phrase (a speaker may breathe mid-clause).
 *
 * The seam for APIs that return word timestamps: pass `words` and they are used as they are.
 * Pure.
 */
import type { CaptionToken } from './words.js';

/** An interval of an asset where speech is heard, seconds from the asset's start. */
export interface SpeechSpan {
  readonly start: number;
  readonly end: number;
}

/** What is known of a narration's audio: where speech is heard, and word timestamps when the API gives them. */
export interface SpeechTiming {
  /** Speech intervals in asset seconds, in order (the complement of the pauses). */
  readonly spans?: readonly SpeechSpan[];
  /** Word timestamps from the API, one per caption word in order, asset seconds (the seam; MercaDream v2 returns none yet). */
  readonly words?: readonly SpeechSpan[];
}

/** A word with its time in the asset, seconds. */
export interface TimedToken {
  readonly token: CaptionToken;
  readonly start: number;
  readonly end: number;
}

/** Syllables off by this many cost 1 in the alignment. */
const SYLLABLE_SLACK = 4;
/** Cost of a pause matched to no word boundary. */
const SKIP_PAUSE = 0.9;
/** Cost of a pause at a word boundary without punctuation, by what ends the word before. */
const BOUNDARY_COST = { sentence: 0, clause: 0.1, none: 0.7 } as const;

/** Speech spans clipped to [0, duration], ordered, non-empty; the whole asset when none are known. */
export function cleanSpans(spans: readonly SpeechSpan[] | undefined, duration: number): SpeechSpan[] {
  const clipped = (spans ?? [])
    .map((s) => ({ start: Math.max(0, s.start), end: Math.min(duration, s.end) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  return clipped.length > 0 ? clipped : [{ start: 0, end: Math.max(duration, 0) }];
}

/** Real time at `x` seconds of speech into `spans` (pauses skipped); at a span's end, that span's end. */
function realTime(spans: readonly SpeechSpan[], x: number): number {
  let left = x;
  for (const span of spans) {
    const length = span.end - span.start;
    if (left <= length + 1e-9) return span.start + Math.max(0, left);
    left -= length;
  }
  return spans[spans.length - 1]!.end;
}

/** Which word boundary each pause between spans is matched to (-1 for none): boundary b lies after word b. */
function alignPauses(tokens: readonly CaptionToken[], syllables: readonly number[], spans: readonly SpeechSpan[]): number[] {
  const gaps = spans.length - 1;
  const bounds = tokens.length - 1;
  if (gaps <= 0 || bounds <= 0) return Array.from({ length: Math.max(0, gaps) }, () => -1);
  const total = syllables.reduce((a, b) => a + b, 0);
  const speech = spans.reduce((a, s) => a + s.end - s.start, 0);
  const perSyllable = speech / total;
  const boundAt: number[] = [];
  let sum = 0;
  for (let b = 0; b < bounds; b++) boundAt.push((sum += syllables[b]!) * perSyllable);
  const gapAt: number[] = [];
  let t = 0;
  for (let g = 0; g < gaps; g++) gapAt.push((t += spans[g]!.end - spans[g]!.start));
  const assign = (g: number, b: number) => Math.abs(boundAt[b]! - gapAt[g]!) / (perSyllable * SYLLABLE_SLACK) + BOUNDARY_COST[tokens[b]!.after];
  // cost[g][b]: the first g pauses aligned within the first b boundaries.
  const cost = Array.from({ length: gaps + 1 }, (_, g) => Array.from({ length: bounds + 1 }, () => g * SKIP_PAUSE));
  for (let g = 1; g <= gaps; g++) {
    for (let b = 1; b <= bounds; b++) {
      cost[g]![b] = Math.min(cost[g]![b - 1]!, cost[g - 1]![b]! + SKIP_PAUSE, cost[g - 1]![b - 1]! + assign(g - 1, b - 1));
    }
  }
  const matched: number[] = Array.from({ length: gaps }, () => -1);
  for (let g = gaps, b = bounds; g > 0;) {
    if (b > 0 && cost[g]![b] === cost[g]![b - 1]) b--;
    else if (b > 0 && Math.abs(cost[g]![b]! - (cost[g - 1]![b - 1]! + assign(g - 1, b - 1))) < 1e-12) matched[--g] = --b;
    else g--;
  }
  return matched;
}

/** Spreads `tokens` over `spans` by syllables. */
function spread(tokens: readonly CaptionToken[], syllables: readonly number[], spans: readonly SpeechSpan[]): TimedToken[] {
  const speech = spans.reduce((a, s) => a + s.end - s.start, 0);
  const total = syllables.reduce((a, b) => a + b, 0);
  let done = 0;
  return tokens.map((token, i) => {
    const start = realTime(spans, (done / total) * speech);
    done += syllables[i]!;
    const end = realTime(spans, (done / total) * speech);
    return { token, start, end: Math.max(start, end) };
  });
}

/**
 * The time of every word of a narration in its asset of `duration` seconds.
 * @param timing where speech is heard (and word timestamps, when the API gives them)
 */
export function timeWords(tokens: readonly CaptionToken[], duration: number, timing: SpeechTiming = {}): TimedToken[] {
  if (tokens.length === 0) return [];
  if (timing.words && timing.words.length === tokens.length) return tokens.map((token, i) => ({ token, start: timing.words![i]!.start, end: timing.words![i]!.end }));
  const spans = cleanSpans(timing.spans, duration);
  // Every word takes some time, so a symbol (an emoji) is on screen with its neighbours.
  const syllables = tokens.map((t) => Math.max(t.syllables, 0.25));
  const matched = alignPauses(tokens, syllables, spans);
  const out: TimedToken[] = [];
  let firstToken = 0;
  let firstSpan = 0;
  matched.forEach((b, g) => {
    if (b < 0) return;
    out.push(...spread(tokens.slice(firstToken, b + 1), syllables.slice(firstToken, b + 1), spans.slice(firstSpan, g + 1)));
    firstToken = b + 1;
    firstSpan = g + 1;
  });
  out.push(...spread(tokens.slice(firstToken), syllables.slice(firstToken), spans.slice(firstSpan)));
  return out;
}
