/**
 * Conforms a clip, once, to the house format (house-format.ts): picture reframed to the output's
 * shape (reframe.ts: fitted over a blurred fill, cropped, or letterboxed/pillarboxed; never
 * stretched), upright (ffmpeg applies the rotation metadata while decoding), at the film's fps,
 * yuv420p, SAR 1, trimmed to [inPoint, inPoint + duration]; a source shorter than that is held,
 * looped or slowed as its scene's `short_media` says (short-media.ts); its sound as 48 kHz stereo
 * PCM (silence when it has none), in a WAV beside the video. Files are named by keys over the source's identity and the
 * conform parameters, so a re-stitch that changes only transitions, narration or music reuses them.
 * The WAV's key leaves out the picture (size, preset, reframe): renditions of one film in other
 * shapes share the clips' sound, hence one mix and one loudness pass (stitch-sound.ts).
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
import { pictureSeconds, type MediaProbe } from './probe.js';
import { runFfmpeg } from './process.js';
import { normalReframe, reframeFilter } from './reframe.js';
import { shortMediaAudioFilters, shortMediaFit, shortMediaInputArgs, shortMediaVideoFilters, type ShortMediaFit, type ShortMediaTreatment } from './short-media.js';
import type { Reframe } from './stitch-types.js';

/**
 * Bump when the conform's picture arguments change in a way the key does not otherwise capture.
 * 5: colour converted to BT.709 limited range and tagged (colour.ts, HOUSE_COLOUR_ARGS), reframing, short_media.
 */
export const CONFORM_VERSION = 5;
/** Bump when the conform's sound arguments change in a way the sound key does not otherwise capture. */
export const CONFORM_SOUND_VERSION = 1;

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
  /** What to do when the source ends before inPoint + frames / fps (short-media.ts); absent = hold its last frame. */
  readonly shortMedia?: ShortMediaTreatment | undefined;
  /** How the picture fills the format's shape (reframe.ts); absent = `pad`. */
  readonly reframe?: Reframe | undefined;
}

