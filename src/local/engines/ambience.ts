/**
 * Pure: the filtergraph of a video's ambient audio bed — rain, wind, city hum, surf, fire
 * crackle or a quiet room tone — synthesized from seeded lavfi noise and sine sources.
 * Every source has a fixed seed, so the bed is the same on every run.
 */
import { SAMPLE_RATE } from './encode-args.js';
import type { Ambience } from './prompt.js';

/** Source chains of one bed, each ending unlabelled (the caller labels and mixes them). */
export function ambienceSources(kind: Ambience, duration: number, seed: number): string[] {
  const d = duration.toFixed(3);
  const noise = (color: string, amplitude: number, salt: number): string => `anoisesrc=d=${d}:c=${color}:r=${SAMPLE_RATE}:a=${amplitude}:s=${(seed + salt) % 2147483647}`;
  const sine = (freq: number, amplitude: number): string => `sine=f=${freq}:r=${SAMPLE_RATE}:d=${d},volume=${amplitude}`;
  // volume with eval=frame re-reads `t` once per audio frame (~21 ms): smooth enough for swells.
  const swell = (expr: string): string => `volume='${expr}':eval=frame`;
  switch (kind) {
    case 'rain':
      return [
        `${noise('pink', 0.5, 11)},highpass=f=700,lowpass=f=9000,volume=0.55`,
        // Droplets: velvet noise is sparse impulses; band-passed it ticks like drops on a roof.
        `${noise('velvet', 0.6, 12)},bandpass=f=3200:w=2500,volume=0.5`,
      ];
    case 'wind':
      return [`${noise('brown', 0.9, 21)},lowpass=f=520,${swell('0.45+0.35*sin(2*PI*0.09*t)+0.2*sin(2*PI*0.31*t+1)')}`];
    case 'city':
      return [`${noise('brown', 0.8, 31)},lowpass=f=260,volume=0.7`, sine(60, 0.05), sine(120, 0.03), `${noise('pink', 0.2, 32)},highpass=f=1500,volume=0.2`];
    case 'surf':
      return [`${noise('brown', 0.9, 41)},lowpass=f=1400,${swell('0.15+0.85*pow(0.5+0.5*sin(2*PI*t/7.3),3)')}`];
    case 'fire':
      return [`${noise('brown', 0.7, 51)},lowpass=f=320,volume=0.6`, `${noise('velvet', 0.8, 52)},highpass=f=1800,volume=0.12`];
    case 'room':
      return [`${noise('pink', 0.3, 61)},lowpass=f=420,volume=1.2`, sine(110, 0.03)];
    default: {
      const never: never = kind;
      throw new Error(`unknown ambience ${String(never)}`);
    }
  }
}

/**
 * Pure: the bed's filtergraph fragment (no inputs), ending in `[label]`: every source of
 * every ambience mixed at fixed gain, stereo 48 kHz, exactly `duration` seconds.
 * @param gainDb level of the whole bed (negative dB), lower when narration plays over it.
 */
export function ambienceGraph(kinds: readonly Ambience[], duration: number, seed: number, gainDb: number, label: string): string {
  const sources = kinds.flatMap((kind) => ambienceSources(kind, duration, seed));
  const chains = sources.map((source, i) => `${source}[amb${i}]`);
  const inputs = sources.map((_, i) => `[amb${i}]`).join('');
  const mix = sources.length > 1 ? `${inputs}amix=inputs=${sources.length}:normalize=0:duration=longest,` : `${inputs}anull,`;
  chains.push(`${mix}volume=${gainDb}dB,aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=stereo,` + `atrim=end=${duration.toFixed(3)}[${label}]`);
  return chains.join(';\n');
}
