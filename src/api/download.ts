/**
 * Downloads of finished assets: streamed to disk (a 4K clip is never held in memory), hashed
 * with SHA-256 while streaming, checked against the size the API announced, resumed with a
 * Range request when the transfer is cut short, written to a temporary file and renamed into
 * place. The API key is never sent: download URLs are signed and need none, so no redirect can
 * carry it to another host either.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { Clock } from '../util/clock.js';
import { DownloadError, NetworkError } from './errors.js';
import { backoffDelay, type RetryPolicy } from './retry.js';
import { assertSafeUrl } from './transport.js';

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
}

const MAX_REDIRECTS = 5;

/**
 * Downloads `url` to `destination`. Throws DownloadError when the size never matches after the
 * policy's retries, NetworkError for a transfer that keeps failing, TypeError for a URL that is
 * not https (or http on loopback). A partial file never appears at `destination`.
 */
export async function downloadFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult> {
  await mkdir(dirname(destination), { recursive: true });
  const temp = `${destination}.part-${randomBytes(6).toString('hex')}`;
  try {
    let lastError: unknown;
    for (let attempt = 0; attempt <= options.policy.retries; attempt++) {
      if (attempt > 0) await options.clock.sleep(backoffDelay(attempt, options.policy), options.signal);
      options.signal?.throwIfAborted();
      try {
        const result = await transfer(url, temp, options);
        await rename(temp, destination);
        return { ...result, path: destination };
      } catch (error: unknown) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof TypeError) throw error;
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new NetworkError({ status: 0, type: 'network', message: String(lastError) });
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * One attempt: fetch (resuming from what `temp` already holds when the server honours Range),
 * hashing as bytes arrive (after the bytes already on disk when resuming), then verify the size.
 */
async function transfer(url: string, temp: string, options: DownloadOptions): Promise<Omit<DownloadResult, 'path'>> {
  const have = await stat(temp).then((s) => s.size, () => 0);
  const resume = have > 0 && options.expectedBytes !== undefined && have < options.expectedBytes;
  const response = await follow(new URL(url), resume ? { range: `bytes=${have}-` } : {}, options);
  const partial = response.statusCode === 206;
  if (response.statusCode !== 200 && !partial) {
    await response.body.dump();
    throw new NetworkError({ status: response.statusCode, type: 'download_failed', message: `download answered HTTP ${response.statusCode}` });
  }
  const append = resume && partial;
  let received = append ? have : 0;
  const expected = options.expectedBytes;
  const hash = createHash('sha256');
  if (append) for await (const chunk of createReadStream(temp)) hash.update(chunk as Buffer);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      hash.update(chunk);
      options.onProgress?.(received, expected);
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.body, counter, createWriteStream(temp, { flags: append ? 'a' : 'w' }), options.signal ? { signal: options.signal } : {});
  } catch (error: unknown) {
    throw new NetworkError({ status: 0, type: 'download_interrupted', message: `download cut short after ${received} bytes: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (expected !== undefined && received !== expected) {
    if (received > expected) await rm(temp, { force: true });
    throw new DownloadError({ status: 0, type: 'size_mismatch', message: `download has ${received} bytes, the API announced ${expected}` });
  }
  return { bytes: received, sha256: hash.digest('hex') };
}

/** GETs `url`, following up to 5 redirects, each checked like the first URL. No API key is ever sent. */
async function follow(start: URL, extra: Record<string, string>, options: DownloadOptions): Promise<Dispatcher.ResponseData> {
  let url = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    assertSafeUrl(url, 'a download URL');
    options.onRequest?.();
    const response = await request(url, {
      method: 'GET',
      headers: { ...extra, ...(options.userAgent ? { 'user-agent': options.userAgent } : {}) },
      dispatcher: options.dispatcher,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const location = response.headers['location'];
    if (response.statusCode >= 300 && response.statusCode < 400 && location) {
      await response.body.dump(); // a redirect body is small; reading it keeps the socket reusable
      url = new URL(Array.isArray(location) ? location[0]! : location, url);
      continue;
    }
    return response;
  }
  throw new NetworkError({ status: 0, type: 'too_many_redirects', message: `download redirected more than ${MAX_REDIRECTS} times` });
}

/** SHA-256 of a file, hex, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
