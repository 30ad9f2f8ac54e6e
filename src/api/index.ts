/** The MercaDream v2 client and its parts. */
export * from '../vocabulary/catalog.js';
export * from '../vocabulary/webhook-signature.js';
export * from './errors.js';
export * from './types.js';
export { MercaClient, DEFAULT_BASE_URL, type MercaClientOptions, type SubmitOptions, type ClientStats } from './client.js';
export { systemClock, ManualClock, type Clock } from '../util/clock.js';
export { parseRetryAfter } from './retry-after.js';
export {
  RequestBucket,
  JobGate,
  LimitsRegistry,
  limitsId,
  type BucketStats,
  type GateStats,
  type JobSlot,
  type JobSlots,
  type LimitsSource,
  type RequestLimiter,
  type SharedLimits,
} from './limits.js';
export {
  backoffDelay,
  retryAfterDelay,
  retryDelay,
  withRetries,
  DEFAULT_RETRY_POLICY,
  RETRY_AFTER_SPREAD_MIN_MS,
  RETRY_AFTER_SPREAD_FRACTION,
  type RetryPolicy,
  type RetryEvent,
} from './retry.js';
export { downloadFile, hashFile, type DownloadResult } from './download.js';
export {
  verifyWebhook,
  startWebhookReceiver,
  type VerifyWebhookOptions,
  type WebhookPayload,
  type WebhookReceiver,
  type WebhookRejection,
  type WebhookScheme,
  type WebhookVerdict,
} from './webhooks.js';
export { isLoopback, DEFAULT_REQUEST_TIMEOUT_MS } from './transport.js';
export { type PollShare, type WaitTiming, DEFAULT_WAIT_TIMING, WEBHOOK_WAIT_TIMING } from './wait.js';
