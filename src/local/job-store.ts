/**
 * Jobs of MercaDream Local, in memory and on disk (dataDir/jobs/<id>.json, one file per job,
 * written atomically). Listing is newest first; `created_at` values are unique per server
 * (bumped by 1 ms on a tie) so that the `before` cursor never skips or repeats a job.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonDir, writeJsonAtomic, WriteQueue } from '../util/atomic-file.js';
import { isId } from './ids.js';
import type { JobRecord } from './job.js';
import type { ListQuery } from './validate.js';

/** How long an Idempotency-Key is remembered, in milliseconds. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A page of a list endpoint. */
export interface Page<T> {
  readonly data: T[];
  readonly has_more: boolean;
}

/** Newest-first page of `items` by `createdAt` under `query` (limit, before). */
export function page<T extends { readonly createdAt: number }>(items: Iterable<T>, query: ListQuery, keep: (item: T) => boolean): Page<T> {
  const before = query.before;
  const matching = [...items].filter((item) => keep(item) && (before === undefined || item.createdAt < before));
  matching.sort((a, b) => b.createdAt - a.createdAt);
  return { data: matching.slice(0, query.limit), has_more: matching.length > query.limit };
}

/** The job table. */
export class JobStore {
  readonly #dir: string;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #writes = new WriteQueue();
  #lastCreatedAt = 0;

  /** `dataDir`: the server's data folder; jobs live in its `jobs/` folder. */
  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'jobs');
  }

  /** Reads every stored job. Call once before use. */
  async load(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    for (const item of await readJsonDir(this.#dir)) {
      const job = item as JobRecord;
      if (typeof job?.id !== 'string' || !isId(job.id, 'job') || typeof job.createdAt !== 'number') continue;
      this.#jobs.set(job.id, job);
      this.#lastCreatedAt = Math.max(this.#lastCreatedAt, job.createdAt);
    }
  }

  /** A creation time for a new job: `now`, or 1 ms after the newest job if that is not later. */
  nextCreatedAt(now: number): number {
    this.#lastCreatedAt = Math.max(now, this.#lastCreatedAt + 1);
    return this.#lastCreatedAt;
  }

  /** The job `id` if `owner` owns it (another key's job is as absent as a missing one). */
  get(id: string, owner: string): JobRecord | undefined {
    const job = this.#jobs.get(id);
    return job !== undefined && job.owner === owner ? job : undefined;
  }

  /** Every job, oldest first. */
  all(): JobRecord[] {
    return [...this.#jobs.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Jobs of `owner` that are queued or processing. */
  active(owner: string): JobRecord[] {
    return [...this.#jobs.values()].filter((job) => job.owner === owner && (job.status === 'queued' || job.status === 'processing'));
  }

  /** The job `owner` created with Idempotency-Key `key` within the last 24 h of `now`, if any. */
  findIdempotent(owner: string, key: string, now: number): JobRecord | undefined {
    for (const job of this.#jobs.values()) {
      if (job.owner === owner && job.idempotency?.key === key && job.createdAt > now - IDEMPOTENCY_WINDOW_MS) return job;
    }
    return undefined;
  }

  /** Newest-first page of `owner`'s jobs. */
  list(owner: string, query: ListQuery): Page<JobRecord> {
    return page(this.#jobs.values(), query, (job) => job.owner === owner && (query.status === undefined || job.status === query.status));
  }

  /** Adds a new job and persists it; resolves once it is on disk. */
  async insert(job: JobRecord): Promise<void> {
    this.#jobs.set(job.id, job);
    await this.save(job);
  }

  /** Persists the current state of `job` (writes of one job land in order). */
  save(job: JobRecord): Promise<void> {
    const snapshot = structuredClone(job);
    return this.#writes.run(job.id, () => writeJsonAtomic(join(this.#dir, `${job.id}.json`), snapshot));
  }

  /** Resolves when every pending write has settled. */
  flush(): Promise<void> {
    return this.#writes.drain();
  }
}
