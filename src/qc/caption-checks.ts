/**
 * Caption checks on the sidecar the stitch wrote (SRT or WebVTT): characters per line, lines per
 * caption, reading speed (characters per second of the caption's time on screen) and overlaps
 * between captions. Limits from thresholds.ts (Netflix English timed-text guide by default).
 */
import { sceneOf, type QcFilm } from './film.js';
import type { Verdict } from './verdict.js';

/** One caption of a sidecar: seconds and its lines as a viewer reads them. */
export interface Caption {
  readonly start: number;
  readonly end: number;
  readonly lines: readonly string[];
}

/** `00:01:02,500` or `01:02.500` → seconds. */
function timestamp(text: string): number {
  const parts = text.trim().replace(',', '.').split(':').map(Number);
  return parts.reduce((sum, part) => sum * 60 + part, 0);
}

/** WebVTT's character references and tags as the viewer sees them (`&amp;` → `&`, `<i>` gone). */
function visible(line: string): string {
  return line
    .replace(/<[^>]*>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&nbsp;', ' ')
    .replaceAll('&amp;', '&');
}

/** Pure: the captions of an SRT or WebVTT document, in document order. */
export function parseCaptions(text: string): Caption[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .flatMap((block) => {
      const lines = block.replace(/\n+$/, '').split('\n'); // the file's last cue ends in a newline, not a line
      const at = lines.findIndex((l) => l.includes('-->'));
      if (at < 0) return [];
      const [from = '', rest = ''] = lines[at]!.split('-->');
      const to = rest.trim().split(/\s+/)[0] ?? '';
      return [{ start: timestamp(from), end: timestamp(to), lines: lines.slice(at + 1).map(visible) }];
    });
}

const round = (x: number): number => Math.round(x * 100) / 100;
/** Characters as people count them (code points, not UTF-16 units: 東 is one). */
const length = (text: string): number => [...text].length;

/** A finding about one caption. */
function finding(
  film: QcFilm,
  caption: Caption,
  check: Verdict['check'],
  status: Verdict['status'],
  figures: { measured: number; threshold: number; unit: string },
  message: string,
): Verdict {
  const span = { start: caption.start, end: caption.end };
  const scene = sceneOf(film, span);
  return { check, status, ...figures, span, ...(scene ? { scene } : {}), message };
}

/** Line length, lines per caption, reading speed and overlap verdicts: one per finding, one pass verdict per check without any. */
export function captionVerdicts(film: QcFilm, captions: readonly Caption[]): Verdict[] {
  const limits = film.thresholds.captions;
  const found: Verdict[] = [];
  captions.forEach((c, i) => {
    const longest = Math.max(0, ...c.lines.map(length));
    if (longest > limits.lineLength)
      found.push(finding(film, c, 'caption-line-length', 'fail', { measured: longest, threshold: limits.lineLength, unit: 'chars' }, `a line of ${longest} characters`));
    if (c.lines.length > limits.lines)
      found.push(finding(film, c, 'caption-lines', 'fail', { measured: c.lines.length, threshold: limits.lines, unit: 'lines' }, `${c.lines.length} lines`));
    const cps = length(c.lines.join(' ')) / Math.max(0.001, c.end - c.start);
    if (cps > limits.readingSpeed) {
      const status = cps > limits.maxReadingSpeed ? 'fail' : 'warn';
      const threshold = status === 'fail' ? limits.maxReadingSpeed : limits.readingSpeed;
      found.push(finding(film, c, 'caption-reading-speed', status, { measured: round(cps), threshold, unit: 'cps' }, `${round(cps)} characters per second`));
    }
    const next = captions[i + 1];
    if (next && next.start < c.end - 1e-3)
      found.push(
        finding(
          film,
          c,
          'caption-overlap',
          'fail',
          { measured: round(c.end - next.start), threshold: 0, unit: 's' },
          `overlaps the next caption by ${round(c.end - next.start)} s`,
        ),
      );
  });
  const most = {
    'caption-line-length': Math.max(0, ...captions.flatMap((c) => c.lines.map(length))),
    'caption-lines': Math.max(0, ...captions.map((c) => c.lines.length)),
    'caption-reading-speed': round(Math.max(0, ...captions.map((c) => length(c.lines.join(' ')) / Math.max(0.001, c.end - c.start)))),
    'caption-overlap': 0,
  };
  const limit = { 'caption-line-length': limits.lineLength, 'caption-lines': limits.lines, 'caption-reading-speed': limits.readingSpeed, 'caption-overlap': 0 };
  const unit = { 'caption-line-length': 'chars', 'caption-lines': 'lines', 'caption-reading-speed': 'cps', 'caption-overlap': 's' };
  const passes = (Object.keys(most) as Array<keyof typeof most>)
    .filter((check) => !found.some((v) => v.check === check))
    .map((check): Verdict => ({
      check,
      status: 'pass',
      measured: most[check],
      threshold: limit[check],
      unit: unit[check],
      message: `${captions.length} captions within the limit`,
    }));
  return [...found, ...passes];
}
