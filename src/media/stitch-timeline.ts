/**
 * Pure frame math of the cut: the plan's seconds quantized to frames, and the cut split into
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
 * Pure: quantizes the plan to whole frames of `plan.output.fps`.
 * @throws StitchPlanError when there is no clip, a clip has no frame, or a clip is shorter than
 *   the transitions into and out of it together.
 */
export function frameTimeline(plan: StitchPlan): FrameTimeline {
  const fps = plan.output.fps;
  if (plan.clips.length === 0) throw new StitchPlanError('the plan has no clip');
  const clips: FrameClip[] = [];
  let startFrame = 0;
  plan.clips.forEach((clip, index) => {
    const frames = Math.round(clip.duration * fps);
    const last = index === plan.clips.length - 1;
    const cut = last || clip.transition.type === 'cut' || !(clip.transition.duration > 0);
    const transitionFrames = cut ? 0 : Math.round(clip.transition.duration * fps);
    if (frames < 1) throw new StitchPlanError(`clip ${clip.id} is shorter than one frame`);
    const incoming = clips.at(-1)?.transitionFrames ?? 0;
    if (incoming + transitionFrames > frames) {
      throw new StitchPlanError(`clip ${clip.id} (${frames} frames) is shorter than its transitions (${incoming} + ${transitionFrames} frames)`);
    }
    clips.push({ index, frames, startFrame, transitionFrames, transition: transitionFrames > 0 ? clip.transition.type : 'cut' });
    startFrame += frames - transitionFrames;
  });
  return { fps, clips, frames: startFrame };
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
