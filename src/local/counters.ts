/**
 * Request counters of MercaDream Local, for tests of API clients: how many requests each key
 * sent to each endpoint, and the most requests a key sent within any 60-second window.
 */
import type { Clock } from '../util/clock.js';

const WINDOW_MS = 60_000;

/** What {@link RequestCounters.snapshot} returns. */
export interface CountersSnapshot {
  /** `endpoint → key label → count`; endpoint is a route template (`GET /v2/jobs/{job_id}`), key label (`keyLabel()` of keys.ts) or `anonymous`. */
  readonly byEndpoint: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** `key label → most requests seen in any 60 s window`. */
  readonly peakPerMinute: Readonly<Record<string, number>>;
  /** All requests received. */
  readonly total: number;
}

/** Counts every request the server receives, including those it refuses. */
export class RequestCounters {
  readonly #clock: Clock;
  readonly #counts = new Map<string, Map<string, number>>();
  readonly #recent = new Map<string, number[]>();
  readonly #peak = new Map<string, number>();
  #total = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Records one request to `endpoint` by `label` (a key label, or `anonymous`). */
  record(endpoint: string, label: string): void {
    this.#total += 1;
    const perKey = this.#counts.get(endpoint) ?? new Map<string, number>();
    perKey.set(label, (perKey.get(label) ?? 0) + 1);
    this.#counts.set(endpoint, perKey);

    const now = this.#clock.now();
    const times = (this.#recent.get(label) ?? []).filter((t) => t > now - WINDOW_MS);
    times.push(now);
    this.#recent.set(label, times);
    this.#peak.set(label, Math.max(this.#peak.get(label) ?? 0, times.length));
  }

  /** Requests by `label` to `endpoint`; all endpoints when `endpoint` is omitted. */
  count(label: string, endpoint?: string): number {
    if (endpoint !== undefined) return this.#counts.get(endpoint)?.get(label) ?? 0;
    let sum = 0;
    for (const perKey of this.#counts.values()) sum += perKey.get(label) ?? 0;
    return sum;
  }

  /** Most requests `label` sent within any 60 s window so far. */
  peakPerMinute(label: string): number {
    return this.#peak.get(label) ?? 0;
  }

  /** A copy of every count. */
  snapshot(): CountersSnapshot {
    const byEndpoint: Record<string, Record<string, number>> = {};
    for (const [endpoint, perKey] of this.#counts) byEndpoint[endpoint] = Object.fromEntries(perKey);
    return { byEndpoint, peakPerMinute: Object.fromEntries(this.#peak), total: this.#total };
  }

  /** Forgets everything (between phases of a test). */
  reset(): void {
    this.#counts.clear();
    this.#recent.clear();
    this.#peak.clear();
    this.#total = 0;
  }
}
