/**
 * Subtitles from the narration: SubRip (.srt) and WebVTT (.vtt) text, one cue per narration,
 * from its start to start + duration. Text is kept as written (quotes, colons, %, backslashes,
 * any script); only what each format itself needs is changed:
 * - both: blank lines inside a text would end the cue, so they are dropped; CRLF → LF;
 * - WebVTT: `&`, `<` and `>` are character references (W3C WebVTT §4.2.2, cue text), which also
 *   keeps `-->` out of the text.
 * Times are rounded to whole milliseconds, the formats' resolution.
 */
import type { StitchNarration } from './stitch-types.js';

/** Pure: `3723.5` → `01:02:03,500` (SRT) or `01:02:03.500` (VTT). */
export function formatTimestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** Pure: text lines without blank lines (a blank line ends a cue in both formats). */
function cueLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

type Cue = Pick<StitchNarration, 'start' | 'duration' | 'text'>;

/** Pure: cues in time order, those without text left out. */
function cues(narration: readonly Cue[]): Cue[] {
  return [...narration].filter((n) => cueLines(n.text).length > 0).sort((a, b) => a.start - b.start);
}

/** Pure: the SubRip document of the narration. */
export function buildSrt(narration: readonly Cue[]): string {
  return cues(narration)
    .map((n, i) => `${i + 1}\n${formatTimestamp(n.start, ',')} --> ${formatTimestamp(n.start + n.duration, ',')}\n${cueLines(n.text).join('\n')}\n`)
    .join('\n');
}

/** Pure: `&`, `<`, `>` as WebVTT character references. */
export function escapeVtt(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Pure: the WebVTT document of the narration. */
export function buildVtt(narration: readonly Cue[]): string {
  const body = cues(narration).map((n) => `${formatTimestamp(n.start, '.')} --> ${formatTimestamp(n.start + n.duration, '.')}\n${cueLines(n.text).map(escapeVtt).join('\n')}\n`);
  return ['WEBVTT\n', ...body].join('\n');
}

/**
 * Pure: the `subtitles` filter drawing `fileName`, a plain name in ffmpeg's working folder (the
 * stitcher's own file name, so nothing in it needs filtergraph escaping).
 * @throws Error for a name with characters the filtergraph would interpret.
 */
export function burnFilter(fileName: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(fileName)) throw new Error(`not a plain file name: ${fileName}`);
  return `subtitles=filename=${fileName}:charenc=UTF-8`;
}
