/**
 * What can be known before anything is spent: every place a run writes can be written, every
 * footage file is media ffmpeg can read, and footage that must not be short (`short_media: error`)
 * is not. Each problem is one failure value; the first is returned.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { makeDirectory } from '../util/make-dir.js';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production } from '../manifest/production.js';
import type { DurationProbe } from './assets.js';
import type { RunFailure } from './failure.js';
import { shortFootageError } from './short-media.js';

/** A folder the run will write into, and what the user calls what goes there. */
export interface WritablePlace {
  /** `final cut`, `lock file`, `report`, `work folder` … (shown in the message). */
  readonly what: string;
  /** The folder (created when missing). */
  readonly folder: string;
}

/**
 * Checks that `folder` exists or can be made, and takes a file: creates and removes a small
 * probe file, so read-only mounts, permissions and full disks are all caught (a permission
 * check alone passes for root on a read-only folder).
 */
export async function checkWritable(place: WritablePlace): Promise<RunFailure | undefined> {
  const probe = join(place.folder, `.mdp-write-check-${randomBytes(4).toString('hex')}`);
  try {
    await makeDirectory(place.folder);
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe, { force: true });
    return undefined;
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    // mkdir says EEXIST when a file stands where the folder should be.
    return { reason: 'not-writable', what: place.what, path: place.folder, code: code === 'EEXIST' ? 'ENOTDIR' : code };
  }
}

/** Checks every place in turn; the first that cannot be written. */
export async function checkAllWritable(places: readonly WritablePlace[]): Promise<RunFailure | undefined> {
  for (const place of places) {
    const failure = await checkWritable(place);
    if (failure) return failure;
  }
  return undefined;
}

/** The places one production writes: every rendition's folder (the final cut's), the lock file's, and its state folder. */
export function productionPlaces(production: Production, lockPath: string, stateDir: string): WritablePlace[] {
  const folders = [...new Set([production.output.path, ...production.renditions.map((r) => r.path)].map((path) => dirname(path)))];
  return [...folders.map((folder) => ({ what: 'final cut', folder })), { what: 'lock file', folder: dirname(lockPath) }, { what: 'cache and work folder', folder: stateDir }];
}

/**
 * The first footage file ffmpeg cannot read or that has no picture (0 seconds of it), as a diagnostic pointing at its `source:`; else every
 * footage shorter than its scene whose `short_media` is `error` (scenes timed by their narration
 * are judged once it is spoken, src/runner/short-media.ts).
 */
export async function checkFootage(production: Production, probeDuration: DurationProbe, signal?: AbortSignal): Promise<RunFailure | undefined> {
  const shorts: Diagnostic[] = [];
  for (const scene of production.scenes) {
    if (scene.kind !== 'footage') continue;
    const seconds = await probeDuration(scene.source, signal).catch(() => undefined);
    if (seconds === undefined || !(seconds > 0)) {
      const diagnostic = production.source.diagnostic(
        `${scene.pointer}/source`,
        'footage-readable',
        `scenes[${scene.index}].source is not a video ffmpeg can read, or has no picture (${scene.source})`,
      );
      return { reason: 'manifest', diagnostics: [diagnostic] };
    }
    const short = shortFootageError(production, scene, seconds);
    if (short) shorts.push(short);
  }
  return shorts.length > 0 ? { reason: 'manifest', diagnostics: shorts } : undefined;
}
