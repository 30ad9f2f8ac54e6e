/**
 * Conforms a clip, once, to the house format (house-format.ts): picture scaled to fit and
 * letterboxed/pillarboxed (never stretched), upright (ffmpeg applies the rotation metadata while
 * decoding), at the film's fps, yuv420p, SAR 1, trimmed to [inPoint, inPoint + duration] with the
 * last frame held if the source is short; its sound as 48 kHz stereo PCM (silence when it has
 * none), in a WAV beside the video. Files are named by a key over the source's identity and the
 * conform parameters, so a re-stitch that changes only transitions, narration or music reuses them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { exists } from './work-files.js';
import { join, resolve } from 'node:path';
import { houseVideoArgs, SAMPLE_RATE, type HouseFormat } from './house-format.js';
import type { MediaProbe } from './probe.js';
import { runFfmpeg } from './process.js';

/** Bump when the conform arguments change in a way the key does not otherwise capture. */
const CONFORM_VERSION = 1;

/** What a conform needs to know about one clip. */
export interface ConformRequest {
  /** Source file (any format ffmpeg reads). */
  readonly file: string;
  /** Seconds into the source. */
  readonly inPoint: number;
  /** Frames to produce at format.fps. */
  readonly frames: number;
  readonly probe: MediaProbe;
  readonly format: HouseFormat;
}

/** The files of a conformed clip (absolute paths in the work folder). */
export interface ConformedClip {
  readonly key: string;
  /** H.264 house-format video, exactly `frames` frames. */
  readonly video: string;
  /** 48 kHz stereo PCM, exactly frames / fps seconds. */
  readonly audio: string;
  /** True when the files were already in the work folder. */
  readonly reused: boolean;
}

/**
 * The key of a conformed clip: sha256 (hex, 32 chars used) over
 * - the source's resolved path, size and mtime: its content identity without reading it whole
 *   (footage can be gigabytes; generated assets are never rewritten in place);
 * - inPoint and frames: which part of the source;
 * - the house format (size, fps, preset): what the conformed picture looks like;
 * - CONFORM_VERSION: the arguments themselves.
 */
export function conformKey(identity: { path: string; size: number; mtimeMs: number }, request: Omit<ConformRequest, 'probe' | 'file'>): string {
  const fields = {
    v: CONFORM_VERSION,
    path: identity.path,
    size: identity.size,
    mtimeMs: identity.mtimeMs,
    inPoint: request.inPoint,
    frames: request.frames,
    width: request.format.width,
    height: request.format.height,
    fps: request.format.fps,
    preset: request.format.preset,
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/** Pure: `1:1`, `0:1`, '' → 1; `4:3` → 1.333… */
function sarValue(sar: string): number {
  const [n, d] = sar.split(':').map(Number);
  return n && d && n > 0 && d > 0 ? n / d : 1;
}

/** Pure: the video filter chain of a conform (after input seeking to inPoint). */
export function conformVideoFilter(request: Pick<ConformRequest, 'frames' | 'probe' | 'format'>): string {
  const { width, height, fps } = request.format;
  const sar = sarValue(request.probe.video?.sar ?? '');
  const seconds = request.frames / fps;
  return [
    'setpts=PTS-STARTPTS',
    `fps=${fps}`,
    // Anamorphic sources: square the pixels first so "fit" compares true shapes.
    ...(Math.abs(sar - 1) > 1e-6 ? ['scale=trunc(iw*sar/2)*2:ih'] : []),
    `scale=${width}:${height}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:black`,
    'setsar=1',
    'format=yuv420p',
    // Hold the last frame when the source ends before inPoint + duration.
    `tpad=stop_mode=clone:stop_duration=${seconds}`,
  ].join(',');
}

/** Pure: ffmpeg arguments that write the conformed video and audio (both to temp names). */
export function buildConformArgs(request: ConformRequest, videoOut: string, audioOut: string): string[] {
  const seconds = request.frames / request.format.fps;
  const hasAudio = request.probe.audio !== null;
  return [
    '-ss',
    String(request.inPoint),
    '-i',
    request.file,
    ...(hasAudio ? [] : ['-f', 'lavfi', '-i', `anullsrc=r=${SAMPLE_RATE}:cl=stereo`]),
    '-map',
    '0:v:0',
    '-vf',
    conformVideoFilter(request),
    '-frames:v',
    String(request.frames),
    ...houseVideoArgs(request.format),
    '-an',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-f',
    'mp4',
    '-y',
    videoOut,
    '-map',
    hasAudio ? '0:a:0' : '1:a:0',
    '-af',
    `aresample=${SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts=stereo,apad`,
    '-t',
    String(seconds),
    '-c:a',
    'pcm_s16le',
    '-vn',
    '-sn',
    '-dn',
    '-f',
    'wav',
    '-y',
    audioOut,
  ];
}

/** Options of conformClip. */
export interface ConformOptions {
  /** The ffmpeg to run: `FfmpegBinaries.ffmpeg` from locateFfmpeg. */
  readonly ffmpegPath: string;
  readonly signal?: AbortSignal | undefined;
  /** 0–100 over this clip's conform. */
  readonly onProgress?: ((percent: number) => void) | undefined;
}

/**
 * Conforms one clip into `workDir` unless a conform with the same key is there.
 * @throws FfmpegError (aborted or failed; no temp file is left), ProbeError-free: the probe is given.
 */
export async function conformClip(request: ConformRequest, workDir: string, options: ConformOptions): Promise<ConformedClip> {
  const path = resolve(request.file);
  const info = await stat(path);
  const key = conformKey({ path, size: info.size, mtimeMs: info.mtimeMs }, request);
  const video = join(workDir, `conform-${key}.mp4`);
  const audio = join(workDir, `conform-${key}.wav`);
  if ((await exists(video)) && (await exists(audio))) return { key, video, audio, reused: true };
  const tag = randomBytes(4).toString('hex');
  const videoTmp = join(workDir, `conform-${key}.${tag}.tmp.mp4`);
  const audioTmp = join(workDir, `conform-${key}.${tag}.tmp.wav`);
  try {
    await runFfmpeg(buildConformArgs({ ...request, file: path }, videoTmp, audioTmp), {
      ffmpegPath: options.ffmpegPath,
      signal: options.signal,
      onProgress: options.onProgress,
      expectedDuration: request.frames / request.format.fps,
    });
    // Audio first: the video's presence is what marks a finished conform.
    await rename(audioTmp, audio);
    await rename(videoTmp, video);
  } finally {
    await rm(videoTmp, { force: true });
    await rm(audioTmp, { force: true });
  }
  return { key, video, audio, reused: false };
}
