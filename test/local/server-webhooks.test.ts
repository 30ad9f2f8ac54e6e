/**
 * Webhooks over loopback: events in order, signed per Standard Webhooks so that the npm
 * `standardwebhooks` package (an independent implementation) verifies them and refuses a
 * tampered body or a stale timestamp; signatures of both secrets during a rotation; the
 * API document's `signature` field kept; the client's own verifier and receiver accepting what
 * the server sends; retries with the same delivery id; a dead receiver never holds a job up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startWebhookReceiver, verifyWebhook, type WebhookPayload as ClientWebhookPayload } from '../../src/api/webhooks.js';
import { signDelivery, type WebhookPayload } from '../../src/local/webhooks.js';
import { systemClock } from '../../src/util/clock.js';
import { legacyWebhookSignature, verifyStandardWebhookSignature } from '../../src/vocabulary/webhook-signature.js';
import { eventually, KEYS, NEXT_WEBHOOK_SECRET, startRig, waitForJob, WEBHOOK_SECRET, type Rig } from '../helpers/api.js';
import { startReceiver, type Delivery, type Receiver } from '../helpers/webhook-receiver.js';

const PRO = KEYS.professional;

/** The headers of a delivery as the standardwebhooks package takes them (strings only). */
function plainHeaders(delivery: Delivery): Record<string, string> {
  return Object.fromEntries(Object.entries(delivery.headers).map(([name, value]) => [name, String(value)]));
}

/** The deliveries of `jobId`, once `count` have arrived. */
async function deliveriesOf(receiver: Receiver, jobId: string, count: number): Promise<Delivery[]> {
  return eventually(async () => {
    const list = receiver.deliveries.filter((d) => (JSON.parse(d.rawBody) as WebhookBody).job_id === jobId);
    return list.length >= count ? list : undefined;
  }, `${count} deliveries`);
}

/** The fields of a delivered event body these tests look at. */
interface WebhookBody {
  readonly job_id?: string;
  readonly event?: string;
}

