/**
 * The film's sound, mixed once over the whole cut in PCM (32-bit float, so nothing clips before
 * loudness normalization): each clip's own sound at its place with linear fades over the
 * transitions (the two fades of a transition sum to a crossfade, and a cut needs none), narration
 * at its start times, and the score cues with gain, fades and ducking under the narration.
 *
 * Ducking is volume automation rather than a sidechain compressor: the cue drops by exactly
 * `duck` dB while a narration plays, whatever the voice's level, ramping down DUCK_ATTACK seconds
 * before the voice starts (so its first syllable is not masked) and back up over DUCK_RELEASE.
 */
import { SAMPLE_RATE } from './house-format.js';
import type { StitchCue, StitchNarration } from './stitch-types.js';

/** Seconds the music takes to go down before a narration starts. */
export const DUCK_ATTACK = 0.3;
/** Seconds the music takes to come back after a narration ends. */
export const DUCK_RELEASE = 0.6;

/** One clip's sound on the film timeline (all in seconds). */
export interface ClipSound {
  /** Conformed 48 kHz stereo PCM, exactly `duration` long. */
  readonly file: string;
  readonly start: number;
  readonly duration: number;
  /** Crossfade with the previous clip (0 = cut). */
  readonly fadeIn: number;
  /** Crossfade with the next clip (0 = cut). */
  readonly fadeOut: number;
  /** dB. */
  readonly gain: number;
}

/** Everything the mix needs. */
export interface MixInput {
  readonly clips: readonly ClipSound[];
  readonly narration: readonly Pick<StitchNarration, 'file' | 'start' | 'duration'>[];
  readonly cues: readonly Pick<StitchCue, 'file' | 'start' | 'duration' | 'inPoint' | 'gain' | 'duck' | 'fadeIn' | 'fadeOut'>[];
  /** Film length, seconds. */
  readonly length: number;
}

/** Pure: numbers as filter arguments (no exponent notation, trailing zeros trimmed). */
export function num(value: number): string {
  return Number(value.toFixed(6)).toString();
}

const FORMAT = `aresample=${SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo`;
const samples = (seconds: number): number => Math.round(seconds * SAMPLE_RATE);

/**
 * Pure: the ducking gain (linear factor) over film time `t` as an ffmpeg expression: 1 outside
 * narration, 10^(−duck/20) during it, with linear ramps (see the module comment).
 */
export function duckExpression(narration: readonly { start: number; duration: number }[], duckDb: number): string {
  const floor = 10 ** (-Math.abs(duckDb) / 20);
  const windows = narration.map((n) => {
    const rise = `clip((t-${num(n.start - DUCK_ATTACK)})/${num(DUCK_ATTACK)},0,1)`;
    const fall = `clip((${num(n.start + n.duration + DUCK_RELEASE)}-t)/${num(DUCK_RELEASE)},0,1)`;
    return `min(${rise},${fall})`;
  });
  const depth = windows.reduce((acc, w) => (acc === '' ? w : `max(${acc},${w})`), '');
  return depth === '' ? '1' : `1-${num(1 - floor)}*${depth}`;
}

/** Pure: `afade` filters for a fade-in at 0 and a fade-out ending at `duration` (seconds). */
function fades(duration: number, fadeIn: number, fadeOut: number): string[] {
  return [...(fadeIn > 0 ? [`afade=t=in:st=0:d=${num(fadeIn)}`] : []), ...(fadeOut > 0 ? [`afade=t=out:st=${num(Math.max(0, duration - fadeOut))}:d=${num(fadeOut)}`] : [])];
}

/**
 * Pure: the filtergraph of the mix. Inputs are numbered clips, then narration, then cues (as
 * `buildMixArgs` lists them); the output is `[mix]`, exactly `length` seconds.
 */
export function mixFilter(input: MixInput): string {
  const chains: string[] = [];
  const labels: string[] = [];
  let k = 0;
  for (const clip of input.clips) {
    const filters = [
      FORMAT,
      `atrim=end_sample=${samples(clip.duration)}`,
      `volume=${num(clip.gain)}dB`,
      ...fades(clip.duration, clip.fadeIn, clip.fadeOut),
      `adelay=delays=${samples(clip.start)}S:all=1`,
    ];
    chains.push(`[${k}:a]${filters.join(',')}[s${k}]`);
    labels.push(`[s${k}]`);
    k += 1;
  }
  for (const n of input.narration) {
    const filters = [FORMAT, `atrim=end_sample=${samples(n.duration)}`, `adelay=delays=${samples(n.start)}S:all=1`];
    chains.push(`[${k}:a]${filters.join(',')}[s${k}]`);
    labels.push(`[s${k}]`);
    k += 1;
  }
  for (const cue of input.cues) {
    const filters = [
      `atrim=start=${num(cue.inPoint)}`,
      'asetpts=PTS-STARTPTS',
      FORMAT,
      `atrim=end_sample=${samples(cue.duration)}`,
      `volume=${num(cue.gain)}dB`,
      ...fades(cue.duration, cue.fadeIn, cue.fadeOut),
      `adelay=delays=${samples(cue.start)}S:all=1`,
      ...(cue.duck !== 0 && input.narration.length > 0 ? [`volume='${duckExpression(input.narration, cue.duck)}':eval=frame`] : []),
    ];
    chains.push(`[${k}:a]${filters.join(',')}[s${k}]`);
    labels.push(`[s${k}]`);
    k += 1;
  }
  const total = samples(input.length);
  // normalize=0: a sum, not an average, so a level does not change when another input ends.
  const mixer = labels.length > 1 ? `${labels.join('')}amix=inputs=${labels.length}:normalize=0:duration=longest,` : `${labels.join('')}`;
  chains.push(`${mixer}apad=whole_len=${total},atrim=end_sample=${total}[mix]`);
  return chains.join(';\n');
}

/** Pure: ffmpeg arguments that write the mix as 32-bit float WAV to `out`. */
export function buildMixArgs(input: MixInput, filterScript: string, out: string): string[] {
  const files = [...input.clips.map((c) => c.file), ...input.narration.map((n) => n.file), ...input.cues.map((c) => c.file)];
  return [
    ...files.flatMap((file) => ['-i', file]),
    '-filter_complex_script',
    filterScript,
    '-map',
    '[mix]',
    '-c:a',
    'pcm_f32le',
    '-ar',
    String(SAMPLE_RATE),
    '-ac',
    '2',
    '-f',
    'wav',
    '-y',
    out,
  ];
}
