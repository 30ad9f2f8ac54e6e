/**
 * Typed errors of the MercaDream v2 client, one class per status family. Each carries the HTTP
 * status, the API's machine `type`, its message and the request id, and never the API key.
 *
 * Error body shape (design.md, "Decisions where the API document is silent"):
 * `{"code": <status>, "type": "<machine string>", "message": "...", "param"?: "..."}`.
 */

/** What every API error carries. */
export interface ApiErrorDetails {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** The API's machine-readable type (`invalid_request`, `rate_limited`, …), or ours (`network`, `timeout`). */
  readonly type: string;
  readonly message: string;
  /** The server's X-Request-Id, when it sent one. */
  readonly requestId?: string;
  /** `METHOD /v2/path` of the request, without query secrets. */
  readonly request?: string;
}

/** Base class: an error from (or on the way to) the MercaDream API. */
export class MercaApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly requestId: string | undefined;
  readonly request: string | undefined;
  /** True when retrying the same request may succeed (429, 5xx, network). */
  readonly retryable: boolean = false;

  constructor(details: ApiErrorDetails, options?: { cause?: unknown }) {
    super(details.message, options);
    this.name = new.target.name;
    this.status = details.status;
    this.type = details.type;
    this.requestId = details.requestId;
    this.request = details.request;
  }
}

/** 400: a parameter is invalid; `param` names it when the API says which. */
export class ValidationError extends MercaApiError {
  readonly param: string | undefined;
  constructor(details: ApiErrorDetails & { param?: string }) {
    super(details);
    this.param = details.param;
  }
}

/** 401: the API key is missing or unknown. */
export class AuthError extends MercaApiError {}

/** 403: the plan does not allow this (free plan, resolution above the plan's maximum). */
export class PlanError extends MercaApiError {}

/** 404: no such job or asset (or it belongs to another key). */
export class NotFoundError extends MercaApiError {}

/** 429: over the requests-per-minute or concurrent-jobs limit. */
export class RateLimitError extends MercaApiError {
  override readonly retryable = true;
  /** Seconds the server asked to wait (Retry-After), when it said. */
  readonly retryAfter: number | undefined;
  constructor(details: ApiErrorDetails & { retryAfter?: number }) {
    super(details);
    this.retryAfter = details.retryAfter;
  }
}

/** 5xx: the server failed. */
export class ServerError extends MercaApiError {
  override readonly retryable = true;
}

/** No usable response: connection refused or reset, DNS, a timeout, a body cut short. */
export class NetworkError extends MercaApiError {
  override readonly retryable = true;
}

/**
 * No response (headers) within the client's request timeout, or a response body that fell silent
 * for that long. Retryable like any network failure (a stalled connection may go through on a
 * new one); the message names the timeout and how to raise it, for APIs that are slow by nature.
 */
export class RequestTimeoutError extends NetworkError {
  /** The timeout that fired, ms (MercaClientOptions.requestTimeoutMs). */
  readonly timeoutMs: number;
  constructor(details: ApiErrorDetails & { timeoutMs: number }, options?: { cause?: unknown }) {
    super(details, options);
    this.timeoutMs = details.timeoutMs;
  }
}

/**
 * A job ended in `failed`; carries the job's id and its own error. `message` reads
 * `job <id> failed: <the API's message>`; `jobError` keeps the API's words as sent, for reports
 * that show them beside the job id.
 */
export class JobFailedError extends MercaApiError {
  readonly jobId: string;
  /** The job's `error` as the API gave it; `message` is 'no reason given' when it gave none. */
  readonly jobError: { readonly type: string; readonly message: string };
  constructor(jobId: string, error: { type?: string; message?: string } | undefined) {
    const jobError = { type: error?.type ?? 'job_failed', message: error?.message ?? 'no reason given' };
    super({ status: 0, type: jobError.type, message: `job ${jobId} failed: ${jobError.message}` });
    this.jobId = jobId;
    this.jobError = jobError;
  }
}

/** A download whose bytes do not match what the API said (size), after every retry. */
export class DownloadError extends MercaApiError {}

/**
 * The typed error for an HTTP error response. `body` is the raw text: JSON error bodies give
 * type, message and param; anything else (an HTML 502 from a proxy) gives a short excerpt.
 */
export function errorFromResponse(status: number, body: string, context: { requestId?: string; request?: string; retryAfter?: number }): MercaApiError {
  let type = `http_${status}`;
  let message = `HTTP ${status}`;
  let param: string | undefined;
  try {
    const json = JSON.parse(body) as { type?: unknown; message?: unknown; param?: unknown; error?: { type?: unknown; message?: unknown; param?: unknown } };
    const source = json.error && typeof json.error === 'object' ? json.error : json;
    if (typeof source.type === 'string') type = source.type;
    if (typeof source.message === 'string') message = source.message;
    if (typeof source.param === 'string') param = source.param;
  } catch {
    const excerpt = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 160);
    if (excerpt) message = `HTTP ${status}: ${excerpt}`;
  }
  const details: ApiErrorDetails = {
    status,
    type,
    message,
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(context.request ? { request: context.request } : {}),
  };
  if (status === 400 || status === 422) return new ValidationError({ ...details, ...(param ? { param } : {}) });
  if (status === 401) return new AuthError(details);
  if (status === 403) return new PlanError(details);
  if (status === 404) return new NotFoundError(details);
  if (status === 429) return new RateLimitError({ ...details, ...(context.retryAfter !== undefined ? { retryAfter: context.retryAfter } : {}) });
  if (status >= 500) return new ServerError(details);
  return new MercaApiError(details);
}

/**
 * Replaces every occurrence of `secret` (and any `mk_live_…`/`mk_test_…` key) in `text`.
 * Used on every message that may echo a request.
 */
export function redact(text: string, secret?: string): string {
  let out = secret ? text.split(secret).join('[redacted]') : text;
  out = out.replace(/mk_(live|test)_[A-Za-z0-9_-]+/g, 'mk_$1_[redacted]');
  return out;
}
