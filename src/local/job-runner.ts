/**
 * Runs jobs: creates them, queues them (p-limit: at most `workers` render at once, the rest wait
 * in the order they were queued), calls the engines, moves results into the vault, and announces
 * each status change by webhook.
 *
 * Restart policy: a job found `queued` or `processing` when the server starts is run again from
 * the beginning (engines are deterministic, so the result is the same file a finished first run
 * would have made). Jobs interrupted by `close()` stay as they are on disk for that reason.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Engines, EngineQuality, RenderResult } from './engines/types.js';
import type { Clock } from '../util/clock.js';
import { computeUnits } from './compute-units.js';
import { RenderPace } from './render-pace.js';
import type { Faults } from './faults.js';
import { newId } from './ids.js';
import { iso, unreachable, type JobError, type JobRecord, type JobRequest } from './job.js';
import type { JobStore } from './job-store.js';
import type { AssetFormat, Vault } from './vault.js';
import type { WebhookEvent, WebhookSender } from './webhooks.js';

/** Counts of the render queue, for tests and status output. */
export interface PoolStats {
  /** Jobs rendered at once at most (the server's `workers`). */
  readonly size: number;
  /** Jobs rendering now. */
  readonly active: number;
  /** Jobs queued behind them, not yet started. */
  readonly pending: number;
}

/** What the runner needs; wired by server.ts. */
export interface JobRunnerDeps {
  readonly dataDir: string;
  readonly store: JobStore;
  readonly vault: Vault;
  /**
   * Jobs rendered at once, a whole number ≥ 1 (each render is about one ffmpeg process using
   * ~1 core, so 2 suits a 2-core machine).
   */
  readonly workers: number;
  readonly engines: Engines;
  readonly quality: EngineQuality;
  readonly faults: Faults;
  readonly webhooks: WebhookSender;
  readonly clock: Clock;
  /** Webhook secrets of the key `owner` (current first), undefined if that key is no longer configured. */
  readonly webhookSecretsOf: (owner: string) => readonly string[] | undefined;
  /** A signed download URL of `assetId`. */
  readonly downloadUrl: (assetId: string) => string;
}

function formatOf(request: JobRequest): AssetFormat {
  return request.type === 'video' ? 'mp4' : request.params.format;
}

/** Creates and executes jobs. */
export class JobRunner {
  readonly #deps: JobRunnerDeps;
  readonly #tmpDir: string;
  readonly #abort = new AbortController();
  /** Runs at most `workers` jobs at once; the others wait, first queued first started. */
  readonly #limit: LimitFunction;
  /** Every job handed to #limit and not yet finished (running or waiting). */
  readonly #tasks = new Set<Promise<void>>();
  /** What renders take on this machine, for honest estimates. */
  readonly #pace = new RenderPace();

  /** Throws RangeError when `deps.workers` is not a whole number ≥ 1. */
  constructor(deps: JobRunnerDeps) {
    if (!Number.isInteger(deps.workers) || deps.workers < 1) throw new RangeError('MercaDream Local needs at least one worker (a whole number of jobs rendered at once)');
    this.#deps = deps;
    this.#tmpDir = join(deps.dataDir, 'tmp');
    this.#limit = pLimit(deps.workers);
  }

  /** How many jobs render now and wait to (see {@link PoolStats}). */
  get stats(): PoolStats {
    return { size: this.#limit.concurrency, active: this.#limit.activeCount, pending: this.#limit.pendingCount };
  }

  /** Resolves when no job is rendering or waiting to (including jobs queued while it waits). */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
  }

