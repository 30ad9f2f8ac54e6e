/**
 * The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the v2 API's bodies: request bodies
 * built from the parameter table the server validates with, and the objects MercaDream Local
 * sends (job, asset, list, error, webhook payload) built from the same tables the server fills
 * them from (job statuses, error types, content types).
 */
import { PLAN_LIMITS } from '../../vocabulary/catalog.js';
import { GENERATE_PARAMETERS, JOB_STATUSES, MUSIC_PARAMETERS, REQUIRED_PARAMETERS, SPEECH_PARAMETERS, type RequestParameter } from '../../vocabulary/request-parameters.js';
import { ERROR_STATUS, type ApiErrorType } from '../errors.js';
import { CONTENT_TYPES } from '../vault.js';

/** A JSON Schema (or an OpenAPI object), as plain data. */
export type Schema = Readonly<Record<string, unknown>>;

/** `{$ref: '#/components/schemas/<name>'}`. */
export function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

/** An `http:` or `https:` URL (any case, as URL parsing allows): what `webhook_url`, `download_url` and `thumbnail_url` hold. */
const HTTP_URL = '^[Hh][Tt][Tt][Pp][Ss]?:';

/** The JSON Schema of one request parameter of the table. */
export function parameterSchema(parameter: RequestParameter): Schema {
  const { description } = parameter;
  switch (parameter.kind) {
    case 'text':
      return { type: 'string', minLength: 1, maxLength: parameter.maxLength, pattern: '\\S', description: `${description} Not only whitespace.` };
    case 'enum': {
      const type = typeof parameter.values[0] === 'number' ? 'integer' : 'string';
      return { type, enum: [...parameter.values], ...(parameter.default === undefined ? {} : { default: parameter.default }), description };
    }
    case 'integer':
    case 'number':
      return {
        type: parameter.kind,
        minimum: parameter.minimum,
        maximum: parameter.maximum,
        ...(parameter.default === undefined ? {} : { default: parameter.default }),
        description,
      };
    case 'url':
      return { type: 'string', format: 'uri', maxLength: parameter.maxLength, pattern: HTTP_URL, description };
    case 'timestamp':
      return { type: 'string', format: 'date-time', pattern: parameter.pattern, description };
    default:
      return parameter satisfies never;
  }
}

type ParameterTable = Readonly<Record<string, RequestParameter>>;

/** A request body: every parameter of `table`, `required` ones required, nothing else allowed. */
export function requestBodySchema(table: ParameterTable, required: readonly string[], description: string): Schema {
  const properties = Object.fromEntries(Object.entries(table).map(([name, parameter]) => [name, parameterSchema(parameter)]));
  return { type: 'object', description, required: [...required], additionalProperties: false, properties };
}

/**
 * The job's `params`: the request as validated, defaults applied — every parameter of `table`
 * but `webhook_url`; those with a default (or required) are always present.
 */
export function jobParamsSchema(table: ParameterTable, description: string): Schema {
  const entries = Object.entries(table).filter(([name]) => name !== 'webhook_url');
  const required = entries.filter(([, p]) => p.kind === 'text' || ('default' in p && p.default !== undefined)).map(([name]) => name);
  const properties = Object.fromEntries(entries.map(([name, parameter]) => [name, parameterSchema(parameter)]));
  return { type: 'object', description, required, additionalProperties: false, properties };
}

const TIME: Schema = { type: 'string', format: 'date-time', description: 'ISO 8601 time in UTC with milliseconds, e.g. 2026-06-01T14:22:31.412Z.' };
const SIGNED_URL: Schema = { type: 'string', format: 'uri', pattern: HTTP_URL };

/** Fields every job object has, whatever its type. */
function commonJobProperties(type: string): Record<string, Schema> {
  return {
    id: { type: 'string', pattern: '^job_[0-9a-z]{16}$', description: 'The job id.' },
    object: { const: 'job' },
    type: { const: type, description: 'Which endpoint made the job: video (POST /generate), speech, music.' },
    status: { type: 'string', enum: [...JOB_STATUSES], description: 'queued → processing → completed | failed.' },
    progress: { type: 'integer', minimum: 0, maximum: 100, description: 'Percent done; 100 once completed.' },
    livemode: { type: 'boolean', description: 'False for mk_test_ keys.' },
    compute_units: { type: 'integer', minimum: 1, description: 'What the job costs (docs/local.md gives the formula).' },
    created_at: TIME,
    estimated_completion: { ...TIME, description: 'When the job should be done: a pacing hint, not a promise.' },
    completed_at: { type: ['string', 'null'], format: 'date-time', description: 'When the job completed or failed; null before.' },
    download_url: {
      type: ['string', 'null'],
      format: 'uri',
      pattern: HTTP_URL,
      description: 'Signed, expiring URL of the result (needs no API key); null until completed and after its asset is deleted from the vault.',
    },
    file_size_bytes: { type: ['integer', 'null'], minimum: 0, description: 'Size of the result; null until completed.' },
    duration: { type: 'number', minimum: 0, description: 'Seconds of media: the requested length until the media is made (speech: 0).' },
    webhook_url: { ...SIGNED_URL, description: 'Where webhooks of this job go, when the request named one.' },
    error: ref('JobError'),
  };
}

