/**
 * The film as QC sees it: where each scene, transition, narration and score cue sits (seconds
 * from the start of the cut), what the cut should be, and the limits to judge it against. Built
 * by the runner from the stitch plan (src/runner/qc-step.ts); pure data.
 */
import type { FilmSpan } from './verdict.js';
import type { QcThresholds } from './thresholds.js';

/** A scene in the cut, with the transition into the next one. */
export interface QcScene {
  readonly id: string;
  readonly start: number;
  /** Seconds, transitions included. */
  readonly duration: number;
  /** Into the next scene; `cut` with duration 0 for none. */
  readonly transition: { readonly type: string; readonly duration: number };
}

/** A narration slot. */
export interface QcNarration {
  readonly sceneId: string;
  readonly start: number;
  readonly duration: number;
}

/** A score cue (or one part of a long one). */
export interface QcCue {
  readonly id: string;
  readonly start: number;
  readonly duration: number;
  /** dB under narration (0 = no ducking). */
  readonly duck: number;
  readonly fadeIn: number;
  readonly fadeOut: number;
}

/** What QC needs to know about a production's final cut. */
export interface QcFilm {
  readonly title: string;
  readonly scenes: readonly QcScene[];
  readonly narration: readonly QcNarration[];
  readonly cues: readonly QcCue[];
  /** Film length on the timeline, seconds. */
  readonly length: number;
  readonly fps: number;
  /** Expected frame size, pixels. */
  readonly width: number;
  readonly height: number;
  /** Integrated loudness target, LUFS. */
  readonly loudness: number;
  readonly thresholds: QcThresholds;
}

/**
 * The scene a moment belongs to: the last scene that has started by then (inside a transition,
 * the incoming scene). `t` in seconds.
 */
export function sceneAt(film: Pick<QcFilm, 'scenes'>, t: number): string | undefined {
  let found: string | undefined;
  for (const scene of film.scenes) if (scene.start <= t + 1e-6) found = scene.id;
  return found;
}

/** The scene a span falls in: the scene of its middle. */
export function sceneOf(film: Pick<QcFilm, 'scenes'>, span: FilmSpan): string | undefined {
  return sceneAt(film, (span.start + span.end) / 2);
}

/** Each transition's stretch of the film, with its type (cuts have none). */
export function transitionSpans(film: Pick<QcFilm, 'scenes'>): Array<FilmSpan & { readonly type: string; readonly from: string }> {
  return film.scenes
    .filter((s) => s.transition.duration > 0)
    .map((s) => ({ start: s.start + s.duration - s.transition.duration, end: s.start + s.duration, type: s.transition.type, from: s.id }));
}

/** Seconds `a` and `b` overlap (0 when apart). */
export function overlap(a: FilmSpan, b: FilmSpan): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}
