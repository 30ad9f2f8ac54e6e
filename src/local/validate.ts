/**
 * Validation of request bodies and query strings: every parameter's type, enum, bounds and
 * default, as the API document gives them (and the catalog, where it names no values).
 * Each failure is an {@link ApiError} naming the parameter (`param`).
 */
import { AUDIO_FORMATS, CLIP_DURATIONS, FPS_VALUES, RESOLUTIONS, STYLES, VOICES, type AudioFormat, type Resolution, type Style, type VoiceId } from '../vocabulary/catalog.js';
import { ApiError } from './errors.js';
import { JOB_STATUSES, type JobRequest, type JobStatus, type JobType } from './job.js';

type Body = Readonly<Record<string, unknown>>;

const FIELDS: Readonly<Record<JobType, readonly string[]>> = {
  video: ['prompt', 'resolution', 'duration', 'style', 'fps', 'voice_id', 'webhook_url'],
  speech: ['text', 'voice_id', 'format', 'speed', 'webhook_url'],
  music: ['prompt', 'duration', 'format', 'bpm', 'webhook_url'],
};

function invalid(param: string, message: string): ApiError {
  return new ApiError('invalid_parameter', message, { param });
}

function rejectUnknown(body: Body, allowed: readonly string[]): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) {
      throw new ApiError('unknown_parameter', `Unknown parameter ${JSON.stringify(name.slice(0, 64))}. Allowed: ${allowed.join(', ')}.`, {
        param: name.slice(0, 64),
      });
    }
  }
}

function text(body: Body, name: string, max: number): string {
  const value = body[name];
  if (value === undefined || value === null) throw new ApiError('missing_parameter', `${name} is required.`, { param: name });
  if (typeof value !== 'string') throw invalid(name, `${name} must be a string.`);
  if (value.trim().length === 0) throw invalid(name, `${name} must not be empty.`);
  const length = [...value].length;
  if (length > max) throw invalid(name, `${name} must be at most ${max} characters (got ${length}).`);
  return value;
}

function oneOf<T extends string | number>(body: Body, name: string, allowed: readonly T[], fallback: T): T;
function oneOf<T extends string | number>(body: Body, name: string, allowed: readonly T[], fallback: undefined): T | undefined;
function oneOf<T extends string | number>(body: Body, name: string, allowed: readonly T[], fallback: T | undefined): T | undefined {
  const value = body[name];
  if (value === undefined) return fallback;
  const kind = typeof allowed[0] === 'number' ? 'integer' : 'string';
  if (typeof value !== typeof allowed[0] || !(allowed as readonly unknown[]).includes(value)) {
    const list = allowed.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');
    throw invalid(name, `${name} must be one of ${list} (${kind}).`);
  }
  return value as T;
}

function integer(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, `${name} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function webhookUrl(body: Body): { webhookUrl?: string } {
  const value = body.webhook_url;
  if (value === undefined) return {};
  if (typeof value !== 'string' || value.length > 2048 || !URL.canParse(value)) {
    throw invalid('webhook_url', 'webhook_url must be an absolute http or https URL of at most 2048 characters.');
  }
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('webhook_url', 'webhook_url must use http or https.');
  return { webhookUrl: value };
}

/** POST /v2/generate body → validated request. Throws ApiError (400). */
export function validateGenerate(body: Body): JobRequest {
  rejectUnknown(body, FIELDS.video);
  const prompt = text(body, 'prompt', 1000);
  const resolution: Resolution = oneOf(body, 'resolution', RESOLUTIONS, '4k');
  const duration = oneOf<number>(body, 'duration', CLIP_DURATIONS, 30);
  const style: Style = oneOf(body, 'style', STYLES, 'cinematic');
  const fps = oneOf<number>(body, 'fps', FPS_VALUES, 24);
  const voice: VoiceId | undefined = oneOf(body, 'voice_id', VOICES, undefined);
  const params = { prompt, resolution, duration, style, fps, ...(voice === undefined ? {} : { voice_id: voice }) };
  return { type: 'video', params, ...webhookUrl(body) };
}

/** POST /v2/speech body → validated request. Throws ApiError (400). */
export function validateSpeech(body: Body): JobRequest {
  rejectUnknown(body, FIELDS.speech);
  const value = text(body, 'text', 5000);
  const voice: VoiceId = oneOf(body, 'voice_id', VOICES, 'neural-narrator-m');
  const format: AudioFormat = oneOf(body, 'format', AUDIO_FORMATS, 'mp3');
  let speed = 1.0;
  if (body.speed !== undefined) {
    if (typeof body.speed !== 'number' || !Number.isFinite(body.speed) || body.speed < 0.5 || body.speed > 2.0) {
      throw invalid('speed', 'speed must be a number from 0.5 to 2.0.');
    }
    speed = body.speed;
  }
  return { type: 'speech', params: { text: value, voice_id: voice, format, speed }, ...webhookUrl(body) };
}

/** POST /v2/music body → validated request. Throws ApiError (400). */
export function validateMusic(body: Body): JobRequest {
  rejectUnknown(body, FIELDS.music);
  const prompt = text(body, 'prompt', 1000);
  const duration = integer(body, 'duration', 15, 300) ?? 60;
  const format: AudioFormat = oneOf(body, 'format', AUDIO_FORMATS, 'mp3');
  const bpm = integer(body, 'bpm', 60, 200);
  return { type: 'music', params: { prompt, duration, format, ...(bpm === undefined ? {} : { bpm }) }, ...webhookUrl(body) };
}

/** Query of the list endpoints (GET /v2/jobs, GET /v2/vault). */
export interface ListQuery {
  /** 1–100, default 20. */
  readonly limit: number;
  /** Only items created strictly before this instant (Unix ms). */
  readonly before?: number;
  readonly status?: JobStatus;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses `limit`, `before` and (when `withStatus`) `status`. Unknown or repeated query
 * parameters are refused. Throws ApiError (400).
 */
export function validateListQuery(query: URLSearchParams, withStatus: boolean): ListQuery {
  const allowed = withStatus ? ['status', 'limit', 'before'] : ['limit', 'before'];
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) throw new ApiError('unknown_parameter', `Unknown query parameter. Allowed: ${allowed.join(', ')}.`, { param: name.slice(0, 64) });
    if (query.getAll(name).length > 1) throw invalid(name, `${name} may be given once.`);
  }
  let limit = 20;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= 100)) throw invalid('limit', 'limit must be an integer from 1 to 100.');
  }
  const rawBefore = query.get('before');
  let before: number | undefined;
  if (rawBefore !== null) {
    before = ISO_8601.test(rawBefore) ? Date.parse(rawBefore) : NaN;
    if (Number.isNaN(before)) throw invalid('before', 'before must be an ISO 8601 timestamp such as 2025-06-01T14:22:31Z.');
  }
  const rawStatus = query.get('status');
  let status: JobStatus | undefined;
  if (rawStatus !== null) {
    if (!(JOB_STATUSES as readonly string[]).includes(rawStatus)) {
      throw invalid('status', `status must be one of ${JOB_STATUSES.map((s) => `"${s}"`).join(', ')}.`);
    }
    status = rawStatus as JobStatus;
  }
  return { limit, ...(before === undefined ? {} : { before }), ...(status === undefined ? {} : { status }) };
}
