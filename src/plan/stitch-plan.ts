/**
 * The stitch's inputs in film time: where every clip, narration and score-cue part sits in the
 * final cut, from the timeline and the files of the assets. Pure: paths in, a plan out.
 */
import { buildCaptionTrack } from '../captions/track.js';
import type { SpeechTiming } from '../captions/timing.js';
import type { StitchPlan } from '../media/stitch-types.js';
import { FRAME_SIZE } from '../vocabulary/catalog.js';
import type { ProductionDag } from './dag.js';
import { MUSIC_CROSSFADE, type Timeline } from './timeline.js';

/**
 * @param dag the planned production
 * @param timeline its timeline, once every speech duration is known
 * @param assetPath the file of a generated node's asset (`clip:<scene>`, `speech:<scene>`, `music:<cue>#k`)
 * @param speech what is known of each narration's audio, by scene id (its pauses; word timestamps), for the captions
 */
export function buildStitchPlan(dag: ProductionDag, timeline: Timeline, assetPath: (nodeId: string) => string, speech: ReadonlyMap<string, SpeechTiming> = new Map()): StitchPlan {
  const { production } = dag;
  const { width, height } = FRAME_SIZE[production.output.resolution];
  const sceneById = new Map(production.scenes.map((s) => [s.id, s]));
  return {
    output: {
      path: production.output.path,
      width,
      height,
      fps: production.output.fps,
      loudness: production.output.loudness,
      subtitles: production.output.subtitles,
      captions: production.output.captions,
      title: production.title,
    },
    length: timeline.length,
    captions: buildCaptionTrack(
      timeline.narration.map((n) => {
        const timing = speech.get(n.sceneId);
        return { sceneId: n.sceneId, text: sceneById.get(n.sceneId)!.narration!.text, start: n.start, duration: n.duration, ...(timing ? { timing } : {}) };
      }),
      production.output.captions,
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
