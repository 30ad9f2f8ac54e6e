/**
 * The loudness graph of a review page: ebur128's momentary (400 ms) and short-term (3 s)
 * loudness over the film, with the target and its tolerance band. Inline SVG, pure.
 */
import type { Element } from 'hast';
import { s } from 'hastscript';
import type { LoudnessPoint } from '../qc/detector-log.js';

/** Lowest loudness drawn, LUFS (quieter readings, silence's −120.7 among them, sit on the floor). */
const FLOOR = -50;
const CEILING = 0;
/** EBU R128's absolute gate, LUFS: readings under it are not loudness. */
const GATE = -70;
const WIDTH = 1000;
const HEIGHT = 220;
const LEFT = 40;
/** Most points per line: the 100 ms readings of a long film are thinned to this. */
const MAX_POINTS = 800;

/** The graph. `target` and `tolerance` in LUFS and LU; `length` in seconds. */
export function loudnessGraph(points: readonly LoudnessPoint[], target: number, tolerance: number, length: number): Element {
  const x = (t: number) => LEFT + (t / Math.max(0.001, length)) * (WIDTH - LEFT - 4);
  const y = (lufs: number) => 6 + ((CEILING - Math.max(FLOOR, Math.min(CEILING, lufs))) / (CEILING - FLOOR)) * (HEIGHT - 24);
  const every = Math.max(1, Math.ceil(points.length / MAX_POINTS));
  const thinned = points.filter((_, i) => i % every === 0);
  // Readings under the absolute gate are "no reading yet" (the 3 s window filling) or silence: left out, not drawn at the floor.
  const line = (pick: (p: LoudnessPoint) => number) =>
    thinned
      .filter((p) => pick(p) > GATE)
      .map((p) => `${x(p.t).toFixed(1)},${y(pick(p)).toFixed(1)}`)
      .join(' ');
  const grid = [-10, -20, -30, -40].flatMap((l) => [
    s('line', { className: ['grid'], x1: LEFT, x2: WIDTH, y1: y(l).toFixed(1), y2: y(l).toFixed(1) }),
    s('text', { className: ['tick-label'], x: 2, y: (y(l) + 4).toFixed(1) }, `${l}`),
  ]);
  return s('svg', { className: ['loudness'], viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', ariaLabel: 'loudness over time' }, [
    s('rect', { className: ['band'], x: LEFT, width: WIDTH - LEFT, y: y(target + tolerance).toFixed(1), height: (y(target - tolerance) - y(target + tolerance)).toFixed(1) }),
    ...grid,
    s('line', { className: ['target'], x1: LEFT, x2: WIDTH, y1: y(target).toFixed(1), y2: y(target).toFixed(1) }),
    s('text', { className: ['target-label'], x: WIDTH - 150, y: (y(target) - 4).toFixed(1) }, `target ${target} LUFS`),
    s('polyline', { className: ['momentary'], points: line((p) => p.momentary) }),
    s('polyline', { className: ['short-term'], points: line((p) => p.shortTerm) }),
    s('text', { className: ['tick-label'], x: LEFT, y: HEIGHT - 4 }, 'LUFS · momentary (thin) and short-term (thick)'),
  ]);
}
