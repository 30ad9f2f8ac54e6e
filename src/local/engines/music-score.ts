/**
 * Pure: a MusicPlan → the notes of an original piece: a four-chord progression (one chord a
 * bar), bass, pads, drums (a kick on every beat, so the tempo is audible and measurable) and a
 * lead chosen by genre — an arpeggio (synthwave, rock) or a seeded melody that repeats as a
 * four-bar motif with variations (ambient, orchestral, lofi).
 *
 *   bar:     |  1            |  2            | ...
 *   beat:    |  1  2  3  4   |  1  2  3  4   |
 *   kick:    |  x  x  x  x   |  x  x  x  x   |
 *   snare:   |     x     x   |     x     x   |   (not ambient/orchestral)
 *   chord:   |  i            |  VI           |   (one chord per bar, loops every 4 bars)
 */
import { prng, type Genre, type MusicPlan } from './music-plan.js';

/** Sound sources the synth knows. */
export type Instrument = 'kick' | 'snare' | 'hat' | 'bass' | 'pad' | 'strings' | 'lead' | 'arp' | 'pluck';

/** One note. Times in seconds from the start of the piece. */
export interface Note {
  readonly instrument: Instrument;
  readonly start: number;
  /** Held length in seconds (the release rings on after it). */
  readonly duration: number;
  /** MIDI note number (ignored by drums). */
  readonly midi: number;
  /** 0–1. */
  readonly velocity: number;
  /** −1 (left) … 1 (right). */
  readonly pan: number;
}

/** Scale steps in semitones from the tonic. */
export const SCALES = { major: [0, 2, 4, 5, 7, 9, 11], minor: [0, 2, 3, 5, 7, 8, 10] } as const;

/** Progressions as scale degrees (0 = tonic), one chord per bar. */
const PROGRESSIONS = {
  minor: [
    [0, 5, 2, 6], // i VI III VII
    [0, 3, 4, 0], // i iv v i
    [0, 5, 3, 4], // i VI iv v
  ],
  major: [
    [0, 4, 5, 3], // I V vi IV
    [0, 3, 4, 3], // I IV V IV
    [0, 5, 3, 4], // I vi IV V
  ],
} as const;

/** Semitones above the tonic of scale degree `degree` (may exceed 7: next octaves). */
export function degreeSemitones(scale: readonly number[], degree: number): number {
  const octave = Math.floor(degree / scale.length);
  const index = ((degree % scale.length) + scale.length) % scale.length;
  return (scale[index] ?? 0) + 12 * octave;
}

/** The triad on `degree` as semitones above the tonic: root, third, fifth. */
export function triad(scale: readonly number[], degree: number): [number, number, number] {
  return [degreeSemitones(scale, degree), degreeSemitones(scale, degree + 2), degreeSemitones(scale, degree + 4)];
}

/** The progression (degrees) a plan uses. */
export function progressionOf(plan: MusicPlan): readonly number[] {
  const options = PROGRESSIONS[plan.mode];
  return options[plan.seed % options.length] ?? options[0];
}

interface Arrangement {
  readonly snare: boolean;
  readonly hats: 'eighths' | 'swing' | 'none';
  /** Bass rhythm as beat offsets within a bar, each with a length in beats. */
  readonly bass: readonly (readonly [number, number])[];
  readonly padInstrument: Instrument;
  readonly lead: 'arp16' | 'arp8' | 'melody-slow' | 'melody' | 'melody-sparse';
  readonly leadInstrument: Instrument;
  readonly kickVelocity: number;
}

const EIGHTHS: readonly (readonly [number, number])[] = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5].map((b) => [b, 0.45] as const);

const ARRANGEMENTS: Readonly<Record<Genre, Arrangement>> = {
  synthwave: { snare: true, hats: 'eighths', bass: EIGHTHS, padInstrument: 'pad', lead: 'arp16', leadInstrument: 'arp', kickVelocity: 1 },
  rock: { snare: true, hats: 'eighths', bass: EIGHTHS, padInstrument: 'strings', lead: 'arp8', leadInstrument: 'pluck', kickVelocity: 1 },
  lofi: {
    snare: true,
    hats: 'swing',
    bass: [
      [0, 1.2],
      [1.5, 0.4],
      [2, 1.5],
    ],
    padInstrument: 'pad',
    lead: 'melody-sparse',
    leadInstrument: 'pluck',
    kickVelocity: 0.85,
  },
  orchestral: {
    snare: false,
    hats: 'none',
    bass: [
      [0, 1.9],
      [2, 1.9],
    ],
    padInstrument: 'strings',
    lead: 'melody',
    leadInstrument: 'lead',
    kickVelocity: 0.8,
  },
  ambient: { snare: false, hats: 'none', bass: [[0, 3.9]], padInstrument: 'pad', lead: 'melody-slow', leadInstrument: 'lead', kickVelocity: 0.6 },
};

