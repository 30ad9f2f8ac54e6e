// Polls shared by the clients of one key through a real redis-server: one poll lease, and the
// sightings of the poll relayed on the deliveries channel to the other clients' waits.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { limitsId, MercaClient, type Job } from '../../src/api/index.js';
import { subscribeDeliveries } from '../../src/fleet/deliveries.js';
import { RedisPollShare } from '../../src/fleet/shared-polls.js';
import { keyLabel } from '../../src/local/keys.js';
import { KEYS, startRig, type Rig } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startRedis, type RedisRig } from '../helpers/redis-rig.js';

const bounded = { timeout: 60_000 };
let redis: RedisRig;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/**
 * Two clients of one key (each with its own limits, as two machines), two jobs each, waited for
 * once every job has ended on the server; returns the list polls the server counted for them.
 */
async function listPolls(api: Rig, shared: boolean): Promise<number> {
  const clock = new FakeClock(Date.now());
  const label = keyLabel(KEYS.professional);
  const id = `${limitsId(api.server.url, KEYS.professional)}-${String(shared)}`;
  const clients = [0, 1].map(
    () =>
      new MercaClient(KEYS.professional, {
        baseUrl: api.server.url,
        plan: 'professional',
        clock,
        ...(shared ? { pollShare: new RedisPollShare(redis.connect(), id, 5_000) } : {}),
      }),
  );
  const unsubscribe = shared ? await Promise.all(clients.map((c) => subscribeDeliveries(redis.url, (d) => c.observeDelivery(d)))) : [];
  try {
    const jobs = await Promise.all(clients.map((c, i) => Promise.all([0, 1].map((j) => c.speech({ text: `Shared ${String(shared)} ${i}.${j}.`, format: 'wav' })))));
    await api.server.idle();
    const polledBefore = api.server.counters.count(label, 'GET /v2/jobs') + api.server.counters.count(label, 'GET /v2/jobs/{job_id}');
    let settled = 0;
    const waits = jobs.flatMap((own, i) => own.map((job: Job) => clients[i]!.jobs.wait(job).finally(() => settled++)));
    for (let step = 0; step < 600 && settled < waits.length; step++) await clock.advance(100);
    const done = await Promise.all(waits);
    assert.ok(done.every((j) => j.status === 'completed' && j.download_url));
    return api.server.counters.count(label, 'GET /v2/jobs') + api.server.counters.count(label, 'GET /v2/jobs/{job_id}') - polledBefore;
  } finally {
    for (const stop of unsubscribe) await stop();
    for (const c of clients) await c.close();
  }
}

describe('polls shared through Redis', () => {
  test('two clients sharing a poll lease make one list poll where they used to make two', bounded, async () => {
    const api = await startRig({ workers: 4 });
    try {
      assert.equal(await listPolls(api, false), 2, 'each client polls its own jobs');
      assert.equal(await listPolls(api, true), 1, 'one client polls; the other hears what it saw');
    } finally {
      await api.close();
    }
  });
});
