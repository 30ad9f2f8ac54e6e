// The fleet's shared limits and budget, on a real redis-server: several connections stand for
// several workers, and together they keep one key's requests per minute, concurrent jobs and budget.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisBudget } from '../../src/fleet/redis-budget.js';
import { RedisJobGate, RedisLimits, RedisRequestBucket, requestWindow } from '../../src/fleet/redis-limits.js';
import { systemClock } from '../../src/util/clock.js';
import { startRedis, type RedisRig } from '../helpers/redis-rig.js';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const bounded = { timeout: 30_000 };
let rig: RedisRig;
before(async () => {
  rig = await startRedis();
});
after(async () => {
  await rig.stop();
});

describe('requestWindow', () => {
  test('a fixed window never lets more than the plan into any 60-second stretch, and lets most of it through', () => {
    assert.deepEqual(requestWindow(60), { seconds: 7, points: 6 }, 'regular: 6 every 7 s, 51 a minute sustained');
    for (const perMinute of [2, 5, 11, 60, 61, 200, 1000]) {
      const { seconds, points } = requestWindow(perMinute);
      assert.ok(points * (Math.ceil(60 / seconds) + 1) <= perMinute, `${perMinute}/min`);
      if (perMinute >= 60) assert.ok((points * 60) / seconds >= 0.8 * perMinute, `${perMinute}/min keeps ${(points * 60) / seconds}`);
    }
    assert.throws(() => requestWindow(1), RangeError);
  });
});

describe('RedisRequestBucket', () => {
  test('two workers on one key share its window: together they get no more than one worker would', bounded, async () => {
    // 600/min: 19 requests every 2 s, so 2·19 + 1 requests need three windows, shared or not.
    const a = new RedisRequestBucket(rig.connect(), 'key-requests', 600, systemClock);
    const b = new RedisRequestBucket(rig.connect(), 'key-requests', 600, systemClock);
    const { seconds, points } = a.window;
    assert.deepEqual(a.window, { seconds: 2, points: 19 });
    const n = 2 * points + 1;
    const times: number[] = [];
    const start = Date.now();
    await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b).acquire().then(() => times.push(Date.now()))));
    assert.ok(Date.now() - start >= 2 * seconds * 1000 - 100, `${n} requests took ${Date.now() - start} ms: the window was not shared`);
    times.sort((x, y) => x - y);
    const mostInOneWindow = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + seconds * 1000).length));
    assert.ok(mostInOneWindow <= 2 * points, `${mostInOneWindow} requests within ${seconds} s (two windows hold ${2 * points})`);
    assert.equal(a.stats().granted + b.stats().granted, n);
  });

  test('an aborted wait rejects with the signal’s reason', bounded, async () => {
    const bucket = new RedisRequestBucket(rig.connect(), 'key-abort', 60, systemClock);
    for (let i = 0; i < bucket.window.points; i++) await bucket.acquire();
    const stop = new AbortController();
    const waiting = bucket.acquire(stop.signal);
    stop.abort(new Error('stopped'));
    await assert.rejects(waiting, /stopped/);
  });
});

describe('RedisJobGate', () => {
  test('workers share the plan’s concurrent jobs, and a slot comes back when its holder releases it', bounded, async () => {
    const a = new RedisJobGate(rig.connect(), 'key-gate', 2, 5_000);
    const b = new RedisJobGate(rig.connect(), 'key-gate', 2, 5_000);
    const one = await a.acquire();
    const two = await b.acquire();
    let third = false;
    const waiting = b.acquire().then((slot) => {
      third = true;
      return slot;
    });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(third, false, 'a third job waits while two hold the key’s slots');
    one.release();
    (await waiting).release();
    two.release();
    assert.equal(third, true);
    assert.equal(b.stats().peak, 2);
  });

  test('a worker that dies gives its slots back when their leases run out', bounded, async () => {
    // A worker process takes both slots and is killed: no release, no refresh.
    const gateModule = new URL('../../src/fleet/redis-limits.js', import.meta.url).href;
    const script = `import { Redis } from 'ioredis'; import { RedisJobGate } from '${gateModule}';
const gate = new RedisJobGate(new Redis(${rig.port}, '127.0.0.1'), 'key-lease', 2, 1500);
await gate.acquire(); await gate.acquire(); console.log('held'); setInterval(() => undefined, 1000);`;
    const worker = execa(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, reject: false, buffer: false });
    await new Promise<void>((resolve) => worker.stdout.once('data', () => resolve()));
    worker.kill('SIGKILL');
    await worker;
    const survivor = new RedisJobGate(rig.connect(), 'key-lease', 2, 1_500);
    const start = Date.now();
    const slot = await survivor.acquire();
    const waited = Date.now() - start;
    assert.ok(waited >= 500 && waited < 5_000, `the slot came back after ${waited} ms (lease 1500 ms)`);
    slot.release();
  });
});

