// The client's limiter, Retry-After parsing and backoff, on a fake clock (no sleeping).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRetryAfter } from '../../src/api/retry-after.js';
import { AuthError, NotFoundError, PlanError, RateLimitError, ServerError, ValidationError, errorFromResponse } from '../../src/api/errors.js';
import { JobGate, LimitsRegistry, RequestBucket } from '../../src/api/limits.js';
import { backoffDelay, retryAfterDelay, withRetries } from '../../src/api/retry.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';

describe('RequestBucket', () => {
  test('never lets more than perMinute requests into any 60-second window', async () => {
    const clock = new FakeClock();
    const bucket = new RequestBucket(60, clock);
    const grants: number[] = [];
    const all = Array.from({ length: 200 }, () => bucket.acquire().then(() => grants.push(clock.now())));
    for (let t = 0; t < 240_000; t += 1000) await clock.advance(1000);
    await Promise.all(all);
    assert.equal(grants.length, 200);
    for (let i = 0; i < grants.length; i++) {
      const inWindow = grants.filter((g) => g >= grants[i]! && g < grants[i]! + 60_000).length;
      assert.ok(inWindow <= 60, `${inWindow} requests in the window starting at grant ${i}`);
    }
    // And it is not needlessly slow: the sustained rate stays near the plan's (the burst's share is held back).
    const perMinute = ((grants.length - 1) / (grants[grants.length - 1]! - grants[0]!)) * 60_000;
    assert.ok(perMinute >= 0.85 * 60, `sustained ${perMinute.toFixed(1)} requests/min`);
  });

  test('a pause (429) holds every caller until it ends; X-RateLimit-Remaining 0 pauses until the reset', async () => {
    const clock = new FakeClock();
    const bucket = new RequestBucket(1000, clock);
    const start = clock.now();
    bucket.pauseUntil(start + 5000);
    let done = 0;
    const waits = [bucket.acquire().then(() => done++), bucket.acquire().then(() => done++)];
    await clock.advance(4999);
    assert.equal(done, 0);
    await clock.advance(1);
    await Promise.all(waits);
    assert.equal(done, 2);

    bucket.tighten(0, clock.now() + 10_000);
    let later = false;
    const p = bucket.acquire().then(() => (later = true));
    await clock.advance(9_000);
    assert.equal(later, false);
    await clock.advance(1_000);
    await p;
    assert.equal(bucket.stats().pausedUntil, start + 15_000);
  });

  test('tighten lowers the tokens to what the server says remains', async () => {
    const clock = new FakeClock();
    const bucket = new RequestBucket(600, clock);
    assert.equal(bucket.stats().tokens, 60);
    bucket.tighten(3, clock.now() + 60_000);
    assert.equal(bucket.stats().tokens, 3);
  });

  test('an aborted waiter leaves the queue and the next one proceeds', async () => {
    const clock = new FakeClock();
    const bucket = new RequestBucket(60, clock, 1);
    await bucket.acquire();
    const controller = new AbortController();
    const aborted = bucket.acquire(controller.signal);
    const next = bucket.acquire();
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
    await clock.advance(2000);
    await next;
    assert.equal(bucket.stats().granted, 2);
  });
});

describe('JobGate', () => {
  test('holds at most `capacity` jobs, FIFO, and counts', async () => {
    const gate = new JobGate(2);
    const a = await gate.acquire();
    const b = await gate.acquire();
    const order: string[] = [];
    const c = gate.acquire().then((slot) => (order.push('c'), slot));
    const d = gate.acquire().then((slot) => (order.push('d'), slot));
    await flush();
    assert.deepEqual(gate.stats(), { active: 2, pending: 2, capacity: 2, peak: 2 });
    a.release();
    a.release(); // idempotent
    await flush();
    assert.deepEqual(order, ['c']);
    b.release();
    (await c).release();
    (await d).release();
    assert.deepEqual(gate.stats(), { active: 0, pending: 0, capacity: 2, peak: 2 });
  });
});