function verify(delivery: Delivery, rawBody = delivery.rawBody): boolean {
  return verifyStandardWebhookSignature({
    secrets: [WEBHOOK_SECRET],
    id: String(delivery.headers['webhook-id']),
    timestamp: String(delivery.headers['webhook-timestamp']),
    signature: String(delivery.headers['webhook-signature']),
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
    const mine = await deliveriesOf(receiver, job.id as string, 2);
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
      assert.match(String(delivery.headers['webhook-id']), /^dlv_[0-9a-z]{16}$/);
      assert.match(String(delivery.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/, 'one signature: the key has one secret');
      assert.ok(verify(delivery), 'the header signature verifies over the raw body');
      const tampered = delivery.rawBody.replace('"status":"', '"status":"x');
      assert.notEqual(tampered, delivery.rawBody);
      assert.equal(verify(delivery, tampered), false, 'a tampered body does not verify');

      // The API document's field, kept: the earlier HMAC over the payload serialized before it was added.
      const { signature, ...unsigned } = JSON.parse(delivery.rawBody) as Record<string, unknown>;
      const timestamp = Number(delivery.headers['webhook-timestamp']);
      assert.equal(signature, legacyWebhookSignature({ secret: WEBHOOK_SECRET, timestamp, body: JSON.stringify(unsigned) }));
      assert.equal(delivery.headers['x-mercadream-delivery'], delivery.headers['webhook-id'], 'the earlier headers carry the same id');
    }
    assert.notEqual(mine[0]?.headers['webhook-id'], mine[1]?.headers['webhook-id']);
  });

  it("passes the standardwebhooks package's Webhook.verify, which refuses a tampered body", async () => {
    const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'Judged by a third party.', format: 'wav', webhook_url: receiver.url } });
    const mine = await deliveriesOf(receiver, created.json.id as string, 2);
    const judge = new Webhook(WEBHOOK_SECRET);
    for (const delivery of mine) {
      const payload = judge.verify(delivery.rawBody, plainHeaders(delivery)) as Record<string, unknown>;
      assert.equal(payload.job_id, created.json.id);
      const tampered = delivery.rawBody.replace('"progress":', '"progress":1');
      assert.notEqual(tampered, delivery.rawBody);
      assert.throws(() => judge.verify(tampered, plainHeaders(delivery)), /No matching signature/);
      assert.throws(() => new Webhook(NEXT_WEBHOOK_SECRET).verify(delivery.rawBody, plainHeaders(delivery)), /No matching signature/, 'another secret');
    }
  });

  it('signs with both secrets while a key rotates them, so a receiver holding either verifies', async () => {
    const created = await rig.call('POST', '/v2/speech', { key: KEYS.advanced2, body: { text: 'Rotating.', format: 'wav', webhook_url: receiver.url } });
    const mine = await deliveriesOf(receiver, created.json.id as string, 2);
    for (const delivery of mine) {
      assert.equal(String(delivery.headers['webhook-signature']).split(' ').length, 2);
      for (const secret of [NEXT_WEBHOOK_SECRET, WEBHOOK_SECRET]) {
        assert.equal((new Webhook(secret).verify(delivery.rawBody, plainHeaders(delivery)) as Record<string, unknown>).job_id, created.json.id);
        assert.equal(verifyWebhook(delivery.rawBody, delivery.headers, secret).ok, true);
      }
      // The API document's field is signed with the current secret only.
      const { signature, ...unsigned } = JSON.parse(delivery.rawBody) as Record<string, unknown>;
      const timestamp = Number(delivery.headers['webhook-timestamp']);
      assert.equal(signature, legacyWebhookSignature({ secret: NEXT_WEBHOOK_SECRET, timestamp, body: JSON.stringify(unsigned) }));
    }
  });

  it('delivers with a timestamp 6 minutes off, which standardwebhooks and verifyWebhook both refuse as stale', async () => {
    const lagging = await startRig({ clock: { now: () => Date.now() - 6 * 60_000, sleep: (ms, signal) => systemClock.sleep(ms, signal) }, webhooks: { attempts: 1 } });
    try {
      const created = await lagging.call('POST', '/v2/speech', { key: PRO, body: { text: 'Late.', format: 'wav', webhook_url: receiver.url } });
      const [first] = await deliveriesOf(receiver, created.json.id as string, 1);
      assert.ok(first);
      assert.throws(() => new Webhook(WEBHOOK_SECRET).verify(first.rawBody, plainHeaders(first)), /too old/);
      assert.deepEqual(verifyWebhook(first.rawBody, first.headers, WEBHOOK_SECRET), { ok: false, reason: 'stale_timestamp' });
      const inTime = verifyWebhook(first.rawBody, first.headers, WEBHOOK_SECRET, { nowMs: Date.now() - 6 * 60_000 });
      assert.equal(inTime.ok, true, 'signed correctly: only its age is wrong');
    } finally {
      await lagging.close();
    }
  });

  it("signs deliveries that the client's verifier accepts, and refuses tampered or 6-minute-off ones", () => {
    const payload: WebhookPayload = { event: 'job.completed', job_id: 'job_0123456789abcdef', status: 'completed', progress: 100, timestamp: '2026-11-30T12:00:00.000Z' };
    const nowMs = Date.UTC(2026, 10, 30, 12, 0, 0);
    const sent = signDelivery([WEBHOOK_SECRET], payload, 'dlv_0123456789abcdef', nowMs);
    const verdict = verifyWebhook(sent.body, sent.headers, WEBHOOK_SECRET, { nowMs });
    assert.equal(verdict.ok, true);
    if (verdict.ok) {
      assert.equal(verdict.payload.job_id, payload.job_id);
      assert.equal(verdict.deliveryId, 'dlv_0123456789abcdef');
      assert.equal(verdict.scheme, 'standard');
    }
    assert.equal(verifyWebhook(Buffer.from(sent.body), sent.headers, WEBHOOK_SECRET, { nowMs }).ok, true, 'raw bytes verify as the string does');

    const tampered = sent.body.replace('"status":"completed"', '"status":"failed"');
    assert.notEqual(tampered, sent.body);
    assert.deepEqual(verifyWebhook(tampered, sent.headers, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhook(sent.body, sent.headers, NEXT_WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'bad_signature' });

    const sixMinutes = 6 * 60_000;
    const early = signDelivery([WEBHOOK_SECRET], payload, 'dlv_0123456789abcdef', nowMs - sixMinutes);
    assert.deepEqual(verifyWebhook(early.body, early.headers, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'stale_timestamp' });
    const late = signDelivery([WEBHOOK_SECRET], payload, 'dlv_0123456789abcdef', nowMs + sixMinutes);
    assert.deepEqual(verifyWebhook(late.body, late.headers, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'stale_timestamp' });
  });

  it('is still verified by receivers of the earlier scheme: the X-MercaDream headers, or the payload field alone', () => {
    const payload: WebhookPayload = { event: 'job.updated', job_id: 'job_0123456789abcdef', status: 'processing', progress: 40, timestamp: '2026-11-30T12:00:00.000Z' };
    const nowMs = Date.UTC(2026, 10, 30, 12, 0, 0);
    const sent = signDelivery([WEBHOOK_SECRET], payload, 'dlv_0123456789abcdef', nowMs);
    const legacyHeaders = Object.fromEntries(Object.entries(sent.headers).filter(([name]) => !name.startsWith('webhook-')));
    const viaHeader = verifyWebhook(sent.body, legacyHeaders, WEBHOOK_SECRET, { nowMs });
    assert.equal(viaHeader.ok && viaHeader.scheme, 'legacy-header');
    assert.equal(viaHeader.ok && viaHeader.deliveryId, 'dlv_0123456789abcdef');
    const fieldOnly = { 'webhook-timestamp': sent.headers['webhook-timestamp'] };
    const viaField = verifyWebhook(sent.body, fieldOnly, WEBHOOK_SECRET, { nowMs });
    assert.equal(viaField.ok && viaField.scheme, 'legacy-field');
    const tampered = sent.body.replace('"progress":40', '"progress":41');
    assert.deepEqual(verifyWebhook(tampered, legacyHeaders, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhook(tampered, fieldOnly, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhook(sent.body, {}, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'missing_timestamp' });
    const { 'webhook-id': _id, ...noId } = sent.headers;
    assert.deepEqual(verifyWebhook(sent.body, noId, WEBHOOK_SECRET, { nowMs }), { ok: false, reason: 'missing_id' });
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
    const ids = new Set(updates.map((d) => d.headers['webhook-id']));
    assert.equal(ids.size, 1);
    assert.ok(updates.every((d) => verify(d)));
  });

  it('finishes a job while its webhook receiver hangs without answering', async () => {
    // Its own server, whose deliveries wait far longer than any render, however busy the machine.
    const patient = await startRig({ webhooks: { attempts: 1, baseDelayMs: 20, timeoutMs: 120_000 } });
    const hanging = await startReceiver();
    hanging.script.push(0, 0, 0, 0, 0, 0);
    try {
      const created = await patient.call('POST', '/v2/speech', { key: PRO, body: { text: 'Slow receiver.', format: 'wav', webhook_url: hanging.url } });
      const job = await waitForJob(patient, PRO, created.json.id as string);
      assert.equal(job.status, 'completed');
      assert.ok(patient.server.webhookStats().inFlight > 0, 'the job completed while its first delivery was still waiting for an answer');
      assert.equal(hanging.deliveries.length, 1);
    } finally {
      await hanging.close();
      await patient.close();
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
