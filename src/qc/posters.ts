/**
 * The moments the review page shows as stills: one per scene (the middle of the part no
 * transition covers) and one per transition (its middle). Pure: seconds in, frames out.
 */
import type { QcFilm } from './film.js';

/** A still to take from the cut. */
export interface PosterMoment {
  readonly kind: 'scene' | 'transition';
  /** The scene's id, or `<from> → <to>` for a transition. */
  readonly label: string;
  /** The scene (for a transition: the outgoing one). */
  readonly scene: string;
  /** Film time, seconds. */
  readonly t: number;
  /** The frame at `t` (0-based) at the film's fps. */
  readonly frame: number;
}

/** Scene and transition stills in film order. */
export function posterMoments(film: Pick<QcFilm, 'scenes' | 'fps' | 'length'>): PosterMoment[] {
  const lastFrame = Math.max(0, Math.round(film.length * film.fps) - 1);
  const at = (t: number) => Math.min(lastFrame, Math.max(0, Math.floor(t * film.fps)));
  const moments: PosterMoment[] = [];
  film.scenes.forEach((scene, i) => {
    const before = i > 0 ? film.scenes[i - 1]!.transition.duration : 0;
    const own = { start: scene.start + before, end: scene.start + scene.duration - scene.transition.duration };
    const t = (own.start + own.end) / 2;
    moments.push({ kind: 'scene', label: scene.id, scene: scene.id, t, frame: at(t) });
    const next = film.scenes[i + 1];
    if (next && scene.transition.duration > 0) {
      const mid = scene.start + scene.duration - scene.transition.duration / 2;
      moments.push({ kind: 'transition', label: `${scene.id} → ${next.id}`, scene: scene.id, t: mid, frame: at(mid) });
    }
  });
  return moments;
}
