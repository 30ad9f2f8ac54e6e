/**
 * QC of a production's final cut, measured on the file itself: its stream facts (ffprobe), one
 * shared ffmpeg pass for the detectors and the poster stills (pass-args.ts), and the caption
 * sidecar as written; then the pure judgement (src/qc/judge.ts).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCaptions, type Caption } from '../../qc/caption-checks.js';
import { parseDetectorLog, type DetectorLog, type LoudnessPoint } from '../../qc/detector-log.js';
import type { QcFilm } from '../../qc/film.js';
import { judge, type RenditionMeasurement } from '../../qc/judge.js';
import { posterMoments, type PosterMoment } from '../../qc/posters.js';
import { summarizeVerdicts, type QcSummary } from '../../qc/verdict.js';
import type { FfmpegBinaries } from '../ffmpeg.js';
import { ffmpegStderr } from '../process.js';
import { buildQcPassArgs, type PosterOutput } from './pass-args.js';
import { renditionFacts } from './rendition-facts.js';

/** Height of a poster still, pixels (256×144 for 16:9: a contact sheet of small JPEGs). */
export const POSTER_HEIGHT = 144;

/** The files of a production QC reads. */
export interface CutFiles {
  /** The final cut. */
  readonly cut: string;
  /** Further renditions of the same film (none today). */
  readonly renditions?: readonly string[];
  /** The caption sidecar (SRT or WebVTT), when one was written. */
  readonly captions?: string;
}

/** A poster still, as JPEG bytes. */
export interface Poster extends PosterMoment {
  readonly jpeg: Buffer;
}

/** QC's outcome: the verdicts, and what the review page draws. */
export interface QcOutcome {
  readonly summary: QcSummary;
  /** ebur128's momentary and short-term loudness every 100 ms. */
  readonly loudness: readonly LoudnessPoint[];
  readonly posters: readonly Poster[];
}

/** Options of checkCut. */
export interface CheckCutOptions {
  readonly binaries: Pick<FfmpegBinaries, 'ffmpeg' | 'ffprobe'>;
  /** A folder for the stills while they are made (a temp folder inside it is removed again). */
  readonly workDir: string;
  readonly signal?: AbortSignal;
}

/**
 * Measures and judges the cut (and any renditions).
 * @throws FfmpegError (a pass failed to run, or `aborted`), ProbeError
 */
export async function checkCut(film: QcFilm, files: CutFiles, options: CheckCutOptions): Promise<QcOutcome> {
  const stillsDir = await mkdtemp(join(options.workDir, 'qc-'));
  try {
    const moments = posterMoments(film);
    const frames = [...new Set(moments.map((m) => m.frame))].sort((a, b) => a - b);
    const posters: PosterOutput = { frames, pattern: join(stillsDir, 'poster-%03d.jpg'), height: POSTER_HEIGHT };
    const [cut, others, captions] = await Promise.all([
      measureRendition(files.cut, film, options, posters),
      Promise.all((files.renditions ?? []).map((file) => measureRendition(file, film, options))),
      readCaptions(files.captions),
    ]);
    const verdicts = judge(film, { renditions: [cut, ...others], ...(captions ? { captions } : {}) });
    return { summary: summarizeVerdicts(verdicts), loudness: cut.log.loudness, posters: await readPosters(stillsDir, moments, frames) };
  } finally {
    await rm(stillsDir, { recursive: true, force: true });
  }
}

/** Facts and detector log of one file; stills only for the final cut. */
async function measureRendition(file: string, film: QcFilm, options: CheckCutOptions, posters?: PosterOutput): Promise<RenditionMeasurement> {
  const [facts, log] = await Promise.all([renditionFacts(file, options.binaries.ffprobe, options.signal), detectorPass(file, film, options, posters)]);
  return { facts, log };
}

/** Runs the shared pass and parses what it printed. */
async function detectorPass(file: string, film: QcFilm, options: CheckCutOptions, posters?: PosterOutput): Promise<DetectorLog> {
  const stderr = await ffmpegStderr(options.binaries.ffmpeg, buildQcPassArgs(file, film.thresholds, posters), options.signal);
  return parseDetectorLog(stderr, film.length);
}

/** The sidecar's captions; undefined when there is none. */
async function readCaptions(file: string | undefined): Promise<Caption[] | undefined> {
  if (!file) return undefined;
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseCaptions(text);
}

/** The stills the pass wrote, each with its moment(s) (two moments may share a frame). */
async function readPosters(dir: string, moments: readonly PosterMoment[], frames: readonly number[]): Promise<Poster[]> {
  const names = new Set(await readdir(dir));
  const posters: Poster[] = [];
  for (const moment of moments) {
    const name = `poster-${String(frames.indexOf(moment.frame) + 1).padStart(3, '0')}.jpg`;
    if (names.has(name)) posters.push({ ...moment, jpeg: await readFile(join(dir, name)) });
  }
  return posters;
}
