/**
 * `film.lock.json`, beside the manifest and meant to be committed: per fingerprint the job id,
 * the asset's SHA-256, bytes, duration and compute units, the attempt that made it, and the
 * final cut's SHA-256 with a hash of everything that went into it. Keys are sorted and nothing
 * in it changes on a no-op run (no timestamps), so an unchanged production leaves it
 * byte-identical. Written atomically.
 *
 * `attempt` is written only when it is not 1 (an asset whose first job failed and a later run
 * made again): most assets are first attempts, and lock files written before attempts were
 * counted stay byte-identical when nothing changes. A missing `attempt` reads as 1.
 */
import { readFile } from 'node:fs/promises';
import { writeTextAtomic } from '../util/atomic-file.js';
import type { Fingerprint, Sha256Hex } from '../plan/fingerprint.js';
import { withAttempt, type AssetRecord } from './cache.js';

/** The lock file's format version. */
export const LOCK_VERSION = 1;

/** One asset in the lock. */
export interface LockedAsset extends Omit<AssetRecord, 'fingerprint'> {
  /** Plan nodes that use it (`clip:arrival`); two scenes with the same request share one asset. */
  readonly nodes: readonly string[];
}

/** The final cut as last rendered. */
export interface LockedCut {
  /** Relative to the manifest's folder. */
  readonly path: string;
  readonly sha256: Sha256Hex;
  /** Hash of the stitch inputs (asset hashes, timeline, output settings, stitcher version). */
  readonly inputs: Sha256Hex;
  /** Seconds. */
  readonly length: number;
}

/** The whole lock file. */
export interface LockFile {
  readonly lockfileVersion: number;
  /** Identity of the API that made the assets. */
  readonly api: string;
  readonly assets: Readonly<Record<Fingerprint, LockedAsset>>;
  /** The first (or only) rendition's cut, as last rendered. */
  readonly final_cut?: LockedCut;
  /**
   * Every rendition's cut by rendition name, for a manifest with `outputs:` (the first is also
   * `final_cut`); absent for a single `output:`, whose lock file is as it always was.
   */
  readonly renditions?: Readonly<Record<string, LockedCut>>;
}

/** Thrown for a lock file that exists but cannot be used. */
export class LockFileError extends Error {
  readonly type = 'invalid_lock_file';
  /** @param path the lock file */
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the lock at `path`; undefined when there is none. Throws LockFileError for a damaged one. */
export async function readLock(path: string): Promise<LockFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const lock = JSON.parse(text) as LockFile;
    if (lock.lockfileVersion !== LOCK_VERSION || !lock.assets || typeof lock.assets !== 'object') throw new Error('unknown format');
    return { ...lock, assets: Object.fromEntries(Object.entries(lock.assets).map(([fp, asset]) => [fp, withAttempt(asset)])) };
  } catch (error: unknown) {
    throw new LockFileError(path, `${path} is not a lock file this version can read (${error instanceof Error ? error.message : String(error)}); delete it to start afresh`);
  }
}

/**
 * The lock's text: JSON with keys sorted at every level, two-space indented, ending in a
 * newline; an asset's `attempt` only when it is not 1.
 */
export function serializeLock(lock: LockFile): string {
  const assets = Object.fromEntries(
    Object.entries(lock.assets).map(([fp, asset]) => {
      const { attempt, ...rest } = asset;
      return [fp, attempt === 1 || attempt === undefined ? rest : asset];
    }),
  );
  return `${JSON.stringify(sortKeys({ ...lock, assets }), null, 2)}\n`;
}

/** Writes the lock atomically, only when its text changes (so a no-op run leaves the file untouched). */
export async function writeLock(path: string, lock: LockFile): Promise<boolean> {
  const text = serializeLock(lock);
  const old = await readFile(path, 'utf8').catch(() => undefined);
  if (old === text) return false;
  await writeTextAtomic(path, text, 0o644);
  return true;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