/**
 * Pure: every note of a `duration`-second piece for `plan`, sorted by start time.
 * Notes that would start at or after `duration` are left out.
 */
// Longer than most: the voices (bass, pads, lead, drums) are written bar by bar from one shared
// random stream, whose order of draws must stay fixed for renders to stay byte-identical.
// eslint-disable-next-line max-lines-per-function
export function composeScore(plan: MusicPlan, duration: number): Note[] {
  const random = prng(plan.seed ^ 0x9e3779b9);
  const scale = SCALES[plan.mode];
  const beat = 60 / plan.bpm;
  const bar = 4 * beat;
  const bars = Math.ceil(duration / bar);
  const progression = progressionOf(plan);
  const arrangement = ARRANGEMENTS[plan.genre];
  const notes: Note[] = [];
  const add = (note: Note): void => {
    if (note.start < duration) notes.push(note);
  };

  // A four-bar motif: per bar, (beat offset, length in beats, scale degree above the chord root).
  const motif: [number, number, number][][] = [];
  for (let b = 0; b < 4; b++) {
    const events: [number, number, number][] = [];
    let at = 0;
    let degree = Math.floor(random() * 5);
    const steps = arrangement.lead === 'melody-slow' ? [2, 2] : arrangement.lead === 'melody' ? [1, 1, 2, 0.5, 1.5] : [0.5, 1, 1.5, 1];
    while (at < 4) {
      const length = Math.min(steps[Math.floor(random() * steps.length)] ?? 1, 4 - at);
      const rest = arrangement.lead === 'melody-sparse' && random() < 0.35;
      if (!rest) events.push([at, length, degree]);
      degree = Math.max(-2, Math.min(7, degree + Math.floor(random() * 5) - 2));
      at += length;
    }
    motif.push(events);
  }

  for (let b = 0; b < bars; b++) {
    const t0 = b * bar;
    const degree = progression[b % progression.length] ?? 0;
    const chord = triad(scale, degree);
    const chordRoot = plan.root + (chord[0] % 12);
    // Drums.
    for (let k = 0; k < 4; k++) {
      add({ instrument: 'kick', start: t0 + k * beat, duration: 0.3, midi: 0, velocity: arrangement.kickVelocity, pan: 0 });
      if (arrangement.snare && k % 2 === 1) add({ instrument: 'snare', start: t0 + k * beat, duration: 0.2, midi: 0, velocity: 0.7, pan: 0.05 });
    }
    if (arrangement.hats !== 'none') {
      for (let e = 0; e < 8; e++) {
        const swing = arrangement.hats === 'swing' && e % 2 === 1 ? beat * 0.16 : 0;
        add({ instrument: 'hat', start: t0 + e * beat * 0.5 + swing, duration: 0.05, midi: 0, velocity: e % 2 === 0 ? 0.5 : 0.35, pan: 0.3 });
      }
    }
    // Bass on the chord root.
    for (const [offset, length] of arrangement.bass) {
      add({ instrument: 'bass', start: t0 + offset * beat, duration: length * beat, midi: chordRoot, velocity: 0.8, pan: 0 });
    }
    // Pads: the triad an octave and a half up, spread across the stereo field.
    chord.forEach((semitones, i) => {
      add({ instrument: arrangement.padInstrument, start: t0, duration: bar, midi: plan.root + 24 + semitones, velocity: 0.45, pan: (i - 1) * 0.5 });
    });
    // Lead, from the second bar on (the first bar sets the groove).
    if (b === 0) continue;
    if (arrangement.lead === 'arp16' || arrangement.lead === 'arp8') {
      const step = arrangement.lead === 'arp16' ? 0.25 : 0.5;
      const pattern = [0, 1, 2, 1, 0, 2, 1, 2];
      for (let s = 0; s * step < 4; s++) {
        const tone = chord[pattern[s % pattern.length] ?? 0] ?? 0;
        add({
          instrument: arrangement.leadInstrument,
          start: t0 + s * step * beat,
          duration: step * beat * 0.9,
          midi: plan.root + 36 + tone,
          velocity: 0.4,
          pan: s % 2 === 0 ? -0.35 : 0.35,
        });
      }
    } else {
      const events = motif[b % 4] ?? [];
      const lift = Math.floor(b / 8) % 2 === 1 ? 2 : 0; // every other 8 bars, the motif moves up a third
      for (const [offset, length, d] of events) {
        const semis = degreeSemitones(scale, degree + d + lift);
        add({ instrument: arrangement.leadInstrument, start: t0 + offset * beat, duration: length * beat * 0.95, midi: plan.root + 36 + semis, velocity: 0.5, pan: 0.1 });
      }
    }
  }
  return notes.sort((a, b) => a.start - b.start);
}
