/**
 * The coordinator of a fleet batch (`run --queue`): the productions are planned and checked on
 * this machine first (by the command, exactly as a local batch), then each becomes one BullMQ job;
 * the coordinator follows them through QueueEvents (progress per production) and gathers their
 * summaries for the same table, report and JUnit as a local batch. Interrupted, it stops
 * enqueuing and takes the productions no worker has started off the queue; those already
 * running finish on their workers.
 */
import { failedSummary } from '../runner/batch.js';
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunEvent } from '../runner/events.js';
import type { RunFailure } from '../runner/failure.js';
import { budgetKey, PRODUCTIONS_QUEUE, type ProductionJobData, type ProductionJobResult, type ProductionProgress } from './production-job.js';
import { FLEET_PREFIX, redisOptions } from './redis.js';

/** One production to send to the fleet. */
export interface FleetItem {
  /** Display name (`film.yaml [city=tokyo]`). */
  readonly name: string;
  /** The manifest as the user named it (for the report). */
  readonly file: string;
  /** Its absolute path (what workers open, on the shared folder). */
  readonly manifest: string;
  readonly variant?: string;
}

/** Options of runOnFleet. */
export interface CoordinatorOptions {
  readonly queueUrl: string;
  readonly redis: Redis;
  readonly items: readonly FleetItem[];
  /** What every job carries besides its production (API identity, --plan, --frozen, --force, …). */
  readonly common: Omit<ProductionJobData, 'batch' | 'name' | 'manifest' | 'variant'>;
  readonly signal?: AbortSignal;
  readonly onEvent?: (production: string, event: RunEvent) => void;
}

/** The outcome of a fleet batch. */
export interface FleetOutcome {
  readonly summaries: readonly ProductionJobResult[];
  /** Set when the coordinator was interrupted: productions taken off the queue, and those left running on workers. */
  readonly interrupted?: { readonly removed: number; readonly running: number };
}

/** Enqueues every item, follows them to their end, and returns their summaries in the items' order. */
export async function runOnFleet(options: CoordinatorOptions): Promise<FleetOutcome> {
  const batch = randomUUID();
  const connection = redisOptions(options.queueUrl);
  const queue = new Queue<ProductionJobData, ProductionJobResult>(PRODUCTIONS_QUEUE, { connection, prefix: FLEET_PREFIX });
  const events = new QueueEvents(PRODUCTIONS_QUEUE, { connection, prefix: FLEET_PREFIX });
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  try {
    await events.waitUntilReady(); // listening before the first job goes out: no event is missed
    const names = new Map<string, string>();
    events.on('progress', ({ jobId, data }) => {
      const name = names.get(jobId);
      const progress = data as ProductionProgress | number;
      if (name && typeof progress === 'object') options.onEvent?.(name, progress.event);
    });
    if (options.common.maxComputeUnits !== undefined) await options.redis.set(budgetKey(batch), '0', 'EX', 7 * 24 * 3600);
    const jobs = await enqueue(queue, batch, options, names);
    const finished = jobs.map((job, i) => follow(job, events, options.items[i]!));
    const all = Promise.all(finished.map((f) => f.result));
    const first = await Promise.race([all, stoppedBy(options.signal)]);
    if (first !== 'stopped') return { summaries: first };
    return await takeBack(jobs, finished, options.items);
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
  }
}

/** Resolves when `signal` aborts (at once if it has); never without one. */
function stoppedBy(signal: AbortSignal | undefined): Promise<'stopped'> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve('stopped');
    else signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
}

/** One job per item, added one at a time so an interruption stops enqueuing at once. */
async function enqueue(
  queue: Queue<ProductionJobData, ProductionJobResult>,
  batch: string,
  options: CoordinatorOptions,
  names: Map<string, string>,
): Promise<Job<ProductionJobData, ProductionJobResult>[]> {
  const jobs: Job<ProductionJobData, ProductionJobResult>[] = [];
  for (const [i, item] of options.items.entries()) {
    if (options.signal?.aborted) break;
    const jobId = `${batch}-${i}`;
    names.set(jobId, item.name);
    const data: ProductionJobData = { ...options.common, batch, name: item.name, manifest: item.manifest, ...(item.variant ? { variant: item.variant } : {}) };
    jobs.push(await queue.add('production', data, { jobId, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } }));
  }
  return jobs;
}

interface Followed {
  readonly result: Promise<ProductionJobResult>;
  readonly settled: () => ProductionJobResult | undefined;
}

/** The production's summary once its job ends; a job that failed outside the runner (a crashed worker, too many stalls) is an internal failure. */
function follow(job: Job<ProductionJobData, ProductionJobResult>, events: QueueEvents, item: FleetItem): Followed {
  let done: ProductionJobResult | undefined;
  const result = job.waitUntilFinished(events).then(
    (summary: ProductionJobResult) => ({ ...summary, manifest: item.file, name: item.name }),
    (error: unknown) => notMade(item, { reason: 'internal', message: `the fleet could not make ${item.name}: ${error instanceof Error ? error.message : String(error)}` }),
  );
  void result.then((s) => {
    done = s;
  });
  return { result, settled: () => done };
}

/** After an interruption: waiting productions come off the queue; the summaries say what was made, and what was not. */
async function takeBack(jobs: readonly Job<ProductionJobData, ProductionJobResult>[], finished: readonly Followed[], items: readonly FleetItem[]): Promise<FleetOutcome> {
  let removed = 0;
  let running = 0;
  for (const [i, job] of jobs.entries()) {
    if (finished[i]!.settled()) continue;
    const state = await job.getState().catch(() => 'unknown');
    if (state === 'waiting' || state === 'prioritized' || state === 'delayed') {
      await job.remove().then(
        () => void removed++,
        () => void running++,
      );
    } else running++;
  }
  const summaries = items.map((item, i) => finished[i]?.settled() ?? notMade(item, { reason: 'interrupted' }));
  return { summaries, interrupted: { removed: removed + (items.length - jobs.length), running } };
}

function notMade(item: FleetItem, failure: RunFailure): ProductionJobResult {
  return failedSummary(item.name, item.file, failure);
}
