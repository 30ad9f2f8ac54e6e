/**
 * Reading a JSON request body: content type, size cap, syntax, and shape (an object).
 */
import type { IncomingMessage } from 'node:http';
import { MAX_BODY_BYTES } from '../vocabulary/request-parameters.js';
import { ApiError } from './errors.js';

export { MAX_BODY_BYTES };

/** A request body as read: the parsed object and the raw text (hashed for idempotency). */
export interface JsonBody {
  readonly value: Readonly<Record<string, unknown>>;
  readonly raw: string;
}

/**
 * Reads and parses the body of `request`. Throws ApiError (400): `invalid_content_type` unless
 * `Content-Type` is application/json, `body_too_large` past {@link MAX_BODY_BYTES} (reading stops
 * there), `invalid_json`, `invalid_body` when the JSON is not an object.
 */
export async function readJsonBody(request: IncomingMessage): Promise<JsonBody> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    request.resume();
    throw new ApiError('invalid_content_type', 'Content-Type must be application/json.');
  }
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) {
    request.resume();
    throw new ApiError('body_too_large', `The request body must be at most ${MAX_BODY_BYTES} bytes.`, { headers: { Connection: 'close' } });
  }
  const raw = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    request.on('data', (chunk: Buffer) => {
      if (overflow) return; // keep draining, discard
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        overflow = true;
        chunks.length = 0;
        reject(new ApiError('body_too_large', `The request body must be at most ${MAX_BODY_BYTES} bytes.`, { headers: { Connection: 'close' } }));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiError('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError('invalid_body', 'The request body must be a JSON object.');
  }
  return { value: value as Record<string, unknown>, raw };
}
