/**
 * Where a speech asset's speaker pauses: ffmpeg's `silencedetect` over the file, turned into the
 * intervals where speech is heard (the captions' phrases, src/captions/timing.ts).
 *
 * Thresholds: −35 dBFS and 80 ms. Synthetic and studio voices leave 80–150 ms of near-silence
 * at commas and full stops (measured on flite's voices: 85–150 ms at −35 dB), while stop
 * consonants inside words stay under 60 ms.
 */
import { execa } from 'execa';
import type { SpeechSpan } from '../captions/timing.js';
import { FfmpegError } from './process.js';

/** Level below which sound counts as silence, dBFS. */
export const SILENCE_NOISE_DB = -35;
/** Shortest silence that counts as a pause, seconds. */
export const SILENCE_MIN_SECONDS = 0.08;

/** Pure: the arguments that run silencedetect over `file`, writing nothing. */
export function buildSilenceArgs(file: string): string[] {
  return ['-nostdin', '-hide_banner', '-nostats', '-i', file, '-map', '0:a:0', '-af', `silencedetect=noise=${SILENCE_NOISE_DB}dB:d=${SILENCE_MIN_SECONDS}`, '-f', 'null', '-'];
}

/** Pure: the silences silencedetect reported in `stderr`, seconds; an unfinished one lasts to `duration`. */
export function parseSilences(stderr: string, duration: number): SpeechSpan[] {
  const silences: SpeechSpan[] = [];
  let open: number | undefined;
  for (const match of stderr.matchAll(/silence_(start|end): (-?[0-9.]+)/g)) {
    const at = Number(match[2]);
    if (match[1] === 'start') open = at;
    else if (open !== undefined) {
      silences.push({ start: Math.max(0, open), end: at });
      open = undefined;
    }
  }
  if (open !== undefined) silences.push({ start: Math.max(0, open), end: duration });
  return silences;
}

/** Pure: the intervals of [0, duration] outside `silences`, where speech is heard. */
export function speechSpans(silences: readonly SpeechSpan[], duration: number): SpeechSpan[] {
  const spans: SpeechSpan[] = [];
  let at = 0;
  for (const s of [...silences].sort((a, b) => a.start - b.start)) {
    if (s.start > at) spans.push({ start: at, end: Math.min(s.start, duration) });
    at = Math.max(at, s.end);
  }
  if (at < duration) spans.push({ start: at, end: duration });
  return spans.filter((s) => s.end - s.start > 1e-6);
}

/**
 * The intervals of `file` (a speech asset of `duration` seconds) where speech is heard.
 * @throws FfmpegError (the run failed, or `aborted` when the signal fired)
 */
export async function detectSpeech(file: string, duration: number, options: { ffmpegPath: string; signal?: AbortSignal | undefined }): Promise<SpeechSpan[]> {
  const argv = buildSilenceArgs(file);
  const result = await execa(options.ffmpegPath, argv, { reject: false, stdin: 'ignore', forceKillAfterDelay: 2000, ...(options.signal ? { cancelSignal: options.signal } : {}) });
  const stderr = String(result.stderr ?? '');
  const tail = stderr.split('\n').filter(Boolean).slice(-20);
  if (result.isCanceled || options.signal?.aborted) throw new FfmpegError('aborted', options.ffmpegPath, argv, tail, result.exitCode, { cause: options.signal?.reason });
  if (result.failed) throw new FfmpegError(result.signal ? 'signal' : 'exit', options.ffmpegPath, argv, tail, result.exitCode, { cause: result });
  return speechSpans(parseSilences(stderr, duration), duration);
}
