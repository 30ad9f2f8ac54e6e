/**
 * Measurements the engine tests assert on, taken with ffmpeg/ffprobe the way a user would
 * check a file: colour statistics (signalstats), decoded PCM, loudness of a window, hashes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** Mean of each signalstats value over every 12th frame (e.g. SATAVG, UAVG, VAVG, YAVG). */
export async function colourStats(file: string): Promise<Record<string, number>> {
  const { stdout } = await execa('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-i',
    file,
    '-vf',
    "select='not(mod(n,12))',signalstats,metadata=print:file=-",
    '-f',
    'null',
    '-',
  ]);
  const sums = new Map<string, { sum: number; count: number }>();
  for (const match of stdout.matchAll(/lavfi\.signalstats\.(\w+)=([-\d.]+)/g)) {
    const key = match[1] ?? '';
    const entry = sums.get(key) ?? { sum: 0, count: 0 };
    entry.sum += Number(match[2]);
    entry.count++;
    sums.set(key, entry);
  }
  return Object.fromEntries([...sums].map(([k, v]) => [k, v.sum / v.count]));
}

/**
 * Hue angle in degrees of the mean chroma (atan2(V−128, U−128), BT.601): red ≈ 109,
 * magenta ≈ 52, blue ≈ −9, cyan ≈ −71, green ≈ −128, yellow ≈ 171; and its magnitude.
 */
export function meanHue(stats: Record<string, number>): { angle: number; chroma: number } {
  const u = (stats['UAVG'] ?? 128) - 128;
  const v = (stats['VAVG'] ?? 128) - 128;
  return { angle: (Math.atan2(v, u) * 180) / Math.PI, chroma: Math.hypot(u, v) };
}

/** Decoded audio as mono 48 kHz samples in −1…1. */
export async function decodeMono(file: string): Promise<Float32Array> {
  const { stdout } = await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file, '-f', 's16le', '-ac', '1', '-ar', '48000', '-'], {
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  const bytes = Buffer.from(stdout);
  const out = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2) / 32768;
  return out;
}

/**
 * Onset times (seconds) from an energy envelope: 10 ms RMS frames, the positive change from
 * frame to frame, peaks above 30% of the largest change, at least `minGap` seconds apart.
 */
export function onsets(samples: Float32Array, rate = 48000, minGap = 0.2): number[] {
  const hop = Math.round(rate / 100);
  const energy: number[] = [];
  for (let i = 0; i + hop <= samples.length; i += hop) {
    let sum = 0;
    for (let j = i; j < i + hop; j++) sum += (samples[j] ?? 0) ** 2;
    energy.push(Math.sqrt(sum / hop));
  }
  const rise = energy.map((e, i) => Math.max(0, e - (energy[i - 1] ?? 0)));
  const threshold = 0.3 * Math.max(...rise);
  const times: number[] = [];
  for (let i = 1; i < rise.length - 1; i++) {
    const r = rise[i] ?? 0;
    if (r < threshold || r < (rise[i - 1] ?? 0) || r < (rise[i + 1] ?? 0)) continue;
    const t = i / 100;
    if (times.length === 0 || t - (times.at(-1) ?? 0) >= minGap) times.push(t);
  }
  return times;
}

/** Median of the gaps between consecutive values. */
export function medianInterval(times: readonly number[]): number {
  const gaps = times
    .slice(1)
    .map((t, i) => t - (times[i] ?? 0))
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? Number.NaN;
}

/** RMS level in dBFS of seconds [from, to) of `samples`. */
export function windowDb(samples: Float32Array, from: number, to: number, rate = 48000): number {
  let sum = 0;
  const a = Math.floor(from * rate);
  const b = Math.min(samples.length, Math.floor(to * rate));
  for (let i = a; i < b; i++) sum += (samples[i] ?? 0) ** 2;
  return 10 * Math.log10(sum / Math.max(1, b - a) + 1e-12);
}

/** SHA-256 of a file, hex. */
export async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
