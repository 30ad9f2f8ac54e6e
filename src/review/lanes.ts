/**
 * The timeline lanes of a review page, drawn to scale as inline SVG: scenes, transitions,
 * narration, score cues (with the stretches where ducking lowers them under narration) and the
 * QC findings that have a place in the film. Pure: a hast tree (hastscript escapes every text).
 */
import type { Element } from 'hast';
import { s } from 'hastscript';
import { overlap, transitionSpans, type QcFilm } from '../qc/film.js';
import type { Verdict } from '../qc/verdict.js';

/** Width of the drawing in SVG units (it scales to the page). */
export const LANES_WIDTH = 1000;
const LANE = 26;
const LABEL = 90;
const LANE_NAMES = ['scenes', 'transitions', 'narration', 'score', 'QC'] as const;

/** A labelled bar on a lane; `seek` makes it a link to that moment of the player. */
function bar(x: number, w: number, y: number, cls: string, label: string, seek: number, height = LANE - 6): Element {
  // Short bars and the thin ducking bars carry their label as a tooltip only.
  const labelled = w > 40 && height === LANE - 6;
  return s('g', { className: ['seek', cls], dataT: seek.toFixed(2), role: 'link', tabIndex: 0 }, [
    s('title', label),
    s('rect', { x: x.toFixed(1), y, width: Math.max(1.5, w).toFixed(1), height, rx: 2 }),
    ...(labelled ? [s('text', { x: (x + 4).toFixed(1), y: y + height - 6 }, label)] : []),
  ]);
}

/** The lanes of a film (`verdicts` adds a lane of findings). */
export function timelineLanes(film: QcFilm, verdicts: readonly Verdict[]): Element {
  const scale = (LANES_WIDTH - LABEL) / Math.max(0.001, film.length);
  const x = (t: number) => LABEL + t * scale;
  const y = (lane: number) => 18 + lane * LANE;
  const scenes = film.scenes.map((sc, i) => bar(x(sc.start), sc.duration * scale, y(0), `scene scene-${i % 2}`, sc.id, sc.start));
  const transitions = transitionSpans(film).map((t) =>
    bar(x(t.start), (t.end - t.start) * scale, y(1), `transition ${t.type}`, `${t.type} ${(t.end - t.start).toFixed(2)} s`, t.start),
  );
  const narration = film.narration.map((n) => bar(x(n.start), n.duration * scale, y(2), 'narration', `narration of ${n.sceneId}`, n.start));
  const score = film.cues.flatMap((cue) => {
    const span = { start: cue.start, end: cue.start + cue.duration };
    const ducked = cue.duck < 0 ? film.narration.map((n) => ({ start: n.start, end: n.start + n.duration })).filter((n) => overlap(n, span) > 0) : [];
    return [
      bar(x(cue.start), cue.duration * scale, y(3), 'cue', cue.id, cue.start),
      ...ducked.map((d) => {
        const from = Math.max(d.start, span.start);
        const to = Math.min(d.end, span.end);
        return bar(x(from), (to - from) * scale, y(3) + 10, 'duck', `${cue.id} ducked ${cue.duck} dB`, from, LANE - 16);
      }),
    ];
  });
  const findings = verdicts
    .filter((v) => v.span && v.status !== 'pass')
    .map((v) => bar(x(v.span!.start), (v.span!.end - v.span!.start) * scale, y(4), `finding ${v.status}`, `${v.check}: ${v.message}`, v.span!.start));
  const height = y(LANE_NAMES.length) + 8;
  return s('svg', { className: ['lanes'], viewBox: `0 0 ${LANES_WIDTH} ${height}`, role: 'img', ariaLabel: 'timeline lanes' }, [
    ...LANE_NAMES.map((name, i) => s('text', { className: ['lane-name'], x: 4, y: y(i) + LANE - 12 }, name)),
    ...axis(film.length, x, height),
    ...scenes,
    ...transitions,
    ...narration,
    ...score,
    ...findings,
  ]);
}

/** Tick marks along the top, every 1, 2, 5, 10… seconds (about ten of them). */
function axis(length: number, x: (t: number) => number, height: number): Element[] {
  const steps = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
  const step = steps.find((st) => length / st <= 12) ?? 1200;
  const ticks: Element[] = [];
  for (let t = 0; t <= length + 1e-6; t += step) {
    ticks.push(
      s('line', { className: ['tick'], x1: x(t).toFixed(1), x2: x(t).toFixed(1), y1: 12, y2: height }),
      s('text', { className: ['tick-label'], x: x(t).toFixed(1), y: 10 }, `${t} s`),
    );
  }
  return ticks;
}
