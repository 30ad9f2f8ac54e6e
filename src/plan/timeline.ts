/**
 * Timeline math: where every scene, narration and score cue sits in the final cut.
 *
 *   scene 0  |=========d0=========|
 *   scene 1                  |==t0==|=======d1=======|        T1 = T0 + d0 − t0
 *   scene 2                                     |==t1==|====d2====|
 *   film     0 ──────────────────────────────────────────────────▶ L = T_n + d_n = Σd − Σt
 *
 * Transitions overlap the scenes they join, so changing one moves later scenes but changes no
 * scene's own length: no clip has to be generated again, only the stitch reruns.
 *
 * One cumulative frame grid. T_k above is exact (seconds); the cut is made of whole frames, so
 * every boundary is the exact time rounded to its nearest frame, each on its own:
 *
 *   exact    T_k ─────────── T_k + d_k        T_k + at (narration)
 *   grid     S_k = round(T_k·fps)   E_k = round((T_k + d_k)·fps)   N_k = round((T_k + at)·fps)
 *   scene k  frames E_k − S_k;  transition into k+1: E_k − S_{k+1} frames;  film: E_n frames
 *
 * Rounding each point, never each length, is what keeps a boundary within half a frame of its
 * exact time however many scenes come before it: 30 scenes of 1.01 s at 24 fps (24.24 frames
 * each) are 727 frames, not 30 × 24 = 720 with the last narration 7 frames late. A scene's
 * frames are ⌊d_k·fps⌋ or ⌈d_k·fps⌉ (so never more than its clip holds), and a scene still holds
 * its two transitions (E_k − S_k ≥ (E_{k−1} − S_k) + (E_k − S_{k+1}), as round is monotone).
 * Every time this module returns in seconds is frames / fps.
 * Pure: numbers in, numbers out (seconds and frames).
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

/** A scene placed in the cut, on the frame grid. */
export interface TimedScene {
  readonly id: string;
  readonly index: number;
  /** Film time where the scene starts, seconds (startFrame / fps). */
  readonly start: number;
  /** Length in the cut, seconds (frames / fps). */
  readonly duration: number;
  /** Overlap with the next scene, seconds (transitionFrames / fps; 0 for a cut and for the last scene). */
  readonly transition: number;
  /** First frame of the scene in the film: round(T_k × fps), T_k its exact start in seconds. */
  readonly startFrame: number;
  /** Frames of the scene in the cut, its transitions included. */
  readonly frames: number;
  /** Frames it shares with the next scene (0 for a cut and for the last scene). */
  readonly transitionFrames: number;
}

/** A narration placed in the cut. */
export interface TimedNarration {
  readonly sceneId: string;
  /** Film time where its speech asset starts, seconds, on a frame (startFrame / fps). */
  readonly start: number;
  /** Length of the speech asset, seconds (not rounded: the sound is placed by the sample). */
  readonly duration: number;
  /** The frame it starts on: round((T_k + at) × fps). */
  readonly startFrame: number;
}

/** One rendered part of a cue (a cue over 300 s has several). */
export interface CuePart {
  /** Plan node id (`music:<cue>` or `music:<cue>#2`). */
  readonly node: string;
  /** Film time where this part starts, seconds, on a frame. */
  readonly start: number;
  /** Length used in the cut, seconds, a whole number of frames. */
  readonly duration: number;
  /** Length requested from the API, seconds (15–300, whole). */
  readonly requested: number;
}

/** A cue placed in the cut: from the first frame of its first scene to the last frame of its last. */
export interface TimedCue {
  readonly id: string;
  /** Seconds, on a frame. */
  readonly start: number;
  /** Seconds, a whole number of frames. */
  readonly duration: number;
  readonly parts: readonly CuePart[];
}

/** The whole film in time. */
export interface Timeline {
  readonly scenes: readonly TimedScene[];
  readonly narration: readonly TimedNarration[];
  readonly cues: readonly TimedCue[];
  /** Film length, seconds (frames / fps). */
  readonly length: number;
  /** Film length in frames: the last scene's end on the grid. */
  readonly frames: number;
  /** Frames per second of the grid (the manifest's output.fps). */
  readonly fps: number;
}

/**
 * The grid point of an exact film time: the nearest frame, halves rounding up. The small nudge
 * keeps a sum of decimals that should land on a half (24 × 1.0625 = 25.5) from falling just
 * under it by a floating-point error.
 * @param seconds exact film time, seconds
 * @returns a frame number
 */
