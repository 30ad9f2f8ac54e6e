/**
 * Webhook deliveries: `job.updated`, `job.completed`, `job.failed`, POSTed to the job's
 * webhook_url, signed, retried with exponential backoff, never in the way of job processing
 * (each delivery runs on its own, with a per-attempt timeout; deliveries of one job stay in order).
 *
 * Each attempt is signed as the Standard Webhooks specification says (standardwebhooks.com):
 * - `webhook-id`: one id per event, the same on every retry (receivers de-duplicate);
 * - `webhook-timestamp`: unix seconds of this attempt;
 * - `webhook-signature`: `v1,<base64>` over `<id>.<timestamp>.<raw body>`, one per secret of the
 *   key (the current one first; two while a secret is being rotated).
 * For receivers of the earlier scheme, the body keeps the API document's `signature` field
 * (`sha256=<hex>` over `<timestamp>.<payload serialized without it>`, current secret) and the
 * attempt carries the `X-MercaDream-*` headers. (Header names and both signatures are defined
 * once in src/vocabulary/webhook-signature.ts, which the client's verifier uses too.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Clock } from '../util/clock.js';
import { newId } from './ids.js';
import type { JobError, JobStatus } from './job.js';
import { LEGACY_WEBHOOK_HEADERS, legacyWebhookSignature, standardWebhookSignature, WEBHOOK_HEADERS } from '../vocabulary/webhook-signature.js';

export type WebhookEvent = 'job.updated' | 'job.completed' | 'job.failed';

/** Payload fields before signing. */
export interface WebhookPayload {
  readonly event: WebhookEvent;
  readonly job_id: string;
  readonly status: JobStatus;
  readonly progress: number;
  readonly download_url?: string;
  readonly error?: JobError;
  /** ISO 8601 time of the event. */
  readonly timestamp: string;
}

/** Delivery policy. */
export interface WebhookOptions {
  /** Attempts per event, ≥ 1; default 5. */
  readonly attempts?: number;
  /** Delay before the 2nd attempt in ms, doubling each time; default 1000. */
  readonly baseDelayMs?: number;
  /** Per-attempt timeout in ms; default 5000. */
  readonly timeoutMs?: number;
}

/** Counts for tests. */
export interface WebhookStats {
  readonly delivered: number;
  /** Events given up after every attempt failed. */
  readonly abandoned: number;
  readonly inFlight: number;
}

/**
 * The body and headers of one attempt at `nowMs` (ms since the epoch; the timestamp headers are
 * its whole unix seconds), signed with `secrets` (the key's webhook secrets, the current one
 * first; at least one): the payload with its `signature` field, as JSON, and the headers of
 * {@link WEBHOOK_HEADERS} and {@link LEGACY_WEBHOOK_HEADERS}. Exported for tests of receivers.
 */
export function signDelivery(secrets: readonly string[], payload: WebhookPayload, deliveryId: string, nowMs: number): { body: string; headers: Record<string, string> } {
  const current = secrets[0];
  if (current === undefined) throw new RangeError('signDelivery needs at least one webhook secret');
  const timestamp = Math.floor(nowMs / 1000);
  const body = JSON.stringify({ ...payload, signature: legacyWebhookSignature({ secret: current, timestamp, body: JSON.stringify(payload) }) });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'MercaDream-Local-Webhooks/2',
      [WEBHOOK_HEADERS.id]: deliveryId,
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: standardWebhookSignature({ secrets, id: deliveryId, timestamp, body }),
      [LEGACY_WEBHOOK_HEADERS.delivery]: deliveryId,
      [LEGACY_WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [LEGACY_WEBHOOK_HEADERS.signature]: legacyWebhookSignature({ secret: current, timestamp, body }),
    },
  };
}

/** Sends webhooks in the background. */
export class WebhookSender {
  readonly #clock: Clock;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #timeoutMs: number;
  readonly #abort = new AbortController();
  readonly #chains = new Map<string, Promise<void>>();
  #delivered = 0;
  #abandoned = 0;
  #inFlight = 0;

  constructor(clock: Clock, options: WebhookOptions = {}) {
    this.#clock = clock;
    this.#attempts = Math.max(1, Math.floor(options.attempts ?? 5));
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  get stats(): WebhookStats {
    return { delivered: this.#delivered, abandoned: this.#abandoned, inFlight: this.#inFlight };
  }

  /** Queues delivery of `payload` to `url` signed with `secrets` (current first); returns at once. */
  send(url: string, secrets: readonly string[], payload: WebhookPayload): void {
    if (this.#abort.signal.aborted) return;
    const deliveryId = newId('dlv');
    this.#inFlight += 1;
    const previous = this.#chains.get(payload.job_id) ?? Promise.resolve();
    const next = previous
      .then(() => this.#deliver(url, secrets, payload, deliveryId))
      .finally(() => {
        this.#inFlight -= 1;
        if (this.#chains.get(payload.job_id) === next) this.#chains.delete(payload.job_id);
      });
    this.#chains.set(payload.job_id, next);
  }

  async #deliver(url: string, secrets: readonly string[], payload: WebhookPayload, deliveryId: string): Promise<void> {
    const signal = this.#abort.signal;
    for (let attempt = 1; attempt <= this.#attempts && !signal.aborted; attempt += 1) {
      if (attempt > 1) {
        try {
          await sleep(this.#baseDelayMs * 2 ** (attempt - 2), undefined, { signal });
        } catch {
          return; // shutting down
        }
      }
      const { body, headers } = signDelivery(secrets, payload, deliveryId, this.#clock.now());
      try {
        const response = await request(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          this.#delivered += 1;
          return;
        }
      } catch {
        // Refused, reset or timed out: try again after the backoff.
      }
    }
    if (!signal.aborted) this.#abandoned += 1;
  }

  /** Stops retrying and cancels attempts in flight. */
  close(): void {
    this.#abort.abort();
  }
}