describe('LimitsRegistry', () => {
  const plan = { requestsPerMinute: 60, concurrentJobs: 2 };
  test('one bucket and gate per base URL and key, within one registry only', () => {
    const clock = new FakeClock();
    const registry = new LimitsRegistry();
    const a = registry.for('https://api.example.com/v2', 'mk_test_a', plan, clock);
    assert.equal(registry.for('https://api.example.com/v2', 'mk_test_a', { requestsPerMinute: 1000, concurrentJobs: 20 }, clock), a, 'the first plan named is kept');
    assert.notEqual(registry.for('https://api.example.com/v2', 'mk_test_b', plan, clock), a);
    assert.notEqual(registry.for('https://other.example.com/v2', 'mk_test_a', plan, clock), a);
    assert.equal(registry.size, 3);
    assert.notEqual(new LimitsRegistry().for('https://api.example.com/v2', 'mk_test_a', plan, clock), a, 'registries share nothing');
    assert.equal(a.bucket.perMinute, 60);
    assert.equal(a.gate.capacity, 2);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);
  test('delta-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });
  test('an HTTP date, in seconds from now', () => {
    assert.equal(parseRetryAfter('Mon, 30 Nov 2026 12:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Mon, 30 Nov 2026 11:00:00 GMT', now), 0);
  });
  test('the two obsolete HTTP-date formats a recipient must also accept (RFC 9110 §5.6.7), both in GMT', () => {
    assert.equal(parseRetryAfter('Monday, 30-Nov-26 12:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Mon Nov 30 12:00:45 2026', now), 45);
    assert.equal(parseRetryAfter('Tue Dec  1 12:00:00 2026', now), 24 * 3600);
  });
  const malformed = ['120junk', 'junk120', '-5', '1.5', '', '   ', 'soon', '0x10', 'Mon, 30 Nov 2026 12:00:30 UTC', 'Mon, 31 Feb 2026 12:00:30 GMT', '30 Nov 2026 12:00:30'];
  test('anything else is malformed: undefined, never read as a year or a date in the past', () => {
    for (const value of malformed) assert.equal(parseRetryAfter(value, now), undefined, JSON.stringify(value));
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
  test('a 429 with a malformed Retry-After waits the normal jittered backoff, and pauses the bucket that long', async () => {
    const policy = { retries: 1, baseMs: 400, capMs: 10_000, random: () => 0.5 };
    for (const value of ['120junk', '-5', '']) {
      const clock = new FakeClock();
      const bucket = new RequestBucket(1000, clock);
      let calls = 0;
      const result = withRetries(
        async () => {
          if (calls++ === 0) {
            const retryAfter = parseRetryAfter(value, clock.now());
            throw new RateLimitError({ status: 429, type: 'rate_limited', message: 'slow down', ...(retryAfter !== undefined ? { retryAfter } : {}) });
          }
          return 'ok';
        },
        { policy, clock, bucket },
      );
      await clock.advance(10_000);
      assert.equal(await result, 'ok');
      assert.deepEqual(clock.sleeps, [backoffDelay(1, policy)], `Retry-After ${JSON.stringify(value)}`);
      assert.equal(clock.sleeps[0], 200);
      assert.equal(bucket.stats().pausedUntil, Date.UTC(2026, 0, 1) + 200);
    }
  });
});

describe('backoff and retries', () => {
  test('full jitter under a doubling ceiling, capped', () => {
    const policy = { retries: 20, baseMs: 500, capMs: 30_000, random: () => 0.999999 };
    const delays = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, policy));
    assert.deepEqual(delays.slice(0, 4), [499, 999, 1999, 3999]);
    assert.ok(delays.every((d) => d <= 30_000));
    assert.equal(delays[11], 29_999);
    assert.equal(backoffDelay(3, { ...policy, random: () => 0 }), 0);
  });

  test('retries 429/5xx/network, waits Retry-After for everyone, and gives up after the policy', async () => {
    const clock = new FakeClock();
    const bucket = new RequestBucket(1000, clock);
    let calls = 0;
    const result = withRetries(
      async () => {
        calls++;
        if (calls === 1) throw new RateLimitError({ status: 429, type: 'rate_limited', message: 'slow down', retryAfter: 7 });
        if (calls === 2) throw new ServerError({ status: 503, type: 'unavailable', message: 'busy' });
        if (calls === 3) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { policy: { retries: 5, baseMs: 100, capMs: 1000, random: () => 0.5 }, clock, bucket },
    );
    await clock.advance(60_000);
    assert.equal(await result, 'ok');
    assert.equal(calls, 4);
    assert.equal(clock.sleeps[0], 7000 + 1000, 'Retry-After plus half of the 2 s spread (random 0.5)');
    assert.ok(bucket.stats().pausedUntil >= Date.UTC(2026, 0, 1) + 7000, 'the whole bucket was paused');
    assert.deepEqual(clock.sleeps.slice(1), [100, 200]);

    let tries = 0;
    const failing = withRetries(
      async () => {
        tries++;
        throw new ServerError({ status: 500, type: 'internal', message: 'boom' });
      },
      { policy: { retries: 3, baseMs: 100, capMs: 150, random: () => 0.999 }, clock },
    );
    failing.catch(() => undefined);
    await clock.advance(10_000);
    await assert.rejects(failing, ServerError);
    assert.equal(tries, 4);
  });

  test('after Retry-After, retries spread over max(2 s, a quarter of the wait), never before it', () => {
    assert.equal(retryAfterDelay(1, { random: () => 0 }), 1000);
    assert.equal(retryAfterDelay(1, { random: () => 0.999999 }), 2999);
    assert.equal(retryAfterDelay(60, { random: () => 0 }), 60_000);
    assert.equal(retryAfterDelay(60, { random: () => 0.999999 }), 74_999);
    assert.equal(retryAfterDelay(0, { random: () => 0.5 }), 1000);
  });

  for (const status of [400, 401, 403, 404]) {
    test(`${status} is never retried`, async () => {
      const clock = new FakeClock();
      let tries = 0;
      const attempt = withRetries(
        async () => {
          tries++;
          throw errorFromResponse(status, JSON.stringify({ code: status, type: 'x', message: 'no' }), {});
        },
        { policy: { retries: 5, baseMs: 1, capMs: 1 }, clock },
      );
      const expected = { 400: ValidationError, 401: AuthError, 403: PlanError, 404: NotFoundError }[status]!;
      await assert.rejects(attempt, expected);
      assert.equal(tries, 1);
    });
  }
});

describe('errors from responses', () => {
  test('JSON bodies give type, message and param; HTML bodies an excerpt', () => {
    const v = errorFromResponse(400, '{"code":400,"type":"invalid_parameter","message":"style must be one of cinematic, noir","param":"style"}', { requestId: 'req_1' });
    assert.ok(v instanceof ValidationError);
    assert.equal(v.param, 'style');
    assert.equal(v.requestId, 'req_1');
    const html = errorFromResponse(502, '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>', {});
    assert.ok(html instanceof ServerError);
    assert.equal(html.type, 'http_502');
    assert.match(html.message, /^HTTP 502: 502 Bad Gateway Bad Gateway$/);
  });
});
