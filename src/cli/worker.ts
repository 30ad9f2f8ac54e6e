/**
 * `mercadream-pipeline worker --queue redis://HOST:PORT/DB [--concurrency N]`: one machine of a
 * fleet. It takes productions that `run --queue` enqueued and makes them with the ordinary
 * runner, against the API named by MERCADREAM_API_KEY (or --api-key-file) and
 * MERCADREAM_BASE_URL, keeping that key's limits and the batch's budget together with every
 * other worker through Redis. The project folders must be at the same path on every machine.
 * SIGTERM (or Ctrl-C) lets the current productions finish and exits; a second one hands them
 * back to the queue for another worker.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { RedisLimits } from '../fleet/redis-limits.js';
import { connectRedis, queueUrlProblem, redactRedisUrl } from '../fleet/redis.js';
import { startFleetWorker } from '../fleet/worker.js';
import type { PaidPlan } from '../manifest/index.js';
import { apiKeyFileProblem, connect, type Connection } from './connect.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { describeFailure, exitCodeOf } from './failure-text.js';
import { failureOf } from '../runner/failure.js';
import { connectionUsageError, mediaPieces, preflight } from './run.js';
import type { Redis } from 'ioredis';
import type { FfmpegBinaries } from '../media/ffmpeg.js';
import { subscribeDeliveries } from '../fleet/deliveries.js';
import type { Terminal } from './terminal.js';

/** Options of `worker`, as commander parses them. */
export interface WorkerCommandOptions {
  queue: string;
  concurrency: number;
  plan: PaidPlan;
  apiKeyFile?: string;
  /** Seconds a production's lease outlives a dead worker (hidden; tests shorten it). */
  lease: number;
  /** `--webhook-url`: the coordinator's webhook URL (the same for every worker); deliveries are relayed through Redis. */
  webhookUrl?: string;
}

/** Runs a worker until SIGTERM/SIGINT; resolves to the exit code. */
export async function workerCommand(options: WorkerCommandOptions, terminal: Terminal, env: Readonly<Record<string, string | undefined>>): Promise<ExitCode> {
  if (!(env['MERCADREAM_API_KEY'] || options.apiKeyFile)) {
    terminal.error('error: a worker needs the API key the fleet shares (MERCADREAM_API_KEY or --api-key-file) and MERCADREAM_BASE_URL for any API but the public one');
    return EXIT.usage;
  }
  const badUrl = queueUrlProblem(options.queue);
  if (badUrl) {
    terminal.error(`error: ${badUrl}`);
    return EXIT.usage;
  }
  const keyProblem = await apiKeyFileProblem(options.apiKeyFile);
  if (keyProblem) {
    terminal.error(`error: ${keyProblem}`);
    return EXIT.usage;
  }
  const ready = await preflight({ localQuality: 'fast', qc: 'warn' }, env);
  if ('failure' in ready) {
    terminal.error(`error: ${describeFailure(ready.failure)}`);
    return exitCodeOf(ready.failure);
  }
  let redis;
  try {
    redis = await connectRedis(options.queue);
  } catch (error: unknown) {
    terminal.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
  const opened = await openApi(options, terminal, env, { redis, binaries: ready.binaries });
  if (typeof opened === 'number') {
    redis.disconnect();
    return opened;
  }
  const { connection, unsubscribe } = opened;
  const { binaries } = ready;
  const client = connection.client;
  const worker = await startFleetWorker({
    queueUrl: options.queue,
    redis,
    concurrency: options.concurrency,
    leaseMs: options.lease * 1000,
    api: connection.api,
    run: {
      client,
      requestCount: () => client.stats().requests,
      ...mediaPieces(binaries),
    },
    onLine: (line) => terminal.error(line),
    describe: (failure) => describeFailure(failure),
  });
  terminal.error(`Worker ready: productions from ${redactRedisUrl(options.queue)}, ${options.concurrency} at a time, ${connection.description}`);
  await untilStopped(terminal, () => worker.handBack());
  await worker.close();
  await unsubscribe?.();
  await connection.close();
  redis.disconnect();
  terminal.error('worker stopped');
  return EXIT.ok;
}

/** The API connection with the fleet's limits, and the webhook receiver of `--webhook-url`; or the exit code of why not. */
async function openApi(
  options: WorkerCommandOptions,
  terminal: Terminal,
  env: Readonly<Record<string, string | undefined>>,
  parts: { redis: Redis; binaries: FfmpegBinaries },
): Promise<{ connection: Connection; unsubscribe: (() => Promise<void>) | undefined } | ExitCode> {
  let connection: Connection;
  try {
    connection = await connect({
      plan: options.plan,
      stateDir: '.',
      env,
      localQuality: 'fast',
      binaries: parts.binaries,
      limits: new RedisLimits(parts.redis, options.lease * 1000),
      ...(options.apiKeyFile ? { apiKeyFile: options.apiKeyFile } : {}),
      ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    });
  } catch (error: unknown) {
    const usage = connectionUsageError(error);
    if (usage) {
      terminal.error(`error: ${usage}`);
      return EXIT.usage;
    }
    const failure = failureOf(error);
    terminal.error(`error: ${describeFailure(failure)}`);
    return exitCodeOf(failure);
  }
  // The coordinator relays the webhook deliveries, and every worker what its polls saw, through Redis
  // (src/fleet/deliveries.ts, src/fleet/shared-polls.ts).
  return { connection, unsubscribe: await subscribeDeliveries(options.queue, (delivery) => connection.client.observeDelivery(delivery)) };
}

/** Resolves at the first SIGTERM/SIGINT; a second one calls `handBack`, a third exits at once. */
function untilStopped(terminal: Terminal, handBack: () => void): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = () => {
      signals++;
      if (signals === 1) {
        terminal.error('stopping: the current productions finish first (again: hand them back to the queue)');
        resolve();
      } else if (signals === 2) {
        terminal.error('handing the current productions back to the queue');
        handBack();
      } else process.exit(EXIT.interrupted);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(value);
}

/** Registers `worker`. */
export function registerWorker(program: Command, terminal: Terminal, env: Readonly<Record<string, string | undefined>>, setExit: (code: ExitCode) => void): void {
  program
    .command('worker')
    .description('make productions that `run --queue` sends, as one machine of a fleet sharing one key’s limits and one budget')
    .requiredOption('--queue <url>', 'the Redis the fleet shares (redis://HOST:PORT/DB)')
    .option('--concurrency <n>', 'productions made at once by this worker', positiveInt, 1)
    .addOption(new Option('--plan <plan>', 'MercaDream plan of the key (its limits)').choices(['regular', 'advanced', 'professional']).default('regular'))
    .option('--api-key-file <file>', 'read the API key from this file instead of MERCADREAM_API_KEY')
    .option('--webhook-url <url>', "the coordinator's --webhook-url: jobs are submitted with it, and its deliveries come through Redis")
    .addOption(new Option('--lease <seconds>', 'seconds a dead worker keeps its productions and job slots').argParser(positiveInt).default(30).hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n  $ MERCADREAM_API_KEY=mk_live_… mercadream-pipeline worker --queue redis://render-01:6379/0 --concurrency 2\n\nThe project folders must be at the same path on every machine (a network share).',
    )
    .action(async (options: WorkerCommandOptions) => {
      setExit(await workerCommand(options, terminal, env));
    });
}
