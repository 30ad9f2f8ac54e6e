/**
 * Validation of request bodies and query strings: every parameter's type, enum, bounds and
 * default, read from the one table of src/vocabulary/request-parameters.ts (which the OpenAPI
 * document is built from too). Each failure is an {@link ApiError} naming the parameter (`param`).
 */
import type { AudioFormat, Resolution, Style, VoiceId } from '../vocabulary/catalog.js';
import {
  GENERATE_PARAMETERS as G,
  LIST_PARAMETERS as L,
  MUSIC_PARAMETERS as M,
  SPEECH_PARAMETERS as S,
  type IntegerParameter,
  type NumberParameter,
  type UrlParameter,
} from '../vocabulary/request-parameters.js';
import { ApiError } from './errors.js';
import type { JobRequest, JobStatus } from './job.js';

type Body = Readonly<Record<string, unknown>>;

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

function integer(body: Body, name: string, { minimum, maximum }: IntegerParameter): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw invalid(name, `${name} must be an integer from ${minimum} to ${maximum}.`);
  }
  return value;
}

function number(body: Body, name: string, { minimum, maximum }: NumberParameter): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum || value > maximum) {
    throw invalid(name, `${name} must be a number from ${minimum.toFixed(1)} to ${maximum.toFixed(1)}.`);
  }
  return value;
}

function webhookUrl(body: Body, { maxLength }: UrlParameter): { webhookUrl?: string } {
  const value = body.webhook_url;
  if (value === undefined) return {};
  if (typeof value !== 'string' || value.length > maxLength || !URL.canParse(value)) {
    throw invalid('webhook_url', `webhook_url must be an absolute http or https URL of at most ${maxLength} characters.`);
  }
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('webhook_url', 'webhook_url must use http or https.');
  return { webhookUrl: value };
}

/** POST /v2/generate body → validated request, defaults applied. Throws ApiError (400). */
export function validateGenerate(body: Body): JobRequest {
  rejectUnknown(body, Object.keys(G));
  const prompt = text(body, 'prompt', G.prompt.maxLength);
  const resolution: Resolution = oneOf(body, 'resolution', G.resolution.values, G.resolution.default);
  const duration = oneOf<number>(body, 'duration', G.duration.values, G.duration.default);
  const style: Style = oneOf(body, 'style', G.style.values, G.style.default);
  const fps = oneOf<number>(body, 'fps', G.fps.values, G.fps.default);
  const voice: VoiceId | undefined = oneOf(body, 'voice_id', G.voice_id.values, undefined);
  const params = { prompt, resolution, duration, style, fps, ...(voice === undefined ? {} : { voice_id: voice }) };
  return { type: 'video', params, ...webhookUrl(body, G.webhook_url) };
}

/** POST /v2/speech body → validated request, defaults applied. Throws ApiError (400). */
export function validateSpeech(body: Body): JobRequest {
  rejectUnknown(body, Object.keys(S));
  const value = text(body, 'text', S.text.maxLength);
  const voice: VoiceId = oneOf(body, 'voice_id', S.voice_id.values, S.voice_id.default);
  const format: AudioFormat = oneOf(body, 'format', S.format.values, S.format.default);
  const speed = number(body, 'speed', S.speed) ?? S.speed.default;
  return { type: 'speech', params: { text: value, voice_id: voice, format, speed }, ...webhookUrl(body, S.webhook_url) };
}

/** POST /v2/music body → validated request, defaults applied. Throws ApiError (400). */
export function validateMusic(body: Body): JobRequest {
  rejectUnknown(body, Object.keys(M));
  const prompt = text(body, 'prompt', M.prompt.maxLength);
  const duration = integer(body, 'duration', M.duration) ?? M.duration.default;
  const format: AudioFormat = oneOf(body, 'format', M.format.values, M.format.default);
  const bpm = integer(body, 'bpm', M.bpm);
  return { type: 'music', params: { prompt, duration, format, ...(bpm === undefined ? {} : { bpm }) }, ...webhookUrl(body, M.webhook_url) };
}

/** Query of the list endpoints (GET /v2/jobs, GET /v2/vault). */
export interface ListQuery {
  /** 1–100, default 20. */
  readonly limit: number;
  /** Only items created strictly before this instant (Unix ms). */
  readonly before?: number;
  readonly status?: JobStatus;
}

const ISO_8601 = new RegExp(L.before.pattern);

/**
 * Parses `limit`, `before` and (when `withStatus`) `status`. Unknown or repeated query
 * parameters are refused. Throws ApiError (400).
 */
export function validateListQuery(query: URLSearchParams, withStatus: boolean): ListQuery {
  const allowed = withStatus ? Object.keys(L) : ['limit', 'before'];
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) throw new ApiError('unknown_parameter', `Unknown query parameter. Allowed: ${allowed.join(', ')}.`, { param: name.slice(0, 64) });
    if (query.getAll(name).length > 1) throw invalid(name, `${name} may be given once.`);
  }
  let limit: number = L.limit.default;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= L.limit.minimum && limit <= L.limit.maximum)) throw invalid('limit', `limit must be an integer from ${L.limit.minimum} to ${L.limit.maximum}.`);
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
    if (!(L.status.values as readonly string[]).includes(rawStatus)) {
      throw invalid('status', `status must be one of ${L.status.values.map((s) => `"${s}"`).join(', ')}.`);
    }
    status = rawStatus as JobStatus;
  }
  return { limit, ...(before === undefined ? {} : { before }), ...(status === undefined ? {} : { status }) };
}
