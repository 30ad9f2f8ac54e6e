/**
 * Checks that need the speech: a narration must fit its scene and end before the next one
 * starts. They run once speech durations are known and point at the manifest like the
 * manifest's own rules ("narration of scene `market` is 12.4 s but the scene is 10 s").
 */
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production } from '../manifest/production.js';
import { clipBucket, sceneDuration, type SpeechDurations } from './timeline.js';

const fmt = (s: number) => `${Math.round(s * 10) / 10} s`;

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
      out.push(production.source.diagnostic(narration.pointer, 'narration-fits-api', `the narration of scene \`${scene.id}\` is ${fmt(spoken)}, which makes the scene ${fmt(length)}: longer than the 120 s clip MercaDream makes`, {
        hint: 'split the narration over two scenes',
      }));
    }
    if (scene.duration !== 'auto' && narration.at + spoken > scene.duration + 1e-6) {
      out.push(production.source.diagnostic(narration.pointer, 'narration-fits-scene', `the narration of scene \`${scene.id}\` is ${fmt(spoken)} (from ${fmt(narration.at)}), but the scene is ${fmt(scene.duration)}`, {
        hint: 'shorten the text, raise its speed, lengthen the scene, or use `duration: auto`',
      }));
    }
  }
  return out;
}
