/**
 * Reads what ffmpeg's detectors print during the one QC pass over a cut (src/media/qc/measure.ts
 * runs it at `-loglevel level+info`, so every line carries its level): blackdetect, freezedetect,
 * silencedetect and ebur128 (its 100 ms frame log and its summary), and the decoder's errors.
 * Pure: text in, spans and figures out (seconds, LUFS, dBTP).
 */
import type { FilmSpan } from './verdict.js';

/** One ebur128 frame-log reading: momentary (400 ms) and short-term (3 s) loudness at `t`. */
export interface LoudnessPoint {
  /** Seconds. */
  readonly t: number;
  /** LUFS (−120.7 and lower before the window fills, or in silence). */
  readonly momentary: number;
  readonly shortTerm: number;
}

/** Everything the pass reports. */
export interface DetectorLog {
  readonly black: readonly FilmSpan[];
  readonly freeze: readonly FilmSpan[];
  readonly silence: readonly FilmSpan[];
  readonly loudness: readonly LoudnessPoint[];
  /** Integrated loudness, LUFS (−Infinity for digital silence); undefined when ebur128 printed no summary. */
  readonly integrated?: number;
  /** True peak, dBTP. */
  readonly truePeak?: number;
  /** Lines the decoder or demuxer printed at error level or worse. */
  readonly errors: readonly string[];
}

const NUMBER = String.raw`(-?[\d.]+(?:e-?\d+)?|-?inf)`;
const toNumber = (text: string): number => (text === '-inf' ? Number.NEGATIVE_INFINITY : text === 'inf' ? Number.POSITIVE_INFINITY : Number(text));

/**
 * Pairs start and end marks into spans, in order; a start without an end (the defect runs to the
 * end of the file, where some detectors print nothing more) closes at `length`.
 */
function pairSpans(lines: readonly string[], startRe: RegExp, endRe: RegExp, length: number): FilmSpan[] {
  const spans: FilmSpan[] = [];
  let open: number | undefined;
  for (const line of lines) {
    const start = startRe.exec(line)?.[1];
    if (start !== undefined) open = toNumber(start);
    const end = endRe.exec(line)?.[1];
    if (end !== undefined && open !== undefined) {
      spans.push({ start: open, end: toNumber(end) });
      open = undefined;
    }
  }
  if (open !== undefined && open < length) spans.push({ start: open, end: length });
  return spans;
}

/** blackdetect prints each stretch whole: `black_start:1 black_end:2 black_duration:1`. */
function blackSpans(lines: readonly string[]): FilmSpan[] {
  const re = new RegExp(`black_start:\\s*${NUMBER}\\s+black_end:\\s*${NUMBER}`);
  return lines.flatMap((line) => {
    const m = re.exec(line);
    return m?.[1] !== undefined && m[2] !== undefined ? [{ start: toNumber(m[1]), end: toNumber(m[2]) }] : [];
  });
}

/** ebur128's 100 ms frame log: `t: 0.1 TARGET:-23 LUFS M:-21.8 S:-120.7 I: …`. */
function loudnessPoints(lines: readonly string[]): LoudnessPoint[] {
  const re = new RegExp(`\\bt:\\s*${NUMBER}\\s+TARGET:.*?\\bM:\\s*${NUMBER}\\s+S:\\s*${NUMBER}`);
  return lines.flatMap((line) => {
    const m = re.exec(line);
    return m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined ? [{ t: toNumber(m[1]), momentary: toNumber(m[2]), shortTerm: toNumber(m[3]) }] : [];
  });
}

/** The last ebur128 summary (a first one is printed when the graph is configured, over nothing). */
function loudnessSummary(text: string): { integrated?: number; truePeak?: number } {
  const at = text.lastIndexOf('Summary:');
  if (at < 0) return {};
  const summary = text.slice(at);
  const integrated = new RegExp(`I:\\s+${NUMBER} LUFS`).exec(summary)?.[1];
  const peak = new RegExp(`True peak:\\s+Peak:\\s+${NUMBER} dBFS`).exec(summary)?.[1];
  return { ...(integrated !== undefined ? { integrated: toNumber(integrated) } : {}), ...(peak !== undefined ? { truePeak: toNumber(peak) } : {}) };
}

/**
 * Parses the pass's standard error.
 * @param stderr ffmpeg's output at `-loglevel level+info`
 * @param length film length, seconds (closes a stretch still open at the end of the file)
 */
export function parseDetectorLog(stderr: string, length: number): DetectorLog {
  const lines = stderr.split(/\r?\n/);
  return {
    black: blackSpans(lines),
    freeze: pairSpans(lines, new RegExp(`freeze_start:\\s*${NUMBER}`), new RegExp(`freeze_end:\\s*${NUMBER}`), length),
    silence: pairSpans(lines, new RegExp(`silence_start:\\s*${NUMBER}`), new RegExp(`silence_end:\\s*${NUMBER}`), length),
    loudness: loudnessPoints(lines),
    ...loudnessSummary(stderr),
    errors: lines.filter((line) => /\[(error|fatal|panic)\]/.test(line)),
  };
}
