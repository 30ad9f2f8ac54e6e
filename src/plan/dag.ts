/**
 * Production → DAG of nodes: `clip:<scene>` (POST /v2/generate), `speech:<scene>`
 * (POST /v2/speech), `music:<cue>` (POST /v2/music; `#2`, `#3` … for parts of a cue over
 * 300 s) and `stitch`. An `auto` scene's length comes from its speech, so its clip and every
 * cue spanning it wait on `speech:<scene>`: those nodes' requests are built only once the
 * speech durations are known.
 */
import { musicUnits, speechUnits, videoUnits } from '../vocabulary/cost.js';
import type { Production, Scene } from '../manifest/production.js';
import { fingerprintOf, type AssetRequest, type Fingerprint } from './fingerprint.js';
import { clipBucket, cueRequestSeconds, cueScenes, musicNodeId, musicParts, sceneDuration, type SpeechDurations } from './timeline.js';

export type NodeKind = 'clip' | 'speech' | 'music' | 'stitch';

/** A node of the production's DAG. */
export interface PlanNode {
  /** `clip:arrival`, `speech:arrival`, `music:pulse`, `music:pulse#2`, `stitch`. */
  readonly id: string;
  readonly kind: NodeKind;
  /** Nodes that must finish first. */
  readonly dependsOn: readonly string[];
  /** The scene or cue it belongs to. */
  readonly subject?: string;
  /**
   * The API request, once `speech` holds every duration it depends on; undefined before
   * (and always for `stitch`).
   */
  request(speech: SpeechDurations): AssetRequest | undefined;
}

/** The planned production. */
export interface ProductionDag {
  readonly production: Production;
  /** In a valid execution order (dependencies first). */
  readonly nodes: readonly PlanNode[];
  /** Identity of the API that makes the assets (enters fingerprints). */
  readonly api: string;
}

/** Builds the DAG. Pure. */
export function planProduction(production: Production, api: string): ProductionDag {
  const { resolution, fps } = production.output;
  const nodes: PlanNode[] = [];
  const speechOf = (scene: Scene) => (scene.duration === 'auto' && scene.narration ? [`speech:${scene.id}`] : []);

  for (const scene of production.scenes) {
    const narration = scene.narration;
    if (!narration) continue;
    nodes.push({
      id: `speech:${scene.id}`,
      kind: 'speech',
      dependsOn: [],
      subject: scene.id,
      request: () => ({ endpoint: 'speech', params: { text: narration.text, voice_id: narration.voice, speed: narration.speed, format: 'wav' } }),
    });
  }
  for (const scene of production.scenes) {
    if (scene.kind !== 'generated') continue;
    nodes.push({
      id: `clip:${scene.id}`,
      kind: 'clip',
      // A narrated scene's clip waits for its speech: an `auto` scene takes its length from it,
      // and a narration that does not fit its scene should fail the run before the clip is paid for.
      dependsOn: scene.narration ? [`speech:${scene.id}`] : [],
      subject: scene.id,
      request: (speech) => {
        const seconds = sceneDuration(scene, fps, speech);
        const bucket = seconds === undefined ? undefined : clipBucket(seconds);
        if (bucket === undefined) return undefined;
        return { endpoint: 'generate', params: { prompt: scene.prompt, resolution, duration: bucket, style: scene.style, fps } };
      },
    });
  }
  for (const cue of production.score) {
    const waits = cueScenes(production, cue).flatMap(speechOf);
    // The number of parts is known once the span is; plan the first part, and more for spans
    // that are over 300 s by their fixed scenes alone.
    const fixed = cueRequestSeconds(production, cue, new Map()) ?? 0;
    const count = musicParts(fixed).length;
    for (let k = 0; k < count; k++) {
      nodes.push({
        id: musicNodeId(cue.id, k),
        kind: 'music',
        dependsOn: waits,
        subject: cue.id,
        request: (speech) => {
          const seconds = cueRequestSeconds(production, cue, speech);
          if (seconds === undefined) return undefined;
          const part = musicParts(seconds)[k];
          if (!part) return undefined;
          return { endpoint: 'music', params: { prompt: cue.prompt, duration: part.requested, format: 'wav', ...(cue.bpm === undefined ? {} : { bpm: cue.bpm }) } };
        },
      });
    }
  }
  nodes.push({ id: 'stitch', kind: 'stitch', dependsOn: nodes.map((n) => n.id), request: () => undefined });
  return { production, nodes, api };
}

/** The fingerprint of a node once its request is known. */
export function nodeFingerprint(plan: ProductionDag, node: PlanNode, speech: SpeechDurations): Fingerprint | undefined {
  const request = node.request(speech);
  return request ? fingerprintOf(request, plan.api) : undefined;
}

/** Compute units of one request (see src/api/cost.ts). */
export function requestUnits(request: AssetRequest): number {
  const p = request.params;
  switch (request.endpoint) {
    case 'generate':
      return videoUnits(Number(p['duration']), p['resolution'] as Production['output']['resolution'], Number(p['fps']));
    case 'speech':
      return speechUnits(String(p['text']));
    case 'music':
      return musicUnits(Number(p['duration']));
  }
}

/** Words per second of a narrator at speed 1.0, to estimate unknown speech before it exists. */
export const ESTIMATED_WORDS_PER_SECOND = 2.5;

/**
 * Speech durations to use before speech exists: each narration's words at
 * ESTIMATED_WORDS_PER_SECOND × speed (for cost estimates of `auto` scenes only).
 */
export function estimatedSpeech(production: Production): Map<string, number> {
  const out = new Map<string, number>();
  for (const scene of production.scenes) {
    if (!scene.narration) continue;
    const words = scene.narration.text.split(/\s+/).filter(Boolean).length;
    out.set(scene.id, Math.max(1, words / (ESTIMATED_WORDS_PER_SECOND * scene.narration.speed)));
  }
  return out;
}
