/**
 * A fleet worker: takes productions off the BullMQ queue and makes each with the ordinary runner
 * (src/runner/run.ts), against the API every worker shares, with the key's limits and the batch's
 * budget kept in Redis. BullMQ holds a lease on each job while the worker lives; a worker killed
 * mid-production stops renewing it, and BullMQ's stalled-job check hands the production to
 * another worker, which resumes it from the shared project folder (the job records and the lock
 * file: recorded jobs are followed, never submitted twice; finished assets come from the cache or
 * the Vault). A Redis mutex per production (its lock file) with the same lease keeps two workers
 * off one production, even from two coordinators.
 */
import { failedSummary } from '../runner/batch.js';
import { createHash } from 'node:crypto';
import { WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Mutex } from 'redis-semaphore';
import { loadManifest } from '../manifest/index.js';
import { planProduction } from '../plan/index.js';
import { failureOf, type RunFailure } from '../runner/failure.js';
import { Projects } from '../runner/paths.js';
import { runProduction, type RunOptions } from '../runner/run.js';
import { joinProject } from '../runner/run-lock.js';
import { budgetKey, PRODUCTIONS_QUEUE, type ProductionJobData, type ProductionJobResult } from './production-job.js';
import { RedisBudget } from './redis-budget.js';
import { FLEET_PREFIX, redisOptions } from './redis.js';

/** What a worker needs (the CLI's composition root builds it). */
export interface FleetWorkerOptions {
  /** `--queue`. */
  readonly queueUrl: string;
  /** A connection for the budget and the production mutexes. */
  readonly redis: Redis;
  /** Productions made at once by this worker (`--concurrency`). */
  readonly concurrency: number;
  /** How long a job's and a production's lease outlive a dead worker, ms (default 30 000). */
  readonly leaseMs?: number;
  /** The API every worker shares: identity (as in fingerprints) and runner pieces, less what differs per production. */
  readonly api: string;
  readonly run: Pick<RunOptions, 'client' | 'requestCount' | 'stitch' | 'stitchVersion' | 'probeDuration' | 'probeFootage' | 'probeColour' | 'detectSpeech' | 'qc' | 'review'>;
  /** One line per production started and ended. */
  readonly onLine?: (line: string) => void;
  /** Words for a production's failure (the CLI's describeFailure), for the line that says it ended. */
  readonly describe?: (failure: RunFailure) => string;
}

/** A running worker. */
export interface FleetWorker {
  /** Takes no new production and resolves when the current ones have ended. */
  close(): Promise<void>;
  /** Interrupts the current productions: each is handed back to the queue for another worker. */
  handBack(): void;
}

/** Starts taking productions. */
export async function startFleetWorker(options: FleetWorkerOptions): Promise<FleetWorker> {
  const leaseMs = options.leaseMs ?? 30_000;
  const interrupt = new AbortController();
  const worker = new Worker<ProductionJobData, ProductionJobResult>(
    PRODUCTIONS_QUEUE,
    async (job, token) => processProduction(job, token, { ...options, leaseMs }, interrupt.signal),
    {
      connection: redisOptions(options.queueUrl),
      prefix: FLEET_PREFIX,
      concurrency: options.concurrency,
      lockDuration: leaseMs,
      stalledInterval: Math.max(1_000, Math.floor(leaseMs / 2)),
      maxStalledCount: 5,
      autorun: false,
    },
  );
  worker.on('error', () => undefined); // connection trouble is retried by ioredis; the lease covers the rest
  void worker.run();
  await worker.waitUntilReady();
  return {
    close: () => worker.close(),
    handBack: () => interrupt.abort(new Error('handed back')),
  };
}

