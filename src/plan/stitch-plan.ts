/**
 * The stitch's inputs in film time: where every clip, narration and score-cue part sits in the
 * final cut, from the timeline and the files of the assets. Pure: paths in, a plan out.
 */
import { buildCaptionTrack } from '../captions/track.js';
import type { SpeechTiming } from '../captions/timing.js';
import type { StitchPlan } from '../media/stitch-types.js';
import type { Production, Rendition, Scene } from '../manifest/production.js';
import type { ProductionDag } from './dag.js';
import { MUSIC_CROSSFADE, type Timeline } from './timeline.js';

/**
 * @param dag the planned production
 * @param timeline its timeline, once every speech duration is known
 * @param assetPath the file of a generated node's asset (`clip:<scene>`, `speech:<scene>`, `music:<cue>#k`)
 * @param speech what is known of each narration's audio, by scene id (its pauses; word timestamps), for the captions
 * @param rendition the file to render (default: the first); every rendition's plan has the same timeline and sound
 */
export function buildStitchPlan(
  dag: ProductionDag,
  timeline: Timeline,
  assetPath: (nodeId: string) => string,
  speech: ReadonlyMap<string, SpeechTiming> = new Map(),
  rendition: Rendition = dag.production.renditions[0]!,
): StitchPlan {
  const { production } = dag;
  const sceneById = new Map(production.scenes.map((s) => [s.id, s]));
  return {
    output: renditionOutput(production, rendition),
    length: timeline.length,
    captions: buildCaptionTrack(
      timeline.narration.map((n) => {
        const timing = speech.get(n.sceneId);
        return { sceneId: n.sceneId, text: sceneById.get(n.sceneId)!.narration!.text, start: n.start, duration: n.duration, ...(timing ? { timing } : {}) };
      }),
      rendition.captions,
      production.output.fps,
    ),
    clips: timeline.scenes.map((t) => {
      const scene = production.scenes[t.index]!;
      const file = scene.kind === 'footage' ? scene.source : assetPath(`clip:${scene.id}`);
      return {
        id: scene.id,
        file,
        inPoint: 0,
        duration: t.duration,
        start: t.start,
        transition: t.transition > 0 ? { type: scene.transition.type, duration: t.transition } : { type: 'cut', duration: 0 },
        ...clipReframe(scene, rendition),
      };
    }),
    narration: timeline.narration.map((n) => ({
      id: n.sceneId,
      file: assetPath(`speech:${n.sceneId}`),
      start: n.start,
      duration: n.duration,
      text: sceneById.get(n.sceneId)!.narration!.text,
    })),
    cues: timeline.cues.flatMap((cue) => {
      const spec = production.score.find((c) => c.id === cue.id)!;
      return cue.parts.map((part, k) => ({
        id: part.node,
        file: assetPath(part.node),
        start: part.start,
        duration: part.duration,
        inPoint: 0,
        gain: spec.gain,
        duck: spec.duck,
        // Parts of a cue longer than the API's longest music are joined by a crossfade.
        fadeIn: k === 0 ? spec.fadeIn : MUSIC_CROSSFADE,
        fadeOut: k === cue.parts.length - 1 ? spec.fadeOut : MUSIC_CROSSFADE,
      }));
    }),
  };
}

/** The stitch output of one rendition: its file, frame, subtitles and captions; fps and loudness are the film's. */
function renditionOutput(production: Production, rendition: Rendition): StitchPlan['output'] {
  return {
    path: rendition.path,
    width: rendition.width,
    height: rendition.height,
    fps: production.output.fps,
    loudness: production.output.loudness,
    subtitles: rendition.subtitles,
    captions: rendition.captions,
    title: production.title,
    ...(rendition.captionSafeBottom > 0 ? { captionSafeBottom: rendition.captionSafeBottom } : {}),
  };
}

/**
 * A clip's reframe: the scene's own, else the rendition's. The single `output:` of a manifest
 * without `outputs:` says nothing unless the scene does (its plans, and so its cuts' input
 * hashes, stay as they were before renditions); focus only where the scene is cropped.
 */
function clipReframe(scene: Scene, rendition: Rendition): { reframe?: { mode: Rendition['reframe']; focus?: number } } {
  if (scene.reframe === undefined && rendition.pointer === '/output') return {};
  const mode = scene.reframe ?? rendition.reframe;
  return { reframe: { mode, ...(mode === 'crop' && scene.focus !== undefined ? { focus: scene.focus } : {}) } };
}
