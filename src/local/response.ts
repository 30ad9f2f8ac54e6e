/** Writing JSON responses, errors included (the one place an ApiError becomes bytes). */
import type { ServerResponse } from 'node:http';
import { errorBody, type ApiError } from './errors.js';

/** Sends `body` as JSON with `status` and extra `headers`. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

/** Sends the error JSON of `error` with its status and headers. */
export function sendError(response: ServerResponse, error: ApiError): void {
  sendJson(response, error.status, errorBody(error), error.headers);
}
