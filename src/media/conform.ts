/**
 * Conforms a clip, once, to the house format (house-format.ts): picture scaled to fit and
 * letterboxed/pillarboxed (never stretched), upright (ffmpeg applies the rotation metadata while
 * decoding), at the film's fps, yuv420p, SAR 1, trimmed to [inPoint, inPoint + duration] with the
 * last frame held if the source is short; its sound as 48 kHz stereo PCM (silence when it has
 * none), in a WAV beside the video. Files are named by a key over the source's identity and the
 * conform parameters, so a re-stitch that changes only transitions, narration or music reuses them.
 *
 * A clip whose picture already is in the house format (house-match.ts: MercaDream Local's
 * generated clips, footage rendered to the same settings) is not re-encoded: its first `frames`
 * frames are stream-copied (no B-frames and a keyframe at frame 0 make them a valid stream), and
 * only its sound is decoded to the WAV.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { exists } from './work-files.js';
import { join, resolve } from 'node:path';
import { houseVideoArgs, SAMPLE_RATE, type HouseFormat } from './house-format.js';
import { houseMismatch, readStreamFacts } from './house-match.js';
import { colourDecision, colourFilter } from './colour.js';
import type { MediaProbe } from './probe.js';
import { runFfmpeg } from './process.js';

/**
 * Bump when the conform arguments change in a way the key does not otherwise capture.
 * 3: colour converted to BT.709 limited range and tagged (colour.ts, HOUSE_COLOUR_ARGS).
 */
const CONFORM_VERSION = 3;

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
  /**
   * How the picture was made now: `copy` (stream copy of a house-format clip), `encode`
   * (re-encoded to the house format); absent when reused.
   */
  readonly picture?: 'copy' | 'encode';
}

/**
 * The key of a conformed clip: sha256 (hex, 32 chars used) over
 * - the source's resolved path, size and mtime: its content identity without reading it whole
 *   (footage can be gigabytes; generated assets are never rewritten in place);
 * - inPoint and frames: which part of the source;
 * - the house format (size, fps, preset): what the conformed picture looks like;
 * - CONFORM_VERSION: the arguments themselves, the colour rules (colour.ts) among them. The
 *   colour decision itself is not a field: it follows from the source's tags, so from its
 *   identity and CONFORM_VERSION, and the key is known before the source is probed (stitch.ts
 *   decides from identities alone whether a cut is up to date);
 * - `copies`: whether a house-format clip may be stream-copied (a forced re-encode is another file).
 */
