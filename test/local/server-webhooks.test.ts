/**
 * Webhooks over loopback: events in order, signatures a receiver can verify (and a tampered
 * body that fails), retries with the same delivery id, and a dead receiver that never holds a job up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyWebhookSignature, webhookSignature } from '../../src/local/webhook-signature.js';
import { eventually, KEYS, startRig, waitForJob, WEBHOOK_SECRET, type Rig } from '../helpers/api.js';
import { startReceiver, type Delivery, type Receiver } from '../helpers/webhook-receiver.js';

const PRO = KEYS.professional;

/** The fields of a delivered event body these tests look at. */
interface WebhookBody {
  readonly job_id?: string;
  readonly event?: string;
}

function verify(delivery: Delivery, rawBody = delivery.rawBody): boolean {
  return verifyWebhookSignature({
    secret: WEBHOOK_SECRET,
    timestamp: String(delivery.headers['x-mercadream-timestamp']),
    signature: String(delivery.headers['x-mercadream-signature']),
    rawBody,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
}

describe('webhooks', () => {
  let rig: Rig;
  let receiver: Receiver;
  before(async () => {
    rig = await startRig({ webhooks: { attempts: 3, baseDelayMs: 20, timeoutMs: 1000 } });
    receiver = await startReceiver();
  });
  after(async () => {
    await rig.close();
    await receiver.close();
  });

  it('posts job.updated then job.completed, signed so that the receiver can verify them', async () => {
    const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'Signed.', format: 'wav', webhook_url: receiver.url } });
    assert.equal(created.status, 201);
    const job = await waitForJob(rig, PRO, created.json.id as string);
    const mine = await eventually(async () => {
      const list = receiver.deliveries.filter((d) => (JSON.parse(d.rawBody) as WebhookBody).job_id === job.id);
      return list.length >= 2 ? list : undefined;
    }, 'two deliveries');
    const events = mine.map((d) => JSON.parse(d.rawBody) as Record<string, unknown>);
    assert.deepEqual(events.map((e) => e.event), ['job.updated', 'job.completed']);
    const completed = events[1] ?? {};
    assert.equal(completed.status, 'completed');
    assert.match(completed.download_url as string, /\/v2\/files\/ast_/);
    assert.ok(!Number.isNaN(Date.parse(completed.timestamp as string)));

    for (const delivery of mine) {
      assert.equal(delivery.headers['content-type'], 'application/json');
      assert.match(String(delivery.headers['x-mercadream-delivery']), /^dlv_[0-9a-z]{16}$/);
      assert.ok(verify(delivery), 'the header signature verifies over the raw body');
      const tampered = delivery.rawBody.replace('"status":"', '"status":"x');
      assert.notEqual(tampered, delivery.rawBody);
      assert.equal(verify(delivery, tampered), false, 'a tampered body does not verify');

      // The body's own signature: the same HMAC over the payload serialized before it was added.
      const { signature, ...unsigned } = JSON.parse(delivery.rawBody) as Record<string, unknown>;
      const timestamp = Number(delivery.headers['x-mercadream-timestamp']);
      assert.equal(signature, webhookSignature(WEBHOOK_SECRET, timestamp, JSON.stringify(unsigned)));
    }
    assert.notEqual(mine[0]?.headers['x-mercadream-delivery'], mine[1]?.headers['x-mercadream-delivery']);
  });

  it('rejects a stale timestamp and a signature made with another secret', () => {
    const body = '{"event":"job.completed"}';
    const now = 1_800_000_000;
    const signature = webhookSignature(WEBHOOK_SECRET, now - 301, body);
    assert.equal(verifyWebhookSignature({ secret: WEBHOOK_SECRET, timestamp: String(now - 301), rawBody: body, signature, nowSeconds: now }), false);
    const fresh = webhookSignature(WEBHOOK_SECRET, now, body);
    assert.equal(verifyWebhookSignature({ secret: WEBHOOK_SECRET, timestamp: String(now), rawBody: body, signature: fresh, nowSeconds: now }), true);
    const wrong = webhookSignature('whsec_someone_else', now, body);
    assert.equal(verifyWebhookSignature({ secret: WEBHOOK_SECRET, timestamp: String(now), rawBody: body, signature: wrong, nowSeconds: now }), false);
  });

  it('retries a failed delivery with the same delivery id', async () => {
    receiver.script.push(500, 503);
    const created = await rig.call('POST', '/v2/music', { key: PRO, body: { prompt: 'Retry me', duration: 15, format: 'wav', webhook_url: receiver.url } });
    await waitForJob(rig, PRO, created.json.id as string);
    const forJob = await eventually(async () => {
      const list = receiver.deliveries.filter((d) => (JSON.parse(d.rawBody) as WebhookBody).job_id === created.json.id);
      return list.some((d) => (JSON.parse(d.rawBody) as WebhookBody).event === 'job.completed') ? list : undefined;
    }, 'the completed event');
    const updates = forJob.filter((d) => (JSON.parse(d.rawBody) as WebhookBody).event === 'job.updated');
    assert.equal(updates.length, 3, 'two refusals, then success');
    const ids = new Set(updates.map((d) => d.headers['x-mercadream-delivery']));
    assert.equal(ids.size, 1);
    assert.ok(updates.every((d) => verify(d)));
  });

  it('finishes a job while its webhook receiver hangs without answering', async () => {
    const hanging = await startReceiver();
    hanging.script.push(0, 0, 0, 0, 0, 0);
    try {
      const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'Slow receiver.', format: 'wav', webhook_url: hanging.url } });
      const job = await waitForJob(rig, PRO, created.json.id as string);
      assert.equal(job.status, 'completed');
      assert.ok(rig.server.webhookStats().inFlight > 0, 'the job completed while its first delivery was still waiting for an answer');
      assert.equal(hanging.deliveries.length, 1);
    } finally {
      await hanging.close();
    }
  });

  it('finishes jobs while the webhook receiver is dead, and gives the deliveries up', async () => {
    const dead = await startReceiver();
    await dead.close(); // a port nobody listens on any more
    const before = rig.server.webhookStats().abandoned;
    const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'Nobody listens.', format: 'wav', webhook_url: dead.url } });
    const job = await waitForJob(rig, PRO, created.json.id as string);
    assert.equal(job.status, 'completed');
    await eventually(async () => (rig.server.webhookStats().abandoned >= before + 2 ? true : undefined), 'deliveries abandoned');
  });
});
