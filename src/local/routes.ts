/**
 * The v2 API's authenticated endpoints: a route table and one handler per endpoint. Handlers
 * return a result or throw an ApiError; the pipeline (http-pipeline.ts) does the rest.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PLAN_LIMITS, resolutionWithin, type PlanName } from '../vocabulary/catalog.js';
import { IDEMPOTENCY_KEY_PATTERN } from '../vocabulary/request-parameters.js';
import type { Clock } from '../util/clock.js';
import { readJsonBody } from './body.js';
import { ApiError } from './errors.js';
import { isId } from './ids.js';
import { jobView, type JobRecord, type JobRequest, type JobView } from './job.js';
import type { JobRunner } from './job-runner.js';
import type { JobStore } from './job-store.js';
import type { KeyRecord } from './keys.js';
import type { UrlSigner } from './signed-url.js';
import { validateGenerate, validateListQuery, validateMusic, validateSpeech } from './validate.js';
import { assetView, type Vault } from './vault.js';

/** A key whose plan has API access. */
export type PaidKey = KeyRecord & { readonly plan: Exclude<PlanName, 'free'> };

/** What handlers use. */
export interface Services {
  readonly store: JobStore;
  readonly vault: Vault;
  readonly runner: JobRunner;
  readonly signer: UrlSigner;
  readonly clock: Clock;
  /** `http://127.0.0.1:PORT`: the origin of download URLs. */
  readonly origin: () => string;
}

/** One authenticated request, as handlers see it. */
export interface ApiContext {
  /** The caller's key; never a free-plan key (refused before routing). */
  readonly key: PaidKey;
  readonly request: IncomingMessage;
  readonly query: URLSearchParams;
  /** The path parameter (`job_id` or `asset_id`), when the route has one. */
  readonly id: string;
}

/** A handler's answer. */
export interface ApiResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A route: method, path pattern (one optional `{id}` segment), counter name, handler. */
export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** `GET /v2/jobs/{job_id}`: the endpoint name in counters. */
  readonly name: string;
  readonly handle: (context: ApiContext, services: Services) => Promise<ApiResult>;
}

/** The job object with freshly signed URLs. */
export function presentJob(job: JobRecord, services: Services): JobView {
  const urlOf = (assetId: string | undefined): string | null =>
    assetId !== undefined && services.vault.get(assetId, job.owner) !== undefined ? services.signer.url(services.origin(), assetId) : null;
  return jobView(job, { download: urlOf(job.assetId), thumbnail: urlOf(job.thumbnailAssetId) });
}

