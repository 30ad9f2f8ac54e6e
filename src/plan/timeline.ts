/**
 * Timeline math: where every scene, narration and score cue sits in the final cut.
 *
 *   scene 0  |=========d0=========|
 *   scene 1                  |==t0==|=======d1=======|        start1 = start0 + d0 − t0
 *   scene 2                                     |==t1==|====d2====|
 *   film     0 ──────────────────────────────────────────────────▶ L = start_n + d_n = Σd − Σt
 *
 * Transitions overlap the scenes they join, so changing one moves later scenes but changes no
 * scene's own length: no clip has to be generated again, only the stitch reruns.
 * Pure: numbers in, numbers out (seconds throughout).
 */
import type { Cue, Production, Scene } from '../manifest/production.js';
import { CLIP_DURATIONS, MUSIC_SECONDS } from '../vocabulary/catalog.js';

/** Seconds of silence after an `auto` scene's narration, before its outgoing transition. */
export const AUTO_PADDING = 0.5;

const MUSIC_MIN = MUSIC_SECONDS.min;
const MUSIC_MAX = MUSIC_SECONDS.max;
/**
 * Overlap of two parts of a cue longer than the API's longest music (300 s), seconds: the parts
 * are joined by a crossfade this long, each fading over it.
 */
export const MUSIC_CROSSFADE = 2;

/** Speech lengths known so far, by scene id, seconds. */
export type SpeechDurations = ReadonlyMap<string, number>;

/** A scene placed in the cut. */
export interface TimedScene {
  readonly id: string;
  readonly index: number;
  /** Film time where the scene starts, seconds. */
  readonly start: number;
  /** Length in the cut, seconds. */
  readonly duration: number;
  /** Overlap with the next scene, seconds (0 for a cut and for the last scene). */
  readonly transition: number;
}

/** A narration placed in the cut. */
export interface TimedNarration {
  readonly sceneId: string;
  readonly start: number;
  readonly duration: number;
}

/** One rendered part of a cue (a cue over 300 s has several). */
export interface CuePart {
  /** Plan node id (`music:<cue>` or `music:<cue>#2`). */
  readonly node: string;
  /** Film time where this part starts, seconds. */
  readonly start: number;
  /** Length used in the cut, seconds. */
  readonly duration: number;
  /** Length requested from the API, seconds (15–300, whole). */
  readonly requested: number;
}

/** A cue placed in the cut. */
export interface TimedCue {
  readonly id: string;
  readonly start: number;
  readonly duration: number;
  readonly parts: readonly CuePart[];
}

/** The whole film in time. */
export interface Timeline {
  readonly scenes: readonly TimedScene[];
  readonly narration: readonly TimedNarration[];
  readonly cues: readonly TimedCue[];
  /** Film length, seconds. */
  readonly length: number;
}

/** Rounds `seconds` up to a whole frame at `fps` (so transitions and cuts fall on frames). */
export function toFrame(seconds: number, fps: number): number {
  return Math.ceil(seconds * fps - 1e-9) / fps;
}

/** The smallest clip length the API makes that covers `seconds`; undefined above 120 s. */
export function clipBucket(seconds: number): number | undefined {
  return CLIP_DURATIONS.find((b) => b >= seconds - 1e-9);
}

/**
 * Length of a scene in the cut: its own number, or for `auto` the narration's start, its length,
 * the padding and the outgoing transition, rounded up to a frame. Undefined when an `auto`
 * scene's speech is not known yet.
 */
export function sceneDuration(scene: Scene, fps: number, speech: SpeechDurations): number | undefined {
  if (scene.duration !== 'auto') return scene.duration;
  const spoken = speech.get(scene.id);
  if (spoken === undefined || !scene.narration) return undefined;
  return toFrame(scene.narration.at + spoken + AUTO_PADDING + scene.transition.duration, fps);
}

/** An upper bound of a cue's span that does not depend on transitions: Σ of its scenes' lengths. */
export function cueRequestSeconds(production: Production, cue: Cue, speech: SpeechDurations): number | undefined {
  let total = 0;
  for (const scene of cueScenes(production, cue)) {
    const d = sceneDuration(scene, production.output.fps, speech);
    if (d === undefined) return undefined;
    total += d;
  }
  return total;
}

/** The scenes a cue spans, in order. */
export function cueScenes(production: Production, cue: Cue): Scene[] {
  const from = production.scenes.findIndex((s) => s.id === cue.from);
  const to = production.scenes.findIndex((s) => s.id === cue.to);
  return production.scenes.slice(from, to + 1);
}

/**
 * Splits `seconds` of music into parts the API can make (each ≤ 300 s), consecutive parts
 * overlapping by MUSIC_CROSSFADE: [[offset, requested]]. Requested lengths are whole seconds ≥ 15.
 */
export function musicParts(seconds: number): Array<{ offset: number; requested: number }> {
  const whole = Math.max(MUSIC_MIN, Math.ceil(seconds - 1e-9));
  if (whole <= MUSIC_MAX) return [{ offset: 0, requested: whole }];
  const parts: Array<{ offset: number; requested: number }> = [];
  let offset = 0;
  while (offset + MUSIC_MAX < whole) {
    parts.push({ offset, requested: MUSIC_MAX });
    offset += MUSIC_MAX - MUSIC_CROSSFADE;
  }
  parts.push({ offset, requested: Math.max(MUSIC_MIN, whole - offset) });
  return parts;
}

/** The node id of part `k` (0-based) of a cue. */
export function musicNodeId(cueId: string, part: number): string {
  return part === 0 ? `music:${cueId}` : `music:${cueId}#${part + 1}`;
}

/**
 * Places everything. Every `auto` scene's speech must be known (the runner computes the
 * timeline once speech is done); throws a RangeError naming the scene otherwise.
 */
export function computeTimeline(production: Production, speech: SpeechDurations): Timeline {
  const fps = production.output.fps;
  const scenes: TimedScene[] = [];
  let start = 0;
  production.scenes.forEach((scene, index) => {
    const duration = sceneDuration(scene, fps, speech);
    if (duration === undefined) throw new RangeError(`the length of scene ${scene.id} depends on its narration, which is not rendered yet`);
    const last = index === production.scenes.length - 1;
    const transition = last ? 0 : scene.transition.duration;
    scenes.push({ id: scene.id, index, start, duration, transition });
    start += duration - transition;
  });
  const lastScene = scenes[scenes.length - 1]!;
  const length = lastScene.start + lastScene.duration;
  const narration: TimedNarration[] = [];
  for (const scene of production.scenes) {
    const spoken = speech.get(scene.id);
    if (scene.narration && spoken !== undefined) narration.push({ sceneId: scene.id, start: scenes[scene.index]!.start + scene.narration.at, duration: spoken });
  }
  const cues = production.score.map((cue): TimedCue => {
    const from = scenes.find((s) => s.id === cue.from)!;
    const to = scenes.find((s) => s.id === cue.to)!;
    const cueStart = from.start;
    const cueLength = to.start + to.duration - cueStart;
    const parts = musicParts(cueRequestSeconds(production, cue, speech) ?? cueLength)
      .map((part, k, all) => {
        const partStart = cueStart + part.offset;
        const next = all[k + 1];
        const end = next ? cueStart + next.offset + MUSIC_CROSSFADE : cueStart + cueLength;
        return { node: musicNodeId(cue.id, k), start: partStart, duration: Math.max(0, Math.min(end, cueStart + cueLength) - partStart), requested: part.requested };
      })
      .filter((p) => p.duration > 0);
    return { id: cue.id, start: cueStart, duration: cueLength, parts };
  });
  return { scenes, narration, cues, length };
}
