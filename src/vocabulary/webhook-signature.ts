/**
 * How MercaDream signs a webhook delivery, and how a receiver checks it: the one definition that
 * MercaDream Local's sender (src/local/webhooks.ts) and the client's receiver (src/api/webhooks.ts)
 * both use, so the two can never disagree.
 *
 * Source: the Standard Webhooks specification (https://www.standardwebhooks.com, "Signature
 * scheme" and "Verifying webhooks"), which any Standard Webhooks library can verify:
 * - headers `webhook-id` (one id per event, the same on every retry: receivers de-duplicate by
 *   it), `webhook-timestamp` (unix seconds of the attempt, decimal digits) and
 *   `webhook-signature`: space-separated `v1,<base64>` signatures, one per secret the sender
 *   signs with (several while a secret is being rotated);
 * - `v1,<base64>` is the base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>`
 *   under the secret's key bytes: a `whsec_<base64>` secret's decoded bytes
 *   ({@link webhookSecretKey});
 * - receivers compare in constant time, accept a delivery when any one signature matches, and
 *   refuse timestamps more than 5 minutes ({@link WEBHOOK_TOLERANCE_SECONDS}) off either way.
 *
 * The earlier scheme stays readable for compatibility (docs/local.md, "Webhooks"): the API
 * document's payload field `"signature": "sha256=<hex>"` ({@link legacyWebhookSignature}, the
 * HMAC under the secret's UTF-8 bytes of `<timestamp>.<payload serialized without the field>`),
 * and the `X-MercaDream-*` headers ({@link LEGACY_WEBHOOK_HEADERS}) of earlier MercaDream Local
 * versions.
 *
 * Pure: no file system, network or clock; the caller says what time it is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Names of the Standard Webhooks headers, lowercase (as node:http presents incoming headers). */
export const WEBHOOK_HEADERS = {
  /** `webhook-id`: one id per event (`dlv_…` from MercaDream Local), the same on every retry. */
  id: 'webhook-id',
  /** `webhook-timestamp`: unix seconds of this attempt, decimal digits. */
  timestamp: 'webhook-timestamp',
  /** `webhook-signature`: `v1,<base64>` signatures separated by spaces, see {@link standardWebhookSignature}. */
  signature: 'webhook-signature',
} as const;

/** The headers of the earlier scheme, still sent and accepted for receivers built against it. */
export const LEGACY_WEBHOOK_HEADERS = {
  /** `X-MercaDream-Delivery`: the same value as `webhook-id`. */
  delivery: 'x-mercadream-delivery',
  /** `X-MercaDream-Timestamp`: the same value as `webhook-timestamp`. */
  timestamp: 'x-mercadream-timestamp',
  /** `X-MercaDream-Signature`: `sha256=<hex>`, see {@link legacyWebhookSignature}. */
  signature: 'x-mercadream-signature',
} as const;

/** How far a delivery's timestamp may be from the receiver's clock, either way: 300 seconds (5 minutes, Standard Webhooks' figure). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The prefix of a Standard Webhooks secret: `whsec_` followed by the key bytes in base64. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

/**
 * The HMAC key of a webhook secret: for `whsec_<base64>` (the Standard Webhooks form) the decoded
 * bytes; for any other string, its UTF-8 bytes (such a secret still signs and verifies between
 * MercaDream Local and this client, but Standard Webhooks libraries cannot read it).
 */
export function webhookSecretKey(secret: string): Buffer {
  const rest = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : undefined;
  return rest !== undefined && BASE64.test(rest) ? Buffer.from(rest, 'base64') : Buffer.from(secret, 'utf8');
}

/** True when `secret` is in the Standard Webhooks form `whsec_<base64>`. */
export function isStandardWebhookSecret(secret: string): boolean {
  return secret.startsWith(WEBHOOK_SECRET_PREFIX) && BASE64.test(secret.slice(WEBHOOK_SECRET_PREFIX.length));
}

/** What a Standard Webhooks signature is computed from. */
export interface StandardSignatureInput {
  /** The secrets to sign with (`whsec_…`), the current one first; one signature each. */
  readonly secrets: readonly string[];
  /** The `webhook-id` value. */
  readonly id: string;
  /** Unix seconds, a whole number ≥ 0: the `webhook-timestamp` value. */
  readonly timestamp: number;
  /** The raw body: bytes as sent, or a string taken as its UTF-8 bytes. */
  readonly body: string | Uint8Array;
}

/**
 * The `webhook-signature` value: for each secret, `v1,` and the base64 HMAC-SHA256 under
 * {@link webhookSecretKey} of `<id>.<timestamp>.<body>`, joined by single spaces
 * (standardwebhooks.com, "Signature scheme").
 */
export function standardWebhookSignature(input: StandardSignatureInput): string {
  return input.secrets.map((secret) => `v1,${standardDigest(secret, input.id, input.timestamp, input.body)}`).join(' ');
}

