/**
 * Breaking one cue's words into lines: as few lines as fit (one when it fits), each at most the
 * line limit, broken where a reader expects it — after punctuation, before a conjunction or a
 * preposition, never between two capitalised words of a name when another place will do — and
 * with lines of similar length (Netflix Timed Text Style Guide, "Line Treatment"; BBC Subtitle
 * Guidelines, "Line breaks"). Pure.
 */
import { isLink, joinTokens, widthOf, type CaptionToken } from './words.js';

/** Cost of a line break between `before` and `after` (0 best). */
export function breakPenalty(before: CaptionToken, after: CaptionToken): number {
  if (before.after === 'sentence') return 0;
  if (before.after === 'clause') return 0.5;
  if (isLink(after)) return 1.5;
  if (before.capitalised && after.capitalised) return 20;
  if (!after.spaceBefore) return 2;
  return 4;
}

/** Cost of uneven lines: squared difference from the mean width, relative to the limit. */
function raggedness(widths: readonly number[], limit: number): number {
  const mean = widths.reduce((a, b) => a + b, 0) / widths.length;
  return widths.reduce((sum, w) => sum + ((w - mean) / limit) ** 2, 0) * 6;
}

/** The best split of `tokens` into exactly `count` lines within `limit`, as break indices, with its cost. */
function bestSplit(tokens: readonly CaptionToken[], count: number, limit: number): { breaks: number[]; cost: number } | undefined {
  if (count === 1) return widthOf(tokens) <= limit ? { breaks: [], cost: 0 } : undefined;
  let best: { breaks: number[]; cost: number } | undefined;
  for (let cut = 1; cut <= tokens.length - count + 1; cut++) {
    const head = tokens.slice(0, cut);
    if (widthOf(head) > limit) break;
    const rest = bestSplit(tokens.slice(cut), count - 1, limit);
    if (!rest) continue;
    const breaks = [cut, ...rest.breaks.map((b) => b + cut)];
    const lines = splitAt(tokens, breaks);
    const cost = breaks.reduce((sum, b) => sum + breakPenalty(tokens[b - 1]!, tokens[b]!), 0) + raggedness(lines.map(widthOf), limit);
    if (!best || cost < best.cost) best = { breaks, cost };
  }
  return best;
}

/** `tokens` cut at the given indices. */
function splitAt(tokens: readonly CaptionToken[], breaks: readonly number[]): CaptionToken[][] {
  const bounds = [0, ...breaks, tokens.length];
  return bounds.slice(1).map((end, i) => tokens.slice(bounds[i], end));
}

/**
 * The lines of a cue made of `tokens`: the fewest lines (at most `maxLines`) of at most
 * `maxLineChars` each, broken at the best places; undefined when they do not fit.
 * @returns for each line, its tokens
 */
export function breakLines(tokens: readonly CaptionToken[], maxLineChars: number, maxLines: number): CaptionToken[][] | undefined {
  for (let count = 1; count <= Math.min(maxLines, tokens.length); count++) {
    const split = bestSplit(tokens, count, maxLineChars);
    if (split) return splitAt(tokens, split.breaks);
  }
  return undefined;
}

/** The lines as text. */
export function lineTexts(lines: readonly (readonly CaptionToken[])[]): string[] {
  return lines.map(joinTokens);
}
