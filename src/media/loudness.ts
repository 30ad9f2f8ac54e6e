/**
 * Loudness normalization of the mix to the film's target (EBU R128 / ITU-R BS.1770 measurement).
 *
 * First choice, one measuring pass: ebur128 measures the mix's integrated loudness and true peak,
 * then one static gain moves the whole film to the target (its dynamics kept), with a true-peak
 * limiter (4× oversampled) only when the gain would lift peaks over the ceiling. When the
 * encoded result misses the target by more than LINEAR_TOLERANCE LU or peaks over the −1 dBTP
 * delivery limit, the stitcher falls back to two passes of ffmpeg's `loudnorm` (the first
 * measures, print_format=json; the second applies the values with linear=true). The AAC is
 * encoded here.
 */
import { ffmpegStderr } from './process.js';
import { SAMPLE_RATE } from './house-format.js';

/** What loudnorm's first pass reports (its JSON keys, as numbers). */
export interface LoudnessMeasure {
  /** Integrated loudness, LUFS. */
  readonly inputI: number;
  /** True peak, dBTP. */
  readonly inputTp: number;
  /** Loudness range, LU. */
  readonly inputLra: number;
  /** Gating threshold, LUFS. */
  readonly inputThresh: number;
  /** Offset gain loudnorm suggests for the second pass, LU. */
  readonly targetOffset: number;
}

/** True-peak ceiling the normalizer aims at, dBTP: under the −1 dBTP delivery limit by a margin for the AAC encoder's overshoot. */
export const TRUE_PEAK_TARGET = -1.5;
/** Loudness range allowed, LU: wide, so linear mode (one gain) applies to cinematic dynamics. */
export const LRA_TARGET = 20;

/** Delivery limits the result must meet (LU off the target; dBTP ceiling). */
export const LINEAR_TOLERANCE = 0.5;
export const TRUE_PEAK_LIMIT = -1;

/** How linear normalization treats a mix: the gain (dB) and whether the limiter is needed. */
export interface LinearGain {
  readonly gain: number;
  readonly limit: boolean;
}

/**
 * Pure: the static gain that brings a mix measured at `measured` to `target` LUFS; the limiter
 * when the gained true peak would pass TRUE_PEAK_TARGET. Silence (−inf) gets no gain.
 */
export function linearGain(measured: Pick<LoudnessResult, 'integrated' | 'truePeak'>, target: number): LinearGain {
  if (!Number.isFinite(measured.integrated)) return { gain: 0, limit: false };
  const gain = Math.round((target - measured.integrated) * 100) / 100;
  return { gain, limit: measured.truePeak + gain > TRUE_PEAK_TARGET };
}

/** Pure: true when a result meets the target within LINEAR_TOLERANCE and the true-peak limit (silence passes). */
export function meetsTarget(result: Pick<LoudnessResult, 'integrated' | 'truePeak'>, target: number): boolean {
  if (!Number.isFinite(result.integrated)) return true;
  return Math.abs(result.integrated - target) <= LINEAR_TOLERANCE && result.truePeak <= TRUE_PEAK_LIMIT;
}

/**
 * AAC-LC 48 kHz stereo output arguments of the normalized sound (.m4a). The native encoder's
 * `fast` coder: at high bitrates it sounds better than `twoloop` (ffmpeg 5.1's default) and takes
 * half the CPU (FFmpeg commit fcb681ac, "aacenc: use the fast coder as the default", 2018; here
 * 2.1 s against 4.3 s of CPU for a 174 s mix).
 */
const AAC_OUT = ['-c:a', 'aac', '-aac_coder', 'fast', '-b:a', '192k', '-ar', String(SAMPLE_RATE), '-ac', '2', '-f', 'mp4', '-y'];

/**
 * Pure: arguments that apply a static gain (dB) to `input` and encode the AAC to `out`; with
 * `limit`, a limiter at TRUE_PEAK_TARGET runs at 4× the sample rate so it catches inter-sample
 * (true) peaks, not only sample peaks (alimiter's own level makeup off: the gain is ours). Its
 * look-ahead is compensated (`latency=1`): without, the whole sound came out 5 ms (its attack)
 * behind the picture.
 */
