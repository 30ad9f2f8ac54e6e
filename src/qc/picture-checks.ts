/**
 * Picture checks: black stretches (outside `fadeblack` transitions, which go through black on
 * purpose) and frozen picture (outside the scenes the manifest says hold still).
 */
import { overlap, sceneOf, transitionSpans, type QcFilm } from './film.js';
import type { FilmSpan, Verdict } from './verdict.js';

/** Seconds of slack around a fade's window: detectors mark frames, which fall either side of the exact time. */
const FRAME_SLACK = 0.1;

/** Stretches of `spans` left once the parts inside `allowed` are taken out. */
function outside(spans: readonly FilmSpan[], allowed: readonly FilmSpan[]): FilmSpan[] {
  let pieces = [...spans];
  for (const a of allowed) {
    pieces = pieces.flatMap((p) => {
      if (overlap(p, a) <= 0) return [p];
      return [...(p.start < a.start ? [{ start: p.start, end: a.start }] : []), ...(p.end > a.end ? [{ start: a.end, end: p.end }] : [])];
    });
  }
  return pieces.filter((p) => p.end - p.start > 1e-6);
}

const seconds = (s: FilmSpan): number => s.end - s.start;
const round = (x: number): number => Math.round(x * 1000) / 1000;

/** A failed verdict for a stretch of the film: its length in seconds against `max`, and the scene it starts in. */
function failedSpan(film: QcFilm, check: Verdict['check'], span: FilmSpan, max: number, message: string): Verdict {
  const scene = sceneOf(film, span);
  return { check, status: 'fail', measured: round(seconds(span)), threshold: max, unit: 's', span, ...(scene ? { scene } : {}), message };
}

/** One verdict per black stretch longer than the limit; one pass verdict when there is none. */
export function blackVerdicts(film: QcFilm, black: readonly FilmSpan[]): Verdict[] {
  const { max } = film.thresholds.black;
  const fades = transitionSpans(film)
    .filter((t) => t.type === 'fadeblack')
    .map((t) => ({ start: t.start - FRAME_SLACK, end: t.end + FRAME_SLACK }));
  const found = outside(black, fades);
  const over = found.filter((s) => seconds(s) > max);
  if (over.length === 0) {
    const longest = Math.max(0, ...found.map(seconds));
    return [{ check: 'black', status: 'pass', measured: round(longest), threshold: max, unit: 's', message: 'no black stretch outside fades' }];
  }
  return over.map((span) => failedSpan(film, 'black', span, max, `${round(seconds(span))} s of black picture`));
}

/** One verdict per frozen stretch (as long as the limit or longer) outside held scenes; one pass verdict when there is none. */
export function freezeVerdicts(film: QcFilm, freeze: readonly FilmSpan[]): Verdict[] {
  const { max, held } = film.thresholds.freeze;
  const heldSpans = film.scenes.filter((s) => held.includes(s.id)).map((s) => ({ start: s.start - FRAME_SLACK, end: s.start + s.duration + FRAME_SLACK }));
  // freezedetect only reports stillness of at least `max` seconds (its `d`), so every report is a finding.
  const found = outside(freeze, heldSpans).filter((s) => seconds(s) >= max - 1e-3);
  if (found.length === 0) return [{ check: 'freeze', status: 'pass', measured: 0, threshold: max, unit: 's', message: 'no frozen picture outside held scenes' }];
  return found.map((span) => failedSpan(film, 'freeze', span, max, `the picture is frozen for ${round(seconds(span))} s`));
}
