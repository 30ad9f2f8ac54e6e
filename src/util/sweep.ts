/**
 * Removing what interrupted runs leave behind: the regular files of one folder whose names a
 * predicate calls litter. Used for the stitcher's work folder (src/media/work-files.ts) and the
 * asset cache's incoming downloads (src/runner/cache.ts). Callers sweep only while no run can
 * be writing there: the project's run lock is held, which src/runner/run-lock.ts grants only
 * while no other run or fleet worker, on this machine or another sharing the folder, is live.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What a sweep removed. */
export interface SweepResult {
  /** Number of files removed. */
  readonly count: number;
  /** Their total size, bytes (as found just before removal). */
  readonly bytes: number;
  /** Their absolute paths (or as joined from the folder given), in folder listing order. */
  readonly files: readonly string[];
}

/** The result of a sweep that found nothing. */
export const NOTHING_SWEPT: SweepResult = { count: 0, bytes: 0, files: [] };

const isGone = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/**
 * Removes the regular files directly in `dir` (no recursion; folders and symlinks are left
 * alone) whose base name satisfies `isLitter`.
 * @param dir the folder; absent (or not a folder) means nothing to sweep
 * @param isLitter pure predicate over a base name, e.g. `mix-3f9a1c0d.wav`
 * @returns count, bytes and paths of what was removed (files that vanished meanwhile are not counted)
 * @throws the file system's error for anything but a missing folder or file (e.g. EACCES)
 */
export async function sweepFiles(dir: string, isLitter: (name: string) => boolean): Promise<SweepResult> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error: unknown) {
    if (isGone(error)) return NOTHING_SWEPT;
    throw error;
  }
  let bytes = 0;
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !isLitter(entry.name)) continue;
    const file = join(dir, entry.name);
    let size: number;
    try {
      size = (await lstat(file)).size;
      await rm(file);
    } catch (error: unknown) {
      if (isGone(error)) continue;
      throw error;
    }
    bytes += size;
    files.push(file);
  }
  return { count: files.length, bytes, files };
}