export function buildGainArgs(input: string, linear: LinearGain, out: string): string[] {
  const ceiling = 10 ** (TRUE_PEAK_TARGET / 20);
  const limiter = [`aresample=${SAMPLE_RATE * 4}`, `alimiter=limit=${ceiling.toFixed(5)}:attack=5:release=50:level=0:latency=1`, `aresample=${SAMPLE_RATE}`];
  const filters = [`volume=${linear.gain}dB`, ...(linear.limit ? limiter : [])];
  return ['-i', input, '-map', '0:a:0', '-af', filters.join(','), ...AAC_OUT, out];
}

/** Loudnorm could not report a measurement (no JSON block in its output). */
export class LoudnessError extends Error {
  override readonly name = 'LoudnessError';
  readonly reason = 'loudness-unmeasured' as const;
}

/**
 * Pure: the measurement from loudnorm's stderr (the last `{…}` block).
 * `-inf` (digital silence) becomes -Infinity.
 * @throws LoudnessError when there is no block or a field is missing.
 */
export function parseLoudnorm(stderr: string): LoudnessMeasure {
  const start = stderr.lastIndexOf('{');
  const end = stderr.lastIndexOf('}');
  if (start < 0 || end < start) throw new LoudnessError('loudnorm printed no measurement');
  let json: unknown;
  try {
    json = JSON.parse(stderr.slice(start, end + 1));
  } catch (error: unknown) {
    throw new LoudnessError('loudnorm printed an unreadable measurement', { cause: error });
  }
  const record = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const field = (key: string): number => {
    const raw = record[key];
    if (typeof raw !== 'string' && typeof raw !== 'number') throw new LoudnessError(`loudnorm measurement lacks ${key}`);
    const text = String(raw).trim();
    if (text === '-inf') return Number.NEGATIVE_INFINITY;
    if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
    const value = Number(text);
    if (!Number.isFinite(value)) throw new LoudnessError(`loudnorm measurement has ${key}=${text}`);
    return value;
  };
  return {
    inputI: field('input_i'),
    inputTp: field('input_tp'),
    inputLra: field('input_lra'),
    inputThresh: field('input_thresh'),
    targetOffset: field('target_offset'),
  };
}

/** Pure: loudnorm's options for a target (LUFS), with measured values for the second pass. */
export function loudnormFilter(target: number, measured?: LoudnessMeasure): string {
  const base = `loudnorm=I=${target}:TP=${TRUE_PEAK_TARGET}:LRA=${LRA_TARGET}`;
  if (!measured) return `${base}:print_format=json`;
  // Silence measures as -inf: clamp into loudnorm's accepted ranges (the gain is moot then).
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  return (
    `${base}:measured_I=${clamp(measured.inputI, -99, 0)}:measured_TP=${clamp(measured.inputTp, -99, 99)}` +
    `:measured_LRA=${clamp(measured.inputLra, 0, 99)}:measured_thresh=${clamp(measured.inputThresh, -99, 0)}` +
    `:offset=${clamp(measured.targetOffset, -99, 99)}:linear=true:print_format=json`
  );
}

/**
 * Pure: arguments of the first pass (measure `input`, write nothing): ebur128 and loudnorm over
 * the same decoded samples (ebur128 passes audio through unchanged), each printing its report.
 */
export function buildMeasureArgs(input: string, target: number): string[] {
  return ['-i', input, '-map', '0:a:0', '-af', `ebur128=peak=true,${loudnormFilter(target)}`, '-f', 'null', '-'];
}

/** Pure: arguments of the second pass: normalize `input` and encode AAC-LC 48 kHz stereo to `out` (.m4a). */
export function buildNormalizeArgs(input: string, target: number, measured: LoudnessMeasure, out: string): string[] {
  return [
    '-i',
    input,
    '-map',
    '0:a:0',
    // loudnorm works at 192 kHz internally: back to the film's rate before the encoder.
    '-af',
    `${loudnormFilter(target, measured)},aresample=${SAMPLE_RATE}`,
    ...AAC_OUT,
    out,
  ];
}

