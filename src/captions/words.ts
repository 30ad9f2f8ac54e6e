/**
 * Narration text → the words captions are made of: each with its display width, an estimate of
 * its syllables (for timing) and how good a line or cue break after it is. Latin-script text is
 * split at spaces; Chinese and Japanese, written without spaces, by characters (punctuation stays
 * with its character). Pure.
 */

/** How good a break after a word is, best first. */
export type BreakAfter = 'sentence' | 'clause' | 'none';

/** One word of a narration as captions show and time it. */
export interface CaptionToken {
  /** As shown, with the punctuation that belongs to it (`"Hello,`, `東`, `Quoi ?`). */
  readonly text: string;
  /** True when a space separates it from the word before (false inside CJK text). */
  readonly spaceBefore: boolean;
  /** Estimated syllables (morae for Japanese); 0 for symbols nobody says. */
  readonly syllables: number;
  /** Display width in characters: graphemes, a full-width one counting two. */
  readonly width: number;
  /** How good a break after it is: after a sentence, after a clause (comma, colon, dash), or neither. */
  readonly after: BreakAfter;
  /** Lowercase letters of the word alone (for the conjunction and preposition lists). */
  readonly bare: string;
  /** Starts with a capital letter (a name-like pair is two of these in a row). */
  readonly capitalised: boolean;
}

