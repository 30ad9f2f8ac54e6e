/**
 * Webhook deliveries from MercaDream: verification, and an optional receiver that settles
 * waits when deliveries arrive (polling stays the fallback for missed ones).
 *
 * Signing (the Standard Webhooks specification, standardwebhooks.com; defined once in
 * src/vocabulary/webhook-signature.ts, which MercaDream Local signs with): `webhook-signature`
 * holds `v1,<base64>` signatures, each the HMAC-SHA256 under a `whsec_` secret's key bytes of
 * `<webhook-id>.<webhook-timestamp>.<raw body>`; receivers compare in constant time, refuse
 * timestamps more than 5 minutes off, and de-duplicate by `webhook-id`. Deliveries signed the
 * earlier way are accepted too: the `X-MercaDream-Signature` header, or only the API document's
 * payload field `"signature": "sha256=<hex>"`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  LEGACY_WEBHOOK_HEADERS,
  WEBHOOK_HEADERS,
  WEBHOOK_TOLERANCE_SECONDS,
  verifyLegacyWebhookSignature,
  verifyStandardWebhookSignature,
  type WebhookSignatureCheck,
} from '../vocabulary/webhook-signature.js';
import { reviveTimes, type Job } from './types.js';

/** Why a delivery was refused. `missing_id`: a `webhook-signature` came without its `webhook-id`. */
export type WebhookRejection = 'missing_signature' | 'missing_id' | 'missing_timestamp' | 'bad_signature' | 'stale_timestamp' | 'bad_body';

/**
 * How an accepted delivery was signed: `standard` (the `webhook-*` headers), `legacy-header`
 * (`X-MercaDream-Signature`) or `legacy-field` (only the payload's `signature` field).
 */
export type WebhookScheme = 'standard' | 'legacy-header' | 'legacy-field';

/** The outcome of verifyWebhook. `deliveryId` is `webhook-id` (or `X-MercaDream-Delivery`), the key to de-duplicate by. */
export type WebhookVerdict =
  | { readonly ok: true; readonly payload: WebhookPayload; readonly deliveryId: string | undefined; readonly scheme: WebhookScheme }
  | { readonly ok: false; readonly reason: WebhookRejection };

/** The documented payload. */
export interface WebhookPayload {
  /** `job.updated`, `job.completed` or `job.failed` (others may come: receivers ignore them). */
  event: string;
  job_id: string;
  status: Job['status'];
  download_url?: string;
  timestamp?: Date;
  /** The API document's `sha256=<hex>` field (the earlier scheme). */
  signature?: string;
  [field: string]: unknown;
}

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, seconds, either way (default 300). */
  readonly toleranceSeconds?: number;
  /** The current time, ms since the epoch (default `Date.now()`; injectable for tests). */
  readonly nowMs?: number;
}

type Headers = IncomingHttpHeaders | Record<string, string | string[] | undefined>;

/**
 * Verifies a delivery and parses its payload, reviving its times as Dates. `rawBody` must be
 * the bytes as received, before any JSON parsing. The `webhook-*` headers are checked when
 * present (any one `v1` signature under any one secret suffices); without them, the
 * `X-MercaDream-*` headers; without those, the payload's `signature` field at the timestamp of
 * either timestamp header. A timestamp that is absent or not 1–12 decimal digits is
 * `missing_timestamp`.
 * @param headers the request's headers (lowercase names, as node:http gives them)
 * @param secret the key's webhook secret (`whsec_…`), or several while one is being rotated
 */
export function verifyWebhook(rawBody: string | Buffer, headers: Headers, secret: string | readonly string[], options: VerifyWebhookOptions = {}): WebhookVerdict {
  const get = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const common = {
    secrets: typeof secret === 'string' ? [secret] : secret,
    nowMs: options.nowMs ?? Date.now(),
    toleranceSeconds: options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS,
  };
  let payload: WebhookPayload | undefined;
  try {
    payload = JSON.parse(text, reviveTimes) as WebhookPayload;
  } catch {
    payload = undefined;
  }
  const checked = checkSignature(rawBody, get, payload, common);
  if ('reason' in checked) return { ok: false, reason: checked.reason };
  if (typeof payload?.job_id !== 'string') return { ok: false, reason: 'bad_body' };
  return { ok: true, payload, deliveryId: get(WEBHOOK_HEADERS.id) ?? get(LEGACY_WEBHOOK_HEADERS.delivery), scheme: checked.scheme };
}

