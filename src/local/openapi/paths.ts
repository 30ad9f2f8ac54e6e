/**
 * The `paths` of the OpenAPI document: every endpoint MercaDream Local answers, relative to the
 * base URL `…/v2`, with its parameters, request body, and each response it can send.
 */
import { IDEMPOTENCY_KEY_PATTERN, LIST_PARAMETERS, type RequestParameter } from '../../vocabulary/request-parameters.js';
import { CONTENT_TYPES } from '../vault.js';
import { parameterSchema, ref, type Schema } from './schemas.js';
import { errorsOf, headerRef, jsonResponse } from './responses.js';

/** Errors any keyed request can get before its route: no or a bad key, a free plan, the rate limit, a fault or a bug. */
const KEYED_ERRORS = [401, 403, 429, 500];

function queryParameter(name: string, parameter: RequestParameter): Schema {
  return { name, in: 'query', required: false, description: parameter.description, schema: parameterSchema(parameter) };
}

function pathParameter(name: string, prefix: string, description: string): Schema {
  return { name, in: 'path', required: true, description, schema: { type: 'string', pattern: `^${prefix}_[0-9a-z]{16}$` } };
}

const IDEMPOTENCY_KEY: Schema = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the POST safe to repeat for 24 hours per API key: the same key with the same body (compared as canonical JSON) answers 200 with the original job; with another body, 400 idempotency_key_reused.',
  schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN },
};

/** POST of a job endpoint: `body` is the request schema's name, `job` the job schema's. */
function createJob(operationId: string, summary: string, body: string, job: string): Schema {
  return {
    post: {
      operationId,
      summary,
      tags: ['jobs'],
      parameters: [IDEMPOTENCY_KEY],
      requestBody: { required: true, description: 'A JSON object (Content-Type: application/json), at most 64 KiB.', content: { 'application/json': { schema: ref(body) } } },
      responses: {
        '200': jsonResponse('The job an earlier request with the same Idempotency-Key and body made.', ref(job), { 'Idempotent-Replayed': headerRef('IdempotentReplayed') }),
        '201': jsonResponse('The job was created (queued).', ref(job)),
        ...errorsOf(400, ...KEYED_ERRORS),
      },
    },
  };
}

function jobPaths(): Record<string, Schema> {
  return {
    '/generate': createJob('createVideoJob', 'Generate a video clip', 'GenerateRequest', 'VideoJob'),
    '/speech': createJob('createSpeechJob', 'Synthesize speech', 'SpeechRequest', 'SpeechJob'),
    '/music': createJob('createMusicJob', 'Compose music', 'MusicRequest', 'MusicJob'),
    '/jobs': {
      get: {
        operationId: 'listJobs',
        summary: "The key's jobs, newest first",
        tags: ['jobs'],
        parameters: Object.entries(LIST_PARAMETERS).map(([name, parameter]) => queryParameter(name, parameter)),
        responses: { '200': jsonResponse('A page of jobs.', ref('JobList')), ...errorsOf(400, ...KEYED_ERRORS) },
      },
    },
    '/jobs/{job_id}': {
      parameters: [pathParameter('job_id', 'job', 'The job id.')],
      get: {
        operationId: 'getJob',
        summary: 'A job, with freshly signed download URLs',
        tags: ['jobs'],
        responses: { '200': jsonResponse('The job.', ref('Job')), ...errorsOf(...KEYED_ERRORS, 404) },
      },
    },
  };
}

