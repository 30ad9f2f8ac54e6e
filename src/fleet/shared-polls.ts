/**
 * Polls shared across a fleet through Redis (the client's PollShare). Without webhooks, every
 * worker waiting for jobs would poll the API on its own, each poll spending one of the key's
 * requests per minute; one GET /v2/jobs page shows the jobs of every worker of the key alike.
 * So a worker polls only when it takes the poll lease — `SET mdp:polls:<limits id> NX PX` —
 * which lasts `leaseMs` and then expires by itself (a dead worker holds nothing for long); a
 * worker that finds it taken backs off instead of polling. What a poll sees of jobs that ended
 * goes out on the deliveries channel (src/fleet/deliveries.ts) in the shape of a webhook
 * delivery, so every worker settles its waits through its client's `observeDelivery`, exactly
 * as for a relayed webhook.
 */
import type { Redis } from 'ioredis';
import type { Job, PollShare } from '../api/index.js';
import { DELIVERIES_CHANNEL, type RelayedDelivery } from './deliveries.js';
import { FLEET_PREFIX } from './redis.js';

/** The poll lease's default length, ms: the client's least poll interval. */
export const POLL_LEASE_MS = 1000;

/** The relayed form of a job a poll saw ended: the fields a webhook delivery carries. */
export function sightingOf(job: Job): RelayedDelivery {
  const fields = ['status', 'progress', 'download_url', 'error', 'file_size_bytes'] as const;
  return { job_id: job.id, ...Object.fromEntries(fields.filter((f) => job[f] !== undefined && job[f] !== null).map((f) => [f, job[f]])), status: job.status };
}

/** A PollShare kept in Redis for the clients of one key (see the module docstring). */
export class RedisPollShare implements PollShare {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #leaseMs: number;
  #claims = 0;
  #granted = 0;

  /**
   * @param limitsId the key's limits id (limitsId() of src/api/limits.ts: a hash, never the key)
   * @param leaseMs how long a poll lease lasts, ms (≥ 1)
   */
  constructor(redis: Redis, limitsId: string, leaseMs = POLL_LEASE_MS) {
    if (!(leaseMs >= 1)) throw new RangeError(`leaseMs must be at least 1, not ${leaseMs}`);
    this.#redis = redis;
    this.#key = `${FLEET_PREFIX}:polls:${limitsId}`;
    this.#leaseMs = Math.round(leaseMs);
  }

  /** Takes the poll lease if nobody holds it; true when taken, or when Redis cannot answer. */
  async claim(): Promise<boolean> {
    this.#claims++;
    try {
      const taken = (await this.#redis.set(this.#key, '1', 'PX', this.#leaseMs, 'NX')) === 'OK';
      if (taken) this.#granted++;
      return taken;
    } catch {
      return true;
    }
  }

  /** Relays the jobs a poll saw ended to every worker. */
  async publish(jobs: readonly Job[]): Promise<void> {
    const ended = jobs.filter((job) => job.status === 'completed' || job.status === 'failed');
    try {
      await Promise.all(ended.map((job) => this.#redis.publish(DELIVERIES_CHANNEL, JSON.stringify(sightingOf(job)))));
    } catch {
      // Redis gone: the other workers' own polls find these jobs.
    }
  }

  /** Claims asked and leases granted, for tests and benches. */
  stats(): { claims: number; granted: number } {
    return { claims: this.#claims, granted: this.#granted };
  }
}
