/**
 * Reads a media file's container and stream facts with ffprobe
 * (`-v error -print_format json -show_format -show_streams`).
 */
import { execa } from 'execa';

/**
 * What a video stream says of its colour, in ffprobe's names (ITU-T H.273 code points by name):
 * '' when the stream does not say (ffprobe prints `unknown` or nothing; both become '').
 */
export interface ColourTags {
  /** `color_primaries`, e.g. `bt709`, `smpte170m`, `bt470bg`, `bt2020`. */
  readonly primaries: string;
  /** `color_transfer`, e.g. `bt709`, `smpte170m`, `smpte2084` (PQ), `arib-std-b67` (HLG). */
  readonly transfer: string;
  /** `color_space` (the Y'CbCr matrix), e.g. `bt709`, `smpte170m`, `bt470bg`, `bt2020nc`. */
  readonly space: string;
  /** `color_range`: `tv` (limited) or `pc` (full). */
  readonly range: string;
}

/** The first video stream of a file. */
export interface VideoStreamInfo {
  /** Codec name as ffprobe spells it, e.g. `h264`. */
  readonly codec: string;
  /** Pixels. */
  readonly width: number;
  readonly height: number;
  /** Frames per second (average frame rate, else the stream's base rate), e.g. 23.976. */
  readonly fps: number;
  /** e.g. `yuv420p`; '' when unknown. */
  readonly pixFmt: string;
  /** Sample aspect ratio, e.g. `1:1`; '' when unknown. */
  readonly sar: string;
  /** Display rotation in degrees (from the display matrix side data or the `rotate` tag), 0 when none. */
  readonly rotation: number;
  /** Colour tags of the stream ('' each when untagged); a `yuvj*` pixFmt means full range too. */
  readonly colour: ColourTags;
  /** Number of frames when the container says so. */
  readonly frames?: number;
  /** Seconds of picture, when the container says so per stream (mp4 does; Matroska does not). */
  readonly duration?: number;
}

/** The first audio stream of a file. */
export interface AudioStreamInfo {
  readonly codec: string;
  /** Hz. */
  readonly sampleRate: number;
  readonly channels: number;
}

/** What probe() reports. */
export interface MediaProbe {
  /** Seconds (container duration; else the longest stream). */
  readonly duration: number;
  /** Bytes. */
  readonly size: number;
  /** ffprobe's format_name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  readonly formatName: string;
  readonly video: VideoStreamInfo | null;
  readonly audio: AudioStreamInfo | null;
}

/** ffprobe could not read the file; `stderr` carries its message. */
export class ProbeError extends Error {
  override readonly name = 'ProbeError';
  readonly reason = 'probe-failed' as const;
  constructor(
    readonly file: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`ffprobe could not read ${file}: ${stderr.trim().split('\n').at(-1) ?? ''}`, options);
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
const num = (value: unknown): number => {
  const n = typeof value === 'number' ? value : Number.parseFloat(str(value));
  return Number.isFinite(n) ? n : 0;
};

/** Pure: `"30000/1001"` → 29.97; `"0/0"` or junk → 0. */
export function parseRate(rate: string): number {
  const [n, d] = rate.split('/');
  const value = d === undefined ? Number(n) : Number(n) / Number(d);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function rotationOf(stream: Json): number {
  const sideData = Array.isArray(stream['side_data_list']) ? stream['side_data_list'] : [];
  for (const entry of sideData) {
    if (isObject(entry) && entry['rotation'] !== undefined) return num(entry['rotation']);
  }
  const tags = isObject(stream['tags']) ? stream['tags'] : {};
  return tags['rotate'] !== undefined ? num(tags['rotate']) : 0;
}

/** ffprobe's colour fields of a stream; `unknown`, `unspecified` and absent become ''. */
function colourOf(stream: Json): ColourTags {
  const tag = (key: string): string => {
    const value = str(stream[key]);
    return value === 'unknown' || value === 'unspecified' ? '' : value;
  };
  return { primaries: tag('color_primaries'), transfer: tag('color_transfer'), space: tag('color_space'), range: tag('color_range') };
}

/**
 * Pure: a MediaProbe from ffprobe's JSON output (already parsed).
 * Missing fields become 0 / '' rather than errors: callers check what they need.
 */
export function parseProbe(output: unknown): MediaProbe {
  const root = isObject(output) ? output : {};
  const format = isObject(root['format']) ? root['format'] : {};
  const streams = (Array.isArray(root['streams']) ? root['streams'] : []).filter(isObject);
  // Cover art in an mp3/m4a is a video stream with disposition.attached_pic = 1: not video.
  const isAttachedPic = (s: Json): boolean => isObject(s['disposition']) && s['disposition']['attached_pic'] === 1;
  const v = streams.find((s) => s['codec_type'] === 'video' && !isAttachedPic(s));
  const a = streams.find((s) => s['codec_type'] === 'audio');
  const streamDurations = streams.map((s) => num(s['duration']));
  const duration = num(format['duration']) || Math.max(0, ...streamDurations);
  let video: VideoStreamInfo | null = null;
  if (v) {
    const frames = num(v['nb_frames']);
    const seconds = num(v['duration']);
    video = {
      codec: str(v['codec_name']),
      width: num(v['width']),
      height: num(v['height']),
      fps: parseRate(str(v['avg_frame_rate'])) || parseRate(str(v['r_frame_rate'])),
      pixFmt: str(v['pix_fmt']),
      sar: str(v['sample_aspect_ratio']),
      rotation: rotationOf(v),
      colour: colourOf(v),
      ...(frames > 0 ? { frames } : {}),
      ...(seconds > 0 ? { duration: seconds } : {}),
    };
  }
  const audio: AudioStreamInfo | null = a ? { codec: str(a['codec_name']), sampleRate: num(a['sample_rate']), channels: num(a['channels']) } : null;
  return { duration, size: num(format['size']), formatName: str(format['format_name']), video, audio };
}

/**
 * Pure: how long a file's picture lasts, seconds: its video stream's own duration when the
 * container gives one, else the file's. Footage whose sound outlasts its picture (a 2 s shot with
 * 4 s of sound) is as short as its picture for a scene: that is what the conform can show.
 */
export function pictureSeconds(probe: MediaProbe): number {
  return probe.video?.duration ?? probe.duration;
}

/** Options of probe(). */
export interface ProbeOptions {
  /** The ffprobe to run: `FfmpegBinaries.ffprobe` from locateFfmpeg (required: nothing is looked up here). */
  readonly ffprobePath: string;
  /** Kills ffprobe and rejects when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Probes `file` with `options.ffprobePath`.
 * @returns duration (seconds), size (bytes), container and first video/audio stream facts.
 * @throws ProbeError when ffprobe fails (also when it cannot be started or is aborted) or prints no JSON.
 */
export async function probe(file: string, options: ProbeOptions): Promise<MediaProbe> {
  const bin = options.ffprobePath;
  const result = await execa(bin, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
    reject: false,
    stdin: 'ignore',
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  if (result.failed) throw new ProbeError(file, String(result.stderr ?? '') || String(result.shortMessage ?? ''), { cause: result });
  try {
    return parseProbe(JSON.parse(result.stdout));
  } catch (error: unknown) {
    throw new ProbeError(file, `unreadable ffprobe output: ${String(error)}`, { cause: error });
  }
}
