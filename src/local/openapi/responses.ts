/**
 * The response headers and the shared error responses of the OpenAPI document: which headers
 * every answer carries (X-Request-Id), which a keyed answer carries (X-RateLimit-*), and one
 * error response per status, its body `Error<status>` (schemas.ts).
 */
import { errorStatuses, errorTypesOf, ref, type Schema } from './schemas.js';

const INTEGER_HEADER: Schema = { type: 'integer', minimum: 0 };

/** `components.headers`: the headers the document names, each required where it is referenced. */
export const HEADERS: Readonly<Record<string, Schema>> = {
  XRequestId: {
    description: 'Id of this request, on every answer (quote it when reporting a problem).',
    required: true,
    schema: { type: 'string', pattern: '^req_[0-9a-z]{16}$' },
  },
  XRateLimitLimit: { description: "The plan's requests per minute.", required: true, schema: INTEGER_HEADER },
  XRateLimitRemaining: { description: 'Requests left in the current 60-second window.', required: true, schema: INTEGER_HEADER },
  XRateLimitReset: { description: 'Unix seconds when the oldest request of the window leaves it.', required: true, schema: INTEGER_HEADER },
  RetryAfter: { description: 'Seconds to wait before trying again, at least 1.', required: true, schema: { type: 'integer', minimum: 1 } },
  Allow: { description: 'The methods the path accepts, comma-separated.', required: true, schema: { type: 'string' } },
  IdempotentReplayed: { description: 'The request repeated an earlier one with the same Idempotency-Key: this is the original job.', required: true, schema: { const: 'true' } },
};

function headerRef(name: string): Schema {
  return { $ref: `#/components/headers/${name}` };
}

/** Headers of a successful answer to a keyed request: X-Request-Id and the rate-limit state. */
export function keyedHeaders(): Record<string, Schema> {
  return {
    'X-Request-Id': headerRef('XRequestId'),
    'X-RateLimit-Limit': headerRef('XRateLimitLimit'),
    'X-RateLimit-Remaining': headerRef('XRateLimitRemaining'),
    'X-RateLimit-Reset': headerRef('XRateLimitReset'),
  };
}

/** Rate-limit headers an error carries once the key was known and counted (not on 401, free-plan 403, or injected faults). */
function maybeRateLimitHeaders(): Record<string, Schema> {
  const optional = (name: string): Schema => ({ ...HEADERS[name], required: false, description: `${String(HEADERS[name]?.description)} Present once the key was counted.` });
  return { 'X-RateLimit-Limit': optional('XRateLimitLimit'), 'X-RateLimit-Remaining': optional('XRateLimitRemaining'), 'X-RateLimit-Reset': optional('XRateLimitReset') };
}

const ERROR_NAMES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  416: 'RangeNotSatisfiable',
  429: 'TooManyRequests',
  500: 'InternalError',
};

const EXTRA_HEADERS: Readonly<Record<number, Record<string, Schema>>> = {
  405: { Allow: headerRef('Allow') },
  416: { 'Content-Range': { description: 'bytes */<file size>', required: true, schema: { type: 'string', pattern: '^bytes \\*/\\d+$' } } },
  429: { 'Retry-After': headerRef('RetryAfter') },
};

/** The name in `components.responses` of the error response of `status`. */
export function errorResponseName(status: number): string {
  const name = ERROR_NAMES[status];
  if (name === undefined) throw new Error(`no error response for HTTP ${status}`);
  return name;
}

/** `{$ref}` to the error response of `status`. */
export function errorResponse(status: number): Schema {
  return { $ref: `#/components/responses/${errorResponseName(status)}` };
}

/** `components.responses`: one error response per status of the error table. */
export function errorResponses(): Record<string, Schema> {
  return Object.fromEntries(
    errorStatuses().map((status) => [
      errorResponseName(status),
      {
        description: `Error types: ${errorTypesOf(status).join(', ')}.`,
        headers: { 'X-Request-Id': headerRef('XRequestId'), ...maybeRateLimitHeaders(), ...EXTRA_HEADERS[status] },
        content: { 'application/json': { schema: ref(`Error${status}`) } },
      },
    ]),
  );
}

/** A JSON answer of `schema` to a keyed request. */
export function jsonResponse(description: string, schema: Schema, extraHeaders: Record<string, Schema> = {}): Schema {
  return { description, headers: { ...keyedHeaders(), ...extraHeaders }, content: { 'application/json': { schema } } };
}

/** `{'400': {$ref}, …}` for each of `statuses`. */
export function errorsOf(...statuses: number[]): Record<string, Schema> {
  return Object.fromEntries(statuses.map((status) => [String(status), errorResponse(status)]));
}

/** `headerRef` for callers outside this module. */
export { headerRef };
