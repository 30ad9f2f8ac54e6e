/**
 * The real media engines for `serve` and for `run`'s embedded MercaDream Local. The command
 * locates ffmpeg once (locateEnginesFfmpeg, before the server starts, so a missing ffmpeg is one
 * clear message rather than failed jobs later) and hands the binaries to loadDefaultEngines.
 */
import { FfmpegNotFoundError, locateFfmpeg, type FfmpegBinaries, type LocateEnv } from '../media/ffmpeg.js';
import { createEngines } from './engines/index.js';
import type { EngineQuality, Engines } from './engines/types.js';

/** The engines cannot run here (no ffmpeg found, or FFMPEG_PATH/FFPROBE_PATH names nothing usable). */
export class EnginesUnavailableError extends Error {
  readonly type = 'engines_unavailable';
}

/**
 * locateFfmpeg(env) for MercaDream Local: the same search, with a failure told as what Local needs.
 * @param env the variables to read (FFMPEG_PATH, FFPROBE_PATH, PATH), usually `process.env`
 * @returns the binaries to pass to loadDefaultEngines (and anything else that runs ffmpeg)
 * @throws EnginesUnavailableError (cause: the FfmpegNotFoundError or FfmpegSettingError)
 */
export async function locateEnginesFfmpeg(env: LocateEnv): Promise<FfmpegBinaries> {
  try {
    return await locateFfmpeg(env);
  } catch (error: unknown) {
    if (!(error instanceof FfmpegNotFoundError)) throw error;
    throw new EnginesUnavailableError(
      `MercaDream Local needs ffmpeg: ${error.message}${error.name === 'FfmpegSettingError' ? '' : ' (install it, e.g. apt-get install ffmpeg, or set FFMPEG_PATH)'}`,
      { cause: error },
    );
  }
}

/**
 * The procedural engines of src/local/engines, running the given ffmpeg and ffprobe.
 * `quality` is applied per render by the server; it is accepted here so callers can pass what
 * they configured.
 * @param binaries what the command's one locateFfmpeg / locateEnginesFfmpeg found
 */
export async function loadDefaultEngines(_quality: EngineQuality | undefined, binaries: FfmpegBinaries): Promise<Engines> {
  return createEngines(binaries);
}
