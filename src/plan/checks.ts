/**
 * Checks that need the speech: a narration must fit its scene and end before the next one
 * starts. They run once speech durations are known and point at the manifest like the
 * manifest's own rules ("narration of scene `market` is 12.4 s but the scene is 10 s").
 */
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production } from '../manifest/production.js';
import { MAX_CLIP_SECONDS } from '../vocabulary/catalog.js';
import { clipBucket, sceneDuration, type SpeechDurations, type Timeline } from './timeline.js';

const fmt = (s: number) => `${Math.round(s * 100) / 100} s`;

/** Problems with narration placement, given the speech lengths known so far. */
export function checkNarration(production: Production, speech: SpeechDurations): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fps = production.output.fps;
  const narrated = production.scenes.filter((s) => s.narration && speech.has(s.id));
  for (const scene of narrated) {
    const narration = scene.narration!;
    const spoken = speech.get(scene.id)!;
    const length = sceneDuration(scene, fps, speech)!;
    if (scene.duration === 'auto' && clipBucket(length) === undefined) {
      out.push(
        production.source.diagnostic(
          narration.pointer,
          'narration-fits-api',
          `the narration of scene \`${scene.id}\` is ${fmt(spoken)}, which makes the scene ${fmt(length)}: longer than the ${MAX_CLIP_SECONDS} s clip MercaDream makes`,
          {
            hint: 'split the narration over two scenes',
          },
        ),
      );
    }
    if (scene.duration !== 'auto' && narration.at + spoken > scene.duration + 1e-6) {
      out.push(
        production.source.diagnostic(
          narration.pointer,
          'narration-fits-scene',
          `the narration of scene \`${scene.id}\` is ${fmt(spoken)} (from ${fmt(narration.at)}), but the scene is ${fmt(scene.duration)}`,
          {
            hint: 'shorten the text, raise its speed, lengthen the scene, or use `duration: auto`',
          },
        ),
      );
    }
  }
  return out;
}

/**
 * A narration must end before the next one starts (design.md, timeline math). Needs the whole
 * timeline, so it runs once every speech is known. Each start sits on the frame grid, within
 * half a frame of its exact time (timeline.ts), so two narrations that just touch in exact time
 * may overlap by up to one frame on the grid: that much is not an overlap of the manifest's.
 */
export function checkNarrationOverlap(production: Production, timeline: Timeline): Diagnostic[] {
  const out: Diagnostic[] = [];
  const placed = [...timeline.narration].sort((a, b) => a.start - b.start);
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1]!;
    const next = placed[i]!;
    const end = prev.start + prev.duration;
    if (end > next.start + 1 / timeline.fps + 1e-6) {
      const scene = production.scenes.find((s) => s.id === next.sceneId)!;
      out.push(
        production.source.diagnostic(
          scene.narration!.pointer,
          'narration-overlap',
          `the narration of scene \`${next.sceneId}\` starts at ${fmt(next.start)} in the film, before the narration of \`${prev.sceneId}\` ends at ${fmt(end)}`,
          {
            hint: `start it later (narration.at), or give the scenes more time`,
          },
        ),
      );
    }
  }
  return out;
}
