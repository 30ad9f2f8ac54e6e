/**
 * How MercaDream signs a webhook delivery, and how a receiver checks it: the one definition that
 * MercaDream Local's sender (src/local/webhooks.ts) and the client's receiver (src/api/webhooks.ts)
 * both use, so the two can never disagree.
 *
 * Source: docs/design.md, "Decisions where the API document is silent" → Webhooks (the API
 * document, WEBHOOKS, only says that the payload is signed and shows `"signature": "sha256=…"`):
 * - every delivery carries the headers {@link WEBHOOK_HEADERS}: a delivery id (the same on every
 *   retry, for de-duplication), a timestamp (unix seconds of the attempt, decimal digits) and the
 *   signature;
 * - the signature is `sha256=<hex>`, the lowercase hex HMAC-SHA256 under the key's webhook secret
 *   of `<timestamp>.<raw body>` (the body bytes exactly as sent, before any JSON parsing);
 * - receivers compare in constant time and refuse timestamps more than 5 minutes
 *   ({@link WEBHOOK_TOLERANCE_SECONDS}) off in either direction.
 *
 * Pure: no file system, network or clock; the caller says what time it is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Names of the delivery headers, lowercase (as node:http presents incoming headers). */
export const WEBHOOK_HEADERS = {
  /** `X-MercaDream-Delivery`: one id per event (`dlv_…` from MercaDream Local), the same on every retry. */
  delivery: 'x-mercadream-delivery',
  /** `X-MercaDream-Timestamp`: unix seconds of this attempt, decimal digits. */
  timestamp: 'x-mercadream-timestamp',
  /** `X-MercaDream-Signature`: `sha256=<hex>`, see {@link signWebhook}. */
  signature: 'x-mercadream-signature',
} as const;

/** How far a delivery's timestamp may be from the receiver's clock, either way: 300 seconds (5 minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** What a signature is computed from. */
export interface WebhookSignatureInput {
  /** The key's webhook secret (`whsec_…`), used as UTF-8 bytes. */
  readonly secret: string;
  /** Unix seconds, a whole number ≥ 0: the value sent in `X-MercaDream-Timestamp`. */
  readonly timestamp: number;
  /** The raw body: bytes as sent, or a string taken as its UTF-8 bytes. */
  readonly body: string | Uint8Array;
}

/**
 * The `X-MercaDream-Signature` value of `body` sent at `timestamp`: `sha256=` followed by the
 * 64-character lowercase hex HMAC-SHA256 under `secret` of `<timestamp>.<body>`.
 *
 * MercaDream Local also puts this value, computed over the payload serialized without it, in the
 * payload's own `signature` field (design.md).
 */
export function signWebhook(input: WebhookSignatureInput): string {
  return `sha256=${createHmac('sha256', input.secret).update(`${input.timestamp}.`).update(input.body).digest('hex')}`;
}

/** What a receiver checks: the delivery's headers as received, and its own clock. */
export interface WebhookSignatureCheckInput {
  /** The key's webhook secret (`whsec_…`). */
  readonly secret: string;
  /** The `X-MercaDream-Timestamp` header as received (unix seconds, 1–12 decimal digits). */
  readonly timestamp: string;
  /** The `X-MercaDream-Signature` header as received (`sha256=<hex>`). */
  readonly signature: string;
  /** The raw body as received, before any parsing: bytes, or a string taken as its UTF-8 bytes. */
  readonly body: string | Uint8Array;
  /** The receiver's current time, milliseconds since the Unix epoch (e.g. `Date.now()`). */
  readonly nowMs: number;
  /** Allowed distance between `timestamp` and now, seconds, either way; default {@link WEBHOOK_TOLERANCE_SECONDS}. */
  readonly toleranceSeconds?: number;
}

/**
 * The verdict of {@link verifyWebhookSignature}: `ok` with the timestamp read (unix seconds), or
 * why not — `malformed_timestamp` (not 1–12 decimal digits), `bad_signature` (not the HMAC of this
 * body at this timestamp under this secret), `stale_timestamp` (signed correctly, but more than the
 * tolerance away from now).
 */
export type WebhookSignatureCheck =
  { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: 'malformed_timestamp' | 'bad_signature' | 'stale_timestamp' };

/**
 * Checks a delivery's signature: recomputes {@link signWebhook} over the received body and
 * timestamp, compares it with the received signature in constant time, then checks that the
 * timestamp is within `toleranceSeconds` of `nowMs` (a correctly signed but old or future
 * delivery is `stale_timestamp`, so a captured delivery cannot be replayed later).
 */
export function verifyWebhookSignature(input: WebhookSignatureCheckInput): WebhookSignatureCheck {
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'malformed_timestamp' };
  const timestamp = Number(input.timestamp);
  const expected = Buffer.from(signWebhook({ secret: input.secret, timestamp, body: input.body }));
  const given = Buffer.from(input.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(input.nowMs / 1000 - timestamp) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale_timestamp' };
  return { ok: true, timestamp };
}
