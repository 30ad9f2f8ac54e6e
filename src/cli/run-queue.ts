/**
 * `run --queue redis://HOST:PORT/DB <manifests|folders…>`: the coordinator of a fleet batch.
 * Everything a local batch checks before spending is checked here, on this machine (the
 * manifests, the report folders, each production's folders, `--force` targets and the planned
 * cost against `--max-compute-units`); then the productions go to the workers (src/fleet) and
 * the same table, `--report`, `--junit` and exit codes come out as for a local batch.
 */
import { resolve } from 'node:path';
import { apiIdentity, apiKeyFileProblem } from './connect.js';
import { runOnFleet, type CoordinatorOptions, type FleetItem } from '../fleet/coordinator.js';
import { connectRedis, queueUrlProblem, redactRedisUrl, RedisAuthError, RedisUnavailableError } from '../fleet/redis.js';
import { relayDelivery } from '../fleet/deliveries.js';
import type { WebhookReceiver } from '../api/webhooks.js';
import type { Redis } from 'ioredis';
import { receiveDeliveries, webhookSecret } from './webhook-deliveries.js';
import { planProduction } from '../plan/index.js';
import { countEachAssetOnce, plannedUnits, refuseOverBudget } from '../runner/batch.js';
import { checkAllWritable } from '../runner/preflight.js';
import { Projects } from '../runner/paths.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { describeFailure } from './failure-text.js';
import { ndjsonReporter, plainReporter } from './reporters.js';
import type { LoadedInputs } from './run-inputs.js';
import { finish, inFileOrder, unknownForceTargets, type RunCommandOptions, type RunDeps } from './run.js';

/** Sends the productions of `loaded` to the fleet at `options.queue`; resolves to the exit code. */
export async function runQueued(loaded: LoadedInputs, options: RunCommandOptions, deps: RunDeps): Promise<ExitCode> {
  const { terminal } = deps;
  const queueUrl = options.queue!;
  const badUrl = queueUrlProblem(queueUrl);
  if (badUrl) return refuse(deps, `error: ${badUrl}`, EXIT.usage);
  const keyProblem = await apiKeyFileProblem(options.apiKeyFile);
  if (keyProblem) return refuse(deps, `error: ${keyProblem}`, EXIT.usage);
  const api = fleetApi(options, deps);
  if (typeof api === 'number') return api;
  const unwritable = await checkAllWritable(reportPlacesOf(options));
  if (unwritable) return refuse(deps, `error: ${describeFailure(unwritable)}`, EXIT.failed);
  const projects = new Projects();
  const dags = loaded.productions.map((p) => ({ name: p.name, plan: planProduction(p.production, api) }));
  const unknown = unknownForceTargets(
    dags.map((d) => d.plan),
    options.force ?? [],
  );
  if (unknown) return refuse(deps, `error: ${unknown}`, EXIT.usage);
  const context = { matrices: loaded.matrices, started: performance.now(), api };
  const planned = await plannedUnits(dags, projects);
  const refused = refuseOverBudget(dags, planned, options.maxComputeUnits);
  if (refused) return finish({ ...refused, summaries: inFileOrder(loaded, refused.summaries) }, options, deps, context);
  let redis;
  try {
    redis = await connectRedis(queueUrl);
  } catch (error: unknown) {
    return refuse(deps, `error: ${error instanceof RedisUnavailableError || error instanceof RedisAuthError ? error.message : String(error)}`, EXIT.failed);
  }
  const receiver = await relayWebhooks(options, deps, redis);
  if (typeof receiver === 'number') {
    redis.disconnect();
    return receiver;
  }
  const reporter = options.json ? ndjsonReporter(terminal) : plainReporter(terminal);
  if (!options.json) terminal.error(`Sending ${dags.length} production${dags.length === 1 ? '' : 's'} to the workers at ${redactRedisUrl(queueUrl)} (API ${api})`);
  try {
    const outcome = await runOnFleet({
      queueUrl,
      redis,
      items: fleetItems(loaded),
      common: jobOptions(api, options),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onEvent: (name, event) => reporter.event(event.type === 'node' ? { ...event, node: `${name} ${event.node}` } : event),
    });
    await reporter.close();
    if (outcome.interrupted) {
      const { removed, running } = outcome.interrupted;
      terminal.error(`${removed} production${removed === 1 ? '' : 's'} not started were taken off the queue; ${running} already running on workers will finish there`);
    }
    const requests = outcome.summaries.reduce((sum, s) => sum + s.requests, 0);
    // Each asset once, by the first production that used it, as a local batch counts (src/runner/batch.ts).
    const counted = outcome.summaries.length > 1 ? countEachAssetOnce(outcome.summaries) : outcome.summaries;
    return await finish({ summaries: inFileOrder(loaded, counted), plannedComputeUnits: planned }, options, deps, { ...context, requests });
  } finally {
    await receiver?.close();
    redis.disconnect();
  }
}