/** JSON with keys sorted at every level: two bodies that mean the same hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function idempotencyKey(request: IncomingMessage): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !new RegExp(IDEMPOTENCY_KEY_PATTERN).test(header)) {
    throw new ApiError('invalid_parameter', 'Idempotency-Key must be 1–255 visible ASCII characters.', { param: 'Idempotency-Key' });
  }
  return header;
}

function createJob(name: string, validate: (body: Readonly<Record<string, unknown>>) => JobRequest): Route['handle'] {
  return async (context, services) => {
    const { key, request } = context;
    const body = await readJsonBody(request);
    const jobRequest = validate(body.value);
    const limits = PLAN_LIMITS[key.plan];
    if (jobRequest.type === 'video' && !resolutionWithin(jobRequest.params.resolution, limits.maxResolution)) {
      throw new ApiError('resolution_not_allowed', `Resolution ${jobRequest.params.resolution} is above the ${key.plan} plan's maximum of ${limits.maxResolution}.`, {
        param: 'resolution',
      });
    }
    const now = services.clock.now();
    const idemKey = idempotencyKey(request);
    const bodyHash = createHash('sha256')
      .update(`${name}\n${canonical(body.value)}`)
      .digest('hex');
    if (idemKey !== undefined) {
      const original = services.store.findIdempotent(key.owner, idemKey, now);
      if (original !== undefined) {
        if (original.idempotency?.bodyHash !== bodyHash) {
          throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was used with a different request in the last 24 hours.', { param: 'Idempotency-Key' });
        }
        return { status: 200, body: presentJob(original, services), headers: { 'Idempotent-Replayed': 'true' } };
      }
    }
    const active = services.store.active(key.owner);
    if (active.length >= limits.concurrentJobs) {
      const soonest = Math.min(...active.map((job) => job.estimatedCompletion));
      throw new ApiError('concurrency_limit', `The ${key.plan} plan allows ${limits.concurrentJobs} jobs queued or processing at once.`, {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil((soonest - now) / 1000))) },
      });
    }
    const job = await services.runner.create({
      owner: key.owner,
      livemode: key.livemode,
      request: jobRequest,
      ...(idemKey === undefined ? {} : { idempotency: { key: idemKey, bodyHash } }),
    });
    return { status: 201, body: presentJob(job, services) };
  };
}

function notFound(what: string): ApiError {
  return new ApiError('not_found', `No such ${what}.`);
}

const listJobs: Route['handle'] = async ({ key, query }, services) => {
  const result = services.store.list(key.owner, validateListQuery(query, true));
  return { status: 200, body: { object: 'list', data: result.data.map((job) => presentJob(job, services)), has_more: result.has_more } };
};

const getJob: Route['handle'] = async ({ key, id }, services) => {
  const job = isId(id, 'job') ? services.store.get(id, key.owner) : undefined;
  if (job === undefined) throw notFound('job');
  return { status: 200, body: presentJob(job, services) };
};

const listVault: Route['handle'] = async ({ key, query }, services) => {
  const result = services.vault.list(key.owner, validateListQuery(query, false));
  const data = result.data.map((asset) => assetView(asset, services.signer.url(services.origin(), asset.id)));
  return { status: 200, body: { object: 'list', data, has_more: result.has_more } };
};

const getAsset: Route['handle'] = async ({ key, id }, services) => {
  const asset = isId(id, 'ast') ? services.vault.get(id, key.owner) : undefined;
  if (asset === undefined) throw notFound('asset');
  return { status: 200, body: assetView(asset, services.signer.url(services.origin(), asset.id)) };
};

const deleteAsset: Route['handle'] = async ({ key, id }, services) => {
  if (!isId(id, 'ast') || !(await services.vault.delete(id, key.owner))) throw notFound('asset');
  return { status: 200, body: { id, object: 'asset', deleted: true } };
};

const ID = '([A-Za-z0-9_]{1,64})';

/** Every authenticated route. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/v2\/generate$/, name: 'POST /v2/generate', handle: createJob('generate', validateGenerate) },
  { method: 'POST', pattern: /^\/v2\/speech$/, name: 'POST /v2/speech', handle: createJob('speech', validateSpeech) },
  { method: 'POST', pattern: /^\/v2\/music$/, name: 'POST /v2/music', handle: createJob('music', validateMusic) },
  { method: 'GET', pattern: /^\/v2\/jobs$/, name: 'GET /v2/jobs', handle: listJobs },
  { method: 'GET', pattern: new RegExp(`^/v2/jobs/${ID}$`), name: 'GET /v2/jobs/{job_id}', handle: getJob },
  { method: 'GET', pattern: /^\/v2\/vault$/, name: 'GET /v2/vault', handle: listVault },
  { method: 'GET', pattern: new RegExp(`^/v2/vault/${ID}$`), name: 'GET /v2/vault/{asset_id}', handle: getAsset },
  { method: 'DELETE', pattern: new RegExp(`^/v2/vault/${ID}$`), name: 'DELETE /v2/vault/{asset_id}', handle: deleteAsset },
];

/** The methods the routes accept on `path`, in the table's order (empty when no route has that path). */
export function allowedMethods(path: string): string[] {
  return ROUTES.filter((route) => route.pattern.test(path)).map((route) => route.method);
}

/** The route for `method` and `path`, with its path parameter ('' when none). */
export function matchRoute(method: string, path: string): { route: Route; id: string } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match !== null) return { route, id: match[1] ?? '' };
  }
  return undefined;
}
