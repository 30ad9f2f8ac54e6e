/**
 * Webhook deliveries from MercaDream: verification, and an optional receiver that settles
 * waits when deliveries arrive (polling stays the fallback for missed ones).
 *
 * Signing (design.md, "Webhooks"): header `X-MercaDream-Signature: sha256=<hex>` is the
 * HMAC-SHA256, under the key's webhook secret, of `<X-MercaDream-Timestamp>.<raw body>`;
 * receivers compare in constant time, refuse timestamps more than 5 minutes off, and
 * de-duplicate by `X-MercaDream-Delivery`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reviveTimes, type Job } from './types.js';

/** Why a delivery was refused. */
export type WebhookRejection = 'missing_signature' | 'missing_timestamp' | 'bad_signature' | 'stale_timestamp' | 'bad_body';

/** The outcome of verifyWebhook. */
export type WebhookVerdict =
  | { readonly ok: true; readonly payload: WebhookPayload; readonly deliveryId: string | undefined }
  | { readonly ok: false; readonly reason: WebhookRejection };

/** The documented payload. */
export interface WebhookPayload {
  event: 'job.updated' | 'job.completed' | 'job.failed' | string;
  job_id: string;
  status: Job['status'];
  download_url?: string;
  timestamp?: Date;
  signature?: string;
  [field: string]: unknown;
}

/** Signature header value for `rawBody` sent at `timestamp` (unix seconds). */
export function signWebhook(rawBody: string | Buffer, timestamp: number, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/**
 * Verifies a delivery. `rawBody` must be the bytes as received, before any JSON parsing.
 * @param toleranceSeconds how far the timestamp may be from now, either way (default 300)
 * @param nowMs the current time (injectable for tests)
 */
export function verifyWebhook(
  rawBody: string | Buffer,
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  secret: string,
  options: { toleranceSeconds?: number; nowMs?: number } = {},
): WebhookVerdict {
  const get = (name: string) => {
    const v = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const signature = get('x-mercadream-signature');
  const timestampText = get('x-mercadream-timestamp');
  if (!signature) return { ok: false, reason: 'missing_signature' };
  if (!timestampText || !/^\d+$/.test(timestampText)) return { ok: false, reason: 'missing_timestamp' };
  const timestamp = Number(timestampText);
  const expected = Buffer.from(signWebhook(rawBody, timestamp, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  const now = (options.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { ok: false, reason: 'stale_timestamp' };
  try {
    const payload = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'), reviveTimes) as WebhookPayload;
    if (typeof payload.job_id !== 'string') return { ok: false, reason: 'bad_body' };
    return { ok: true, payload, deliveryId: get('x-mercadream-delivery') };
  } catch {
    return { ok: false, reason: 'bad_body' };
  }
}

/** A running receiver. */
export interface WebhookReceiver {
  /** The URL to give as `webhook_url`. */
  readonly url: string;
  /** Deliveries accepted, and refused (by reason). */
  stats(): { accepted: number; duplicates: number; refused: Record<string, number> };
  close(): Promise<void>;
}

/** Largest delivery body read, bytes. */
const MAX_BODY = 64 * 1024;

/**
 * Starts an HTTP receiver on `host:port` (default 127.0.0.1, any free port) that verifies each
 * delivery, drops duplicates, and hands accepted payloads to `onDelivery`.
 */
export async function startWebhookReceiver(options: {
  secret: string;
  onDelivery: (payload: WebhookPayload) => void;
  host?: string;
  port?: number;
  path?: string;
}): Promise<WebhookReceiver> {
  const seen = new Set<string>();
  const counts = { accepted: 0, duplicates: 0, refused: {} as Record<string, number> };
  const path = options.path ?? '/mercadream/webhook';
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      const verdict = verifyWebhook(Buffer.concat(chunks), req.headers, options.secret);
      if (!verdict.ok) {
        counts.refused[verdict.reason] = (counts.refused[verdict.reason] ?? 0) + 1;
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: verdict.reason }));
        return;
      }
      res.writeHead(204).end();
      if (verdict.deliveryId) {
        if (seen.has(verdict.deliveryId)) {
          counts.duplicates++;
          return;
        }
        seen.add(verdict.deliveryId);
      }
      counts.accepted++;
      options.onDelivery(verdict.payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${path}`,
    stats: () => ({ ...counts, refused: { ...counts.refused } }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
