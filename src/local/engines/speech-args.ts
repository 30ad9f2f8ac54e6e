/**
 * Pure: how a voice id becomes speech — the flite voice (or espeak-ng voice when ffmpeg lacks
 * libflite), the pitch shift that tells two voices on one model apart, and the ffmpeg
 * arguments that speak a text file at a given speed.
 */
import type { AudioFormat, VoiceId } from '../../vocabulary/catalog.js';
import { assertFilterSafePath, atempoChain, audioFormatArgs, BITEXACT_ARGS, SAMPLE_RATE } from './encode-args.js';

/** How one API voice is made. */
export interface VoiceModel {
  /** flite voice: kal, kal16, awb, rms or slt. */
  readonly flite: string;
  /** espeak-ng voice for the fallback backend. */
  readonly espeak: string;
  /** Pitch factor (1 = unchanged); tempo is compensated so only pitch moves. */
  readonly pitch: number;
}

/** The voice models behind the catalog's voice ids. */
export const VOICE_MODELS: Readonly<Record<VoiceId, VoiceModel>> = {
  'neural-narrator-m': { flite: 'rms', espeak: 'en-us+m3', pitch: 1 },
  'neural-narrator-f': { flite: 'slt', espeak: 'en-us+f3', pitch: 1 },
  'neural-narrator-m2': { flite: 'awb', espeak: 'en-gb-scotland+m1', pitch: 1 },
  'neural-narrator-f2': { flite: 'slt', espeak: 'en-gb+f4', pitch: 1.12 },
};

/** Seconds of silence after every utterance: keeps a file non-empty when nothing is sayable. */
export const SPEECH_TAIL = 0.25;

/** flite voices render at this rate (kal alone is 8 kHz, and asetrate only runs after resampling). */
const FLITE_RATE = 16_000;

/**
 * Filters after the voice source: resample, pitch shift (asetrate + compensating tempo),
 * the requested speed, mono 48 kHz, a short silent tail.
 */
export function speechPostFilters(voice: VoiceModel, speed: number): string[] {
  const pitch = voice.pitch === 1 ? [] : [`asetrate=${Math.round(FLITE_RATE * voice.pitch)}`];
  return [
    `aresample=${FLITE_RATE}`,
    ...pitch,
    ...atempoChain(speed / voice.pitch),
    `aresample=${SAMPLE_RATE}`,
    'aformat=sample_fmts=s16:channel_layouts=mono',
    `apad=pad_dur=${SPEECH_TAIL}`,
  ];
}

/**
 * The filtergraph fragment (no inputs, output label `[label]`) that speaks `textFile` with
 * flite at `speed`. The text is never put into the graph, only the file's path.
 * @throws Error when `textFile` holds characters that would need filtergraph escaping.
 */
export function fliteGraph(textFile: string, voiceId: VoiceId, speed: number, label: string): string {
  const voice = VOICE_MODELS[voiceId];
  return `flite=textfile=${assertFilterSafePath(textFile)}:v=${voice.flite},${speechPostFilters(voice, speed).join(',')}[${label}]`;
}

/** Everything buildSpeechArgs needs. */
export interface SpeechArgs {
  readonly textFile: string;
  readonly voiceId: VoiceId;
  readonly speed: number;
  readonly format: AudioFormat;
  readonly outFile: string;
}

/** Pure: ffmpeg arguments speaking `textFile` with flite into `outFile` (mono, 48 kHz). */
export function buildFliteSpeechArgs(a: SpeechArgs): string[] {
  return ['-filter_complex', fliteGraph(a.textFile, a.voiceId, a.speed, 'speech'), '-map', '[speech]', ...BITEXACT_ARGS, ...audioFormatArgs(a.format, 1), '-y', a.outFile];
}

/** Pure: espeak-ng arguments writing `textFile` as WAV to `wavFile` (speed is applied later by ffmpeg). */
export function buildEspeakArgs(textFile: string, voiceId: VoiceId, wavFile: string): string[] {
  return ['-v', VOICE_MODELS[voiceId].espeak, '-s', '165', '-w', wavFile, '-f', textFile];
}

/** Pure: ffmpeg arguments turning espeak-ng's WAV into the requested speed and format. */
export function buildEspeakEncodeArgs(wavFile: string, a: Omit<SpeechArgs, 'textFile'>): string[] {
  const post = speechPostFilters({ ...VOICE_MODELS[a.voiceId], pitch: 1 }, a.speed);
  return ['-i', wavFile, '-af', post.join(','), ...BITEXACT_ARGS, ...audioFormatArgs(a.format, 1), '-y', a.outFile];
}

/**
 * Pure: the text as flite gets it — NFC, control characters other than newline and tab
 * replaced by spaces. Anything flite cannot say it skips.
 */
export function speakableText(text: string): string {
  return text.normalize('NFC').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
}