function standardDigest(secret: string, id: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', webhookSecretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** What the earlier `sha256=` signature is computed from. */
export interface LegacySignatureInput {
  /** The key's current webhook secret, used as UTF-8 bytes. */
  readonly secret: string;
  /** Unix seconds, a whole number ≥ 0: the value sent in `webhook-timestamp` (and `X-MercaDream-Timestamp`). */
  readonly timestamp: number;
  /** The bytes signed: a string is taken as its UTF-8 bytes. */
  readonly body: string | Uint8Array;
}

/**
 * The earlier scheme's `sha256=` followed by the 64-character lowercase hex HMAC-SHA256 under
 * `secret` (UTF-8) of `<timestamp>.<body>`. MercaDream Local puts it in the payload's `signature`
 * field (the API document's field), computed over the payload serialized without that field, and
 * sends it in `X-MercaDream-Signature` computed over the raw body.
 */
export function legacyWebhookSignature(input: LegacySignatureInput): string {
  return `sha256=${createHmac('sha256', input.secret).update(`${input.timestamp}.`).update(input.body).digest('hex')}`;
}

/** What a receiver checks, whichever scheme: the received values and its own clock. */
interface CheckCommon {
  /** The timestamp as received (unix seconds, 1–12 decimal digits). */
  readonly timestamp: string;
  /** The signed bytes as received, before any parsing: bytes, or a string taken as its UTF-8 bytes. */
  readonly body: string | Uint8Array;
  /** The receiver's current time, milliseconds since the Unix epoch (e.g. `Date.now()`). */
  readonly nowMs: number;
  /** Allowed distance between `timestamp` and now, seconds, either way; default {@link WEBHOOK_TOLERANCE_SECONDS}. */
  readonly toleranceSeconds?: number;
}

/** A Standard Webhooks delivery to check. */
export interface StandardSignatureCheckInput extends CheckCommon {
  /** The receiver's secrets (`whsec_…`); during a rotation it may know both. */
  readonly secrets: readonly string[];
  /** The `webhook-id` header as received. */
  readonly id: string;
  /** The `webhook-signature` header as received (`v1,<base64>`, several separated by spaces). */
  readonly signature: string;
}

/** An earlier-scheme signature to check. */
export interface LegacySignatureCheckInput extends CheckCommon {
  /** The receiver's secrets; the signature must match one of them. */
  readonly secrets: readonly string[];
  /** `sha256=<hex>`, from `X-MercaDream-Signature` or the payload's `signature` field. */
  readonly signature: string;
}

/**
 * The verdict of a check: `ok` with the timestamp read (unix seconds), or why not —
 * `malformed_timestamp` (not 1–12 decimal digits), `bad_signature` (no signature given is the
 * HMAC of this body at this timestamp under any of the secrets), `stale_timestamp` (signed
 * correctly, but more than the tolerance away from now, so a captured delivery cannot be replayed).
 */
export type WebhookSignatureCheck =
  { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: 'malformed_timestamp' | 'bad_signature' | 'stale_timestamp' };

/**
 * Checks a Standard Webhooks delivery: recomputes the `v1` signature of each secret, compares it
 * with each received `v1,` signature in constant time (other versions are ignored, as the
 * specification asks), then checks the timestamp's distance from `nowMs`.
 */
export function verifyStandardWebhookSignature(input: StandardSignatureCheckInput): WebhookSignatureCheck {
  const timestamp = readTimestamp(input.timestamp);
  if (timestamp === undefined) return { ok: false, reason: 'malformed_timestamp' };
  const given = input.signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => s.slice(3));
  const expected = input.secrets.map((secret) => standardDigest(secret, input.id, timestamp, input.body));
  return matchAndAge(given, expected, timestamp, input);
}

/**
 * Checks an earlier-scheme `sha256=<hex>` signature over `body` at `timestamp`, in constant time,
 * under any of the secrets, then the timestamp's distance from `nowMs`.
 */
export function verifyLegacyWebhookSignature(input: LegacySignatureCheckInput): WebhookSignatureCheck {
  const timestamp = readTimestamp(input.timestamp);
  if (timestamp === undefined) return { ok: false, reason: 'malformed_timestamp' };
  const expected = input.secrets.map((secret) => legacyWebhookSignature({ secret, timestamp, body: input.body }));
  return matchAndAge([input.signature], expected, timestamp, input);
}

function readTimestamp(text: string): number | undefined {
  return /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/** Any given signature equal to any expected one (constant time per pair), then the age check. */
function matchAndAge(given: readonly string[], expected: readonly string[], timestamp: number, input: CheckCommon): WebhookSignatureCheck {
  let matched = false;
  for (const candidate of given) for (const wanted of expected) matched = constantTimeEqual(candidate, wanted) || matched;
  if (!matched) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(input.nowMs / 1000 - timestamp) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale_timestamp' };
  return { ok: true, timestamp };
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
