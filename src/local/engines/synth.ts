/**
 * Pure: the synthesizer — notes → 48 kHz stereo PCM, one chunk at a time.
 *
 * Every voice is a stateless function of the time since its note began (wavetable lookups,
 * analytic envelopes and pitch sweeps, a fixed noise table), so a chunk can be rendered
 * without the chunks before it and the output never depends on chunk size.
 */
import { prng } from './music-plan.js';
import type { Instrument, Note } from './music-score.js';

/** Frames per second of the PCM. */
export const SYNTH_RATE = 48_000;
const TABLE_SIZE = 4096;
const NOISE_SIZE = 1 << 16;

/** One cycle of a waveform built from harmonic amplitudes (index 0 = fundamental). */
function wavetable(harmonics: readonly number[]): Float64Array {
  const table = new Float64Array(TABLE_SIZE + 1);
  let peak = 0;
  for (let i = 0; i < TABLE_SIZE; i++) {
    let v = 0;
    harmonics.forEach((amp, k) => {
      v += amp * Math.sin((2 * Math.PI * (k + 1) * i) / TABLE_SIZE);
    });
    table[i] = v;
    peak = Math.max(peak, Math.abs(v));
  }
  for (let i = 0; i < TABLE_SIZE; i++) table[i] = (table[i] ?? 0) / peak;
  table[TABLE_SIZE] = table[0] ?? 0; // guard point for interpolation
  return table;
}

const TABLES = {
  sine: wavetable([1]),
  bass: wavetable([1, 0.5, 0.25, 0.1]),
  pad: wavetable([1, 0.45, 0.3, 0.18, 0.1, 0.06]),
  saw: wavetable(Array.from({ length: 12 }, (_, k) => 1 / (k + 1))),
  square: wavetable(Array.from({ length: 12 }, (_, k) => (k % 2 === 0 ? 1 / (k + 1) : 0))),
  lead: wavetable([1, 0.3, 0.15, 0.05]),
} as const;
type TableName = keyof typeof TABLES;

function lookup(table: Float64Array, phase: number): number {
  const x = (phase - Math.floor(phase)) * TABLE_SIZE;
  const i = Math.floor(x);
  const a = table[i] ?? 0;
  return a + ((table[i + 1] ?? 0) - a) * (x - i);
}

/** Hz of a MIDI note (A4 = 69 = 440 Hz). */
export function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

/** A tonal voice: wavetable, envelope (seconds), gain, detune and vibrato depth (fractions). */
interface Voice {
  readonly table: TableName;
  readonly attack: number;
  readonly release: number;
  /** Exponential decay time constant while held (0 = sustain at full level). */
  readonly decay: number;
  readonly gain: number;
  readonly detune: number;
  readonly vibrato: number;
  /** tanh drive (0 = clean). */
  readonly drive: number;
}

const VOICES: Readonly<Record<Exclude<Instrument, 'kick' | 'snare' | 'hat'>, Voice>> = {
  bass: { table: 'bass', attack: 0.005, release: 0.06, decay: 0, gain: 0.42, detune: 0, vibrato: 0, drive: 0 },
  pad: { table: 'pad', attack: 0.4, release: 0.9, decay: 0, gain: 0.1, detune: 0.003, vibrato: 0, drive: 0 },
  strings: { table: 'saw', attack: 0.3, release: 0.7, decay: 0, gain: 0.075, detune: 0.004, vibrato: 0.003, drive: 0 },
  lead: { table: 'lead', attack: 0.04, release: 0.35, decay: 0, gain: 0.2, detune: 0, vibrato: 0.004, drive: 0 },
  arp: { table: 'square', attack: 0.003, release: 0.05, decay: 0.16, gain: 0.11, detune: 0, vibrato: 0, drive: 0 },
  pluck: { table: 'saw', attack: 0.003, release: 0.08, decay: 0.22, gain: 0.13, detune: 0, vibrato: 0, drive: 1.5 },
};

/** Seconds a note sounds in total (held length plus its release or decay tail). */
export function soundingLength(note: Note): number {
  switch (note.instrument) {
    case 'kick':
      return 0.45;
    case 'snare':
      return 0.3;
    case 'hat':
      return 0.12;
    default:
      return note.duration + VOICES[note.instrument].release;
  }
}

/** A chunk of stereo PCM, floats around ±1. */
export interface StereoChunk {
  readonly left: Float32Array;
  readonly right: Float32Array;
}

/**
 * The synthesizer for one piece: a noise table seeded with `seed`, then `render` for any
 * range of frames.
 */
export class Synth {
  private readonly noise: Float64Array;
  private readonly ends: Float64Array;

