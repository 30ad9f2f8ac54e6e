/**
 * MercaDream Local's media engines: procedural, deterministic renders built on ffmpeg.
 * The server calls them through the `Engines` contract in types.ts.
 */
import type { FfmpegBinaries } from '../../media/ffmpeg.js';
import { renderMusic } from './music.js';
import { renderSpeech, speechBackend, type SpeechBackend } from './speech.js';
import type { Engines } from './types.js';
import { renderThumbnail, renderVideo } from './video.js';

/**
 * Version of the engines' output. Bump it whenever the bytes for the same request would
 * change (a new look, a different voice mapping, other encoder settings): it enters the
 * runner's fingerprints, so cached assets from an older engine are not reused.
 * 3: clips drawn with the BT.709 matrix and tagged BT.709 limited range (house-format.ts).
 */
export const ENGINES_VERSION = 'local-engines/3';

/**
 * The engines, running the ffmpeg and ffprobe of `binaries` (what the caller's locateFfmpeg
 * found; nothing is looked up here). The speech backend is checked on the first speech render
 * and kept by this engines object (a failed check is retried on the next render).
 */
export function createEngines(binaries: FfmpegBinaries): Engines {
  let backend: Promise<SpeechBackend> | undefined;
  const speech = (): Promise<SpeechBackend> => {
    if (!backend) {
      const checking = speechBackend(binaries);
      backend = checking;
      checking.catch(() => {
        if (backend === checking) backend = undefined;
      });
    }
    return backend;
  };
  return {
    version: ENGINES_VERSION,
    renderVideo: (request, outFile, options) => renderVideo(binaries, request, outFile, options),
    renderThumbnail: (videoFile, outFile, options) => renderThumbnail(binaries, videoFile, outFile, options),
    renderSpeech: async (request, outFile, options) => renderSpeech(binaries, await speech(), request, outFile, options),
    renderMusic: (request, outFile, options) => renderMusic(binaries, request, outFile, options),
  };
}

export type { Engines, EngineQuality, MusicRequest, RenderOptions, RenderResult, SpeechRequest, VideoRequest } from './types.js';
export { speechBackend, type SpeechBackend, SpeechUnavailableError } from './speech.js';
export { analyzeVisual, type VisualAnalysis } from './prompt.js';
export { analyzeMusic, type MusicPlan } from './music-plan.js';
