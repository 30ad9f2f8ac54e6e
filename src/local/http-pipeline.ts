/**
 * The request pipeline of MercaDream Local, in order:
 *
 *   X-Request-Id → count → latency fault → signed download (no key) ┐
 *   → request fault (drop | 500 | 429) → auth (401) → plan (403)    │
 *   → rate limit (429, X-RateLimit-*) → route (404) → handler       ┘→ response / error JSON
 *
 * Anything a handler throws that is not an ApiError becomes a bare 500: its detail never leaves.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { PLAN_LIMITS } from '../vocabulary/catalog.js';
import type { RequestCounters } from './counters.js';
import { sendFile } from './downloads.js';
import { ApiError, internalError } from './errors.js';
import type { Faults } from './faults.js';
import { isId, newId } from './ids.js';
import type { KeyRecord, KeyRing } from './keys.js';
import { rateLimitHeaders, type RateLimiter } from './rate-limit.js';
import { sendError, sendJson } from './response.js';
import { matchRoute, type PaidKey, type Services } from './routes.js';

/** What the pipeline needs besides the handlers' services. */
export interface PipelineDeps {
  readonly services: Services;
  readonly keys: KeyRing;
  readonly limiter: RateLimiter;
  readonly counters: RequestCounters;
  readonly faults: Faults;
}

const FILE_ROUTE = /^\/v2\/files\/([A-Za-z0-9_]{1,64})$/;

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function isPaid(key: KeyRecord): key is PaidKey {
  return key.plan !== 'free';
}

/** Builds the `(request, response)` listener of the HTTP server. */
export function createPipeline(deps: PipelineDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const { services, keys, limiter, counters, faults } = deps;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('X-Request-Id', newId('req'));
    const method = request.method ?? 'GET';
    const url = new URL(`http://local${(request.url ?? '/').startsWith('/') ? (request.url ?? '/') : '/'}`);
    const path = url.pathname;
    const file = FILE_ROUTE.exec(path);
    const matched = matchRoute(method, path);
    const token = bearer(request);
    const key = token === undefined ? undefined : keys.find(token);
    const endpoint = file !== null && (method === 'GET' || method === 'HEAD') ? `${method} /v2/files/{asset_id}` : (matched?.route.name ?? `${method} (no route)`);
    counters.record(endpoint, file !== null ? 'anonymous' : (key?.label ?? 'anonymous'));

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);

    if (file !== null && (method === 'GET' || method === 'HEAD')) {
      const assetId = file[1] ?? '';
      services.signer.verify(assetId, url.searchParams);
      const asset = isId(assetId, 'ast') ? services.vault.get(assetId) : undefined;
      if (asset === undefined) throw new ApiError('not_found', 'No such file (it may have been deleted from the vault).');
      sendFile(request, response, asset, services.vault.filePath(asset), faults.truncateDownload());
      return;
    }
    if (!path.startsWith('/v2/')) throw new ApiError('not_found', `No route ${method} ${path.slice(0, 200)}.`);

    const fault = faults.forRequest();
    if (fault === 'drop') {
      request.socket.destroy();
      return;
    }
    if (fault === '500') throw internalError();
    if (fault === '429') throw new ApiError('rate_limit_exceeded', 'Too many requests (fault injected by MercaDream Local).', { headers: { 'Retry-After': '1' } });

    if (token === undefined) throw new ApiError('missing_api_key', 'Missing API key: send Authorization: Bearer mk_live_… or mk_test_….');
    if (key === undefined) throw new ApiError('invalid_api_key', 'Invalid API key.');
    if (!isPaid(key)) throw new ApiError('plan_forbidden', 'The Free plan does not include API access. Upgrade to Regular, Advanced or Professional.');

    const decision = limiter.take(key.owner, PLAN_LIMITS[key.plan].requestsPerMinute);
    for (const [name, value] of Object.entries(rateLimitHeaders(decision))) response.setHeader(name, value);
    if (!decision.allowed) {
      throw new ApiError('rate_limit_exceeded', `Rate limit of ${decision.limit} requests per minute exceeded.`, {
        headers: { 'Retry-After': String(decision.retryAfter) },
      });
    }
    if (matched === undefined) throw new ApiError('not_found', `No route ${method} ${path.slice(0, 200)}.`);
    const result = await matched.route.handle({ key, request, query: url.searchParams, id: matched.id }, services);
    sendJson(response, result.status, result.body, result.headers);
  }

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendError(response, error instanceof ApiError ? error : internalError());
    });
  };
}