/** Makes one production; its outcome, failure included, is the job's return value. */
async function processProduction(
  job: Job<ProductionJobData>,
  token: string | undefined,
  options: FleetWorkerOptions & { leaseMs: number },
  interrupt: AbortSignal,
): Promise<ProductionJobResult> {
  const data = job.data;
  const mutex = new Mutex(
    options.redis,
    `${FLEET_PREFIX}:production:${createHash('sha256')
      .update(data.manifest)
      .update(`\u0000${data.variant ?? ''}`)
      .digest('hex')}`,
    {
      lockTimeout: options.leaseMs,
      acquireTimeout: 2 * options.leaseMs + 5_000,
      retryInterval: 500,
      onLockLost: () => undefined,
    },
  );
  if (
    !(await mutex.tryAcquire().catch(() => false)) &&
    !(await mutex.acquire().then(
      () => true,
      () => false,
    ))
  ) {
    return failed(data, { reason: 'busy', message: `another worker is making ${data.name}; wait for it` });
  }
  options.onLine?.(`started ${data.name}`);
  const started = performance.now();
  try {
    const made = await makeProduction(job, options, interrupt);
    const summary = { ...made, seconds: Math.round(performance.now() - started) / 1000 };
    if (summary.failure?.reason === 'interrupted' && interrupt.aborted && token) {
      // Handed back: the production goes back to the queue and another worker resumes it.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    options.onLine?.(endLine(summary, options.describe));
    return summary;
  } finally {
    await mutex.release().catch(() => undefined);
  }
}

/** Loads the production the job names and runs it. */
async function makeProduction(job: Job<ProductionJobData>, options: FleetWorkerOptions, interrupt: AbortSignal): Promise<ProductionJobResult> {
  const data = job.data;
  if (data.api !== options.api) {
    return failed(data, { reason: 'api-refused', status: 0, type: 'api_mismatch', message: `this worker talks to ${options.api}, but the batch was planned for ${data.api}` });
  }
  const loaded = await loadManifest(data.manifest, data.plan ? { plan: data.plan } : {});
  const production = loaded.valid.find((p) => (p.variant ?? undefined) === data.variant);
  if (!production) {
    const diagnostics = loaded.rejected.find((r) => r.diagnostics.length > 0)?.diagnostics ?? loaded.diagnostics.filter((d) => d.severity === 'error');
    return failed(data, { reason: 'manifest', diagnostics });
  }
  const project = new Projects().of(production);
  let leave: (() => Promise<void>) | undefined;
  try {
    // A local `run` on the same folder (any machine) refuses to start meanwhile, and holds this production off while it runs.
    leave = await joinProject(project.stateDir);
    const summary = await runProduction(planProduction(production, options.api), {
      ...options.run,
      stateDir: project.stateDir,
      lockPath: project.lockPath,
      cache: project.cache,
      budget: new RedisBudget(options.redis, budgetKey(data.batch), data.maxComputeUnits),
      signal: interrupt,
      ...(data.frozen ? { frozen: true } : {}),
      ...(data.force ? { force: data.force } : {}),
      ...(data.concurrency ? { concurrency: data.concurrency } : {}),
      ...(data.preset ? { preset: data.preset } : {}),
      qcMode: data.qc ?? 'warn',
      onEvent: (event) => {
        if (event.type === 'node' || (event.type === 'stitch' && event.state !== 'progress')) job.updateProgress({ event }).catch(() => undefined);
      },
    });
    return { ...summary, name: data.name };
  } catch (error: unknown) {
    return failed(data, failureOf(error, { signal: interrupt }));
  } finally {
    await leave?.();
  }
}

/** The summary of a production the worker could not run. */
function failed(data: ProductionJobData, failure: RunFailure): ProductionJobResult {
  return failedSummary(data.name, data.manifest, failure);
}

/**
 * The line that says how a production ended: `made <name>`, with the jobs it followed that an
 * earlier run (a worker that died) had submitted, or `failed <name>: <why>`.
 */
function endLine(summary: ProductionJobResult, describe: FleetWorkerOptions['describe']): string {
  if (summary.failure) return `failed ${summary.name}: ${describe?.(summary.failure) ?? summary.failure.reason}`;
  const resumed = [...new Set((summary.assets ?? []).filter((use) => use.via === 'resumed').map((use) => use.jobId))];
  return resumed.length === 0 ? `made ${summary.name}` : `made ${summary.name} (followed ${resumed.length === 1 ? 'job' : 'jobs'} ${resumed.join(', ')} submitted before)`;
}
