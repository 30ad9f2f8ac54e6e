/**
 * Signed, expiring download URLs: `<origin>/v2/files/<asset_id>?expires=<unix s>&signature=<hex>`,
 * where signature = HMAC-SHA256(server secret, `<asset_id>.<expires>`). They need no API key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../util/clock.js';
import { ApiError } from './errors.js';

/** Makes and checks download URLs. */
export class UrlSigner {
  readonly #secret: Buffer;
  readonly #clock: Clock;
  readonly #ttlSeconds: number;

  /** `ttlSeconds`: how long a URL stays valid after it is handed out. */
  constructor(secret: Buffer, clock: Clock, ttlSeconds: number) {
    this.#secret = secret;
    this.#clock = clock;
    this.#ttlSeconds = ttlSeconds;
  }

  #mac(assetId: string, expires: number): string {
    return createHmac('sha256', this.#secret).update(`${assetId}.${expires}`).digest('hex');
  }

  /** A fresh URL for `assetId` under `origin` (`http://127.0.0.1:8787`). */
  url(origin: string, assetId: string): string {
    const expires = Math.floor(this.#clock.now() / 1000) + this.#ttlSeconds;
    return `${origin}/v2/files/${assetId}?expires=${expires}&signature=${this.#mac(assetId, expires)}`;
  }

  /**
   * Checks a URL's `expires` and `signature` for `assetId`. Throws ApiError 403
   * `invalid_signature` (missing, malformed or wrong — compared in constant time) or `url_expired`.
   */
  verify(assetId: string, query: URLSearchParams): void {
    const expiresText = query.get('expires') ?? '';
    const signature = query.get('signature') ?? '';
    if (!/^\d{1,12}$/.test(expiresText) || !/^[0-9a-f]{64}$/.test(signature)) {
      throw new ApiError('invalid_signature', 'The download URL is not validly signed.');
    }
    const expires = Number(expiresText);
    const expected = Buffer.from(this.#mac(assetId, expires), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      throw new ApiError('invalid_signature', 'The download URL is not validly signed.');
    }
    if (expires * 1000 <= this.#clock.now()) {
      throw new ApiError('url_expired', 'The download URL has expired; fetch the job again for a fresh one.');
    }
  }
}