  /** Prepares the work folder and re-queues jobs a previous run left queued or processing. */
  async start(): Promise<void> {
    await rm(this.#tmpDir, { recursive: true, force: true });
    await mkdir(this.#tmpDir, { recursive: true });
    for (const job of this.#deps.store.all()) {
      if (job.status === 'queued' || job.status === 'processing') {
        if (job.assetId !== undefined) await this.#deps.vault.delete(job.assetId, job.owner); // a partial result
        delete job.assetId;
        delete job.fileSizeBytes;
        job.status = 'queued';
        job.progress = 0;
        await this.#deps.store.save(job);
        this.#enqueue(job);
      }
    }
  }

  /**
   * Creates a queued job for `owner`, persists it, queues it; resolves to a copy of the record as
   * created (status `queued`; a worker may already have picked up the live record).
   */
  async create(input: { owner: string; livemode: boolean; request: JobRequest; idempotency?: { key: string; bodyHash: string } }): Promise<JobRecord> {
    const { store, clock } = this.#deps;
    const createdAt = store.nextCreatedAt(clock.now());
    // Waiting jobs ahead of this one, each taking about as long as this one, shared by the workers.
    const { size, active, pending } = this.stats;
    const eta = createdAt + this.#pace.estimate(input.request) * (1 + Math.floor((pending + active) / size));
    const job: JobRecord = {
      id: newId('job'),
      owner: input.owner,
      livemode: input.livemode,
      request: input.request,
      status: 'queued',
      progress: 0,
      computeUnits: this.#deps.faults.charge(computeUnits(input.request)),
      createdAt,
      estimatedCompletion: eta,
      ...(input.idempotency === undefined ? {} : { idempotency: input.idempotency }),
    };
    await store.insert(job);
    const created = structuredClone(job);
    this.#enqueue(job);
    return created;
  }

  /**
   * Stops starting jobs and cancels renders in progress (they stay queued/processing on disk).
   * Jobs still waiting in the queue never start rendering: when their turn comes (as the
   * cancelled renders stop) they end at once without touching their record, so {@link idle}
   * resolves soon after the renders in progress have stopped.
   */
  close(): void {
    this.#abort.abort();
  }

  #enqueue(job: JobRecord): void {
    // #run records its own failures on the job; anything else it throws is not the queue's business.
    const task: Promise<void> = this.#limit(() => this.#run(job))
      .catch(() => undefined)
      .finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
  }

  #notify(job: JobRecord, event: WebhookEvent): void {
    const url = job.request.webhookUrl;
    const secrets = this.#deps.webhookSecretsOf(job.owner);
    if (url === undefined || secrets === undefined || this.#deps.faults.dropDelivery()) return;
    this.#deps.webhooks.send(url, secrets, {
      event,
      job_id: job.id,
      status: job.status,
      progress: job.progress,
      ...(job.assetId === undefined ? {} : { download_url: this.#deps.downloadUrl(job.assetId) }),
      ...(job.error === undefined ? {} : { error: job.error }),
      timestamp: iso(this.#deps.clock.now()),
    });
  }

  async #fail(job: JobRecord, error: JobError): Promise<void> {
    job.status = 'failed';
    job.error = error;
    job.completedAt = this.#deps.clock.now();
    await this.#deps.store.save(job);
    this.#notify(job, 'job.failed');
  }

  async #run(job: JobRecord): Promise<void> {
    const { store, clock, faults, vault } = this.#deps;
    const signal = this.#abort.signal;
    if (signal.aborted) return;
    job.status = 'processing';
    job.progress = 0;
    const startedAt = clock.now();
    job.estimatedCompletion = startedAt + this.#pace.estimate(job.request);
    await store.save(job);
    this.#notify(job, 'job.updated');
    if (signal.aborted) return;
    const injected = faults.failJob();
    if (injected !== undefined) {
      await this.#fail(job, injected);
      return;
    }
    const format = formatOf(job.request);
    const outFile = join(this.#tmpDir, `${job.id}.${format}`);
    const thumbFile = join(this.#tmpDir, `${job.id}.jpg`);
    try {
      const result = await this.#render(job.request, outFile, signal, (percent) => {
        job.progress = Math.max(job.progress, Math.min(99, Math.max(0, Math.round(percent))));
      });
      const asset = await vault.add({ owner: job.owner, jobId: job.id, kind: job.request.type === 'video' ? 'video' : 'audio', format, source: outFile, createdAt: clock.now() });
      job.assetId = asset.id;
      job.fileSizeBytes = asset.sizeBytes;
      job.mediaDuration = result.duration;
      if (result.bpm !== undefined) job.bpm = result.bpm;
      if (job.request.type === 'video') {
        await this.#deps.engines.renderThumbnail(vault.filePath(asset), thumbFile, { quality: this.#deps.quality, signal });
        const thumb = await vault.add({ owner: job.owner, jobId: job.id, kind: 'thumbnail', format: 'jpg', source: thumbFile, createdAt: clock.now() });
        job.thumbnailAssetId = thumb.id;
      }
      job.status = 'completed';
      job.progress = 100;
      job.completedAt = clock.now();
      this.#pace.record(job.request, job.completedAt - startedAt);
      await store.save(job);
      this.#notify(job, 'job.completed');
    } catch {
      if (signal.aborted) return; // shutting down: re-run on the next start
      if (job.assetId !== undefined) {
        // The video rendered but its thumbnail did not: a failed job keeps no files.
        await vault.delete(job.assetId, job.owner);
        delete job.assetId;
        delete job.fileSizeBytes;
      }
      // The engine's message may hold file paths; the job says only what failed.
      await this.#fail(job, { type: 'render_failed', message: `The ${job.request.type} render failed.` });
    } finally {
      await rm(outFile, { force: true });
      await rm(thumbFile, { force: true });
    }
  }

  #render(request: JobRequest, outFile: string, signal: AbortSignal, onProgress: (percent: number) => void): Promise<RenderResult> {
    const { engines, quality } = this.#deps;
    const options = { quality, signal, onProgress };
    switch (request.type) {
      case 'video': {
        const p = request.params;
        const video = { prompt: p.prompt, resolution: p.resolution, duration: p.duration, style: p.style, fps: p.fps };
        return engines.renderVideo(p.voice_id === undefined ? video : { ...video, voiceId: p.voice_id }, outFile, options);
      }
      case 'speech': {
        const p = request.params;
        return engines.renderSpeech({ text: p.text, voiceId: p.voice_id, format: p.format, speed: p.speed }, outFile, options);
      }
      case 'music': {
        const p = request.params;
        const music = { prompt: p.prompt, duration: p.duration, format: p.format };
        return engines.renderMusic(p.bpm === undefined ? music : { ...music, bpm: p.bpm }, outFile, options);
      }
      default:
        return unreachable(request);
    }
  }
}
