/**
 * Pure: what a music prompt asks for — genre, mode, key, tempo — and the seeded PRNG every
 * musical choice draws from.
 *
 * Words decide when they can ("dark synthwave" is a minor-key synthwave); the prompt's hash
 * decides the rest (key, progression), so the same prompt always gives the same piece and
 * different prompts usually give different ones.
 */
import { hashText, mentions, tokenize } from './prompt.js';

export const GENRES = ['synthwave', 'ambient', 'orchestral', 'lofi', 'rock'] as const;
/** Arrangement family. `orchestral` is the default (a cinematic score). */
export type Genre = (typeof GENRES)[number];
export type Mode = 'major' | 'minor';

/** The musical decisions of one render. */
export interface MusicPlan {
  readonly genre: Genre;
  readonly mode: Mode;
  /** MIDI note number of the tonic in the bass octave (36–47, C2–B2). */
  readonly root: number;
  /** Beats per minute, 60–200. */
  readonly bpm: number;
  /** Seed of every random choice (melody, progression). */
  readonly seed: number;
}

const GENRE_WORDS: Readonly<Record<Genre, readonly string[]>> = {
  synthwave: ['synthwave', 'retrowave', 'outrun', 'synth', 'synths', 'synthesizer', '80s', 'neon', 'cyberpunk', 'analog', 'electronic', 'electro'],
  ambient: ['ambient', 'drone', 'calm', 'meditative', 'atmospheric', 'ethereal', 'peaceful', 'serene', 'pads', 'relaxing', 'space'],
  orchestral: ['orchestral', 'orchestra', 'cinematic', 'epic', 'strings', 'symphonic', 'score', 'trailer', 'heroic', 'choir', 'piano'],
  lofi: ['lo-fi', 'lofi', 'chill', 'chillhop', 'hip-hop', 'jazzy', 'jazz', 'study', 'beats', 'mellow', 'cozy'],
  rock: ['rock', 'guitar', 'guitars', 'punk', 'grunge', 'metal', 'driving', 'anthem', 'garage', 'indie'],
};

/** Tempo each genre gets when neither the request nor the prompt names one. */
export const GENRE_BPM: Readonly<Record<Genre, number>> = { synthwave: 100, ambient: 70, orchestral: 90, lofi: 80, rock: 128 };

const MINOR = [
  'dark',
  'sad',
  'melancholy',
  'melancholic',
  'moody',
  'tense',
  'ominous',
  'noir',
  'night',
  'somber',
  'sombre',
  'haunting',
  'mysterious',
  'grim',
  'tragic',
  'lonely',
  'suspense',
  'suspenseful',
  'eerie',
  'cold',
  'brooding',
];
const MAJOR = ['happy', 'bright', 'uplifting', 'joyful', 'cheerful', 'hopeful', 'sunny', 'triumphant', 'warm', 'playful', 'optimistic', 'festive', 'heroic', 'upbeat', 'summer'];
const SLOW = ['slow', 'slowly', 'gentle', 'calm', 'lazy', 'relaxed', 'relaxing', 'sleepy', 'pulse'];
const FAST = ['fast', 'energetic', 'driving', 'upbeat', 'frantic', 'intense', 'racing', 'action', 'chase'];

/** Clamps to the API's bpm range 60–200 and rounds to a whole beat count. */
export function clampBpm(bpm: number): number {
  return Math.min(200, Math.max(60, Math.round(bpm)));
}

/** The genre a prompt names most (earliest on a tie), `orchestral` when none. */
export function chooseGenre(tokens: readonly string[]): Genre {
  let best: Genre = 'orchestral';
  let bestCount = 0;
  let bestFirst = Number.POSITIVE_INFINITY;
  for (const genre of GENRES) {
    const words = GENRE_WORDS[genre];
    const indices = tokens.flatMap((token, i) => (words.includes(token) ? [i] : []));
    const first = indices[0] ?? Number.POSITIVE_INFINITY;
    if (indices.length > bestCount || (indices.length === bestCount && indices.length > 0 && first < bestFirst)) {
      best = genre;
      bestCount = indices.length;
      bestFirst = first;
    }
  }
  return best;
}

/**
 * Pure: the plan of a music render.
 * @param bpm the request's bpm when given (wins over the prompt); clamped to 60–200.
 */
export function analyzeMusic(prompt: string, bpm?: number): MusicPlan {
  const tokens = tokenize(prompt);
  const seed = hashText(prompt);
  const genre = chooseGenre(tokens);
  const minorHits = tokens.filter((t) => MINOR.includes(t)).length;
  const majorHits = tokens.filter((t) => MAJOR.includes(t)).length;
  // No mood word: the film-score habit of minor, except for genres that lean major.
  const mode: Mode = minorHits > majorHits ? 'minor' : majorHits > minorHits ? 'major' : genre === 'lofi' || genre === 'rock' ? 'major' : 'minor';
  const named = /(\d{2,3})\s*bpm\b/i.exec(prompt);
  let tempo = bpm ?? (named?.[1] ? Number(named[1]) : undefined);
  if (tempo === undefined) {
    tempo = GENRE_BPM[genre];
    if (mentions(tokens, SLOW)) tempo *= 0.8;
    if (mentions(tokens, FAST)) tempo *= 1.25;
  }
  return { genre, mode, root: 36 + (seed % 12), bpm: clampBpm(tempo), seed };
}

export { prng } from '../../util/prng.js';
