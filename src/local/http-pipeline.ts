/**
 * The request pipeline of MercaDream Local, in order:
 *
 *   X-Request-Id → count → latency fault → signed download, OpenAPI document (no key) ┐
 *   → request fault (drop | 500 | 429) → auth (401) → plan (403)                      │
 *   → rate limit (429, X-RateLimit-*) → route (404, 405 + Allow) → handler            ┘→ response / error JSON
 *
 * Anything a handler throws that is not an ApiError becomes a bare 500: its detail never leaves.
 * A path that exists called with a method it does not take is 405 `method_not_allowed` with an
 * `Allow` header (after the key checks for keyed paths; at once for the two keyless ones).
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
import { sendError, sendJson, type ResponseObserver } from './response.js';
import { OPENAPI_DOCUMENT } from './openapi/document.js';
import { allowedMethods, matchRoute, type PaidKey, type Services } from './routes.js';

/** What the pipeline needs besides the handlers' services. */
export interface PipelineDeps {
  readonly services: Services;
  readonly keys: KeyRing;
  readonly limiter: RateLimiter;
  readonly counters: RequestCounters;
  readonly faults: Faults;
  /** Told of every answer sent (see {@link ResponseObserver}); none by default. */
  readonly onResponse?: ResponseObserver;
}

const FILE_ROUTE = /^\/v2\/files\/([A-Za-z0-9_]{1,64})$/;
const DOCUMENT_PATH = '/v2/openapi.json';
const KEYLESS_METHODS = ['GET', 'HEAD'];

/** The pipeline's request handler: answers through `send` or throws an ApiError. */
type Handler = (request: IncomingMessage, response: ServerResponse, method: string, url: URL, send: Send) => Promise<void>;

/** Sends a JSON answer (`json`), or tells that a file's head has been sent (`file`). */
interface Send {
  json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): void;
  file(): void;
}

function methodNotAllowed(method: string, path: string, allowed: readonly string[]): ApiError {
  return new ApiError('method_not_allowed', `${method.slice(0, 16)} is not allowed on ${path.slice(0, 200)}; allowed: ${allowed.join(', ')}.`, {
    headers: { Allow: allowed.join(', ') },
  });
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function isPaid(key: KeyRecord): key is PaidKey {
  return key.plan !== 'free';
}

/** The endpoint name a request is counted under (`GET /v2/jobs/{job_id}`). */
function endpointOf(method: string, path: string, keyless: boolean): string {
  if (keyless && KEYLESS_METHODS.includes(method)) return `${method} ${path === DOCUMENT_PATH ? DOCUMENT_PATH : '/v2/files/{asset_id}'}`;
  return matchRoute(method, path)?.route.name ?? `${method} (no route)`;
}

/** Builds the `(request, response)` listener of the HTTP server. */
export function createPipeline(deps: PipelineDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const { services, keys, limiter, counters, faults } = deps;

  async function handle(request: IncomingMessage, response: ServerResponse, method: string, url: URL, send: Send): Promise<void> {
    const path = url.pathname;
    const file = FILE_ROUTE.exec(path);
    const keyless = file !== null || path === DOCUMENT_PATH;
    const token = bearer(request);
    const key = token === undefined ? undefined : keys.find(token);
    counters.record(endpointOf(method, path, keyless), keyless ? 'anonymous' : (key?.label ?? 'anonymous'));

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);

    if (keyless && !KEYLESS_METHODS.includes(method)) throw methodNotAllowed(method, path, KEYLESS_METHODS);
    if (path === DOCUMENT_PATH) {
      send.json(200, OPENAPI_DOCUMENT);
      return;
    }
    if (file !== null) {
      const assetId = file[1] ?? '';
      services.signer.verify(assetId, url.searchParams);
      const asset = isId(assetId, 'ast') ? services.vault.get(assetId) : undefined;
      if (asset === undefined) throw new ApiError('not_found', 'No such file (it may have been deleted from the vault).');
      sendFile(request, response, asset, services.vault.filePath(asset), faults.truncateDownload());
      send.file();
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
    const matched = matchRoute(method, path);
    if (matched === undefined) {
      const allowed = allowedMethods(path);
      if (allowed.length > 0) throw methodNotAllowed(method, path, allowed);
      throw new ApiError('not_found', `No route ${method} ${path.slice(0, 200)}.`);
    }
    const result = await matched.route.handle({ key, request, query: url.searchParams, id: matched.id }, services);
    send.json(result.status, result.body, result.headers);
  }

  return (request, response) => answer(request, response, handle, deps.onResponse);
}

/**
 * Answers one request with `handle`: sets X-Request-Id, turns what it throws into the error JSON
 * (a bare 500 for anything but an ApiError), and tells `onResponse` of the answer as it is sent.
 */
function answer(request: IncomingMessage, response: ServerResponse, handle: Handler, onResponse: ResponseObserver | undefined): void {
  response.setHeader('X-Request-Id', newId('req'));
  const method = request.method ?? 'GET';
  const url = new URL(`http://local${(request.url ?? '/').startsWith('/') ? (request.url ?? '/') : '/'}`);
  const observe = (body: string | undefined): void => {
    if (onResponse === undefined || !response.headersSent) return;
    const sent = { method, path: url.pathname, status: response.statusCode, headers: response.getHeaders() };
    try {
      onResponse(body === undefined ? sent : { ...sent, body });
    } catch {
      // An observer's failure is its own business.
    }
  };
  const send: Send = { json: (status, body, headers) => observe(sendJson(response, status, body, headers)), file: () => observe(undefined) };
  handle(request, response, method, url, send).catch((error: unknown) => observe(sendError(response, error instanceof ApiError ? error : internalError())));
}