const COMMON_REQUIRED = [
  'id',
  'object',
  'type',
  'status',
  'progress',
  'livemode',
  'params',
  'compute_units',
  'created_at',
  'estimated_completion',
  'completed_at',
  'download_url',
  'file_size_bytes',
  'duration',
];

/** A job object of one `type`, with the fields that type adds. */
function jobSchema(type: string, description: string, own: Record<string, Schema>, ownRequired: readonly string[]): Schema {
  return {
    type: 'object',
    description,
    required: [...COMMON_REQUIRED, ...ownRequired],
    additionalProperties: false,
    properties: { ...commonJobProperties(type), ...own },
  };
}

/** The job objects, one per type, and their union `Job` (discriminated by `type`). */
function jobSchemas(): Record<string, Schema> {
  const g = GENERATE_PARAMETERS;
  const s = SPEECH_PARAMETERS;
  const m = MUSIC_PARAMETERS;
  return {
    VideoJob: jobSchema(
      'video',
      'A job of POST /generate.',
      {
        prompt: parameterSchema(g.prompt),
        params: ref('VideoParams'),
        thumbnail_url: { ...commonJobProperties('video').download_url, description: 'Signed URL of a JPEG still of the clip; null until completed.' },
        resolution: parameterSchema(g.resolution),
        fps: parameterSchema(g.fps),
        style: parameterSchema(g.style),
      },
      ['prompt', 'thumbnail_url', 'resolution', 'fps', 'style'],
    ),
    SpeechJob: jobSchema('speech', 'A job of POST /speech.', { text: parameterSchema(s.text), params: ref('SpeechParams'), format: parameterSchema(s.format) }, ['text', 'format']),
    MusicJob: jobSchema(
      'music',
      'A job of POST /music.',
      {
        prompt: parameterSchema(m.prompt),
        params: ref('MusicParams'),
        format: parameterSchema(m.format),
        bpm: {
          type: ['integer', 'null'],
          minimum: m.bpm.minimum,
          maximum: m.bpm.maximum,
          description: 'Tempo in beats per minute: the requested one, or the one the engine chose once completed; null before.',
        },
      },
      ['prompt', 'format', 'bpm'],
    ),
    Job: {
      oneOf: [ref('VideoJob'), ref('SpeechJob'), ref('MusicJob')],
      discriminator: {
        propertyName: 'type',
        mapping: { video: '#/components/schemas/VideoJob', speech: '#/components/schemas/SpeechJob', music: '#/components/schemas/MusicJob' },
      },
    },
    JobError: {
      type: 'object',
      description: 'Why a failed job failed.',
      required: ['type', 'message'],
      additionalProperties: false,
      properties: { type: { type: 'string', enum: ['render_failed', 'injected_failure', 'interrupted'] }, message: { type: 'string' } },
    },
    VideoParams: jobParamsSchema(g, 'The POST /generate request as validated, defaults applied.'),
    SpeechParams: jobParamsSchema(s, 'The POST /speech request as validated, defaults applied.'),
    MusicParams: jobParamsSchema(m, 'The POST /music request as validated, defaults applied.'),
  };
}

/** A list page of `item`. */
function listSchema(item: string, description: string): Schema {
  return {
    type: 'object',
    description,
    required: ['object', 'data', 'has_more'],
    additionalProperties: false,
    properties: { object: { const: 'list' }, data: { type: 'array', items: ref(item) }, has_more: { type: 'boolean', description: 'True when older items remain.' } },
  };
}