/** The files of a conformed clip (absolute paths in the work folder). */
export interface ConformedClip {
  /** The picture's key (conformKey): names `video`, and the windows made of it. */
  readonly key: string;
  /** H.264 house-format video, exactly `frames` frames. */
  readonly video: string;
  /** 48 kHz stereo PCM, exactly frames / fps seconds; named by conformSoundKey, so shared by every picture size. */
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
 * - the house format (size, fps, preset) and the reframe (normalReframe): what the conformed picture looks like;
 * - CONFORM_VERSION: the arguments themselves, the colour rules (colour.ts) among them. The
 *   colour decision itself is not a field: it follows from the source's tags, so from its
 *   identity and CONFORM_VERSION, and the key is known before the source is probed (stitch.ts
 *   decides from identities alone whether a cut is up to date);
 * - `copies`: whether a house-format clip may be stream-copied (a forced re-encode is another file);
 * - shortMedia: how a short source is fitted (held, looped or slowed pictures differ).
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
    shortMedia: request.shortMedia ?? 'hold',
    reframe: normalReframe(request.reframe),
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/**
 * The key of a conformed clip's sound: sha256 (hex, 32 chars used) over what the WAV depends on
 * and nothing else: the source's identity (as conformKey), inPoint, frames and fps (its length,
 * frames / fps), its short_media treatment (a looped or slowed source sounds different), and
 * CONFORM_SOUND_VERSION. Not the picture's size, preset or reframe, so every
 * rendition of a film names the same WAVs, and so the same mix (stitch-sound.ts soundKey).
 */
export function conformSoundKey(
  identity: { path: string; size: number; mtimeMs: number },
  request: Pick<ConformRequest, 'inPoint' | 'frames'> & Partial<Pick<ConformRequest, 'shortMedia'>> & { readonly format: Pick<HouseFormat, 'fps'> },
): string {
  const fields = {
    v: CONFORM_SOUND_VERSION,
    sound: true,
    path: identity.path,
    size: identity.size,
    mtimeMs: identity.mtimeMs,
    inPoint: request.inPoint,
    frames: request.frames,
    fps: request.format.fps,
    shortMedia: request.shortMedia ?? 'hold',
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/** Pure: `1:1`, `0:1`, '' → 1; `4:3` → 1.333… */
function sarValue(sar: string): number {
  const [n, d] = sar.split(':').map(Number);
  return n && d && n > 0 && d > 0 ? n / d : 1;
}

/** What conformFit and conformVideoFilter read of a request (inPoint absent = 0, shortMedia absent = hold). */
type FitRequest = Pick<ConformRequest, 'frames' | 'probe' | 'format'> & Partial<Pick<ConformRequest, 'inPoint' | 'shortMedia' | 'reframe'>>;

/** Pure: how the conform fits its source to the scene: the source's length from the probe against frames / fps. */
export function conformFit(request: FitRequest): ShortMediaFit {
  const { fps } = request.format;
  return shortMediaFit(request.shortMedia ?? 'hold', request.frames / fps, pictureSeconds(request.probe) - (request.inPoint ?? 0), fps);
}

/**
 * Pure: the video filter chain of a conform (after input seeking to inPoint): frame rate, colour
 * (colour.ts), the reframe (reframe.ts), SAR 1, yuv420p, a short source's treatment (short-media.ts).
 */
export function conformVideoFilter(request: FitRequest): string {
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
    reframeFilter(request.reframe, width, height),
    'setsar=1',
    'format=yuv420p',
    // A source that ends before inPoint + duration: slowed to fit and/or its last frame held (short-media.ts).
    ...shortMediaVideoFilters(conformFit(request), fps, seconds),
  ].join(',');
}

/** Pure: the output arguments of a conform's sound: 48 kHz stereo PCM, exactly frames / fps seconds. */
function conformAudioArgs(request: ConformRequest, audioOut: string): string[] {
  const seconds = request.frames / request.format.fps;
  const own = request.probe.audio !== null;
  const slowed = own ? shortMediaAudioFilters(conformFit(request)) : [];
  const af = [...slowed, `aresample=${SAMPLE_RATE}`, 'aformat=sample_fmts=s16:channel_layouts=stereo', 'apad'].join(',');
  const map = own ? '0:a:0' : '1:a:0';
  return ['-map', map, '-af', af, '-t', String(seconds), '-c:a', 'pcm_s16le', '-vn', '-sn', '-dn', '-f', 'wav', '-y', audioOut];
}

/**
 * Pure: the inputs of a conform: the clip (from inPoint; read again and again for a loop, each
 * pass from the file's start), and silence when it has no sound.
 */
function conformInputs(request: ConformRequest): string[] {
  const silence = request.probe.audio !== null ? [] : ['-f', 'lavfi', '-i', `anullsrc=r=${SAMPLE_RATE}:cl=stereo`];
  return [...shortMediaInputArgs(conformFit(request)), '-ss', String(request.inPoint), '-i', request.file, ...silence];
}

/** Pure: the output arguments of a conform's picture, re-encoded to the house format (see buildConformArgs). */
function encodedVideoArgs(request: ConformRequest, videoOut: string, threads?: number): string[] {
  const tail = ['-an', '-sn', '-dn', '-map_metadata', '-1', '-f', 'mp4', '-y', videoOut];
  return ['-map', '0:v:0', '-vf', conformVideoFilter(request), '-frames:v', String(request.frames), ...houseVideoArgs(request.format, threads), ...tail];
}

/** Pure: the output arguments of a conform's picture, its first `frames` frames stream-copied (see buildCopyArgs). */
function copiedVideoArgs(request: ConformRequest, videoOut: string): string[] {
  return ['-map', '0:v:0', '-c:v', 'copy', '-frames:v', String(request.frames), '-an', '-sn', '-dn', '-map_metadata', '-1', '-f', 'mp4', '-y', videoOut];
}

/**
 * Pure: ffmpeg arguments that write the conformed video (re-encoded) and audio (both to temp names).
 * @param threads x264 threads of this encode (see houseVideoArgs)
 */
export function buildConformArgs(request: ConformRequest, videoOut: string, audioOut: string, threads?: number): string[] {
  return [...conformInputs(request), ...encodedVideoArgs(request, videoOut, threads), ...conformAudioArgs(request, audioOut)];
}

/**
 * Pure: ffmpeg arguments that stream-copy the first `frames` frames of a house-format clip
 * (inPoint 0, see house-match.ts) and write its conformed audio: nothing is encoded but PCM.
 */
export function buildCopyArgs(request: ConformRequest, videoOut: string, audioOut: string): string[] {
  return [...conformInputs(request), ...copiedVideoArgs(request, videoOut), ...conformAudioArgs(request, audioOut)];
}

/**
 * Pure: ffmpeg arguments of a conform that writes only what is missing: the picture (`copy` or
 * `encode`, to `videoOut`) when `picture` is given, the sound when `audioOut` is (another
 * rendition's conform of the same clip may already have written it).
 */
export function buildPartialConformArgs(
  request: ConformRequest,
  outputs: { readonly picture?: 'copy' | 'encode' | undefined; readonly videoOut: string; readonly audioOut?: string | undefined },
  threads?: number,
): string[] {
  const { picture, videoOut, audioOut } = outputs;
  const video = picture === 'copy' ? copiedVideoArgs(request, videoOut) : picture === 'encode' ? encodedVideoArgs(request, videoOut, threads) : [];
  return [...conformInputs(request), ...video, ...(audioOut === undefined ? [] : conformAudioArgs(request, audioOut))];
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
  const fit = conformFit(request);
  if (fit.kind !== 'enough') return `it is shorter than its scene (${fit.kind})`;
  const facts = await readStreamFacts(request.file, request.frames, { ffprobePath: options.copy.ffprobePath, signal: options.signal });
  const extradataHash = await options.copy.extradataHash();
  return houseMismatch(facts, { format: request.format, extradataHash, frames: request.frames, inPoint: request.inPoint, rotation: request.probe.video?.rotation ?? 0 });
}

/**
 * Conforms one clip into `workDir` unless its files are there: the picture, a stream copy when
 * `options.copy` is given and the clip is in the house format, a re-encode otherwise; the sound,
 * unless a conform of the same clip for another picture size (a rendition) already wrote it.
 * @throws FfmpegError (aborted or failed; no temp file is left), ProbeError (reading the packets of a clip to copy).
 */
export async function conformClip(request: ConformRequest, workDir: string, options: ConformOptions): Promise<ConformedClip> {
  const target = options.target ?? (await conformTarget(request, workDir, options.copy !== undefined));
  const { key, video, audio } = target;
  const [haveVideo, haveAudio] = [await exists(video), await exists(audio)];
  if (haveVideo && haveAudio) return { ...target, reused: true };
  const tag = randomBytes(4).toString('hex');
  const videoTmp = join(workDir, `conform-${key}.${tag}.tmp.mp4`);
  const audioTmp = join(workDir, `conform-${key}.${tag}.tmp.wav`);
  const resolved = { ...request, file: resolve(request.file) };
  try {
    const picture = haveVideo ? undefined : (await conformReason(resolved, options)) === undefined ? 'copy' : 'encode';
    const args = buildPartialConformArgs(resolved, { picture, videoOut: videoTmp, audioOut: haveAudio ? undefined : audioTmp }, options.threads);
    await runFfmpeg(args, {
      ffmpegPath: options.ffmpegPath,
      signal: options.signal,
      onProgress: options.onProgress,
      expectedDuration: request.frames / request.format.fps,
    });
    // Audio first: the video's presence is what marks a finished conform.
    if (!haveAudio) await rename(audioTmp, audio);
    if (picture !== undefined) await rename(videoTmp, video);
    return picture === undefined ? { ...target, reused: false } : { ...target, reused: false, picture };
  } finally {
    await rm(videoTmp, { force: true });
    await rm(audioTmp, { force: true });
  }
}

/**
 * The keys and kept files of a clip's conform in `workDir` (from the source's path, size and
 * mtime: nothing is read or probed), whether or not they exist yet: the picture's
 * `conform-<conformKey>.mp4` and the sound's `conform-<conformSoundKey>.wav`.
 * @param copies whether house-format clips may be copied (see conformKey)
 * @throws the file system's error for a missing source
 */
export async function conformTarget(request: Omit<ConformRequest, 'probe'>, workDir: string, copies: boolean): Promise<Pick<ConformedClip, 'key' | 'video' | 'audio'>> {
  const path = resolve(request.file);
  const info = await stat(path);
  const identity = { path, size: info.size, mtimeMs: info.mtimeMs };
  const key = conformKey(identity, request, copies);
  return { key, video: join(workDir, `conform-${key}.mp4`), audio: join(workDir, `conform-${conformSoundKey(identity, request)}.wav`) };
}
