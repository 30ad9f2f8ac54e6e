/**
 * The music engine: prompt → plan (music-plan.ts) → notes (music-score.ts) → PCM (synth.ts),
 * written one second at a time to a temporary raw file (memory stays flat even for 300 s),
 * then encoded by ffmpeg to mp3 | wav | flac with a fade-out, at exactly the requested length.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { FfmpegBinaries } from '../../media/ffmpeg.js';
import { FfmpegError, runFfmpeg } from '../../media/process.js';
import { probe } from '../../media/probe.js';
import { audioFormatArgs, BITEXACT_ARGS } from './encode-args.js';
import { withTempDir, writeAtomically } from './files.js';
import { analyzeMusic, type MusicPlan } from './music-plan.js';
import { composeScore } from './music-score.js';
import { Synth, SYNTH_RATE, toS16le } from './synth.js';
import type { AudioFormat } from '../../vocabulary/catalog.js';
import type { MusicRequest, RenderOptions, RenderResult } from './types.js';

/** Frames synthesized per write. */
const CHUNK_FRAMES = SYNTH_RATE;

/** Seconds of the closing fade: a tenth of the piece, between 1.5 and 4 s. */
export function fadeOutSeconds(duration: number): number {
  return Math.min(4, Math.max(1.5, duration / 10));
}

/**
 * Pure: ffmpeg arguments encoding `rawFile` (s16le, 48 kHz, stereo) to `outFile`: a room echo
 * for the slower genres, a 20 ms fade-in against clicks, the fade-out, and a hard trim at
 * exactly `duration` seconds (in samples).
 */
export function buildMusicEncodeArgs(rawFile: string, plan: MusicPlan, duration: number, format: AudioFormat, outFile: string): string[] {
  const fade = fadeOutSeconds(duration);
  const samples = Math.round(duration * SYNTH_RATE);
  const echoMs = Math.round((60 / plan.bpm) * 750); // a dotted-eighth delay
  const echo = plan.genre === 'ambient' || plan.genre === 'orchestral' || plan.genre === 'lofi' ? [`aecho=1:1:${echoMs}:0.22`] : [];
  const filters = [...echo, 'afade=t=in:d=0.02', `afade=t=out:st=${(duration - fade).toFixed(3)}:d=${fade.toFixed(3)}`, `atrim=end_sample=${samples}`];
  return ['-f', 's16le', '-ar', String(SYNTH_RATE), '-ac', '2', '-i', rawFile, '-af', filters.join(','), ...BITEXACT_ARGS, ...audioFormatArgs(format, 2), '-y', outFile];
}

/**
 * Renders `request` to `outFile`, atomically, encoding with the ffmpeg of `binaries` (and
 * checking the result with its ffprobe).
 * @returns the duration (seconds, exactly request.duration) and the bpm used.
 * @throws FfmpegError (reason `aborted` when options.signal fired, also between synthesis chunks), ProbeError.
 */
export async function renderMusic(binaries: FfmpegBinaries, request: MusicRequest, outFile: string, options: RenderOptions): Promise<RenderResult> {
  const plan = analyzeMusic(request.prompt, request.bpm);
  const notes = composeScore(plan, request.duration);
  const synth = new Synth(notes, plan.seed);
  const totalFrames = Math.round(request.duration * SYNTH_RATE);
  await withTempDir(async (dir) => {
    const rawFile = path.join(dir, 'music.raw');
    const handle = await open(rawFile, 'w');
    try {
      for (let frame = 0; frame < totalFrames; frame += CHUNK_FRAMES) {
        if (options.signal?.aborted) {
          // Same error as an aborted ffmpeg run, so callers handle one type for every engine.
          throw new FfmpegError('aborted', 'synth', [], [], undefined, { cause: options.signal.reason });
        }
        const chunk = synth.render(frame, Math.min(CHUNK_FRAMES, totalFrames - frame));
        await handle.write(toS16le(chunk));
        options.onProgress?.((frame / totalFrames) * 50);
      }
    } finally {
      await handle.close();
    }
    await writeAtomically(outFile, (tmp) =>
      runFfmpeg(buildMusicEncodeArgs(rawFile, plan, request.duration, request.format, tmp), {
        ffmpegPath: binaries.ffmpeg,
        signal: options.signal,
        expectedDuration: request.duration,
        onProgress: options.onProgress ? (p: number): void => options.onProgress?.(50 + p / 2) : undefined,
      }),
    );
  });
  // Decoded length is exactly request.duration (trimmed in samples; mp3 carries its gapless
  // delay and padding in the LAME header). The probe only checks that the file is readable:
  // for mp3 ffprobe reports whole 1152-sample frames, up to 24 ms more.
  await probe(outFile, { ffprobePath: binaries.ffprobe });
  return { duration: request.duration, bpm: plan.bpm };
}
