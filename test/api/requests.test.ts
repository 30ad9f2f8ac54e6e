// API requests per job, counted by MercaDream Local over real loopback HTTP: probes in a due
// job's slot, shared list pages, and polling as the fallback for lost webhook deliveries.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MercaClient } from '../../src/api/index.js';
import { keyLabel } from '../../src/local/keys.js';
import { KEYS, startRig } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const bounded = { timeout: 120_000 };

describe('requests per job', () => {
  test('a batch of 16 jobs on the regular plan, polling, costs at most 1.5 requests a job and never more than 2 jobs at once', bounded, async () => {
    const rig = await startRig();
    const client = new MercaClient(KEYS.regular, { baseUrl: rig.server.url, plan: 'regular' });
    const label = keyLabel(KEYS.regular);
    try {
      const texts = Array.from({ length: 16 }, (_, i) => `Batch line ${i}: the harbour lights come on one by one.`);
      const done = await Promise.all(texts.map(async (text) => client.jobs.wait(await client.speech({ text, format: 'wav' }))));
      assert.equal(done.filter((j) => j.status === 'completed' && j.download_url).length, 16);
      const counts = rig.server.counters.snapshot().byEndpoint;
      const posts = counts['POST /v2/speech']?.[label] ?? 0;
      const total = rig.server.counters.count(label);
      const refused = posts - 16;
      assert.ok(total <= 16 * 1.5, `${total} requests for 16 jobs (${posts} POSTs, ${refused} refused as probes; ${JSON.stringify(counts)})`);
      assert.equal(client.stats().gate.active, 0, 'every slot given back');
      assert.ok(client.stats().gate.peak <= 2);
    } finally {
      await client.close();
      await rig.close();
    }
  });

  test('a job whose webhook delivery is lost is still found by polling', bounded, async () => {
    const rig = await startRig({ faults: { dropDeliveries: 1 } });
    const receiver = await startReceiver();
    const clock = new FakeClock(Date.now());
    const client = new MercaClient(KEYS.advanced, { baseUrl: rig.server.url, plan: 'advanced', clock, webhookUrl: receiver.url });
    const label = keyLabel(KEYS.advanced);
    try {
      const job = await client.speech({ text: 'Nobody hears this one arrive.', format: 'wav' });
      let settled = false;
      const waited = client.jobs.wait(job).finally(() => (settled = true));
      await rig.server.idle();
      assert.equal(rig.server.webhookStats().delivered, 0);
      assert.equal(receiver.deliveries.length, 0, 'every delivery lost');
      assert.equal(rig.server.counters.count(label), 1, 'with webhooks, nothing polls before the fallback is due');
      // The fallback poll comes 30 s after the estimate (WEBHOOK_WAIT_TIMING): move the client's time on.
      for (let i = 0; i < 600 && !settled; i++) await clock.advance(1000);
      const finished = await waited;
      assert.equal(finished.status, 'completed');
      assert.ok(finished.download_url);
      assert.equal(rig.server.counters.count(label), 2, 'the POST and one poll');
    } finally {
      await client.close();
      await receiver.close();
      await rig.close();
    }
  });
});
