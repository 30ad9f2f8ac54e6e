/**
 * Downloads of finished assets: streamed to disk (a 4K clip is never held in memory), hashed
 * with SHA-256 while streaming, checked against the size the API announced, resumed with a
 * Range request when the transfer is cut short, written to a temporary file and renamed into
 * place. The API key is never sent: download URLs are signed and need none, so no redirect can
 * carry it to another host either.
 *
 * Failures are classified as API requests are (errors.ts): 429, 5xx and network failures (a
 * transfer cut short included) are retried after retryDelay; a size mismatch is retried; a 404
 * is final; a 403 — a signed URL that has expired — is answered by asking for a fresh URL
 * (`refreshUrl`, which for a job is GET /v2/jobs/{id}) and trying once more, and is final when
 * there is no way to refresh or the fresh URL is refused too. Local failures (disk full) are final.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { Clock } from '../util/clock.js';
import { DownloadError, errorFromResponse, MercaApiError, NetworkError } from './errors.js';
import { parseRetryAfter } from './retry-after.js';
import { retryDelay, type RetryPolicy } from './retry.js';
import { assertSafeUrl, DEFAULT_REQUEST_TIMEOUT_MS, networkError } from './transport.js';

/** What a finished download is. */
export interface DownloadResult {
  /** Where the file now is. */
  readonly path: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** SHA-256 of the content, hex. */
  readonly sha256: string;
}

/** Options of downloadFile. */
export interface DownloadOptions {
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly policy: RetryPolicy;
  /** Bytes the API announced (file_size_bytes); a mismatch is retried, then an error. */
  readonly expectedBytes?: number;
  readonly signal?: AbortSignal;
  /** Called as bytes arrive: (received, expected). */
  readonly onProgress?: (received: number, expected: number | undefined) => void;
  /** Counts HTTP requests sent (for reports). */
  readonly onRequest?: () => void;
  readonly userAgent?: string;
  /**
   * A fresh download URL for the same asset, asked for when the URL in hand is refused with 403
   * (a signed URL past its expiry). MercaClient.download passes GET /v2/jobs/{id} → download_url
   * for a job. Without it, a 403 is final. Its own errors end the download.
   */
  readonly refreshUrl?: (signal?: AbortSignal) => Promise<string>;
  /** The dispatcher's request timeout, ms, named in the message of a RequestTimeoutError (default 300 000). */
  readonly requestTimeoutMs?: number;
}

/** Most bytes of an error response read for its message; the rest is discarded. */
const ERROR_BODY_LIMIT = 16 * 1024;

const MAX_REDIRECTS = 5;

/**
 * Downloads `url` to `destination`, retrying as the module docstring says (at most
 * `policy.retries` retries after failures; a refresh after a 403 is not counted as one).
 * Throws NotFoundError (404), PlanError (403 that no fresh URL cured), another MercaApiError
 * subclass for other refusals, RateLimitError/ServerError/NetworkError/RequestTimeoutError when
 * the retries run out, DownloadError when the size never matches, TypeError for a URL that is
 * not https (or http on loopback), and a local error (fs) as it is. A partial file never appears
 * at `destination`.
 */
export async function downloadFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult> {
  await mkdir(dirname(destination), { recursive: true });
  const temp = `${destination}.part-${randomBytes(6).toString('hex')}`;
  try {
    let current = url;
    let retries = 0;
    let refreshed = false; // the URL in hand is a fresh one: another 403 is final
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        const result = await transfer(current, temp, options);
        await rename(temp, destination);
        return { ...result, path: destination };
      } catch (error: unknown) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!(error instanceof MercaApiError)) throw error; // TypeError (unsafe URL), fs errors: trying again will not help
        if (error.status === 403 && options.refreshUrl && !refreshed) {
          current = await options.refreshUrl(options.signal);
          refreshed = true;
          continue;
        }
        if (error.status === 403) {
          const hint = refreshed ? ' — refused again with a fresh URL from the API' : ' — a bare URL cannot be renewed: download the job instead to have an expired URL replaced';
          (error as { message: string }).message += hint;
        }
        if (!(error.retryable || error instanceof DownloadError) || retries >= options.policy.retries) throw error;
        retries++;
        refreshed = false;
        await options.clock.sleep(retryDelay(error, retries, options.policy), options.signal);
      }
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * One attempt: fetch (resuming from what `temp` already holds when the server honours Range),
 * hashing as bytes arrive (after the bytes already on disk when resuming), then verify the size.
 */
