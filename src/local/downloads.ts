/**
 * Serving vault files to signed URLs: whole (200) or one byte range (206), with 416 for a range
 * past the end. A multi-range request gets the whole file (allowed by RFC 9110).
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';
import { CONTENT_TYPES, type AssetRecord } from './vault.js';

/** An inclusive byte range. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Parses a Range header against a file of `size` bytes: undefined = serve it all (no header, not
 * `bytes=`, several ranges, or malformed); a range otherwise. Throws ApiError 416
 * `range_not_satisfiable` when the range starts past the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  const unsatisfiable = new ApiError('range_not_satisfiable', `The requested range is outside the file (${size} bytes).`, {
    headers: { 'Content-Range': `bytes */${size}` },
  });
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size) throw unsatisfiable;
  if (end < start) return undefined; // invalid range spec: ignore it
  return { start, end };
}

/**
 * Streams `file` (the file of `asset`) to `response`, honouring Range and HEAD. With `truncate`,
 * sends half the promised bytes and then destroys the connection (fault injection).
 */
export function sendFile(request: IncomingMessage, response: ServerResponse, asset: AssetRecord, file: string, truncate: boolean): void {
  const size = asset.sizeBytes;
  const range = parseRange(request.headers.range, size);
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPES[asset.format],
    'Content-Length': String(length),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, no-store',
    'Content-Disposition': `attachment; filename="${asset.id}.${asset.format}"`,
    ETag: `"${asset.id}"`,
  };
  if (range !== undefined) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  response.writeHead(range === undefined ? 200 : 206, headers);
  if (request.method === 'HEAD' || length === 0) {
    response.end();
    return;
  }
  const sendEnd = truncate ? start + Math.floor(length / 2) - 1 : end;
  if (sendEnd < start) {
    response.destroy();
    return;
  }
  const stream = createReadStream(file, { start, end: sendEnd });
  stream.on('error', () => response.destroy());
  stream.on('end', () => {
    // Destroy only once what was sent has reached the socket, so the client sees a short body.
    if (truncate) response.write('', () => response.destroy());
  });
  stream.pipe(response, { end: !truncate });
}
