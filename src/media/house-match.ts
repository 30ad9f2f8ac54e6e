/**
 * Whether a clip's picture already is in the house format (house-format.ts), so that its first
 * N frames can be stream-copied into the cut instead of re-encoded. What the concat demuxer and
 * one decoder over the joined stream really need, checked from ffprobe's stream and packet facts
 * (packet headers only, nothing is decoded):
 *
 * - the same parameter sets: the avcC extradata (SPS + PPS: profile, level, entropy coder,
 *   reference frames, VUI with colour tags) hashes the same as a house-format encode's;
 * - the house colour: tagged BT.709 primaries, transfer and matrix, limited range (the tags of
 *   an untagged or otherwise tagged clip could not be joined with the others' as one stream);
 * - the same frame grid: size, SAR 1:1, yuv420p, progressive, the film's fps, the 90 kHz
 *   timescale, and packet k at exactly k × 90000 / fps for decode and presentation (no B-frames,
 *   no reordering, no edit-list shift, constant frame rate);
 * - a keyframe on every GOP boundary (frame 0, gop, 2·gop …): copy pieces start there
 *   (stitch-timeline.ts);
 * - at least the frames the cut takes, from the start of the file (inPoint 0), upright.
 */
import { execa } from 'execa';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { gopFrames, houseVideoArgs, TRACK_TIMESCALE, type HouseFormat } from './house-format.js';
import { parseRate, ProbeError } from './probe.js';
import { runFfmpeg } from './process.js';
import { newRunId } from './work-files.js';

/** The house format's colour as StreamFacts.colour spells it (HOUSE_COLOUR_ARGS). */
const HOUSE_COLOUR = 'bt709/bt709/bt709/tv';

/** One packet of the video stream: timestamps in time-base ticks, keyframe flag. */
export interface PacketFacts {
  readonly pts: number;
  readonly dts: number;
  readonly key: boolean;
}