export function gridFrame(seconds: number, fps: number): number {
  return Math.round(seconds * fps + 1e-7);
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

/** Exact (unrounded) scene starts T_k and ends T_k + d_k, seconds, with each scene's transition. */
interface ExactScene {
  readonly scene: Scene;
  readonly start: number;
  readonly end: number;
}

/** The exact cumulative times of every scene; throws a RangeError for an `auto` scene whose speech is unknown. */
function exactScenes(production: Production, speech: SpeechDurations): ExactScene[] {
  const fps = production.output.fps;
  const out: ExactScene[] = [];
  let start = 0;
  production.scenes.forEach((scene, index) => {
    const duration = sceneDuration(scene, fps, speech);
    if (duration === undefined) throw new RangeError(`the length of scene ${scene.id} depends on its narration, which is not rendered yet`);
    const last = index === production.scenes.length - 1;
    out.push({ scene, start, end: start + duration });
    start += duration - (last ? 0 : scene.transition.duration);
  });
  return out;
}

/** The scenes on the grid: each boundary of `exact` rounded on its own (see the module comment). */
function gridScenes(exact: readonly ExactScene[], fps: number): TimedScene[] {
  return exact.map(({ scene, start, end }, index) => {
    const startFrame = gridFrame(start, fps);
    const endFrame = gridFrame(end, fps);
    const next = exact[index + 1];
    const transitionFrames = next ? Math.max(0, endFrame - gridFrame(next.start, fps)) : 0;
    const frames = endFrame - startFrame;
    return { id: scene.id, index, start: startFrame / fps, duration: frames / fps, transition: transitionFrames / fps, startFrame, frames, transitionFrames };
  });
}

/**
 * A cue from its first scene's first frame to its last scene's last, split into parts the API
 * can make. The grid never makes a cue need more music than was requested: its frames are
 * round(a + b) − round(a) ≤ ⌈b⌉ for b = Σd × fps, and ⌈Σd⌉ whole seconds were requested.
 */
function timedCue(production: Production, cue: Cue, scenes: readonly TimedScene[], speech: SpeechDurations): TimedCue {
  const fps = production.output.fps;
  const from = scenes.find((s) => s.id === cue.from)!;
  const to = scenes.find((s) => s.id === cue.to)!;
  const startFrame = from.startFrame;
  const endFrame = to.startFrame + to.frames;
  const cueLength = (endFrame - startFrame) / fps;
  const parts = musicParts(cueRequestSeconds(production, cue, speech) ?? cueLength)
    .map((part, k, all): CuePart => {
      const next = all[k + 1];
      const partStart = startFrame + gridFrame(part.offset, fps);
      const partEnd = Math.min(endFrame, next ? startFrame + gridFrame(next.offset + MUSIC_CROSSFADE, fps) : endFrame);
      return { node: musicNodeId(cue.id, k), start: partStart / fps, duration: Math.max(0, partEnd - partStart) / fps, requested: part.requested };
    })
    .filter((p) => p.duration > 0);
  return { id: cue.id, start: startFrame / fps, duration: cueLength, parts };
}

/**
 * Places everything on the film's frame grid (see the module comment): scenes, transitions,
 * narration starts (scene start + `at`), cues and their parts, and the film's length. Every
 * `auto` scene's speech must be known (the runner computes the timeline once speech is done);
 * throws a RangeError naming the scene otherwise.
 */
export function computeTimeline(production: Production, speech: SpeechDurations): Timeline {
  const fps = production.output.fps;
  const exact = exactScenes(production, speech);
  const scenes = gridScenes(exact, fps);
  const lastScene = scenes[scenes.length - 1]!;
  const frames = lastScene.startFrame + lastScene.frames;
  const narration: TimedNarration[] = [];
  for (const scene of production.scenes) {
    const spoken = speech.get(scene.id);
    if (!scene.narration || spoken === undefined) continue;
    const startFrame = gridFrame(exact[scene.index]!.start + scene.narration.at, fps);
    narration.push({ sceneId: scene.id, start: startFrame / fps, duration: spoken, startFrame });
  }
  const cues = production.score.map((cue) => timedCue(production, cue, scenes, speech));
  return { scenes, narration, cues, length: frames / fps, frames, fps };
}
