/**
 * MercaDream Local's media engines: procedural, deterministic renders built on ffmpeg.
 * The server calls them through the `Engines` contract in types.ts.
 */
import { renderMusic } from './music.js';
import { renderSpeech } from './speech.js';
import type { Engines } from './types.js';
import { renderThumbnail, renderVideo } from './video.js';

/**
 * Version of the engines' output. Bump it whenever the bytes for the same request would
 * change (a new look, a different voice mapping, other encoder settings): it enters the
 * runner's fingerprints, so cached assets from an older engine are not reused.
 */
export const ENGINES_VERSION = 'local-engines/1';

/** The engines, ready to use (ffmpeg is located on first use). */
export function createEngines(): Engines {
  return {
    version: ENGINES_VERSION,
    renderVideo,
    renderThumbnail,
    renderSpeech,
    renderMusic,
  };
}

export type { Engines, EngineQuality, MusicRequest, RenderOptions, RenderResult, SpeechRequest, VideoRequest } from './types.js';
export { speechBackend, type SpeechBackend, SpeechUnavailableError } from './speech.js';
export { analyzeVisual, type VisualAnalysis } from './prompt.js';
export { analyzeMusic, type MusicPlan } from './music-plan.js';