  /** @param notes sorted by start (as composeScore returns them). */
  constructor(
    private readonly notes: readonly Note[],
    seed: number,
  ) {
    const random = prng(seed ^ 0x5bd1e995);
    this.noise = new Float64Array(NOISE_SIZE);
    for (let i = 0; i < NOISE_SIZE; i++) this.noise[i] = random() * 2 - 1;
    this.ends = Float64Array.from(notes, (note) => note.start + soundingLength(note));
  }

  /** Renders frames [startFrame, startFrame + frames) as floats. */
  render(startFrame: number, frames: number): StereoChunk {
    const left = new Float32Array(frames);
    const right = new Float32Array(frames);
    const t0 = startFrame / SYNTH_RATE;
    const t1 = (startFrame + frames) / SYNTH_RATE;
    this.notes.forEach((note, index) => {
      if (note.start >= t1 || (this.ends[index] ?? 0) <= t0) return;
      const from = Math.max(0, Math.ceil(note.start * SYNTH_RATE) - startFrame);
      const to = Math.min(frames, Math.ceil((this.ends[index] ?? 0) * SYNTH_RATE) - startFrame);
      const angle = ((note.pan + 1) * Math.PI) / 4;
      const gl = Math.cos(angle) * Math.SQRT2 * note.velocity;
      const gr = Math.sin(angle) * Math.SQRT2 * note.velocity;
      const sample = this.voiceOf(note, index);
      for (let i = from; i < to; i++) {
        const v = sample((startFrame + i) / SYNTH_RATE - note.start, startFrame + i);
        left[i] = (left[i] ?? 0) + v * gl;
        right[i] = (right[i] ?? 0) + v * gr;
      }
    });
    return { left, right };
  }

  /** The sample function of one note: (seconds since its start, absolute frame) → value. */
  private voiceOf(note: Note, index: number): (t: number, frame: number) => number {
    const noise = this.noise;
    const n = (frame: number): number => noise[(frame + index * 7919) & (NOISE_SIZE - 1)] ?? 0;
    switch (note.instrument) {
      case 'kick':
        // Pitch falls from ~155 Hz to 45 Hz: phase is the integral of f(t) = 45 + 110·e^(−t/τ).
        return (t) => {
          const tau = 0.035;
          const phase = 45 * t + 110 * tau * (1 - Math.exp(-t / tau));
          const click = t < 0.003 ? 0.4 * (1 - t / 0.003) : 0;
          return (Math.sin(2 * Math.PI * phase) * Math.exp(-t / 0.16) + click) * 0.95;
        };
      case 'snare':
        return (t, frame) => n(frame) * Math.exp(-t / 0.07) * 0.45 + Math.sin(2 * Math.PI * 185 * t) * Math.exp(-t / 0.04) * 0.3;
      case 'hat':
        // First difference of white noise: a crude high-pass, stateless.
        return (t, frame) => (n(frame) - n(frame - 1)) * Math.exp(-t / 0.02) * 0.12;
      default: {
        const voice = VOICES[note.instrument];
        const table = TABLES[voice.table];
        const f = midiToHz(note.midi);
        const held = note.duration;
        return (t) => {
          let env = t < voice.attack ? t / voice.attack : 1;
          if (voice.decay > 0) env *= Math.exp(-Math.max(0, t - voice.attack) / voice.decay);
          if (t > held) env *= Math.max(0, 1 - (t - held) / voice.release);
          const wobble = voice.vibrato > 0 ? (voice.vibrato / (2 * Math.PI * 5.5)) * Math.sin(2 * Math.PI * 5.5 * t) : 0;
          let v = lookup(table, f * (t + wobble));
          if (voice.detune > 0) v = 0.5 * (v + lookup(table, f * (1 + voice.detune) * (t + wobble) + 0.31));
          if (voice.drive > 0) v = Math.tanh(v * (1 + voice.drive)) / Math.tanh(1 + voice.drive);
          return v * env * voice.gain;
        };
      }
    }
  }
}

/**
 * Master level before the soft clipper: the mix lands around −14 LUFS integrated with peaks
 * near −3 dBFS, room for the mp3 encoder and for the stitcher's loudness normalization.
 */
export const MASTER_GAIN = 0.6;

/**
 * Pure: a float chunk as interleaved signed 16-bit little-endian PCM, at MASTER_GAIN through
 * a soft clipper (tanh) so peaks never wrap.
 */
export function toS16le(chunk: StereoChunk): Buffer {
  const frames = chunk.left.length;
  const out = Buffer.alloc(frames * 4);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < frames; i++) {
    view.setInt16(i * 4, Math.round(Math.tanh((chunk.left[i] ?? 0) * MASTER_GAIN) * 32000), true);
    view.setInt16(i * 4 + 2, Math.round(Math.tanh((chunk.right[i] ?? 0) * MASTER_GAIN) * 32000), true);
  }
  return out;
}
