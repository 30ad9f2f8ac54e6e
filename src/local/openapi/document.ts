/**
 * The OpenAPI 3.1 description of the MercaDream v2 API as MercaDream Local implements it: built
 * from the tables the server validates and answers with (request parameters, error types, job
 * statuses, content types, webhook headers), never kept by hand. MercaDream Local serves it at
 * `GET /v2/openapi.json`; `npm run openapi` writes it to `schemas/openapi.json`; the tests check
 * every answer Local sends against it.
 */
import { LEGACY_WEBHOOK_HEADERS, WEBHOOK_HEADERS } from '../../vocabulary/webhook-signature.js';
import { documentPaths } from './paths.js';
import { errorResponses, HEADERS } from './responses.js';
import { componentSchemas, ref, type Schema } from './schemas.js';

const DESCRIPTION = [
  'The MercaDream REST API v2 as MercaDream Local (mercadream-pipeline) implements it: every endpoint, parameter, bound, default, answer and error body it sends.',
  'MercaDream Local serves this document at GET /v2/openapi.json (no API key needed).',
  '',
  'Every answer carries X-Request-Id; every answer to a known key of a paid plan carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset.',
  'A path of this document called with a method it does not list answers 405 method_not_allowed with an Allow header (components.responses.MethodNotAllowed);',
  'any other path answers 404 not_found (components.responses.NotFound). Keyed paths check the key, the plan and the rate limit first (401, 403, 429).',
  'Order of checks: signed download → auth (401) → plan (403) → rate limit (429) → route (404, 405) → body and parameters (400) → resolution (403) → Idempotency-Key → concurrency (429).',
  '',
  "MercaDream Local's media are procedural stand-ins drawn by ffmpeg, not the output of generative models.",
].join('\n');

/**
 * The headers of a webhook delivery: the Standard Webhooks ones (standardwebhooks.com), then the
 * earlier X-MercaDream-* ones, still sent for receivers built against them (deprecated).
 */
function webhookHeaderParameters(): Schema[] {
  const standard = 'Standard Webhooks (standardwebhooks.com)';
  return [
    {
      name: WEBHOOK_HEADERS.id,
      in: 'header',
      required: true,
      description: `${standard}: one id per event, the same on every retry: de-duplicate on it.`,
      schema: { type: 'string' },
    },
    {
      name: WEBHOOK_HEADERS.timestamp,
      in: 'header',
      required: true,
      description: `${standard}: unix seconds of this attempt; refuse one more than 5 minutes off.`,
      schema: { type: 'string', pattern: '^\\d{1,12}$' },
    },
    {
      name: WEBHOOK_HEADERS.signature,
      in: 'header',
      required: true,
      description: `${standard}: space-separated "v1,<base64 HMAC-SHA256 of '<webhook-id>.<webhook-timestamp>.<raw body>'>", one per secret during a rotation; the key of a whsec_ secret is its base64-decoded bytes. Compare in constant time.`,
      schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$' },
    },
    { name: LEGACY_WEBHOOK_HEADERS.delivery, in: 'header', required: true, deprecated: true, description: 'The same value as webhook-id.', schema: { type: 'string' } },
    {
      name: LEGACY_WEBHOOK_HEADERS.timestamp,
      in: 'header',
      required: true,
      deprecated: true,
      description: 'The same value as webhook-timestamp.',
      schema: { type: 'string', pattern: '^\\d{1,12}$' },
    },
    {
      name: LEGACY_WEBHOOK_HEADERS.signature,
      in: 'header',
      required: true,
      deprecated: true,
      description: 'sha256=<hex HMAC-SHA256 under the newest webhook secret of "<timestamp>.<raw body>">.',
      schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
    },
  ];
}

/** One `webhooks:` entry: a POST of `payload` to the job's webhook_url. */
function webhook(event: string, payload: string, when: string): Schema {
  return {
    post: {
      operationId: `on${payload}`,
      summary: `${event}: ${when}`,
      description: 'POSTed to the webhook_url of the job. Any 2xx acknowledges it; otherwise it is retried (5 attempts, waits of 1, 2, 4, 8 s; 5 s timeout each).',
      tags: ['webhooks'],
      security: [],
      parameters: webhookHeaderParameters(),
      requestBody: { required: true, content: { 'application/json': { schema: ref(payload) } } },
      responses: { '200': { description: 'Received (any 2xx will do).' } },
    },
  };
}

/** Builds the document (a fresh object each call; plain JSON data). */
export function buildOpenApiDocument(): Schema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'MercaDream API v2 (MercaDream Local)',
      version: '2.0.0',
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [
      { url: 'https://api.mercadream.com/v2', description: 'MercaDream' },
      { url: 'http://127.0.0.1:{port}/v2', description: 'MercaDream Local (mercadream-pipeline serve)', variables: { port: { default: '8787' } } },
    ],
    security: [{ bearer: [] }],
    tags: [
      { name: 'jobs', description: 'Generation jobs: video, speech, music.' },
      { name: 'vault', description: 'The files jobs made.' },
      { name: 'files', description: 'Signed, expiring download URLs (no API key).' },
      { name: 'meta', description: 'This document.' },
      { name: 'webhooks', description: 'What MercaDream POSTs to a job’s webhook_url.' },
    ],
    paths: documentPaths(),
    webhooks: {
      'job.updated': webhook('job.updated', 'JobUpdatedEvent', 'the job started rendering'),
      'job.completed': webhook('job.completed', 'JobCompletedEvent', 'the job completed'),
      'job.failed': webhook('job.failed', 'JobFailedEvent', 'the job failed'),
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer mk_live_… or mk_test_… (a key of the Regular, Advanced or Professional plan).' },
      },
      schemas: componentSchemas(),
      headers: HEADERS,
      responses: errorResponses(),
    },
  };
}

/** The document, built once: what `GET /v2/openapi.json` sends and `schemas/openapi.json` holds. */
export const OPENAPI_DOCUMENT: Schema = buildOpenApiDocument();
