/**
 * Pure frame math of the cut: the plan's seconds on the film's frame grid, and the cut split into
 * pieces that are stream-copied from conformed clips and windows that are re-encoded (only
 * around real transitions, widened to whole GOPs so every copied piece starts on a keyframe).
 *
 *   clip i   |k====copy====k~~~~~~|            k = keyframe (every GOP frames from frame 0)
 *   clip i+1          |~~~~~~k====copy====k~~~|
 *   pieces   |   copy     | window |   copy   | window …
 *                         └ clip i from floorK(f_i − x_i) to f_i, xfade, clip i+1 from 0 to ceilK(x_i)
 *
 * When a clip is too short to keep anything between its two windows, the windows merge into
 * one that holds the whole clip (an xfade chain over three or more parts).
 */
import { gridFrame } from '../plan/timeline.js';
import type { StitchPlan } from './stitch-types.js';

/** A timeline error in the plan (transitions longer than their clips, nothing to cut). */
export class StitchPlanError extends Error {
  override readonly name = 'StitchPlanError';
  readonly reason = 'invalid-plan' as const;
}

/** One clip on the frame grid. */
export interface FrameClip {
  /** Index into plan.clips. */
  readonly index: number;
  /** Frames of the clip in the cut (f_i). */
  readonly frames: number;
  /** First frame of the clip in the film. */
  readonly startFrame: number;
  /** Frames of the transition into the next clip (x_i; 0 for a cut and for the last clip). */
  readonly transitionFrames: number;
  /** The transition's type (`cut` when transitionFrames is 0). */
  readonly transition: string;
}

/** The plan on the frame grid. */
export interface FrameTimeline {
  readonly fps: number;
  readonly clips: readonly FrameClip[];
  /** Frames of the whole film (Σ f − Σ x). */
  readonly frames: number;
}

/**
 * Pure: the plan on the frame grid of `plan.output.fps`. Each clip's first frame is its start
 * rounded to a frame and its last its end (start + duration), each point on its own, never its
 * length: a plan made from the timeline (src/plan/timeline.ts) is already on the grid, so this
 * reads its frames back exactly, and a plan in exact seconds lands on the same cumulative grid
 * without drifting by a frame per clip. The transition into the next clip is the frames the two
 * share (this clip's end − the next one's start).
 * @throws StitchPlanError when there is no clip, the first does not start at 0, a clip has no
 *   frame, clips leave a gap or overlap where the plan says they cut, an overlap differs from its
 *   transition's duration by a frame or more, or a clip is shorter than its two transitions.
 */
export function frameTimeline(plan: StitchPlan): FrameTimeline {
  const fps = plan.output.fps;
  if (plan.clips.length === 0) throw new StitchPlanError('the plan has no clip');
  const points = plan.clips.map((clip) => ({ start: gridFrame(clip.start, fps), end: gridFrame(clip.start + clip.duration, fps) }));
  if (points[0]!.start !== 0) throw new StitchPlanError(`clip ${plan.clips[0]!.id} starts at ${plan.clips[0]!.start} s, not at the start of the film`);
  const clips: FrameClip[] = plan.clips.map((clip, index) => {
    const { start, end } = points[index]!;
    const frames = end - start;
    if (frames < 1) throw new StitchPlanError(`clip ${clip.id} is shorter than one frame`);
    const next = points[index + 1];
    const transitionFrames = next ? overlapFrames(plan, index, end - next.start) : 0;
    return { index, frames, startFrame: start, transitionFrames, transition: transitionFrames > 0 ? clip.transition.type : 'cut' };
  });
  clips.forEach((clip, index) => {
    const incoming = clips[index - 1]?.transitionFrames ?? 0;
    if (incoming + clip.transitionFrames > clip.frames) {
      const id = plan.clips[index]!.id;
      throw new StitchPlanError(`clip ${id} (${clip.frames} frames) is shorter than its transitions (${incoming} + ${clip.transitionFrames} frames)`);
    }
  });
  const last = points[points.length - 1]!;
  return { fps, clips, frames: last.end };
}

/** Frames clip `index` shares with the next one, checked against its transition (a cut shares none). */
function overlapFrames(plan: StitchPlan, index: number, overlap: number): number {
  const clip = plan.clips[index]!;
  const next = plan.clips[index + 1]!;
  const cut = clip.transition.type === 'cut' || !(clip.transition.duration > 0);
  const wanted = cut ? 0 : clip.transition.duration * plan.output.fps;
  if (overlap < 0 || Math.abs(overlap - wanted) >= 1 || (cut && overlap !== 0)) {
    throw new StitchPlanError(
      `clip ${next.id} starts at ${next.start} s, but clip ${clip.id} ends at ${clip.start + clip.duration} s with a ${cut ? 'cut' : `${clip.transition.duration} s transition`}`,
    );
  }
  return overlap;
}

/** A range of one conformed clip, frames [from, to). */
export interface ClipRange {
  readonly clip: number;
  readonly from: number;
  readonly to: number;
}

/** A stream-copied range of a conformed clip. */
export interface CopyPiece extends ClipRange {
  readonly kind: 'copy';
}

/** A re-encoded window: its parts joined by xfade, `transitions[k]` between parts k and k+1. */
export interface WindowPiece {
  readonly kind: 'window';
  readonly parts: readonly ClipRange[];
  readonly transitions: readonly { readonly type: string; readonly frames: number }[];
}

export type Piece = CopyPiece | WindowPiece;

/** Pure: frames of a piece in the cut. */
export function pieceFrames(piece: Piece): number {
  if (piece.kind === 'copy') return piece.to - piece.from;
  const parts = piece.parts.reduce((sum, p) => sum + p.to - p.from, 0);
  return parts - piece.transitions.reduce((sum, t) => sum + t.frames, 0);
}

/**
 * Pure: the cut as pieces in film order (see the module comment). `gop` is the keyframe interval
 * of the conformed clips in frames. Σ pieceFrames = timeline.frames.
 */
export function planPieces(timeline: FrameTimeline, gop: number): Piece[] {
  const floorK = (n: number): number => Math.floor(n / gop) * gop;
  const ceilK = (n: number): number => Math.ceil(n / gop) * gop;
  const pieces: Piece[] = [];
  let open: { parts: ClipRange[]; transitions: { type: string; frames: number }[] } | undefined;
  const clips = timeline.clips;
  clips.forEach((clip, i) => {
    const incoming = i > 0 ? clips[i - 1] : undefined;
    const inFrames = incoming?.transitionFrames ?? 0;
    const s = inFrames > 0 ? Math.min(clip.frames, ceilK(inFrames)) : 0;
    const e = clip.transitionFrames > 0 ? floorK(clip.frames - clip.transitionFrames) : clip.frames;
    if (open && incoming) {
      open.transitions.push({ type: incoming.transition, frames: inFrames });
      if (s > e) {
        // s > e only happens when the clip also transitions out: the window stays open.
        open.parts.push({ clip: clip.index, from: 0, to: clip.frames });
        return;
      }
      open.parts.push({ clip: clip.index, from: 0, to: s });
      pieces.push({ kind: 'window', ...open });
      open = undefined;
    }
    if (e > s) pieces.push({ kind: 'copy', clip: clip.index, from: s, to: e });
    if (clip.transitionFrames > 0) open = { parts: [{ clip: clip.index, from: e, to: clip.frames }], transitions: [] };
  });
  if (open) pieces.push({ kind: 'window', ...open });
  return pieces;
}