/** The asset objects of the vault. */
function assetSchemas(): Record<string, Schema> {
  return {
    Asset: {
      type: 'object',
      description: "A file in the vault: a job's result, or a video job's thumbnail.",
      required: ['id', 'object', 'job_id', 'kind', 'format', 'content_type', 'file_size_bytes', 'created_at', 'download_url'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: '^ast_[0-9a-z]{16}$' },
        object: { const: 'asset' },
        job_id: { type: 'string', pattern: '^job_[0-9a-z]{16}$' },
        kind: { type: 'string', enum: ['video', 'audio', 'thumbnail'] },
        format: { type: 'string', enum: Object.keys(CONTENT_TYPES) },
        content_type: { type: 'string', enum: Object.values(CONTENT_TYPES) },
        file_size_bytes: { type: 'integer', minimum: 0 },
        created_at: TIME,
        download_url: { ...SIGNED_URL, description: 'Signed, expiring URL of the file (needs no API key).' },
      },
    },
    DeletedAsset: {
      type: 'object',
      required: ['id', 'object', 'deleted'],
      additionalProperties: false,
      properties: { id: { type: 'string' }, object: { const: 'asset' }, deleted: { const: true } },
    },
    JobList: listSchema('Job', 'A page of jobs, newest first.'),
    AssetList: listSchema('Asset', 'A page of vault assets, newest first.'),
  };
}

/** The error types that travel with `status`, in the table's order. */
export function errorTypesOf(status: number): ApiErrorType[] {
  return (Object.keys(ERROR_STATUS) as ApiErrorType[]).filter((type) => ERROR_STATUS[type] === status);
}

/** Every HTTP status an error can have, ascending. */
export function errorStatuses(): number[] {
  return [...new Set(Object.values(ERROR_STATUS))].sort((a, b) => a - b);
}

/** `Error<status>`: the error JSON of one status, its `type` one of that status's types. */
function errorSchemas(): Record<string, Schema> {
  return Object.fromEntries(
    errorStatuses().map((status) => [
      `Error${status}`,
      {
        type: 'object',
        description: `The error JSON of a ${status} answer.`,
        required: ['code', 'type', 'message'],
        additionalProperties: false,
        properties: {
          code: { const: status, description: 'The HTTP status.' },
          type: { type: 'string', enum: errorTypesOf(status), description: 'Stable machine-readable reason.' },
          message: { type: 'string', description: 'For people; may change.' },
          param: { type: 'string', description: 'The request parameter (or header) at fault, when there is one.' },
        },
      },
    ]),
  );
}

/** The request bodies of the three job endpoints. */
function requestSchemas(): Record<string, Schema> {
  const plans = Object.entries(PLAN_LIMITS)
    .map(([plan, limits]) => `${plan} ${limits.maxResolution}`)
    .join(', ');
  return {
    GenerateRequest: requestBodySchema(GENERATE_PARAMETERS, REQUIRED_PARAMETERS.generate, `A video clip to generate. The resolution must be within the plan (${plans}).`),
    SpeechRequest: requestBodySchema(SPEECH_PARAMETERS, REQUIRED_PARAMETERS.speech, 'Speech to synthesize.'),
    MusicRequest: requestBodySchema(MUSIC_PARAMETERS, REQUIRED_PARAMETERS.music, 'Music to compose.'),
  };
}

/** Every schema of `components.schemas`, by name. */
export function componentSchemas(): Record<string, Schema> {
  return { ...requestSchemas(), ...jobSchemas(), ...assetSchemas(), ...errorSchemas(), ...webhookSchemas() };
}

/** The webhook payloads, one per event. */
function webhookSchemas(): Record<string, Schema> {
  const payload = (event: string, status: string, description: string, own: Record<string, Schema>, ownRequired: string[]): Schema => ({
    type: 'object',
    description,
    required: ['event', 'job_id', 'status', 'progress', 'timestamp', 'signature', ...ownRequired],
    additionalProperties: false,
    properties: {
      event: { const: event },
      job_id: { type: 'string', pattern: '^job_[0-9a-z]{16}$' },
      status: { const: status },
      progress: { type: 'integer', minimum: 0, maximum: 100 },
      timestamp: { ...TIME, description: 'When the event happened.' },
      signature: {
        type: 'string',
        pattern: '^sha256=[0-9a-f]{64}$',
        description: 'HMAC-SHA256 under the webhook secret of `<timestamp header>.<this payload serialized without signature>` (verify the header instead).',
      },
      ...own,
    },
  });
  return {
    JobUpdatedEvent: payload('job.updated', 'processing', 'A job started rendering.', {}, []),
    JobCompletedEvent: payload('job.completed', 'completed', 'A job completed; its result can be downloaded.', { download_url: SIGNED_URL }, ['download_url']),
    JobFailedEvent: payload('job.failed', 'failed', 'A job failed.', { error: ref('JobError') }, ['error']),
  };
}
