/**
 * The real media engines for `serve` and for `run`'s embedded MercaDream Local, checked before
 * the server starts so a missing ffmpeg is one clear message rather than failed jobs later.
 */
import { ffmpegBinaries } from '../media/ffmpeg.js';
import { createEngines } from './engines/index.js';
import type { EngineQuality, Engines } from './engines/types.js';

/** The engines cannot run here (no ffmpeg found). */
export class EnginesUnavailableError extends Error {
  readonly type = 'engines_unavailable';
}

/**
 * The procedural engines of src/local/engines. `quality` is applied per render by the server;
 * it is accepted here so callers can pass what they configured.
 * @throws EnginesUnavailableError when no ffmpeg binary can be found (FFMPEG_PATH, PATH, ffmpeg-static)
 */
export async function loadDefaultEngines(_quality?: EngineQuality): Promise<Engines> {
  try {
    await ffmpegBinaries();
  } catch (error: unknown) {
    throw new EnginesUnavailableError(
      `MercaDream Local needs ffmpeg: ${error instanceof Error ? error.message : String(error)} (install it, e.g. apt-get install ffmpeg, or set FFMPEG_PATH)`,
      { cause: error },
    );
  }
  return createEngines();
}
