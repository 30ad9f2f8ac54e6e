/** Writing JSON responses, errors included (the one place an ApiError becomes bytes). */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody, type ApiError } from './errors.js';

/** An answer as MercaDream Local sends it, for a {@link ResponseObserver}. */
export interface SentResponse {
  /** The request's method and path (no query), e.g. `GET` `/v2/jobs/job_…`. */
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Every header of the answer, names lowercase. */
  readonly headers: OutgoingHttpHeaders;
  /** The JSON text sent; undefined for a file (a download). */
  readonly body?: string;
}

/**
 * Told of every answer as its head and (JSON) body are handed to the socket, synchronously (an
 * in-process client cannot have read it yet). Tests use it to check each answer against the
 * OpenAPI document; what it throws is ignored.
 */
export type ResponseObserver = (response: SentResponse) => void;

/** Sends `body` as JSON with `status` and extra `headers`; returns the text sent (undefined when the answer had already begun). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): string | undefined {
  if (response.headersSent || response.destroyed) return undefined;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
  return text;
}

/** Sends the error JSON of `error` with its status and headers; returns the text sent, as {@link sendJson}. */
export function sendError(response: ServerResponse, error: ApiError): string | undefined {
  return sendJson(response, error.status, errorBody(error), error.headers);
}
