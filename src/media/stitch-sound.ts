/**
 * The film's sound, made once per set of inputs and kept in the work folder: the PCM mix
 * (audio-mix.ts), one loudness measurement, a static gain (and true-peak limiter when needed) to
 * the AAC, the result measured; loudnorm's two passes only when that misses the target
 * (loudness.ts). Kept as `sound-<key>.m4a` with its measured loudness in `sound-<key>.json`, so a
 * re-stitch that changes only the picture (a transition's type) neither re-mixes nor re-measures.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { buildMixArgs, mixFilter, type MixInput } from './audio-mix.js';
import { buildGainArgs, buildNormalizeArgs, linearGain, measureLoudness, measureResult, meetsTarget, type LoudnessResult, type LoudnessRunOptions } from './loudness.js';
import { runFfmpeg } from './process.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { exists, fileIdentity, workKey, type FileIdentity } from './work-files.js';

/** Bump when the sound's arguments change in a way the key does not otherwise capture. */
export const SOUND_VERSION = 2;

/** The film's normalized sound and what it measured. */
export interface FilmSound {
  /** Absolute path of the AAC (.m4a) in the work folder. */
  readonly file: string;
  readonly loudness: LoudnessResult;
  /** How it was normalized now: `linear` (gain, maybe limited) or `loudnorm`; `reused` when it was in the work folder. */
  readonly normalized: 'linear' | 'loudnorm' | 'reused';
}

/** What a sound needs besides its mix: the target, and how its ffmpeg runs are scheduled. */
export interface SoundJob {
  readonly mix: MixInput;
  /** Integrated loudness target, LUFS. */
  readonly target: number;
  readonly workDir: string;
  /** Per-run names for the PCM mix and its filter script (work-files.ts runFileNames). */
  readonly mixWav: string;
  readonly filterScript: string;
  readonly ffmpegPath: string;
  readonly signal?: AbortSignal | undefined;
  /** Runs one ffmpeg step in the stitch's shared pool of processes. */
  readonly schedule: <T>(step: () => Promise<T>) => Promise<T>;
  readonly onProgress?: ((stage: 'mix' | 'loudness', percent: number) => void) | undefined;
}

/**
 * The key of a sound: the mix's filtergraph (positions, fades, gains, ducking, length), each
 * input's identity (conformed clip sound by its content-keyed name; narration and cues by path,
 * size and mtime), the loudness target and SOUND_VERSION.
 */
export async function soundKey(mix: MixInput, target: number): Promise<string> {
  const files = [...mix.clips.map((c) => c.file), ...mix.narration.map((n) => n.file), ...mix.cues.map((c) => c.file)];
  const identityOf = async (f: string): Promise<string | FileIdentity> => (basename(f).startsWith('conform-') ? basename(f) : fileIdentity(f));
  const identities = await Promise.all(files.map(identityOf));
  return workKey({ v: SOUND_VERSION, filter: mixFilter(mix), identities, target });
}

/** Pure: the kept files of the sound with key `key` in `workDir`: the AAC and its loudness record. */
export function soundFiles(workDir: string, key: string): { readonly file: string; readonly record: string } {
  return { file: join(workDir, `sound-${key}.m4a`), record: join(workDir, `sound-${key}.json`) };
}

/**
 * The film's sound: reused from the work folder when its key is there, made otherwise.
 * @throws FfmpegError, LoudnessError
 */
export async function filmSound(job: SoundJob): Promise<FilmSound> {
  const key = await soundKey(job.mix, job.target);
  const { file, record } = soundFiles(job.workDir, key);
  if ((await exists(file)) && (await exists(record))) {
    job.onProgress?.('mix', 100);
    job.onProgress?.('loudness', 100);
    return { file, loudness: JSON.parse(await readFile(record, 'utf8')) as LoudnessResult, normalized: 'reused' };
  }
  const temp = join(job.workDir, `sound-${key}.${randomBytes(4).toString('hex')}.tmp.m4a`);
  try {
    const made = await makeSound(job, temp);
    // The record first: the AAC's presence is what marks a finished sound.
    await writeTextAtomic(record, JSON.stringify(made.loudness));
    await rename(temp, file);
    return { file, ...made };
  } finally {
    await rm(temp, { force: true });
  }
}

/** Mixes, measures once, normalizes linearly (or by loudnorm when that misses) to `out`. */
async function makeSound(job: SoundJob, out: string): Promise<Omit<FilmSound, 'file'>> {
  const { mix, ffmpegPath, signal, schedule } = job;
  const run: LoudnessRunOptions = { ffmpegPath, signal };
  await writeTextAtomic(job.filterScript, mixFilter(mix));
  await schedule(() =>
    runFfmpeg(buildMixArgs(mix, job.filterScript, job.mixWav), { ffmpegPath, signal, expectedDuration: mix.length, onProgress: (pc) => job.onProgress?.('mix', pc) }),
  );
  const measured = await schedule(() => measureResult(job.mixWav, run));
  job.onProgress?.('loudness', 30);
  await schedule(() => runFfmpeg(buildGainArgs(job.mixWav, linearGain(measured, job.target), out), { ffmpegPath, signal }));
  job.onProgress?.('loudness', 60);
  const linear = await schedule(() => measureResult(out, run));
  if (meetsTarget(linear, job.target)) {
    job.onProgress?.('loudness', 100);
    return { loudness: linear, normalized: 'linear' };
  }
  const values = await schedule(() => measureLoudness(job.mixWav, job.target, run));
  await schedule(() => runFfmpeg(buildNormalizeArgs(job.mixWav, job.target, values, out), { ffmpegPath, signal }));
  const loudness = await schedule(() => measureResult(out, run));
  job.onProgress?.('loudness', 100);
  return { loudness, normalized: 'loudnorm' };
}