async function transfer(url: string, temp: string, options: DownloadOptions): Promise<Omit<DownloadResult, 'path'>> {
  const have = await stat(temp).then(
    (s) => s.size,
    () => 0,
  );
  const resume = have > 0 && options.expectedBytes !== undefined && have < options.expectedBytes;
  const { response, label } = await follow(new URL(url), resume ? { range: `bytes=${have}-` } : {}, options);
  const partial = response.statusCode === 206;
  if (response.statusCode !== 200 && !partial) {
    const body = await readErrorBody(response);
    if (response.statusCode === 416) {
      // The part on disk does not fit the file the server has now: start again from nothing.
      await rm(temp, { force: true });
      throw new DownloadError({ status: 416, type: 'range_not_satisfiable', message: `${label}: the server refused to resume at byte ${have}`, request: label });
    }
    const retryAfter = parseRetryAfter(header(response.headers, 'retry-after'), options.clock.now());
    const requestId = header(response.headers, 'x-request-id');
    throw errorFromResponse(response.statusCode, body, { request: label, ...(requestId ? { requestId } : {}), ...(retryAfter !== undefined ? { retryAfter } : {}) });
  }
  const append = resume && partial;
  let received = append ? have : 0;
  const expected = options.expectedBytes;
  const hash = createHash('sha256');
  if (append) for await (const chunk of createReadStream(temp)) hash.update(chunk as Buffer);
  const writer = createWriteStream(temp, { flags: append ? 'a' : 'w' });
  let writeError: Error | undefined;
  writer.on('error', (error) => (writeError ??= error));
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      hash.update(chunk);
      options.onProgress?.(received, expected);
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.body, counter, writer, options.signal ? { signal: options.signal } : {});
  } catch (error: unknown) {
    if (writeError !== undefined) throw writeError; // the disk, not the network
    if (isTimeout(error)) throw networkError(error, label, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    throw new NetworkError({
      status: 0,
      type: 'download_interrupted',
      message: `${label}: download cut short after ${received} bytes: ${error instanceof Error ? error.message : String(error)}`,
      request: label,
    });
  }
  if (expected !== undefined && received !== expected) {
    if (received > expected) await rm(temp, { force: true });
    throw new DownloadError({ status: 0, type: 'size_mismatch', message: `${label}: download has ${received} bytes, the API announced ${expected}`, request: label });
  }
  return { bytes: received, sha256: hash.digest('hex') };
}

/**
 * GETs `url`, following up to 5 redirects, each checked like the first URL. No API key is ever
 * sent. Returns the last response and its label (`GET <path>`, without the signed query).
 */
async function follow(start: URL, extra: Record<string, string>, options: DownloadOptions): Promise<{ response: Dispatcher.ResponseData; label: string }> {
  let url = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    assertSafeUrl(url, 'a download URL');
    const label = `GET ${url.pathname}`;
    options.onRequest?.();
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'GET',
        headers: { ...extra, ...(options.userAgent ? { 'user-agent': options.userAgent } : {}) },
        dispatcher: options.dispatcher,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error: unknown) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw networkError(error, label, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    }
    const location = header(response.headers, 'location');
    if (response.statusCode >= 300 && response.statusCode < 400 && location) {
      await response.body.dump(); // a redirect body is small; reading it keeps the socket reusable
      url = new URL(location, url);
      continue;
    }
    return { response, label };
  }
  // A redirect loop does not end by itself: not retried.
  throw new MercaApiError({ status: 0, type: 'too_many_redirects', message: `download redirected more than ${MAX_REDIRECTS} times`, request: `GET ${start.pathname}` });
}

/** The first 16 KiB of an error response's body, as text; the rest is discarded unread. */
async function readErrorBody(response: Dispatcher.ResponseData): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // a body cut short: what arrived is enough for a message
  } finally {
    response.body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8');
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT';
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** SHA-256 of a file, hex, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
