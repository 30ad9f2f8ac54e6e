/**
 * Scenes whose clip or footage is shorter than the scene (by a frame or more): never silent. Each
 * is a warning at the scene (at its `source:` for footage) naming the seconds needed and delivered
 * and what the stitch does about it, as the scene's `short_media` says; with `short_media: error`
 * it is an error and the run fails (exit 2). Computed once every source's length is known (the
 * asset record's duration for a generated clip, ffprobe's for footage), before the stitch.
 */
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production, Scene } from '../manifest/production.js';
import { SLOW_LIMIT, shortMediaFit, shortfall, type ShortMediaFit } from '../media/short-media.js';
import type { StitchPlan } from '../media/stitch-types.js';
import type { Timeline } from '../plan/timeline.js';

/** What the short scenes of a production come to. */
export interface ShortMediaOutcome {
  /** One per short scene whose policy is hold, loop or slow. */
  readonly warnings: readonly Diagnostic[];
  /** One per short scene whose policy is `error`: the run fails with these. */
  readonly errors: readonly Diagnostic[];
  /** The treatment the stitch gives each short scene that is not simply held, by scene id. */
  readonly treatments: ReadonlyMap<string, 'loop' | 'slow'>;
}

/**
 * Pure: the short scenes of the timeline.
 * @param lengths seconds each scene's source lasts (from its start), by scene id; a scene left out is not judged
 */
export function shortMediaOutcome(production: Production, timeline: Timeline, lengths: ReadonlyMap<string, number>): ShortMediaOutcome {
  const fps = production.output.fps;
  const warnings: Diagnostic[] = [];
  const errors: Diagnostic[] = [];
  const treatments = new Map<string, 'loop' | 'slow'>();
  for (const placed of timeline.scenes) {
    const scene = production.scenes[placed.index];
    const have = lengths.get(placed.id);
    // The stitch takes whole frames: what the scene needs is its length on the frame grid.
    const need = Math.round(placed.duration * fps) / fps;
    if (!scene || have === undefined || shortfall(need, have, fps) === 0) continue;
    if (scene.shortMedia === 'error') {
      errors.push(shortMediaError(production, scene, need, have));
      continue;
    }
    const fit = shortMediaFit(scene.shortMedia, need, have, fps);
    warnings.push(shortMediaWarning(production, scene, need, have, fit));
    if (scene.shortMedia !== 'hold') treatments.set(scene.id, scene.shortMedia);
  }
  return { warnings, errors, treatments };
}

/**
 * Pure: a footage scene with `short_media: error` and a length in seconds whose footage is short,
 * known before anything is spent (an `auto` scene's length waits for its narration).
 * @param have seconds the footage lasts (ffprobe)
 */
export function shortFootageError(production: Production, scene: Scene, have: number): Diagnostic | undefined {
  if (scene.kind !== 'footage' || scene.shortMedia !== 'error' || typeof scene.duration !== 'number') return undefined;
  const fps = production.output.fps;
  const need = Math.round(scene.duration * fps) / fps;
  return shortfall(need, have, fps) > 0 ? shortMediaError(production, scene, need, have) : undefined;
}

/** Pure: the plan with each short scene's treatment on its clip (held scenes keep none: holding is the default). */
export function withShortMedia(plan: StitchPlan, treatments: ReadonlyMap<string, 'loop' | 'slow'>): StitchPlan {
  if (treatments.size === 0) return plan;
  return {
    ...plan,
    clips: plan.clips.map((clip) => {
      const shortMedia = treatments.get(clip.id);
      return shortMedia ? { ...clip, shortMedia } : clip;
    }),
  };
}

/** `scene \`x\` needs 3 s of its footage, but harbor.mp4 lasts 1 s (2 s short)`. */
function shortness(production: Production, scene: Scene, need: number, have: number): string {
  const source = scene.kind === 'footage' ? `its footage ${relativeName(production, scene.source)} lasts` : 'the clip MercaDream delivered lasts';
  return `scene \`${scene.id}\` needs ${seconds(need)} s, but ${source} ${seconds(have)} s (${seconds(need - have)} s short)`;
}

function shortMediaError(production: Production, scene: Scene, need: number, have: number): Diagnostic {
  return production.source.diagnostic(pointerOf(scene), 'short-media', `${shortness(production, scene, need, have)}, and its short_media is error`, {
    hint: 'lengthen the footage or shorten the scene; or set short_media to hold, loop or slow',
  });
}

function shortMediaWarning(production: Production, scene: Scene, need: number, have: number, fit: ShortMediaFit): Diagnostic {
  return production.source.diagnostic(pointerOf(scene), 'short-media', `${shortness(production, scene, need, have)}: ${whatWasDone(fit)} (short_media: ${scene.shortMedia})`, {
    severity: 'warning',
    hint: 'choose what a short scene does with `short_media` (hold, loop, slow or error) on the scene or in `defaults`',
  });
}

/** What the stitch did, in words. */
function whatWasDone(fit: ShortMediaFit): string {
  switch (fit.kind) {
    case 'enough':
      return 'nothing to do';
    case 'hold':
      return `its last frame is held for the last ${seconds(fit.held)} s`;
    case 'loop':
      return `it is looped, played ${fit.plays} times from its start`;
    case 'slow':
      return fit.held > 0
        ? `it is slowed ${SLOW_LIMIT}× (the most slow does) and its last frame held for the last ${seconds(fit.held)} s`
        : `it is slowed ${seconds(fit.factor)}× to fit`;
    default:
      return unreachable(fit);
  }
}

/** Where a short scene's diagnostic points: its `source:` for footage, the scene for a generated clip. */
function pointerOf(scene: Scene): string {
  return scene.kind === 'footage' ? `${scene.pointer}/source` : scene.pointer;
}

/** The footage's path relative to the manifest's folder, as the manifest writes it. */
function relativeName(production: Production, path: string): string {
  const base = production.baseDir.endsWith('/') ? production.baseDir : `${production.baseDir}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
}

/** Seconds to at most 3 decimals: `14.6`, `2`. */
function seconds(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function unreachable(value: never): never {
  throw new Error(`unexpected fit ${JSON.stringify(value)}`);
}
