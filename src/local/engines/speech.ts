/**
 * The speech engine: text → mp3 | wav | flac with ffmpeg's flite filter, or with the
 * `espeak-ng` program when the ffmpeg build has no libflite.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { capabilities, type FfmpegBinaries } from '../../media/ffmpeg.js';
import { FfmpegError, runFfmpeg } from '../../media/process.js';
import { probe } from '../../media/probe.js';
import { withTempDir, writeAtomically } from './files.js';
import { buildEspeakArgs, buildEspeakEncodeArgs, buildFliteSpeechArgs, speakableText } from './speech-args.js';
import type { RenderOptions, RenderResult, SpeechRequest } from './types.js';

/** Which text-to-speech backend renders speech: `none` when neither is available. */
export type SpeechBackend = 'flite' | 'espeak-ng' | 'none';

/** Thrown when no speech backend exists on this machine. */
export class SpeechUnavailableError extends Error {
  override readonly name = 'SpeechUnavailableError';
  readonly reason = 'speech-unavailable' as const;
  constructor() {
    super('No speech backend: the ffmpeg build lacks libflite and espeak-ng is not installed.');
  }
}

async function espeakAvailable(): Promise<boolean> {
  const result = await execa('espeak-ng', ['--version'], { reject: false, stdin: 'ignore' });
  return !result.failed;
}

/**
 * The backend speech renders with the ffmpeg of `binaries`: flite inside ffmpeg when the build
 * has libflite, else the espeak-ng program, else `none`. Checks afresh on every call (up to
 * four short process runs): createEngines keeps the answer per engines object; `doctor` asks once.
 * @throws execa's error when ffmpeg does not run.
 */
export async function speechBackend(binaries: Pick<FfmpegBinaries, 'ffmpeg'>): Promise<SpeechBackend> {
  if ((await capabilities(binaries)).libflite) return 'flite';
  return (await espeakAvailable()) ? 'espeak-ng' : 'none';
}

/** Rough seconds of speech for progress reporting (about 15 characters a second at speed 1). */
export function estimateSpeechSeconds(text: string, speed: number): number {
  return Math.max(0.5, text.length / 15 / speed);
}

/**
 * Renders `request` to `outFile` (mono, 48 kHz, in request.format), atomically, with the ffmpeg
 * and ffprobe of `binaries`.
 * @param backend what speechBackend(binaries) said (the caller keeps it between renders)
 * @returns the duration in seconds, as probed from the written file.
 * @throws SpeechUnavailableError (backend `none`), FfmpegError (reason `aborted` when options.signal fired), ProbeError.
 */
export async function renderSpeech(binaries: FfmpegBinaries, backend: SpeechBackend, request: SpeechRequest, outFile: string, options: RenderOptions): Promise<RenderResult> {
  if (backend === 'none') throw new SpeechUnavailableError();
  const target = path.resolve(outFile); // ffmpeg runs in a temp folder: relative paths would land there
  await withTempDir(async (dir) => {
    // ffmpeg runs inside the temp folder and reads the text by a plain relative name, so no
    // path (whatever TMPDIR is) ever needs filtergraph escaping.
    const textFile = 'text.txt';
    const run = {
      ffmpegPath: binaries.ffmpeg,
      signal: options.signal,
      onProgress: options.onProgress,
      expectedDuration: estimateSpeechSeconds(request.text, request.speed),
      cwd: dir,
    };
    await writeFile(path.join(dir, textFile), speakableText(request.text), 'utf8');
    await writeAtomically(target, async (tmp) => {
      const common = { voiceId: request.voiceId, speed: request.speed, format: request.format, outFile: tmp };
      if (backend === 'flite') {
        await runFfmpeg(buildFliteSpeechArgs({ ...common, textFile }), run);
        return;
      }
      const wav = path.join(dir, 'espeak.wav');
      const espeak = await execa('espeak-ng', buildEspeakArgs(textFile, request.voiceId, wav), {
        reject: false,
        stdin: 'ignore',
        cwd: dir,
        ...(options.signal ? { cancelSignal: options.signal } : {}),
      });
      if (espeak.failed) {
        const reason = espeak.isCanceled ? 'aborted' : 'exit';
        throw new FfmpegError(
          reason,
          'espeak-ng',
          buildEspeakArgs(textFile, request.voiceId, wav),
          String(espeak.stderr ?? '')
            .split('\n')
            .slice(-20),
          espeak.exitCode,
        );
      }
      await runFfmpeg(buildEspeakEncodeArgs(wav, common), run);
    });
  });
  const probed = await probe(target, { ffprobePath: binaries.ffprobe });
  return { duration: probed.duration };
}
