/**
 * The final cut: the joined picture (concat list of house-format pieces, stream-copied, or
 * re-encoded when subtitles are burned in) with the normalized AAC, `+faststart` so players can
 * start before the whole file arrives, and the title in the metadata.
 */
import { HOUSE_TO_RGB, RGB_TO_HOUSE } from './colour.js';
import { houseVideoArgs, type HouseFormat } from './house-format.js';
import { burnFilter } from './subtitles.js';

/** Pure: the muxer ffmpeg should use for an output path (by extension; mp4 otherwise). */
export function containerFor(path: string): 'mp4' | 'mov' | 'matroska' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.mov')) return 'mov';
  if (lower.endsWith('.mkv')) return 'matroska';
  return 'mp4';
}

/** What the final encode needs; paths relative to ffmpeg's working folder are fine. */
export interface FinalEncode {
  /** ffconcat list of the picture. */
  readonly concatList: string;
  /** Normalized AAC (.m4a). */
  readonly audio: string;
  /** Where to write (a temp file beside the final path). */
  readonly out: string;
  /** The container of the final path. */
  readonly container: 'mp4' | 'mov' | 'matroska';
  readonly title: string;
  /** Plain SRT file name in the working folder to burn in, when subtitles are burned. */
  readonly burn?: string | undefined;
  /** Film frames: the picture is cut to exactly this many. */
  readonly frames: number;
  readonly format: HouseFormat;
}

/**
 * Pure: the filter chain that burns the SRT `fileName` into the picture: drawn in R'G'B', so
 * caption colours come out as BT.709 says (colour.ts HOUSE_TO_RGB).
 */
export function burnChain(fileName: string): string {
  return [...HOUSE_TO_RGB, burnFilter(fileName), ...RGB_TO_HOUSE].join(',');
}

/** Pure: the arguments of the final encode (the picture stream-copied, or re-encoded with burned captions). */
export function buildFinalArgs(encode: FinalEncode): string[] {
  const video = encode.burn ? ['-vf', burnChain(encode.burn), ...houseVideoArgs(encode.format)] : ['-c:v', 'copy'];
  return [
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    encode.concatList,
    '-i',
    encode.audio,
    '-map',
    '0:v:0',
    '-map',
    '1:a:0',
    ...video,
    // -t, not -frames:v: a frame limit stops the muxer at the last video packet and cuts the
    // last ~50 ms of sound; a time limit keeps every stream up to the film's end.
    '-t',
    String(encode.frames / encode.format.fps),
    '-c:a',
    'copy',
    '-map_metadata',
    '-1',
    '-metadata',
    `title=${encode.title}`,
    ...(encode.container === 'matroska' ? [] : ['-movflags', '+faststart']),
    '-f',
    encode.container,
    '-y',
    encode.out,
  ];
}
