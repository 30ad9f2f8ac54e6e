/**
 * The Vault: every file a job produced, stored by asset id (dataDir/vault/<asset_id>.<ext>, with
 * its record in dataDir/vault/<asset_id>.json). Files are only ever addressed by asset id and a
 * format from our own table — never by a path taken from a request.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioFormat } from '../vocabulary/catalog.js';
import { readJsonDir, writeJsonAtomic } from '../util/atomic-file.js';
import { isId, newId } from './ids.js';
import { iso } from './job.js';
import { page, type Page } from './job-store.js';
import type { ListQuery } from './validate.js';

export type AssetKind = 'video' | 'audio' | 'thumbnail';
export type AssetFormat = 'mp4' | 'jpg' | AudioFormat;

/** Content-Type of each stored format. */
export const CONTENT_TYPES: Readonly<Record<AssetFormat, string>> = {
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
};

/** An asset as stored. Times are Unix milliseconds. */
export interface AssetRecord {
  readonly id: string;
  /** SHA-256 hex of the owning key. */
  readonly owner: string;
  readonly jobId: string;
  readonly kind: AssetKind;
  readonly format: AssetFormat;
  readonly sizeBytes: number;
  readonly createdAt: number;
}

/** The API's asset object (GET /v2/vault, GET /v2/vault/{asset_id}). */
export interface AssetView {
  readonly id: string;
  readonly object: 'asset';
  readonly job_id: string;
  readonly kind: AssetKind;
  readonly format: AssetFormat;
  readonly content_type: string;
  readonly file_size_bytes: number;
  readonly created_at: string;
  readonly download_url: string;
}

/** The API's asset object of `asset`, with a freshly signed `downloadUrl`. */
export function assetView(asset: AssetRecord, downloadUrl: string): AssetView {
  return {
    id: asset.id,
    object: 'asset',
    job_id: asset.jobId,
    kind: asset.kind,
    format: asset.format,
    content_type: CONTENT_TYPES[asset.format],
    file_size_bytes: asset.sizeBytes,
    created_at: iso(asset.createdAt),
    download_url: downloadUrl,
  };
}

/** The asset table and its files. */
export class Vault {
  readonly #dir: string;
  readonly #assets = new Map<string, AssetRecord>();
  /** Newest creation time handed out: keeps `created_at` unique so the `before` cursor is exact. */
  #lastCreatedAt = 0;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'vault');
  }

  /** Reads every stored asset record. Call once before use. */
  async load(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    for (const item of await readJsonDir(this.#dir)) {
      const asset = item as AssetRecord;
      if (typeof asset?.id !== 'string' || !isId(asset.id, 'ast') || !(asset.format in CONTENT_TYPES)) continue;
      this.#assets.set(asset.id, asset);
      this.#lastCreatedAt = Math.max(this.#lastCreatedAt, asset.createdAt);
    }
  }

  /** Absolute path of an asset's file, built from its id and format only. */
  filePath(asset: AssetRecord): string {
    if (!isId(asset.id, 'ast') || !(asset.format in CONTENT_TYPES)) throw new Error('not a vault asset');
    return join(this.#dir, `${asset.id}.${asset.format}`);
  }

  /**
   * Moves the finished file `source` (on the same file system) into the vault as a new asset
   * and records it. Resolves to the record once both file and record are on disk.
   */
  async add(input: { owner: string; jobId: string; kind: AssetKind; format: AssetFormat; source: string; createdAt: number }): Promise<AssetRecord> {
    const id = newId('ast');
    this.#lastCreatedAt = Math.max(input.createdAt, this.#lastCreatedAt + 1);
    const createdAt = this.#lastCreatedAt;
    const draft = { id, owner: input.owner, jobId: input.jobId, kind: input.kind, format: input.format, sizeBytes: 0, createdAt };
    const target = this.filePath(draft);
    await rename(input.source, target);
    const asset: AssetRecord = { ...draft, sizeBytes: (await stat(target)).size };
    await writeJsonAtomic(join(this.#dir, `${id}.json`), asset);
    this.#assets.set(id, asset);
    return asset;
  }

  /** The asset `id` if `owner` owns it; any owner when `owner` is undefined (signed downloads). */
  get(id: string, owner?: string): AssetRecord | undefined {
    const asset = this.#assets.get(id);
    return asset !== undefined && (owner === undefined || asset.owner === owner) ? asset : undefined;
  }

  /** Newest-first page of `owner`'s assets. */
  list(owner: string, query: ListQuery): Page<AssetRecord> {
    return page(this.#assets.values(), query, (asset) => asset.owner === owner);
  }

  /** Deletes the asset's record and file. Resolves false when `owner` has no such asset. */
  async delete(id: string, owner: string): Promise<boolean> {
    const asset = this.get(id, owner);
    if (asset === undefined) return false;
    this.#assets.delete(id);
    await rm(join(this.#dir, `${id}.json`), { force: true });
    await rm(this.filePath(asset), { force: true });
    return true;
  }
}