describe('RedisLimits', () => {
  test('one bucket and gate per key, never holding the key itself in Redis', bounded, async () => {
    const redis = rig.connect();
    const limits = new RedisLimits(redis, 5_000);
    const plan = { requestsPerMinute: 60, concurrentJobs: 2 };
    const a = limits.for('http://127.0.0.1:1/v2', 'mk_test_secret_key_1', plan, systemClock);
    assert.equal(limits.for('http://127.0.0.1:1/v2', 'mk_test_secret_key_1', plan, systemClock), a);
    await a.bucket.acquire();
    (await a.gate.acquire()).release();
    const keys = await redis.keys('*');
    assert.ok(keys.length > 0);
    for (const key of keys) assert.doesNotMatch(key, /mk_test_secret_key_1/);
    for (const key of keys) assert.doesNotMatch(String(await redis.type(key)) === 'string' ? String(await redis.get(key)) : '', /mk_test/);
  });
});

describe('RedisBudget', () => {
  test('workers reserving at once never pass the cap; settling charges what the API charged', bounded, async () => {
    const budgets = [new RedisBudget(rig.connect(), 'mdp:budget:t1', 5), new RedisBudget(rig.connect(), 'mdp:budget:t1', 5)];
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => budgets[i % 2]!.reserve(1, `clip:${i}`)));
    const granted = outcomes.filter((o) => o.status === 'fulfilled');
    assert.ok(granted.length >= 1 && granted.length <= 5, `${granted.length} reservations of 1 under a cap of 5`);
    const refused = outcomes.find((o) => o.status === 'rejected');
    assert.match(String(refused?.status === 'rejected' ? (refused.reason as Error).message : ''), /would cost 1 compute units, and .* of the budget's 5 are spent or reserved/);
    assert.equal(await budgets[0]!.spent(), granted.length);
    const [first, ...rest] = granted.map((o) => o.value);
    await first!.settle(2.5);
    for (const r of rest) await r.release();
    assert.equal(await budgets[1]!.spent(), 2.5, 'settled and released once awaited');
    await assert.rejects(budgets[1]!.reserve(3, 'clip:big'), /would cost 3/);
    assert.equal(await budgets[0]!.spent(), 2.5, 'a refused reservation is taken back');
  });

  test('a job several productions share is charged once, whichever worker settles it first', bounded, async () => {
    const budgets = [new RedisBudget(rig.connect(), 'mdp:budget:t2', 10), new RedisBudget(rig.connect(), 'mdp:budget:t2', 10)];
    // Three productions on two workers reserve the same narration; the API makes one job (one
    // Idempotency-Key) and charges it once, 2 units.
    const reservations = await Promise.all([budgets[0]!.reserve(1.5, 'a speech'), budgets[1]!.reserve(1.5, 'b speech'), budgets[0]!.reserve(1.5, 'c speech')]);
    assert.equal(await budgets[0]!.spent(), 4.5);
    await Promise.all(reservations.map((r) => r.settle(2, 'job_narration')));
    assert.equal(await budgets[1]!.spent(), 2, 'one charge for the one job');
    const own = await budgets[1]!.reserve(1, 'd clip');
    await own.settle(1.25, 'job_clip');
    assert.equal(await budgets[0]!.spent(), 3.25, 'another job charges as before');
  });

  test('a settle that Redis cannot take is an error the submission hears, not lost', bounded, async () => {
    const redis = rig.connect();
    const budget = new RedisBudget(redis, 'mdp:budget:t3', 10);
    const reservation = await budget.reserve(1, 'e clip');
    await redis.set('mdp:budget:t3', 'not a number'); // INCRBY now fails
    await assert.rejects(Promise.resolve(reservation.settle(2, 'job_e')), /not an integer/);
  });
});