function vaultPaths(): Record<string, Schema> {
  const { limit, before } = LIST_PARAMETERS;
  return {
    '/vault': {
      get: {
        operationId: 'listVault',
        summary: "The key's vault assets, newest first",
        tags: ['vault'],
        parameters: [queryParameter('limit', limit), queryParameter('before', before)],
        responses: { '200': jsonResponse('A page of assets.', ref('AssetList')), ...errorsOf(400, ...KEYED_ERRORS) },
      },
    },
    '/vault/{asset_id}': {
      parameters: [pathParameter('asset_id', 'ast', 'The asset id.')],
      get: {
        operationId: 'getAsset',
        summary: 'An asset, with a freshly signed download URL',
        tags: ['vault'],
        responses: { '200': jsonResponse('The asset.', ref('Asset')), ...errorsOf(...KEYED_ERRORS, 404) },
      },
      delete: {
        operationId: 'deleteAsset',
        summary: 'Delete an asset and its file',
        tags: ['vault'],
        responses: { '200': jsonResponse('The asset is deleted.', ref('DeletedAsset')), ...errorsOf(...KEYED_ERRORS, 404) },
      },
    },
  };
}

const FILE_HEADERS: Record<string, Schema> = {
  'X-Request-Id': headerRef('XRequestId'),
  'Content-Length': { required: true, schema: { type: 'integer', minimum: 0 } },
  'Accept-Ranges': { required: true, schema: { const: 'bytes' } },
  ETag: { required: true, schema: { type: 'string' } },
  'Content-Disposition': { required: true, schema: { type: 'string', pattern: '^attachment; filename="ast_[0-9a-z]{16}\\.[a-z0-9]+"$' } },
};

function fileOperation(method: 'get' | 'head'): Schema {
  const content = Object.fromEntries(
    [...new Set(Object.values(CONTENT_TYPES))].map((type) => [type, method === 'get' ? { schema: { type: 'string', contentMediaType: type } } : {}]),
  );
  const what = method === 'get' ? 'The file' : 'The headers of the file, no body';
  return {
    operationId: method === 'get' ? 'downloadFile' : 'headFile',
    summary: method === 'get' ? 'Download a vault file (signed URL)' : 'Headers of a vault file (signed URL)',
    tags: ['files'],
    security: [],
    responses: {
      '200': { description: `${what}, whole.`, headers: FILE_HEADERS, content },
      '206': {
        description: `${what}: the one byte range asked for (Range: bytes=a-b, a- or -n; several ranges get the whole file).`,
        headers: { ...FILE_HEADERS, 'Content-Range': { required: true, schema: { type: 'string', pattern: '^bytes \\d+-\\d+/\\d+$' } } },
        content,
      },
      ...errorsOf(403, 404, 416, 500),
    },
  };
}

function filePaths(): Record<string, Schema> {
  return {
    '/files/{asset_id}': {
      parameters: [
        pathParameter('asset_id', 'ast', 'The asset id.'),
        { name: 'expires', in: 'query', required: true, description: 'Unix seconds after which the URL is refused (url_expired).', schema: { type: 'string', pattern: '^\\d+$' } },
        {
          name: 'signature',
          in: 'query',
          required: true,
          description: 'HMAC-SHA256 of the asset id and expiry under the server secret, hex.',
          schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      ],
      get: fileOperation('get'),
      head: fileOperation('head'),
    },
  };
}

function documentPath(): Record<string, Schema> {
  const operation = (method: 'get' | 'head'): Schema => ({
    operationId: method === 'get' ? 'getOpenApiDocument' : 'headOpenApiDocument',
    summary: method === 'get' ? 'This document' : 'Headers of this document',
    tags: ['meta'],
    security: [],
    responses: {
      '200': {
        description: 'The OpenAPI 3.1 description of the v2 API as MercaDream Local implements it (no API key needed).',
        headers: { 'X-Request-Id': headerRef('XRequestId') },
        content: {
          'application/json':
            method === 'get'
              ? {
                  schema: {
                    type: 'object',
                    required: ['openapi', 'info', 'paths'],
                    properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } },
                  },
                }
              : {},
        },
      },
      ...errorsOf(500),
    },
  });
  return { '/openapi.json': { get: operation('get'), head: operation('head') } };
}

/** Every path of the document. */
export function documentPaths(): Record<string, Schema> {
  return { ...jobPaths(), ...vaultPaths(), ...filePaths(), ...documentPath() };
}
