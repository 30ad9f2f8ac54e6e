/**
 * Webhooks over loopback: events in order, signatures a receiver can verify (and a tampered
 * body that fails), the client's own verifier and receiver accepting what the server sends,
 * retries with the same delivery id, and a dead receiver that never holds a job up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWebhookReceiver, verifyWebhook, type WebhookPayload as ClientWebhookPayload } from '../../src/api/webhooks.js';
import { signDelivery, type WebhookPayload } from '../../src/local/webhooks.js';
import { signWebhook, verifyWebhookSignature } from '../../src/vocabulary/webhook-signature.js';
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
    body: rawBody,
    nowMs: Date.now(),
  }).ok;
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
    assert.deepEqual(
      events.map((e) => e.event),
      ['job.updated', 'job.completed'],
    );
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
      assert.equal(signature, signWebhook({ secret: WEBHOOK_SECRET, timestamp, body: JSON.stringify(unsigned) }));
    }
    assert.notEqual(mine[0]?.headers['x-mercadream-delivery'], mine[1]?.headers['x-mercadream-delivery']);
  });

  it('rejects a stale timestamp and a signature made with another secret', () => {
    const body = '{"event":"job.completed"}';
    const now = 1_800_000_000;
    const check = (timestamp: number, signature: string) => verifyWebhookSignature({ secret: WEBHOOK_SECRET, timestamp: String(timestamp), body, signature, nowMs: now * 1000 });
    assert.deepEqual(check(now - 301, signWebhook({ secret: WEBHOOK_SECRET, timestamp: now - 301, body })), { ok: false, reason: 'stale_timestamp' });
    assert.deepEqual(check(now, signWebhook({ secret: WEBHOOK_SECRET, timestamp: now, body })), { ok: true, timestamp: now });
    assert.deepEqual(check(now, signWebhook({ secret: 'whsec_someone_else', timestamp: now, body })), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhookSignature({ secret: WEBHOOK_SECRET, timestamp: 'soon', body, signature: 'sha256=00', nowMs: now * 1000 }), {
      ok: false,
      reason: 'malformed_timestamp',
    });
  });

  it("signs deliveries that the client's verifier accepts, and refuses tampered or 6-minute-off ones", () => {
    const payload: WebhookPayload = { event: 'job.completed', job_id: 'job_0123456789abcdef', status: 'completed', progress: 100, timestamp: '2026-11-30T12:00:00.000Z' };
    const nowMs = Date.UTC(2026, 10, 30, 12, 0, 0);
    const sent = signDelivery(WEBHOOK_SECRET, payload, 'dlv_0123456789abcdef', nowMs);
    const verdict = verifyWebhook(sent.body, sent.headers, WEBHOOK_SECRET, { nowMs });
    assert.equal(verdict.ok, true);
    if (verdict.ok) {
      assert.equal(verdict.payload.job_id, payload.job_id);
      assert.equal(verdict.deliveryId, 'dlv_0123456789abcdef');
    }
    assert.equal(verifyWebhook(Buffer.from(sent.body), sent.headers, WEBHOOK_SECRET, { nowMs }).ok, true, 'raw bytes verify as the string does');

    const tampered = sent.body.replace('"status":"completed"', '"status":"failed"');
    assert.notEqual(tampered, sent.body);
    assert.deepEqual(verifyWebhook(tampered, sent.headers, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhook(sent.body, sent.headers, 'whsec_someone_else', { nowMs }), { ok: false, reason: 'bad_signature' });

    const sixMinutes = 6 * 60_000;
    const early = signDelivery(WEBHOOK_SECRET, payload, 'dlv_0123456789abcdef', nowMs - sixMinutes);
    assert.deepEqual(verifyWebhook(early.body, early.headers, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'stale_timestamp' });
    const late = signDelivery(WEBHOOK_SECRET, payload, 'dlv_0123456789abcdef', nowMs + sixMinutes);
    assert.deepEqual(verifyWebhook(late.body, late.headers, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'stale_timestamp' });
  });

  it("delivers to the client's webhook receiver, which accepts every event once", async () => {
    const got: ClientWebhookPayload[] = [];
    const clientReceiver = await startWebhookReceiver({ secret: WEBHOOK_SECRET, onDelivery: (payload) => got.push(payload) });
    try {
      const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'Client receiver.', format: 'wav', webhook_url: clientReceiver.url } });
      assert.equal(created.status, 201);
      await waitForJob(rig, PRO, created.json.id as string);
      await eventually(async () => (got.length >= 2 ? true : undefined), 'two accepted deliveries');
      assert.deepEqual(
        got.map((payload) => payload.event),
        ['job.updated', 'job.completed'],
      );
      assert.ok(got.every((payload) => payload.job_id === created.json.id));
      assert.deepEqual(clientReceiver.stats(), { accepted: 2, duplicates: 0, refused: {} });
    } finally {
      await clientReceiver.close();
    }
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
