/**
 * The content-addressed asset cache (`.mercadream/cache/`, not committed):
 * - `assets/<sha256>.<ext>`: every downloaded asset, named by its content;
 * - `fingerprints/<fingerprint>.json`: which asset a request produced (AssetRecord).
 * Assets move in by rename from a temp file in the same folder, so a crash never leaves a
 * half-written asset under its final name; records are written atomically after the asset.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonDir, writeJsonAtomic } from '../util/atomic-file.js';
import { readFile } from 'node:fs/promises';
import type { Endpoint, Fingerprint, Sha256Hex } from '../plan/fingerprint.js';
import { sweepFiles, type SweepResult } from '../util/sweep.js';

/** What the cache and the lock file know of one generated asset. */
export interface AssetRecord {
  readonly fingerprint: Fingerprint;
  readonly endpoint: Endpoint;
  /** The job that made it (the Vault can give it back). */
  readonly job_id: string;
  readonly sha256: Sha256Hex;
  /** Size in bytes. */
  readonly bytes: number;
  /** Media duration, seconds (ffprobe). */
  readonly duration: number;
  /** What the API charged. */
  readonly compute_units: number;
  /** File extension of the asset (`mp4`, `wav`). */
  readonly ext: string;
  /**
   * Which submission of the request made it, from 1: a request whose job failed is submitted
   * again by a later run as attempt 2, and so on. Records written before attempts were counted
   * have none and read as 1 (see {@link withAttempt}).
   */
  readonly attempt: number;
}

/**
 * `record` with its `attempt` read as a whole number ≥ 1 (1 when absent or unusable): records
 * and lock files written before attempts were counted say nothing, and were all first attempts.
 */
export function withAttempt<T extends object>(record: T): T & { readonly attempt: number } {
  const attempt = (record as { attempt?: unknown }).attempt;
  return { ...record, attempt: typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 1 ? attempt : 1 };
}

/** The cache of one project folder. */
export class AssetCache {
  readonly assetsDir: string;
  readonly recordsDir: string;
  /** Temp files of downloads in flight (same filesystem as assets/, so renames are atomic). */
  readonly incomingDir: string;

  constructor(readonly root: string) {
    this.assetsDir = join(root, 'assets');
    this.recordsDir = join(root, 'fingerprints');
    this.incomingDir = join(root, 'incoming');
  }

  /** Path of the asset with `sha256` and `ext`. */
  assetPath(sha256: string, ext: string): string {
    return join(this.assetsDir, `${sha256}.${ext}`);
  }

  /** A temp path to download into. */
  async incomingPath(name: string): Promise<string> {
    await mkdir(this.incomingDir, { recursive: true });
    return join(this.incomingDir, name);
  }

  /** The record of `fingerprint` when its asset is present with the recorded size; undefined otherwise. */
  async lookup(fingerprint: Fingerprint): Promise<AssetRecord | undefined> {
    let record: AssetRecord;
    try {
      record = withAttempt(JSON.parse(await readFile(join(this.recordsDir, `${fingerprint}.json`), 'utf8')) as AssetRecord);
    } catch {
      return undefined;
    }
    return (await this.present(record)) ? record : undefined;
  }

  /** True when the asset of `record` is in the cache with its recorded size. */
  async present(record: Pick<AssetRecord, 'sha256' | 'ext' | 'bytes'>): Promise<boolean> {
    try {
      return (await stat(this.assetPath(record.sha256, record.ext))).size === record.bytes;
    } catch {
      return false;
    }
  }

  /** Moves a downloaded file into the cache under its content address and records it. */
  async store(downloaded: string, record: AssetRecord): Promise<string> {
    await mkdir(this.assetsDir, { recursive: true });
    await mkdir(this.recordsDir, { recursive: true });
    const target = this.assetPath(record.sha256, record.ext);
    await rename(downloaded, target);
    await writeJsonAtomic(join(this.recordsDir, `${record.fingerprint}.json`), record, 0o644);
    return target;
  }

  /** Records a fingerprint whose asset is already present (fetched again from the Vault, say). */
  async remember(record: AssetRecord): Promise<void> {
    await mkdir(this.recordsDir, { recursive: true });
    await writeJsonAtomic(join(this.recordsDir, `${record.fingerprint}.json`), record, 0o644);
  }

  /** Every record (for `plan`'s cached column and for tools). */
  async records(): Promise<AssetRecord[]> {
    return ((await readJsonDir(this.recordsDir)) as AssetRecord[]).map((r) => withAttempt(r));
  }

  /** Removes a stray incoming file. */
  async discard(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /**
   * Removes the partial downloads interrupted runs left in `incoming/` (named
   * `<fingerprint>.<8 hex>.<ext>` by the downloader). A finished download is renamed into
   * `assets/` and a failed one discarded, so every regular file there belongs to a run that
   * was killed. Subfolders are not entered; assets and records are never touched.
   * Call it only while no run can be downloading into this cache (the project's run lock held).
   * @returns count, bytes and paths of the files removed (nothing when `incoming/` is absent)
   * @throws the file system's error other than a missing folder (e.g. EACCES)
   */
  sweepIncoming(): Promise<SweepResult> {
    return sweepFiles(this.incomingDir, () => true);
  }
}