export function conformKey(identity: { path: string; size: number; mtimeMs: number }, request: Omit<ConformRequest, 'probe' | 'file'>, copies = true): string {
  const fields = {
    v: CONFORM_VERSION,
    copies,
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

/**
 * Pure: the video filter chain of a conform (after input seeking to inPoint): frame rate,
 * colour (colour.ts), fit and letterbox, SAR 1, yuv420p, the last frame held.
 */
export function conformVideoFilter(request: Pick<ConformRequest, 'frames' | 'probe' | 'format'>): string {
  const { width, height, fps } = request.format;
  const sar = sarValue(request.probe.video?.sar ?? '');
  const seconds = request.frames / fps;
  return [
    'setpts=PTS-STARTPTS',
    `fps=${fps}`,
    // Colour to BT.709 limited range first, in the source's own pixels (colour.ts).
    ...(request.probe.video ? colourFilter(colourDecision(request.probe.video)) : []),
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

/** Pure: the output arguments of a conform's sound: 48 kHz stereo PCM, exactly frames / fps seconds. */
function conformAudioArgs(request: ConformRequest, audioOut: string): string[] {
  const seconds = request.frames / request.format.fps;
  const af = `aresample=${SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts=stereo,apad`;
  const map = request.probe.audio !== null ? '0:a:0' : '1:a:0';
  return ['-map', map, '-af', af, '-t', String(seconds), '-c:a', 'pcm_s16le', '-vn', '-sn', '-dn', '-f', 'wav', '-y', audioOut];
}

/** Pure: the inputs of a conform: the clip (from inPoint), and silence when it has no sound. */
function conformInputs(request: ConformRequest): string[] {
  const silence = request.probe.audio !== null ? [] : ['-f', 'lavfi', '-i', `anullsrc=r=${SAMPLE_RATE}:cl=stereo`];
  return ['-ss', String(request.inPoint), '-i', request.file, ...silence];
}

/**
 * Pure: ffmpeg arguments that write the conformed video (re-encoded) and audio (both to temp names).
 * @param threads x264 threads of this encode (see houseVideoArgs)
 */
export function buildConformArgs(request: ConformRequest, videoOut: string, audioOut: string, threads?: number): string[] {
  return [
    ...conformInputs(request),
    '-map',
    '0:v:0',
    '-vf',
    conformVideoFilter(request),
    '-frames:v',
    String(request.frames),
    ...houseVideoArgs(request.format, threads),
    '-an',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-f',
    'mp4',
    '-y',
    videoOut,
    ...conformAudioArgs(request, audioOut),
  ];
}

/**
 * Pure: ffmpeg arguments that stream-copy the first `frames` frames of a house-format clip
 * (inPoint 0, see house-match.ts) and write its conformed audio: nothing is encoded but PCM.
 */
export function buildCopyArgs(request: ConformRequest, videoOut: string, audioOut: string): string[] {
  return [
    ...conformInputs(request),
    '-map',
    '0:v:0',
    '-c:v',
    'copy',
    '-frames:v',
    String(request.frames),
    '-an',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-f',
    'mp4',
    '-y',
    videoOut,
    ...conformAudioArgs(request, audioOut),
  ];
}

/** Options of conformClip. */
export interface ConformOptions {
  /** The ffmpeg to run: `FfmpegBinaries.ffmpeg` from locateFfmpeg. */
  readonly ffmpegPath: string;
  readonly signal?: AbortSignal | undefined;
  /** 0–100 over this clip's conform. */
  readonly onProgress?: ((percent: number) => void) | undefined;
  /** x264 threads of a re-encode (see houseVideoArgs); absent = x264's choice. */
  readonly threads?: number | undefined;
  /**
   * To copy house-format clips: the ffprobe to read their packets, and the parameter-set hash of
   * the house format (houseExtradata; asked for only when a clip is conformed now, not reused).
   * Absent = always re-encode (the behaviour before copies).
   */
  readonly copy?: { readonly ffprobePath: string; readonly extradataHash: () => Promise<string> } | undefined;
  /**
   * The key and files of this conform as conformTarget gave them when the stitch began. The stitch
   * passes them so the files it planned with are the files made, even when another process (a
   * worker of the same project) rewrites the cached source meanwhile and so changes its mtime.
   */
  readonly target?: Pick<ConformedClip, 'key' | 'video' | 'audio'> | undefined;
}

/**
 * Why the clip must be re-encoded (house-match.ts), or undefined when its picture can be copied.
 * @throws ProbeError
 */
export async function conformReason(request: ConformRequest, options: ConformOptions): Promise<string | undefined> {
  if (!options.copy) return 'copies are off';
  if (request.inPoint !== 0) return `in-point ${request.inPoint} is not 0`;
  const facts = await readStreamFacts(request.file, request.frames, { ffprobePath: options.copy.ffprobePath, signal: options.signal });
  const extradataHash = await options.copy.extradataHash();
  return houseMismatch(facts, { format: request.format, extradataHash, frames: request.frames, inPoint: request.inPoint, rotation: request.probe.video?.rotation ?? 0 });
}

/**
 * Conforms one clip into `workDir` unless a conform with the same key is there: a stream copy
 * when `options.copy` is given and the clip is in the house format, a re-encode otherwise.
 * @throws FfmpegError (aborted or failed; no temp file is left), ProbeError (reading the packets of a clip to copy).
 */
export async function conformClip(request: ConformRequest, workDir: string, options: ConformOptions): Promise<ConformedClip> {
  const target = options.target ?? (await conformTarget(request, workDir, options.copy !== undefined));
  const { key, video, audio } = target;
  if ((await exists(video)) && (await exists(audio))) return { ...target, reused: true };
  const tag = randomBytes(4).toString('hex');
  const videoTmp = join(workDir, `conform-${key}.${tag}.tmp.mp4`);
  const audioTmp = join(workDir, `conform-${key}.${tag}.tmp.wav`);
  const resolved = { ...request, file: resolve(request.file) };
  try {
    const picture = (await conformReason(resolved, options)) === undefined ? 'copy' : 'encode';
    const args = picture === 'copy' ? buildCopyArgs(resolved, videoTmp, audioTmp) : buildConformArgs(resolved, videoTmp, audioTmp, options.threads);
    await runFfmpeg(args, {
      ffmpegPath: options.ffmpegPath,
      signal: options.signal,
      onProgress: options.onProgress,
      expectedDuration: request.frames / request.format.fps,
    });
    // Audio first: the video's presence is what marks a finished conform.
    await rename(audioTmp, audio);
    await rename(videoTmp, video);
    return { ...target, reused: false, picture };
  } finally {
    await rm(videoTmp, { force: true });
    await rm(audioTmp, { force: true });
  }
}

/**
 * The key and kept files of a clip's conform in `workDir` (from the source's path, size and
 * mtime: nothing is read or probed), whether or not they exist yet.
 * @param copies whether house-format clips may be copied (see conformKey)
 * @throws the file system's error for a missing source
 */
export async function conformTarget(request: Omit<ConformRequest, 'probe'>, workDir: string, copies: boolean): Promise<Pick<ConformedClip, 'key' | 'video' | 'audio'>> {
  const path = resolve(request.file);
  const info = await stat(path);
  const key = conformKey({ path, size: info.size, mtimeMs: info.mtimeMs }, request, copies);
  return { key, video: join(workDir, `conform-${key}.mp4`), audio: join(workDir, `conform-${key}.wav`) };
}
