/**
 * The house format every conformed clip and every re-encoded transition window shares, so that
 * pieces of different files can be joined by stream copy (concat demuxer) and decode as one
 * stream: same x264 settings (hence byte-identical SPS/PPS), closed GOPs of exactly one second,
 * no B-frames (decode order = display order, so a piece can end at any frame), `stitchable=1`
 * (x264 keeps header fields constant across runs), yuv420p, SAR 1, a 90 kHz track timescale
 * (every frame time at 24/30/60 fps is an exact tick), and colour tagged BT.709 limited range
 * (HOUSE_COLOUR_ARGS; the conform converts sources to it, colour.ts).
 *
 * MercaDream Local's video engine encodes with these same arguments (houseVideoArgs), so a
 * generated clip already is in the house format and the stitch copies it instead of re-encoding
 * it (house-match.ts decides, conform.ts copies).
 */

/** Picture settings of the house format (from StitchOutput). */
export interface HouseFormat {
  /** Pixels. */
  readonly width: number;
  readonly height: number;
  /** Frames per second (24 | 30 | 60). */
  readonly fps: number;
  /** x264 preset, e.g. `medium` or `ultrafast`. */
  readonly preset: string;
}

/**
 * The default x264 preset of conforms, windows and the engines' `full` renders. Chosen for speed
 * at the house format's CRF 18: on a 720p24 clip of MercaDream Local (one x264 thread), against
 * its lossless decode, `medium` scored SSIM 0.9395 / PSNR 30.37 dB in 7.6 s, `veryfast` 0.9402 /
 * 30.36 dB in 5.8 s, `superfast` 0.9379 / 30.34 dB in 3.6 s (SSIM 0.990 against `medium`'s
 * encode), at 1.4× the bytes. Its parameter sets (SPS/PPS) are byte-identical to `veryfast`'s, so
 * clips of either join by stream copy; `ultrafast` (tests, the engines' `fast`) drops CABAC and
 * writes other parameter sets.
 */
export const HOUSE_PRESET = 'superfast';

/** Audio of conformed clips and of the mix: 48 kHz stereo. */
export const SAMPLE_RATE = 48_000;
/** x264 constant rate factor of the house format (visually transparent for delivery). */
export const HOUSE_CRF = 18;
/** Timescale of mp4 video tracks, ticks per second. */
export const TRACK_TIMESCALE = 90_000;

/** Frames between keyframes: one second, so keyframes fall on whole seconds of every clip. */
export function gopFrames(format: Pick<HouseFormat, 'fps'>): number {
  return Math.max(1, Math.round(format.fps));
}

/**
 * The colour every house-format encode declares: ITU-R BT.709 primaries, transfer and matrix,
 * limited ("tv") range, as ffmpeg's encoder options. x264 writes them into the SPS's VUI
 * (colour_primaries = transfer_characteristics = matrix_coefficients = 1, video_full_range_flag
 * = 0; ITU-T H.273 code points), and the mp4 muxer into the track's `colr` atom (`nclx`), which
 * survives the final cut's stream copy. The picture must really be BT.709 limited when encoded:
 * the conform converts other sources (colour.ts), MercaDream Local draws with the BT.709 matrix.
 */
export const HOUSE_COLOUR_ARGS: readonly string[] = ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'];

/**
 * Pure: the encoder arguments of the house format (output options, video only).
 * `8x8dct=1` makes even `ultrafast` write High-profile streams, as delivery requires.
 * @param threads x264 threads (`-threads:v`); when several encodes share the cores each gets its
 *   share (stitch.ts), and the engines pin it so their bytes do not depend on the machine.
 *   Threads do not change the parameter sets. Absent = x264's own choice (all cores).
 */
export function houseVideoArgs(format: HouseFormat, threads?: number): string[] {
  const gop = String(gopFrames(format));
  return [
    ...(threads === undefined ? [] : ['-threads:v', String(threads)]),
    '-c:v',
    'libx264',
    '-preset',
    format.preset,
    '-profile:v',
    'high',
    '-crf',
    String(HOUSE_CRF),
    '-pix_fmt',
    'yuv420p',
    ...HOUSE_COLOUR_ARGS,
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-sc_threshold',
    '0',
    '-bf',
    '0',
    '-x264-params',
    'stitchable=1:8x8dct=1:open-gop=0',
    '-r',
    String(format.fps),
    '-video_track_timescale',
    String(TRACK_TIMESCALE),
  ];
}