/** The first scheme the headers (or the body) offer, checked. */
function checkSignature(
  rawBody: string | Buffer,
  get: (name: string) => string | undefined,
  payload: WebhookPayload | undefined,
  common: { secrets: readonly string[]; nowMs: number; toleranceSeconds: number },
): { scheme: WebhookScheme } | { reason: WebhookRejection } {
  const verdict = (scheme: WebhookScheme, check: WebhookSignatureCheck) =>
    check.ok ? { scheme } : { reason: check.reason === 'malformed_timestamp' ? ('missing_timestamp' as const) : check.reason };
  const standard = get(WEBHOOK_HEADERS.signature);
  if (standard !== undefined) {
    const id = get(WEBHOOK_HEADERS.id);
    const timestamp = get(WEBHOOK_HEADERS.timestamp);
    if (!id) return { reason: 'missing_id' };
    if (!timestamp) return { reason: 'missing_timestamp' };
    return verdict('standard', verifyStandardWebhookSignature({ ...common, id, timestamp, signature: standard, body: rawBody }));
  }
  const header = get(LEGACY_WEBHOOK_HEADERS.signature);
  const timestamp = get(WEBHOOK_HEADERS.timestamp) ?? get(LEGACY_WEBHOOK_HEADERS.timestamp);
  if (header !== undefined) {
    if (!timestamp) return { reason: 'missing_timestamp' };
    return verdict('legacy-header', verifyLegacyWebhookSignature({ ...common, timestamp, signature: header, body: rawBody }));
  }
  if (typeof payload?.signature !== 'string') return { reason: 'missing_signature' };
  if (!timestamp) return { reason: 'missing_timestamp' };
  // The field signs the payload as serialized before the field was added (src/local/webhooks.ts).
  const { signature, ...unsigned } = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')) as Record<string, unknown>;
  return verdict('legacy-field', verifyLegacyWebhookSignature({ ...common, timestamp, signature: String(signature), body: JSON.stringify(unsigned) }));
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
 * delivery with {@link verifyWebhook}, drops duplicates (by `webhook-id`: an id is remembered
 * twice the tolerance, after which a replay is refused as stale anyway), and hands accepted
 * payloads to `onDelivery`. A delivery is taken at `path` whatever its query string (a
 * `webhook_url` may carry one, `?studio=kyoto`, and the API posts to the URL as given). Plain
 * HTTP only: TLS is for a reverse proxy in front.
 */
export async function startWebhookReceiver(options: {
  /** The key's webhook secret, or several while one is being rotated. */
  secret: string | readonly string[];
  onDelivery: (payload: WebhookPayload) => void;
  host?: string;
  port?: number;
  path?: string;
}): Promise<WebhookReceiver> {
  const seen = new DeliveryIds();
  const counts = { accepted: 0, duplicates: 0, refused: {} as Record<string, number> };
  const path = options.path ?? '/mercadream/webhook';
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || requestPath(req.url) !== path) {
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
      if (verdict.deliveryId && !seen.add(verdict.deliveryId, Date.now())) {
        counts.duplicates++;
        return;
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

/** The path of a request target (`/hooks?studio=kyoto` → `/hooks`), as a WHATWG URL parses it. */
function requestPath(target: string | undefined): string {
  try {
    return new URL(target ?? '/', 'http://receiver').pathname;
  } catch {
    return '';
  }
}

/** Delivery ids seen, each forgotten once a replay of it would be stale (twice the tolerance). */
class DeliveryIds {
  readonly #seenAt = new Map<string, number>();

  /** False when `id` was seen within the window; otherwise remembers it at `nowMs`. */
  add(id: string, nowMs: number): boolean {
    for (const [old, at] of this.#seenAt) {
      if (nowMs - at <= 2 * WEBHOOK_TOLERANCE_SECONDS * 1000) break; // insertion order is time order
      this.#seenAt.delete(old);
    }
    if (this.#seenAt.has(id)) return false;
    this.#seenAt.set(id, nowMs);
    return true;
  }
}
