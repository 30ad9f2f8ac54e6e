/**
 * Burned captions as an Advanced SubStation Alpha script for libass (ffmpeg's `subtitles`
 * filter), which draws characters the chosen font lacks from other installed fonts (fontconfig
 * fallback). Three looks (`output.captions.style`):
 * - `cues`: each cue whole, bottom centre, white with a black outline (the broadcast look);
 * - `highlight`: each cue whole, the word being said in yellow — one event per word, so exactly
 *   the current word is lit (karaoke `\k` tags would light every word already said);
 * - `words`: groups of `groupWords` words, large, in the lower third (the vertical-video look).
 * Sizes scale with the frame's short side (PlayResY = height, so script units are pixels): the same
 * in 16:9 and in 9:16 of one width, and a cue's longest allowed line (maxLineChars) fits across a
 * portrait frame. With a caption safe area (StitchOutput.captionSafeBottom) the captions sit above
 * the bottom fraction of the frame that platform UI covers. Pure.
 */
import type { CaptionCue, CaptionWord } from '../captions/track.js';
import type { CaptionSettings } from '../captions/settings.js';

/** ASS colours are &HAABBGGRR. */
const WHITE = '&H00FFFFFF';
const YELLOW = '&H0000FFFF';
const BLACK = '&H00000000';
const SHADOW = '&H80000000';

/** `3.5` → `0:00:03.50` (ASS times are centiseconds). */
export function assTime(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360_000);
  const m = Math.floor((cs % 360_000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}

/**
 * Text as libass shows it literally: a backslash is followed by a word joiner so `\N` or `\h` in
 * the narration is not an escape, and braces (which open override blocks) become their
 * full-width forms.
 */
export function escapeAss(text: string): string {
  return text.replaceAll('\\', '\\\u2060').replaceAll('{', '｛').replaceAll('}', '｝');
}

/**
 * Room a character of a caption line takes, as a fraction of the font size: libass draws DejaVu
 * Sans mixed-case text at about 0.40 of the size per character and all capitals at about 0.52
 * (measured: 42 capitals and spaces at size 30 are 650 px wide); a full-width CJK character,
 * counted as two by maxLineChars, at about 1.0 (0.5 a count). Used to keep a line of maxLineChars
 * characters inside the side margins.
 */
const CHAR_ADVANCE = 0.55;
/** Side margins, as a fraction of the width. */
const SIDE_MARGIN = 0.06;
/** Room between a caption safe area's top edge and the captions' bottom (outline and shadow included), fraction of the height. */
const SAFE_GAP = 0.02;

/**
 * Pure: font size and margins (pixels) of the captions in a `width`×`height` frame.
 * @param safeBottom fraction of the height the captions stay above (absent = the look's own margin)
 */
export function captionLayout(
  settings: CaptionSettings,
  width: number,
  height: number,
  safeBottom?: number,
): { readonly size: number; readonly margin: number; readonly marginV: number } {
  const words = settings.style === 'words';
  const margin = Math.round(width * SIDE_MARGIN);
  const bySide = Math.min(width, height) * (words ? 0.085 : 0.055);
  // Cues are cut to maxLineChars; a word group is at most a few words on one line, kept to the same room.
  const byLine = (width - 2 * margin) / (settings.maxLineChars * CHAR_ADVANCE);
  const size = Math.max(1, Math.round(Math.min(bySide, words ? bySide : byLine)));
  const own = Math.round(height * (words ? 0.22 : 0.06));
  const marginV = safeBottom === undefined ? own : Math.max(own, Math.round(height * (safeBottom + SAFE_GAP)));
  return { size, margin, marginV };
}

/** The script's header and its one style. */
function header(settings: CaptionSettings, width: number, height: number, safeBottom?: number): string {
  const words = settings.style === 'words';
  const { size, margin, marginV } = captionLayout(settings, width, height, safeBottom);
  const outline = Math.max(1, Math.round(size / 14));
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    // Cues are broken into lines already (no wrapping); a word group may wrap when it does not fit across.
    `WrapStyle: ${words ? 0 : 2}`,
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: Caption,${settings.font},${size},${WHITE},${YELLOW},${BLACK},${SHADOW},${words ? -1 : 0},0,0,0,100,100,0,0,1,${outline},1,2,${margin},${margin},${marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ].join('\n');
}

/** One event line. */
function dialogue(start: number, end: number, text: string): string {
  return `Dialogue: 0,${assTime(start)},${assTime(end)},Caption,,0,0,0,,${text}`;
}

/** A cue's text with line breaks, the word at `lit` (if any) in yellow. */
function cueText(words: readonly CaptionWord[], lit?: number): string {
  return words
    .map((w, i) => {
      const gap = i === 0 ? '' : w.line !== words[i - 1]!.line ? '\\N' : w.spaceBefore ? ' ' : '';
      const text = escapeAss(w.text);
      return gap + (i === lit ? `{\\c${YELLOW}&}${text}{\\c${WHITE}&}` : text);
    })
    .join('');
}

/** The events of one cue in the chosen look. */
function cueEvents(cue: CaptionCue, settings: CaptionSettings): string[] {
  const { words } = cue;
  if (settings.style === 'cues' || words.length === 0) return [dialogue(cue.start, cue.end, cueText(words))];
  if (settings.style === 'highlight') {
    return words.map((_, i) => dialogue(i === 0 ? cue.start : words[i]!.start, i + 1 < words.length ? words[i + 1]!.start : cue.end, cueText(words, i)));
  }
  const events: string[] = [];
  for (let i = 0; i < words.length; i += settings.groupWords) {
    const group = words.slice(i, i + settings.groupWords).map((w, k) => ({ ...w, line: 0, spaceBefore: k > 0 && (w.spaceBefore || w.line !== words[i + k - 1]?.line) }));
    const next = words[i + settings.groupWords];
    events.push(dialogue(i === 0 ? cue.start : group[0]!.start, next ? next.start : cue.end, cueText(group)));
  }
  return events;
}

/**
 * Pure: the ASS script burning `cues` into a `width`×`height` picture (pixels).
 * @param safeBottom fraction of the height the captions stay above (StitchOutput.captionSafeBottom)
 */
export function buildAss(cues: readonly CaptionCue[], settings: CaptionSettings, width: number, height: number, safeBottom?: number): string {
  return `${[header(settings, width, height, safeBottom), ...cues.flatMap((c) => cueEvents(c, settings))].join('\n')}\n`;
}
