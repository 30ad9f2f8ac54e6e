/**
 * Expected failures of MercaDream Local's HTTP API, and the one place they become a response body.
 *
 * Every refusal the API makes is an {@link ApiError} with a stable machine `type`; handlers throw
 * it, and {@link errorBody} renders it as the documented error JSON
 * `{"code": <status>, "type": "<machine string>", "message": "...", "param"?: "..."}`.
 * Messages never contain API keys, webhook secrets or the URL signing secret.
 */

/** Machine-readable error types, grouped by the HTTP status they travel with. */
export type ApiErrorType =
  // 400
  | 'invalid_json'
  | 'invalid_content_type'
  | 'body_too_large'
  | 'invalid_body'
  | 'unknown_parameter'
  | 'missing_parameter'
  | 'invalid_parameter'
  | 'idempotency_key_reused'
  // 401
  | 'missing_api_key'
  | 'invalid_api_key'
  // 403
  | 'plan_forbidden'
  | 'resolution_not_allowed'
  | 'invalid_signature'
  | 'url_expired'
  // 404
  | 'not_found'
  // 405
  | 'method_not_allowed'
  // 416
  | 'range_not_satisfiable'
  // 429
  | 'rate_limit_exceeded'
  | 'concurrency_limit'
  // 500
  | 'internal_error';

/** The HTTP status of each error type (one table, so a type can never travel with two statuses). */
export const ERROR_STATUS: Readonly<Record<ApiErrorType, number>> = {
  invalid_json: 400,
  invalid_content_type: 400,
  body_too_large: 400,
  invalid_body: 400,
  unknown_parameter: 400,
  missing_parameter: 400,
  invalid_parameter: 400,
  idempotency_key_reused: 400,
  missing_api_key: 401,
  invalid_api_key: 401,
  plan_forbidden: 403,
  resolution_not_allowed: 403,
  invalid_signature: 403,
  url_expired: 403,
  not_found: 404,
  method_not_allowed: 405,
  range_not_satisfiable: 416,
  rate_limit_exceeded: 429,
  concurrency_limit: 429,
  internal_error: 500,
};

/** The error JSON of the API. */
export interface ErrorBody {
  readonly code: number;
  readonly type: ApiErrorType;
  readonly message: string;
  readonly param?: string;
}

/** An expected refusal; thrown by handlers, rendered by {@link errorBody}. */
export class ApiError extends Error {
  readonly type: ApiErrorType;
  readonly status: number;
  /** The request parameter at fault, when there is one. */
  readonly param: string | undefined;
  /** Extra response headers (e.g. `Retry-After` on 429). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(type: ApiErrorType, message: string, options: { param?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.type = type;
    this.status = ERROR_STATUS[type];
    this.param = options.param;
    this.headers = options.headers ?? {};
  }
}

/** Renders an error as the API's error JSON. */
export function errorBody(error: ApiError): ErrorBody {
  return error.param === undefined
    ? { code: error.status, type: error.type, message: error.message }
    : { code: error.status, type: error.type, message: error.message, param: error.param };
}

/** The error a stray exception becomes: no detail leaves the server (it could hold a path or a secret). */
export function internalError(): ApiError {
  return new ApiError('internal_error', 'Internal server error. Please contact support.');
}
