/**
 * Webhook signatures (docs/design.md): `sha256=<hex>` of HMAC-SHA256 under the key's webhook
 * secret over `<unix seconds>.<raw body>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does: true when `signature` (the X-MercaDream-Signature header) matches
 * `rawBody` and `timestamp` (X-MercaDream-Timestamp, unix seconds) is within `toleranceSeconds`
 * of `nowSeconds` in either direction. Compares in constant time.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string;
  rawBody: string;
  signature: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  if (!/^\d{1,12}$/.test(input.timestamp)) return false;
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.nowSeconds - timestamp) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