/** Spaces that separate words; no-break spaces (U+00A0, U+202F) join, as French typography uses them. */
const SPACE = /[ \t\n\r\f\v\u1680\u2000-\u200a\u2028\u2029\u205f\u3000]+/u;
/** Scripts written without spaces: broken by characters. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;
/** Characters two columns wide on screen. */
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60\uffe0-\uffe6\p{Extended_Pictographic}]/u;
/** Punctuation that opens: it belongs to the word after it. */
const OPENING = /^[\p{Ps}\p{Pi}¿¡«"'「『（【〈《]+$/u;
const SAYABLE = /[\p{L}\p{N}]/u;
const SENTENCE_END = /[.!?…。！？‼⁇⁈⁉][\p{Pe}\p{Pf}"'»」』）]*$/u;
const CLAUSE_END = /(?:[,;:、，；：]|[–—-]{1,2})[\p{Pe}\p{Pf}"'»」』）]*$|^[–—]+$/u;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The graphemes (user-perceived characters) of `text`. */
export function graphemes(text: string): string[] {
  return [...segmenter.segment(text)].map((s) => s.segment);
}

/** Display width of `text`: graphemes, full-width ones (CJK, emoji) counting two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const g of graphemes(text)) width += WIDE.test(g) ? 2 : 1;
  return width;
}

/** True when `text` holds Chinese or Japanese characters (broken by characters, not spaces). */
export function isCjk(text: string): boolean {
  return CJK.test(text);
}

/**
 * Estimated syllables of a word: vowel groups for alphabetic scripts (a silent English final
 * `e` dropped), one per digit and a quarter more for number names, one per kana and hangul
 * block, 1.5 per Han character (most readings have two morae). 0 when nothing in it is said.
 */
export function syllablesOf(word: string): number {
  const lower = word.toLowerCase();
  if (!SAYABLE.test(lower)) return 0;
  let count = 0;
  for (const g of graphemes(lower)) {
    if (/\p{Script=Han}/u.test(g)) count += 1.5;
    else if (/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(g)) count += /[ゃゅょャュョぁぃぅぇぉァィゥェォー]/u.test(g) ? 0 : 1;
  }
  const latin = lower.replace(/[^\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/gu, '');
  const groups = latin.match(/[aeiouyàáâãäåæèéêëìíîïòóôõöøœùúûüýÿаеёиоуыэюяαεηιουω]+/gu)?.length ?? 0;
  const silentE = groups > 1 && /[^aeiouyl]es?$/u.test(latin) ? 1 : 0;
  count += latin.length > 0 ? Math.max(1, groups - silentE) : 0;
  count += (lower.match(/\p{N}/gu)?.length ?? 0) * 1.25;
  return Math.max(count, 1);
}

/** How good a break after `text` is. */
export function breakAfter(text: string): BreakAfter {
  if (SENTENCE_END.test(text)) return 'sentence';
  if (CLAUSE_END.test(text)) return 'clause';
  return 'none';
}

/** A token before its punctuation is attached. */
interface Piece {
  text: string;
  spaceBefore: boolean;
}

/** Splits one space-free chunk: CJK characters one by one, other runs whole. */
function splitChunk(chunk: string, spaceBefore: boolean): Piece[] {
  if (!isCjk(chunk)) return [{ text: chunk, spaceBefore }];
  const pieces: Piece[] = [];
  let run = '';
  for (const g of graphemes(chunk)) {
    if (CJK.test(g) || /\p{P}/u.test(g)) {
      if (run) pieces.push({ text: run, spaceBefore: pieces.length === 0 && spaceBefore });
      run = '';
      pieces.push({ text: g, spaceBefore: pieces.length === 0 && spaceBefore });
    } else run += g;
  }
  if (run) pieces.push({ text: run, spaceBefore: pieces.length === 0 && spaceBefore });
  return pieces;
}

/** Puts punctuation and symbols with the word they belong to: opening ones with the next, the rest with the previous. */
function attachPunctuation(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  let pending: Piece | undefined;
  for (const piece of pieces) {
    const joined = pending ? { text: pending.text + (piece.spaceBefore ? ' ' : '') + piece.text, spaceBefore: pending.spaceBefore } : piece;
    pending = undefined;
    if (SAYABLE.test(joined.text)) {
      out.push(joined);
    } else if (OPENING.test(joined.text) || out.length === 0) {
      pending = joined;
    } else {
      const last = out[out.length - 1]!;
      out[out.length - 1] = { text: last.text + (joined.spaceBefore ? ' ' : '') + joined.text, spaceBefore: last.spaceBefore };
    }
  }
  if (pending) {
    if (out.length === 0) out.push(pending);
    else out[out.length - 1] = { text: out[out.length - 1]!.text + (pending.spaceBefore ? ' ' : '') + pending.text, spaceBefore: out[out.length - 1]!.spaceBefore };
  }
  return out;
}

/** The words of a narration text, in order (none for a text without anything to show). */
export function tokenize(text: string): CaptionToken[] {
  // Control characters never reach a caption (the manifest refuses them; this keeps sidecars clean whatever the source).
  const clean = text.normalize('NFC').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
  const chunks = clean.split(SPACE).filter(Boolean);
  const pieces = chunks.flatMap((chunk, i) => splitChunk(chunk, i > 0));
  return attachPunctuation(pieces).map((p) => {
    const bare = p.text.toLowerCase().replace(/[^\p{L}\p{N}'’-]/gu, '');
    return {
      text: p.text,
      spaceBefore: p.spaceBefore,
      syllables: syllablesOf(p.text),
      width: displayWidth(p.text),
      after: breakAfter(p.text),
      bare,
      capitalised: /^[\p{P}\p{S}]*\p{Lu}/u.test(p.text),
    };
  });
}

/** Conjunctions and prepositions a line or cue may start with (English and French). */
const LINKS = new Set(
  (
    'and but or nor so yet because although though while when whenever which that who whom whose where if unless until than as ' +
    'of in on at to for with from by into onto over under after before through between about without within across against during ' +
    'et mais ou donc car ni que qui quand si comme lorsque puisque de du des à au aux en dans sur pour par avec sans sous chez vers entre'
  ).split(' '),
);

/** True when `token` is a conjunction or preposition (a good word to start a line with). */
export function isLink(token: CaptionToken): boolean {
  return LINKS.has(token.bare);
}

/** The text of `tokens` as shown on one line. */
export function joinTokens(tokens: readonly CaptionToken[]): string {
  return tokens.map((t, i) => (i > 0 && t.spaceBefore ? ' ' : '') + t.text).join('');
}

/** Display width of `tokens` on one line. */
export function widthOf(tokens: readonly CaptionToken[]): number {
  return tokens.reduce((sum, t, i) => sum + t.width + (i > 0 && t.spaceBefore ? 1 : 0), 0);
}
