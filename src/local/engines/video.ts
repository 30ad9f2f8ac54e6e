/**
 * The video engine: a procedural clip whose look and sound follow the prompt and style
 * (see scene-graph.ts, ambience.ts), and the thumbnail of a clip.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FfmpegBinaries } from '../../media/ffmpeg.js';
import { runFfmpeg } from '../../media/process.js';
import { probe } from '../../media/probe.js';
import { BITEXACT_ARGS } from './encode-args.js';
import { withTempDir, writeAtomically } from './files.js';
import { speakableText } from './speech-args.js';
import { buildVideoArgs } from './video-args.js';
import type { RenderOptions, RenderResult, VideoRequest } from './types.js';

/**
 * Renders `request` to `outFile` (MP4), atomically, with the ffmpeg and ffprobe of `binaries`.
 * @returns the duration in seconds, probed from the written file.
 * @throws FfmpegError (reason `aborted` when options.signal fired), ProbeError.
 */
export async function renderVideo(binaries: FfmpegBinaries, request: VideoRequest, outFile: string, options: RenderOptions): Promise<RenderResult> {
  const target = path.resolve(outFile); // ffmpeg runs in a temp folder: relative paths would land there
  await withTempDir(async (dir) => {
    // ffmpeg runs inside the temp folder: the narration text is read by a plain relative name.
    const narrationFile = 'narration.txt';
    if (request.voiceId !== undefined) await writeFile(path.join(dir, narrationFile), speakableText(request.prompt), 'utf8');
    await writeAtomically(target, (tmp) =>
      runFfmpeg(buildVideoArgs(request, { quality: options.quality, narrationFile, outFile: tmp }), {
        ffmpegPath: binaries.ffmpeg,
        cwd: dir,
        signal: options.signal,
        onProgress: options.onProgress,
        expectedDuration: request.duration,
      }),
    );
  });
  const probed = await probe(target, { ffprobePath: binaries.ffprobe });
  return { duration: probed.duration };
}

/** Pure: ffmpeg arguments writing the frame at `atSeconds` of `videoFile` as a JPEG. */
export function buildThumbnailArgs(videoFile: string, atSeconds: number, outFile: string): string[] {
  return ['-ss', atSeconds.toFixed(3), '-i', videoFile, '-frames:v', '1', '-an', '-q:v', '3', ...BITEXACT_ARGS, '-f', 'image2', '-c:v', 'mjpeg', '-update', '1', '-y', outFile];
}

/**
 * Writes one JPEG frame from the middle of `videoFile` to `outFile`, atomically, with the
 * ffmpeg and ffprobe of `binaries`.
 * @throws ProbeError when the video cannot be read, FfmpegError.
 */
export async function renderThumbnail(binaries: FfmpegBinaries, videoFile: string, outFile: string, options: RenderOptions): Promise<void> {
  const { duration } = await probe(videoFile, { ffprobePath: binaries.ffprobe });
  await writeAtomically(outFile, (tmp) =>
    runFfmpeg(buildThumbnailArgs(videoFile, duration / 2, tmp), { ffmpegPath: binaries.ffmpeg, signal: options.signal, onProgress: options.onProgress }),
  );
}
