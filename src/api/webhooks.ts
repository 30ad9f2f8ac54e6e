/**
 * Webhook deliveries from MercaDream: verification, and an optional receiver that settles
 * waits when deliveries arrive (polling stays the fallback for missed ones).
 *
 * Signing (design.md, "Webhooks"; defined once in src/vocabulary/webhook-signature.ts, which
 * MercaDream Local signs with): header `X-MercaDream-Signature: sha256=<hex>` is the
 * HMAC-SHA256, under the key's webhook secret, of `<X-MercaDream-Timestamp>.<raw body>`;
 * receivers compare in constant time, refuse timestamps more than 5 minutes off, and
 * de-duplicate by `X-MercaDream-Delivery`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_HEADERS, verifyWebhookSignature } from '../vocabulary/webhook-signature.js';
import { reviveTimes, type Job } from './types.js';

/** Why a delivery was refused. */
export type WebhookRejection = 'missing_signature' | 'missing_timestamp' | 'bad_signature' | 'stale_timestamp' | 'bad_body';

/** The outcome of verifyWebhook. */
export type WebhookVerdict =
  { readonly ok: true; readonly payload: WebhookPayload; readonly deliveryId: string | undefined } | { readonly ok: false; readonly reason: WebhookRejection };

/** The documented payload. */
export interface WebhookPayload {
  /** `job.updated`, `job.completed` or `job.failed` (others may come: receivers ignore them). */
  event: string;
  job_id: string;
  status: Job['status'];
  download_url?: string;
  timestamp?: Date;
  signature?: string;
  [field: string]: unknown;
}

/**
 * Verifies a delivery (with {@link verifyWebhookSignature}) and parses its payload, reviving
 * its times as Dates. `rawBody` must be the bytes as received, before any JSON parsing; a
 * timestamp header that is absent or not 1–12 decimal digits is `missing_timestamp`.
 * @param headers the request's headers (lowercase names, as node:http gives them)
 * @param secret the key's webhook secret
 * @param options.toleranceSeconds how far the timestamp may be from now, seconds, either way (default 300)
 * @param options.nowMs the current time, ms since the epoch (default `Date.now()`; injectable for tests)
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
  const signature = get(WEBHOOK_HEADERS.signature);
  const timestamp = get(WEBHOOK_HEADERS.timestamp);
  if (!signature) return { ok: false, reason: 'missing_signature' };
  if (!timestamp) return { ok: false, reason: 'missing_timestamp' };
  const check = verifyWebhookSignature({
    secret,
    timestamp,
    signature,
    body: rawBody,
    nowMs: options.nowMs ?? Date.now(),
    ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
  });
  if (!check.ok) return { ok: false, reason: check.reason === 'malformed_timestamp' ? 'missing_timestamp' : check.reason };
  try {
    const payload = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'), reviveTimes) as WebhookPayload;
    if (typeof payload.job_id !== 'string') return { ok: false, reason: 'bad_body' };
    return { ok: true, payload, deliveryId: get(WEBHOOK_HEADERS.delivery) };
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
