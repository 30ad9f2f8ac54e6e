/**
 * Webhooks in a fleet. Every worker submits its jobs with the same `webhook_url` (the
 * coordinator's `--webhook-url`), so the same request sent by two workers is the same body and
 * the API replays one job for its Idempotency-Key. The coordinator receives the deliveries
 * (verified and de-duplicated by startWebhookReceiver) and publishes each on the Redis channel
 * `mdp:deliveries`; every worker subscribes and hands them to its client, which settles the
 * waits of the jobs it knows. A delivery no one hears (the coordinator gone) leaves the job to
 * the fallback polls.
 */
import { Redis } from 'ioredis';
import { FLEET_PREFIX, redisOptions } from './redis.js';

/** The Redis channel of relayed deliveries. */
export const DELIVERIES_CHANNEL = `${FLEET_PREFIX}:deliveries`;

/** A delivery as relayed: the verified payload's fields. */
export interface RelayedDelivery {
  readonly job_id: string;
  readonly status: 'queued' | 'processing' | 'completed' | 'failed';
  readonly [field: string]: unknown;
}

/** Publishes one verified delivery to the workers. */
export async function relayDelivery(redis: Redis, delivery: RelayedDelivery): Promise<void> {
  await redis.publish(DELIVERIES_CHANNEL, JSON.stringify(delivery));
}

/**
 * Subscribes to the relayed deliveries of the Redis at `queueUrl` (a connection of its own, as
 * Redis requires for subscribers); resolves to the function that unsubscribes.
 */
export async function subscribeDeliveries(queueUrl: string, onDelivery: (delivery: RelayedDelivery) => void): Promise<() => Promise<void>> {
  const subscriber = new Redis({ ...redisOptions(queueUrl), lazyConnect: false });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const delivery = JSON.parse(message) as RelayedDelivery;
      if (typeof delivery.job_id === 'string' && typeof delivery.status === 'string') onDelivery(delivery);
    } catch {
      // not a delivery: ignored
    }
  });
  await subscriber.subscribe(DELIVERIES_CHANNEL);
  return async () => {
    subscriber.disconnect();
  };
}
