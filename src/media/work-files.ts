/**
 * The stitcher's files: existence checks, temp names beside a file, and the names it gives its
 * work folder's files, which tell what a later run may reuse from what an interrupted run left.
 *
 * In the work folder (`StitchOptions.workDir`, the project's `.mercadream/work`):
 *
 * | name                                   | what                                  | kept?                  |
 * |----------------------------------------|---------------------------------------|------------------------|
 * | `conform-<key>.mp4`                    | a conformed clip's picture (conform.ts) | kept, reused by key  |
 * | `conform-<key>.wav`                    | a conformed clip's sound, its own key: shared by every picture size | kept, reused by key |
 * | `window-<key>.mp4`                     | a rendered transition window           | kept, reused by key    |
 * | `sound-<key>.m4a`, `sound-<key>.json`  | the normalized sound and its loudness  | kept, reused by key    |
 * | `probe-<key>.json`                     | an input's probe, by path, size, mtime | kept, reused by key    |
 * | `final-<key>.json`                     | what the last cut at an output path was made of | kept, replaced |
 * | `house-<run>.tmp.mp4`                  | the house format's reference frame     | litter                 |
 * | `conform-<key>.<tag>.tmp.mp4/.wav`     | a conform being written               | litter once its run ended |
 * | `window-<key>.mp4.<tag>.tmp.mp4`       | a window being written                | litter                 |
 * | `<name>.<hex>.tmp`                     | a text file being written atomically  | litter                 |
 * | `cut-<run>.ffconcat`                   | the concat list of one stitch         | litter                 |
 * | `mix-<run>.wav`, `mix-<run>.filter`    | the PCM mix and its filter script     | litter                 |
 * | `audio-<run>.m4a`                      | the normalized AAC of one stitch      | litter                 |
 * | `subs-<run>.ass`                       | captions to burn, of one stitch       | litter                 |
 *
 * `<key>` is 32 hex chars, `<run>` and `<tag>` 8. A finished stitch removes its own per-run
 * files; one that was killed (SIGKILL, power loss, a crash of node) cannot, hence sweepWorkDir.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { sweepFiles, type SweepResult } from '../util/sweep.js';

/** A file's identity without reading it: resolved path, size in bytes, modification time in ms. */
export interface FileIdentity {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * The identity of `file` (footage can be gigabytes: the stitcher keys its work by this, as the
 * conform does, and never hashes inputs).
 * @throws the file system's error (ENOENT for a missing file)
 */
export async function fileIdentity(file: string): Promise<FileIdentity> {
  const path = resolve(file);
  const info = await stat(path);
  return { path, size: info.size, mtimeMs: info.mtimeMs };
}

/** Pure: a work-folder key (sha256, 32 hex chars) over any JSON value. */
export function workKey(fields: unknown): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/** True when `file` exists (any type). */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * A temp name beside `file` that keeps its extension (so ffmpeg can still tell the format):
 * `/films/cut.mp4` → `/films/.cut.mp4.3f9a1c.partial.mp4`.
 */
export function tempBeside(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  const dir = file.slice(0, slash + 1);
  const name = file.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  return `${dir}.${name}.${randomBytes(4).toString('hex')}.partial${ext}`;
}

/**
 * Removes what killed stitches left beside `file`: its tempBeside files (`.<name>.<8 hex>.partial<ext>`),
 * which a SIGKILL during the final mux leaves behind. Called before a stitch of `file` writes its
 * own; the run lock of the production keeps two stitches of one output apart.
 */
export async function sweepPartialsBeside(file: string): Promise<void> {
  const name = basename(file);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const partial = new RegExp(`^\\.${escape(name)}\\.[0-9a-f]{8}\\.partial${escape(ext)}$`);
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => partial.test(n)).map((n) => rm(join(dirname(file), n), { force: true })));
}

/** The base names of one stitch's per-run files in the work folder (see the table above). */
export interface RunFileNames {
  /** ffconcat list of the picture's pieces. */
  readonly concatList: string;
  /** The PCM mix (48 kHz stereo WAV). */
  readonly mixWav: string;
  /** The mix's filtergraph script. */
  readonly filterScript: string;
  /** The loudness-normalized AAC (.m4a). */
  readonly audio: string;
  /** Captions to burn into the picture (ASS, src/media/ass.ts). */
  readonly srt: string;
}

/** A fresh run id: 8 hex chars. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** Pure: the per-run file names of run `run` (8 hex chars, see newRunId). */
export function runFileNames(run: string): RunFileNames {
  return {
    concatList: `cut-${run}.ffconcat`,
    mixWav: `mix-${run}.wav`,
    filterScript: `mix-${run}.filter`,
    audio: `audio-${run}.m4a`,
    srt: `subs-${run}.ass`,
  };
}

/** Names a stitch keeps on purpose: conformed clips, transition windows, sound, probes and cut records, by key. */
const KEPT = /^(?:conform-[0-9a-f]{32}\.(?:mp4|wav)|window-[0-9a-f]{32}\.mp4|sound-[0-9a-f]{32}\.(?:m4a|json)|(?:probe|final)-[0-9a-f]{32}\.json)$/;
/** Temp files: `….tmp` (atomic text writes) and `….tmp.<ext>` (conforms, windows). */
const TEMP = /\.tmp(?:\.[A-Za-z0-9]+)?$/;
/** Per-run files (runFileNames). */
const PER_RUN = /^(?:cut-[0-9a-f]{8}\.ffconcat|mix-[0-9a-f]{8}\.(?:wav|filter)|audio-[0-9a-f]{8}\.m4a|subs-[0-9a-f]{8}\.(?:srt|ass))$/;

/**
 * Pure: true when a work-folder file named `name` is litter of a run that is no longer running
 * (see the table in the module comment). Never true for a kept conformed clip or window; false
 * for any name the stitcher does not write.
 */
export function isWorkLitter(name: string): boolean {
  if (KEPT.test(name)) return false;
  return TEMP.test(name) || PER_RUN.test(name);
}

/**
 * Removes what interrupted stitches left in `workDir`: temp files and per-run files (see the
 * table in the module comment). Conformed clips (`conform-<key>.mp4/.wav`), transition windows
 * and any file the stitcher does not name are left in place; subfolders are not entered.
 * Call it only while no stitch uses `workDir` (with the project's run lock held, which no live
 * run or fleet worker of another machine sharing the folder can then hold: src/runner/run-lock.ts):
 * it would take a running stitch's files too.
 * @param workDir the folder given to stitch() as `StitchOptions.workDir`; absent = nothing to do
 * @returns count, bytes and paths of the files removed
 * @throws the file system's error other than a missing folder (e.g. EACCES)
 */
export function sweepWorkDir(workDir: string): Promise<SweepResult> {
  return sweepFiles(workDir, isWorkLitter);
}
