/**
 * One pooled HTTP connection to the MercaDream API (undici Agent with keep-alive): JSON in and
 * out, the request bucket before every request, X-RateLimit-* headers fed back to it, typed
 * errors, retries. Every response body is read to the end or destroyed, so no socket leaks.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import type { Clock } from '../util/clock.js';
import { parseRetryAfter } from './retry-after.js';
import { errorFromResponse, MercaApiError, NetworkError, redact, RequestTimeoutError } from './errors.js';
import type { RequestLimiter } from './limits.js';
import { FinalError, withRetries, type RetryEvent, type RetryPolicy } from './retry.js';
import { reviveTimes } from './types.js';

/**
 * Default request timeout, ms: 300 s. Generous on purpose: a busy API may take minutes to
 * answer a POST that starts a render, and a POST that times out is sent again (with the same
 * Idempotency-Key), which only adds load to an API that is already slow.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/** Time allowed to open a TCP/TLS connection, ms. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Timeouts of one request, ms. */
export interface Timeouts {
  /** To open the connection. */
  readonly connectMs: number;
  /**
   * Until the response headers arrive, and again the longest silence while a body is read
   * (undici's headersTimeout and bodyTimeout); 0 = no limit.
   */
  readonly requestMs: number;
}

/** Everything a Transport needs; built by MercaClient. */
export interface TransportOptions {
  readonly baseUrl: URL;
  readonly apiKey: string;
  readonly clock: Clock;
  readonly bucket: RequestLimiter;
  readonly policy: RetryPolicy;
  readonly timeouts: Timeouts;
  readonly userAgent: string;
  readonly onRetry?: (event: RetryEvent) => void;
  /** Counts every HTTP request sent, retries included (for reports). */
  readonly onRequest?: () => void;
}

/** One API call. */
export interface CallOptions {
  readonly query?: Record<string, string | number | undefined>;
  readonly body?: unknown;
  /** Sent as Idempotency-Key; reused by every retry of the call. */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
  /**
   * Errors this call gives up on at once, without retrying or pausing the bucket (a POST sent to
   * probe for a free job slot treats a 429 `concurrency_limit` as an answer, not as a fault).
   */
  readonly final?: (error: MercaApiError) => boolean;
}

/** True for hosts that never leave this machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Checks that `url` may carry an API key or a download: https anywhere, plain http only on
 * loopback. Throws a TypeError naming the URL's origin otherwise.
 */
export function assertSafeUrl(url: URL, what: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return;
  throw new TypeError(`${what} must use https:// (plain http:// is allowed only on loopback), not ${url.protocol}//${url.host}`);
}

/** The HTTP layer of MercaClient. */
export class Transport {
  /** The pooled, keep-alive connection; downloads use it too. */
  readonly agent: Agent;
  /** Kept in a #private field so util.inspect, JSON and stack dumps of the client never show it. */
  readonly #apiKey: string;
  private readonly options: Omit<TransportOptions, 'apiKey'>;