/** Which ffmpeg the loudness passes run, and their cancellation. */
export interface LoudnessRunOptions {
  /** The ffmpeg to run: `FfmpegBinaries.ffmpeg` from locateFfmpeg. */
  readonly ffmpegPath: string;
  /** Kills ffmpeg and rejects with FfmpegError `aborted` when it fires. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs ffmpeg at info log level and returns its stderr, where loudnorm and ebur128 print their
 * reports (runFfmpeg keeps only a tail of it).
 * @throws FfmpegError (failed or aborted)
 */
async function ffmpegReport(args: readonly string[], options: LoudnessRunOptions): Promise<string> {
  return ffmpegStderr(options.ffmpegPath, ['-nostdin', '-hide_banner', '-nostats', ...args], options.signal);
}

/**
 * Pure: the first pass's measurement from its stderr: loudnorm's values, with the integrated
 * loudness and gate threshold taken from ebur128. Why: on short, dynamic programmes (a 7 s cut
 * with a music fade-in and 10 dB of ducking) loudnorm's own integrated figure read 1 LU low,
 * while ebur128 and a reference ITU-R BS.1770-4 computation (K-weighting, 400 ms blocks, 75 %
 * overlap, −70 LUFS and −10 LU gates) agreed to 0.03 LU; linear mode's gain is target − measured_I,
 * so that error went straight into the delivered loudness.
 * @throws LoudnessError
 */
export function parseMeasurement(stderr: string): LoudnessMeasure {
  const loudnorm = parseLoudnorm(stderr);
  const ebur = parseEbur128(stderr);
  if (!Number.isFinite(ebur.integrated) || ebur.threshold === undefined) return loudnorm; // silence: nothing to correct
  return { ...loudnorm, inputI: ebur.integrated, inputThresh: ebur.threshold };
}

/**
 * First pass: measures `input`'s first audio stream (the values loudnorm's second pass takes).
 * @param target integrated loudness target, LUFS
 * @throws FfmpegError (failed or aborted), LoudnessError
 */
export async function measureLoudness(input: string, target: number, options: LoudnessRunOptions): Promise<LoudnessMeasure> {
  return parseMeasurement(await ffmpegReport(buildMeasureArgs(input, target), options));
}

/** Integrated loudness (LUFS) and true peak (dBTP) of a finished file. */
export interface LoudnessResult {
  readonly integrated: number;
  readonly truePeak: number;
  /** Relative gate threshold, LUFS (when ebur128 printed it). */
  readonly threshold?: number;
}

/**
 * Pure: the summary of ebur128 (EBU R128; `peak=true` for true peak) from its stderr.
 * @throws LoudnessError when the summary is missing.
 */
export function parseEbur128(stderr: string): LoudnessResult {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = /I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary)?.[1];
  const peak = /True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1];
  if (!summary.startsWith('Summary:') || integrated === undefined || peak === undefined) throw new LoudnessError('ebur128 printed no summary');
  const value = (text: string): number => (text === '-inf' ? Number.NEGATIVE_INFINITY : Number(text));
  const threshold = /Threshold:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1];
  return { integrated: value(integrated), truePeak: value(peak), ...(threshold === undefined ? {} : { threshold: Number(threshold) }) };
}

/**
 * Measures a finished file's sound with ebur128 (five times faster than a loudnorm pass, same
 * BS.1770 measurement, true peak by 4× oversampling).
 * @throws FfmpegError (failed or aborted), LoudnessError
 */
export async function measureResult(file: string, options: LoudnessRunOptions): Promise<LoudnessResult> {
  return parseEbur128(await ffmpegReport(['-i', file, '-map', '0:a:0', '-af', 'ebur128=peak=true', '-f', 'null', '-'], options));
}