/** What ffprobe tells of a file's first video stream that the house-format check needs. */
export interface StreamFacts {
  readonly codec: string;
  /** e.g. `High`. */
  readonly profile: string;
  readonly width: number;
  readonly height: number;
  readonly pixFmt: string;
  /** e.g. `1:1`; '' when unknown. */
  readonly sar: string;
  /** Frames per second from r_frame_rate and avg_frame_rate. */
  readonly rFrameRate: number;
  readonly avgFrameRate: number;
  /** e.g. `1/90000`. */
  readonly timeBase: string;
  /** Reorder depth; 0 = decode order is display order. */
  readonly hasBFrames: number;
  /** e.g. `progressive`. */
  readonly fieldOrder: string;
  /** ffprobe's `color_primaries/color_transfer/color_space/color_range`, e.g. `bt709/bt709/bt709/tv`. */
  readonly colour: string;
  /** `SHA256:<hex>` of the codec extradata (avcC: SPS + PPS). */
  readonly extradataHash: string;
  /** The first packets, in file order. */
  readonly packets: readonly PacketFacts[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
const int = (value: unknown): number => {
  const n = Number.parseInt(str(value), 10);
  return Number.isFinite(n) ? n : Number.NaN;
};

/** Pure: StreamFacts from ffprobe's JSON (see readStreamFacts for the command). */
export function parseStreamFacts(output: unknown): StreamFacts {
  const root = isObject(output) ? output : {};
  const stream = (Array.isArray(root['streams']) ? root['streams'] : []).find(isObject) ?? {};
  const packets = (Array.isArray(root['packets']) ? root['packets'] : []).filter(isObject);
  return {
    codec: str(stream['codec_name']),
    profile: str(stream['profile']),
    width: int(stream['width']),
    height: int(stream['height']),
    pixFmt: str(stream['pix_fmt']),
    sar: str(stream['sample_aspect_ratio']),
    rFrameRate: parseRate(str(stream['r_frame_rate'])),
    avgFrameRate: parseRate(str(stream['avg_frame_rate'])),
    timeBase: str(stream['time_base']),
    hasBFrames: int(stream['has_b_frames']),
    fieldOrder: str(stream['field_order']),
    colour: ['color_primaries', 'color_transfer', 'color_space', 'color_range'].map((key) => str(stream[key]) || 'unknown').join('/'),
    extradataHash: str(stream['extradata_hash']),
    packets: packets.map((p) => ({ pts: int(p['pts']), dts: int(p['dts']), key: str(p['flags']).startsWith('K') })),
  };
}

/** The ffprobe arguments of readStreamFacts: stream facts and the first `packets` packet headers. */
export function buildStreamFactsArgs(file: string, packets: number): string[] {
  return [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-read_intervals',
    `%+#${packets}`,
    '-show_entries',
    'stream=codec_name,profile,width,height,pix_fmt,sample_aspect_ratio,r_frame_rate,avg_frame_rate,time_base,has_b_frames,field_order,color_primaries,color_transfer,color_space,color_range,extradata_hash:packet=pts,dts,flags',
    '-show_data_hash',
    'sha256',
    '-print_format',
    'json',
    file,
  ];
}

/**
 * Reads the facts of `file`'s first video stream and its first `packets` packets.
 * @throws ProbeError when ffprobe fails or prints no JSON; the signal's reason when it fired.
 */
export async function readStreamFacts(file: string, packets: number, options: { ffprobePath: string; signal?: AbortSignal | undefined }): Promise<StreamFacts> {
  const result = await execa(options.ffprobePath, buildStreamFactsArgs(file, packets), {
    reject: false,
    stdin: 'ignore',
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  options.signal?.throwIfAborted();
  if (result.failed) throw new ProbeError(file, String(result.stderr ?? '') || String(result.shortMessage ?? ''), { cause: result });
  try {
    return parseStreamFacts(JSON.parse(result.stdout));
  } catch (error: unknown) {
    throw new ProbeError(file, `unreadable ffprobe output: ${String(error)}`, { cause: error });
  }
}

/** What the clip is checked against: the house format, its parameter sets, and the part the cut takes. */
export interface HouseTarget {
  readonly format: HouseFormat;
  /** extradata hash of a house-format encode at this format (houseExtradata). */
  readonly extradataHash: string;
  /** Frames the cut takes from the clip. */
  readonly frames: number;
  /** Seconds into the clip where the cut's part begins. */
  readonly inPoint: number;
  /** Display rotation of the clip, degrees. */
  readonly rotation: number;
}

/** Pure: the first packet that breaks the frame grid or the GOP rule, as a reason, or undefined. */
function packetMismatch(packets: readonly PacketFacts[], target: HouseTarget): string | undefined {
  if (packets.length < target.frames) return `has ${packets.length} frames, the cut takes ${target.frames}`;
  const tick = TRACK_TIMESCALE / target.format.fps;
  const gop = gopFrames(target.format);
  for (let k = 0; k < target.frames; k++) {
    const p = packets[k]!;
    if (p.pts !== k * tick || p.dts !== k * tick) return `frame ${k} is not at ${k * tick} ticks (pts ${p.pts}, dts ${p.dts})`;
    if (k % gop === 0 && !p.key) return `frame ${k} is not a keyframe`;
  }
  return undefined;
}

/**
 * Pure: why a clip cannot be stream-copied into the cut (the first property that differs), or
 * undefined when it can (see the module comment for the rules).
 */
export function houseMismatch(facts: StreamFacts, target: HouseTarget): string | undefined {
  const { format } = target;
  const expected: [string, unknown, unknown][] = [
    ['in-point', target.inPoint, 0],
    ['rotation', target.rotation, 0],
    ['codec', facts.codec, 'h264'],
    ['profile', facts.profile, 'High'],
    ['size', `${facts.width}x${facts.height}`, `${format.width}x${format.height}`],
    ['pixel format', facts.pixFmt, 'yuv420p'],
    ['SAR', facts.sar, '1:1'],
    ['field order', facts.fieldOrder, 'progressive'],
    ['time base', facts.timeBase, `1/${TRACK_TIMESCALE}`],
    ['B-frames', facts.hasBFrames, 0],
    ['colour', facts.colour, HOUSE_COLOUR],
  ];
  for (const [name, actual, wanted] of expected) if (actual !== wanted) return `${name} ${String(actual)} is not ${String(wanted)}`;
  for (const rate of [facts.rFrameRate, facts.avgFrameRate]) if (Math.abs(rate - format.fps) > 1e-9) return `fps ${rate} is not ${format.fps}`;
  if (facts.extradataHash !== target.extradataHash) return `parameter sets ${facts.extradataHash} are not the house format's ${target.extradataHash}`;
  return packetMismatch(facts.packets, target);
}

/**
 * The extradata hash (`SHA256:<hex>`) of a house-format encode at `format` with the ffmpeg of
 * `options`: one black frame encoded into `workDir` (a temp name, removed) and probed. Callers
 * keep it for as long as they need it (stitch.ts: once per stitch, and only when a clip is
 * conformed now).
 * @throws FfmpegError, ProbeError
 */
export function houseExtradata(format: HouseFormat, workDir: string, options: { ffmpegPath: string; ffprobePath: string }): Promise<string> {
  return encodeReference(format, workDir, options);
}

async function encodeReference(format: HouseFormat, workDir: string, options: { ffmpegPath: string; ffprobePath: string }): Promise<string> {
  const file = join(workDir, `house-${newRunId()}.tmp.mp4`);
  try {
    const source = `color=c=black:s=${format.width}x${format.height}:r=${format.fps}:d=1`;
    await runFfmpeg(['-f', 'lavfi', '-i', source, '-frames:v', '1', ...houseVideoArgs(format, 1), '-an', '-f', 'mp4', '-y', file], { ffmpegPath: options.ffmpegPath });
    return (await readStreamFacts(file, 1, { ffprobePath: options.ffprobePath })).extradataHash;
  } finally {
    await rm(file, { force: true });
  }
}
