/**
 * Pure: ffmpeg output arguments shared by the engines — the flags that make output
 * byte-identical run to run, and the codec/muxer for each audio format.
 */
import type { AudioFormat } from '../../vocabulary/catalog.js';

/**
 * No encoder version strings, no creation times, no copied metadata: the same input gives the
 * same bytes (for a given ffmpeg build).
 */
export const BITEXACT_ARGS: readonly string[] = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact', '-map_metadata', '-1', '-map_chapters', '-1'];

/** Sample rate of every audio output, Hz. */
export const SAMPLE_RATE = 48_000;

/**
 * Codec, bitrate and muxer for an audio-only output in `format` (`-f` is explicit so the
 * temporary file name needs no extension).
 */
export function audioFormatArgs(format: AudioFormat, channels: 1 | 2): string[] {
  const common = ['-ar', String(SAMPLE_RATE), '-ac', String(channels)];
  switch (format) {
    case 'mp3':
      // Xing/LAME header carries the encoder delay and padding, so players and ffprobe get the exact length.
      return [...common, '-c:a', 'libmp3lame', '-b:a', channels === 1 ? '128k' : '192k', '-write_xing', '1', '-id3v2_version', '0', '-f', 'mp3'];
    case 'wav':
      return [...common, '-c:a', 'pcm_s16le', '-f', 'wav'];
    case 'flac':
      return [...common, '-c:a', 'flac', '-compression_level', '5', '-f', 'flac'];
    default: {
      const never: never = format;
      throw new Error(`unknown audio format ${String(never)}`);
    }
  }
}

/**
 * Pure: `atempo` filters whose product is `factor` (each instance accepts 0.5–2.0), e.g.
 * 0.4 → ['atempo=0.5', 'atempo=0.8']; 1 → [].
 * @throws RangeError for a factor that is not a positive finite number.
 */
export function atempoChain(factor: number): string[] {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`atempo factor must be positive, got ${factor}`);
  const out: string[] = [];
  let rest = factor;
  while (rest > 2) {
    out.push('atempo=2');
    rest /= 2;
  }
  while (rest < 0.5) {
    out.push('atempo=0.5');
    rest /= 0.5;
  }
  if (Math.abs(rest - 1) > 1e-9) out.push(`atempo=${Number(rest.toFixed(6))}`);
  return out;
}

/**
 * Pure: throws unless `file` can sit inside a filtergraph option without escaping
 * (letters, digits, `/ . _ -` only). Engines only pass paths of temp folders they created.
 * @throws Error naming the path.
 */
export function assertFilterSafePath(file: string): string {
  if (!/^[A-Za-z0-9/._-]+$/.test(file)) throw new Error(`path not safe inside a filtergraph: ${JSON.stringify(file)}`);
  return file;
}