  constructor(options: TransportOptions) {
    const { apiKey, ...rest } = options;
    this.#apiKey = apiKey;
    this.options = rest;
    assertSafeUrl(options.baseUrl, 'the API base URL');
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 32,
      connect: { timeout: options.timeouts.connectMs },
      headersTimeout: options.timeouts.requestMs,
      bodyTimeout: options.timeouts.requestMs,
    });
  }

  /** The undici dispatcher for other requests (downloads) that should share the pool. */
  get dispatcher(): Dispatcher {
    return this.agent;
  }

  /** Sends `method path` with retries and returns the parsed JSON body. Throws MercaApiError subclasses. */
  // Longer than most: one request's whole life (limit, send, read, classify, retry) reads in order here;
  // each step is a line or two and is named by its comment.
  // eslint-disable-next-line max-lines-per-function
  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: CallOptions = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.options.baseUrl.href.endsWith('/') ? this.options.baseUrl : new URL(`${this.options.baseUrl.href}/`));
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const label = `${method} ${url.pathname}`;
    const idempotencyKey = method === 'POST' ? (options.idempotencyKey ?? randomUUID()) : undefined;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    return withRetries(
      async () => {
        await this.options.bucket.acquire(options.signal);
        this.options.onRequest?.();
        const headers: Record<string, string> = {
          authorization: `Bearer ${this.#apiKey}`,
          accept: 'application/json',
          'user-agent': this.options.userAgent,
        };
        if (body !== undefined) headers['content-type'] = 'application/json';
        if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
        let response: Dispatcher.ResponseData;
        try {
          response = await request(url, {
            method,
            headers,
            ...(body === undefined ? {} : { body }),
            dispatcher: this.agent,
            ...(options.signal ? { signal: options.signal } : {}),
          });
        } catch (error: unknown) {
          if (options.signal?.aborted) throw options.signal.reason;
          throw this.networkError(error, label);
        }
        let text: string;
        try {
          text = await response.body.text();
        } catch (error: unknown) {
          response.body.destroy();
          if (options.signal?.aborted) throw options.signal.reason;
          throw this.networkError(error, label);
        }
        this.applyRateHeaders(response.headers);
        const requestId = header(response.headers, 'x-request-id');
        if (response.statusCode >= 400) {
          const retryAfter = parseRetryAfter(header(response.headers, 'retry-after'), this.options.clock.now());
          const error = errorFromResponse(response.statusCode, text, {
            ...(requestId ? { requestId } : {}),
            request: label,
            ...(retryAfter !== undefined ? { retryAfter } : {}),
          });
          if (options.final?.(error)) throw new FinalError(this.scrub(error));
          throw this.scrub(error);
        }
        if (text.trim() === '') return undefined as T;
        try {
          return JSON.parse(text, reviveTimes) as T;
        } catch {
          throw new NetworkError({
            status: response.statusCode,
            type: 'invalid_json',
            message: `${label} answered ${response.statusCode} with a body that is not JSON`,
            ...(requestId ? { requestId } : {}),
            request: label,
          });
        }
      },
      {
        policy: this.options.policy,
        clock: this.options.clock,
        bucket: this.options.bucket,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(this.options.onRetry ? { onRetry: this.options.onRetry } : {}),
      },
    );
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private applyRateHeaders(headers: Dispatcher.ResponseData['headers']): void {
    const remaining = Number(header(headers, 'x-ratelimit-remaining'));
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    if (!Number.isFinite(remaining) || header(headers, 'x-ratelimit-remaining') === undefined) return;
    const now = this.options.clock.now();
    // Reset as epoch seconds (large) or as seconds from now (small); both are in use.
    const resetAt = Number.isFinite(reset) ? (reset > 1e9 ? reset * 1000 : now + reset * 1000) : now + 60_000;
    this.options.bucket.tighten(remaining, resetAt);
  }

  private networkError(error: unknown, label: string): NetworkError {
    return networkError(error, label, this.options.timeouts.requestMs, this.#apiKey);
  }

  private scrub(error: MercaApiError): MercaApiError {
    if (error.message.includes(this.#apiKey)) (error as { message: string }).message = redact(error.message, this.#apiKey);
    return error;
  }
}

/**
 * The typed error for a request that got no usable response: RequestTimeoutError when undici's
 * headers or body timeout fired (`requestMs`, ms), else NetworkError (type `timeout` for a
 * connect timeout, `network` otherwise; not retryable when the host name does not resolve).
 * `secret` is redacted from the message.
 */
export function networkError(error: unknown, label: string, requestMs: number, secret?: string): NetworkError {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const waited = code === 'UND_ERR_HEADERS_TIMEOUT' ? 'no response' : 'the response stalled';
    return new RequestTimeoutError({
      status: 0,
      type: 'timeout',
      message: `${label}: ${waited} within ${requestMs / 1000} s (the request timeout); if the API is slow rather than down, raise it (client option requestTimeoutMs, or --request-timeout <seconds>)`,
      request: label,
      timeoutMs: requestMs,
    });
  }
  const type = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : 'network';
  const failure = new NetworkError({ status: 0, type, message: redact(`${label}: ${code ? `${code}: ` : ''}${message}`, secret), request: label });
  // A host name that does not resolve will not resolve on the next try either.
  if (code === 'ENOTFOUND') Object.defineProperty(failure, 'retryable', { value: false });
  return failure;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