/** Each production as the fleet names it: display name, the file as given, its absolute path, its matrix variant. */
function fleetItems(loaded: LoadedInputs): FleetItem[] {
  return loaded.productions.map((p) => ({
    name: p.name,
    file: p.production.file,
    manifest: resolve(p.production.file),
    ...(p.production.variant ? { variant: p.production.variant } : {}),
  }));
}

/** What every production's job carries from the command line. */
function jobOptions(api: string, options: RunCommandOptions): CoordinatorOptions['common'] {
  return {
    api,
    ...(options.plan ? { plan: options.plan } : {}),
    ...(options.maxComputeUnits !== undefined ? { maxComputeUnits: options.maxComputeUnits } : {}),
    ...(options.frozen ? { frozen: true } : {}),
    ...(options.force ? { force: options.force } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.preset ? { preset: options.preset } : {}),
    qc: options.qc,
  };
}

/** `--webhook-url`: the coordinator receives the fleet's deliveries and relays them to the workers through Redis. */
async function relayWebhooks(options: RunCommandOptions, deps: RunDeps, redis: Redis): Promise<WebhookReceiver | undefined | ExitCode> {
  if (!options.webhookUrl) return undefined;
  try {
    const secret = await webhookSecret({ env: deps.env, ...(options.webhookSecretFile ? { file: options.webhookSecretFile } : {}) });
    return await receiveDeliveries(options.webhookUrl, secret, (payload) => void relayDelivery(redis, payload).catch(() => undefined), options.webhookListen);
  } catch (error: unknown) {
    return refuse(deps, `error: ${error instanceof Error ? error.message : String(error)}`, EXIT.usage);
  }
}

/**
 * The API every worker talks to, as fingerprints name it. A fleet shares one API, so a key is
 * needed (MERCADREAM_API_KEY or --api-key-file) with MERCADREAM_BASE_URL naming an API the
 * workers reach (`mercadream-pipeline serve` for MercaDream Local); the exit code when not.
 */
function fleetApi(options: RunCommandOptions, deps: RunDeps): string | ExitCode {
  if (!(deps.env['MERCADREAM_API_KEY'] || options.apiKeyFile)) {
    deps.terminal.error(
      'error: --queue needs the API key every worker uses (MERCADREAM_API_KEY or --api-key-file) and, for MercaDream Local, MERCADREAM_BASE_URL naming a `mercadream-pipeline serve` the workers reach',
    );
    return EXIT.usage;
  }
  try {
    return apiIdentity({ env: deps.env, ...(options.apiKeyFile ? { apiKeyFile: options.apiKeyFile } : {}), localQuality: options.localQuality });
  } catch (error: unknown) {
    deps.terminal.error(`error: ${error instanceof Error ? error.message : String(error)} (check MERCADREAM_BASE_URL)`);
    return EXIT.usage;
  }
}

/** Says why in one line; resolves to `code`. */
function refuse(deps: RunDeps, line: string, code: ExitCode): ExitCode {
  deps.terminal.error(line);
  return code;
}

function reportPlacesOf(options: RunCommandOptions): { what: string; folder: string }[] {
  return [
    ...(options.report ? [{ what: 'report (--report)', folder: resolve(options.report, '..') }] : []),
    ...(options.junit ? [{ what: 'JUnit report (--junit)', folder: resolve(options.junit, '..') }] : []),
  ];
}
