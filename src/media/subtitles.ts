/**
 * Caption files from the film's caption track (src/captions): SubRip (.srt), WebVTT (.vtt) and
 * the word-level JSON sidecar (.words.json). Text is kept as written (quotes, colons, %,
 * backslashes, any script); only what each format itself needs is changed:
 * - WebVTT: `&`, `<` and `>` are character references (W3C WebVTT §4.2.2, cue text), which also
 *   keeps `-->` out of the text.
 * Times are rounded to whole milliseconds, the formats' resolution.
 */
import type { CaptionCue } from '../captions/track.js';

/** Pure: `3723.5` → `01:02:03,500` (SRT) or `01:02:03.500` (VTT). */
export function formatTimestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/**
 * Pure: the SubRip document of the cues. SubRip has no standard way to place a cue (players put
 * it at the bottom), so a caption safe area (StitchOutput.captionSafeBottom) cannot be kept in it;
 * the WebVTT sidecar and burned captions keep it.
 */
export function buildSrt(cues: readonly CaptionCue[]): string {
  return cues.map((c, i) => `${i + 1}\n${formatTimestamp(c.start, ',')} --> ${formatTimestamp(c.end, ',')}\n${c.lines.join('\n')}\n`).join('\n');
}

/** Pure: `&`, `<`, `>` as WebVTT character references. */
export function escapeVtt(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Pure: the WebVTT cue settings that keep a cue above the bottom `safeBottom` of the video: its
 * box's bottom edge on the line at (1 − safeBottom) of the height (W3C WebVTT §4.4 "line" setting,
 * a percentage with `end` line alignment); '' when there is no safe area.
 */
export function vttPlacement(safeBottom?: number): string {
  if (safeBottom === undefined) return '';
  const percent = Math.round((1 - safeBottom) * 1000) / 10;
  return ` line:${percent}%,end`;
}

/**
 * Pure: the WebVTT document of the cues.
 * @param safeBottom fraction of the height cues stay above (StitchOutput.captionSafeBottom), as a `line:` cue setting
 */
export function buildVtt(cues: readonly CaptionCue[], safeBottom?: number): string {
  const settings = vttPlacement(safeBottom);
  const body = cues.map((c) => `${formatTimestamp(c.start, '.')} --> ${formatTimestamp(c.end, '.')}${settings}\n${c.lines.map(escapeVtt).join('\n')}\n`);
  return ['WEBVTT\n', ...body].join('\n');
}

/** One word of the word-level sidecar. */
export interface WordEntry {
  readonly text: string;
  /** Film seconds, to the millisecond. */
  readonly start: number;
  /** Film seconds, to the millisecond. */
  readonly end: number;
  /** The scene whose narration says it. */
  readonly scene: string;
  /** 0-based index of its cue (the SRT numbers cues from 1: cue + 1). */
  readonly cue: number;
}

/**
 * Pure: the word-level sidecar, `{ version: 1, words: [{ text, start, end, scene, cue }] }`,
 * for editors and players that animate captions word by word.
 */
export function buildWordsJson(cues: readonly CaptionCue[]): string {
  const ms = (t: number) => Math.round(t * 1000) / 1000;
  const words: WordEntry[] = cues.flatMap((c) => c.words.map((w) => ({ text: w.text, start: ms(w.start), end: ms(w.end), scene: c.sceneId, cue: c.index })));
  return `${JSON.stringify({ version: 1, words }, null, 2)}\n`;
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
