// Webhook verification and the receiver, over real loopback HTTP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { signWebhook, startWebhookReceiver, verifyWebhook, type WebhookPayload } from '../../src/api/index.js';

const secret = 'whsec_test_0123456789';
const now = Date.UTC(2026, 10, 30, 12, 0, 0);
const ts = Math.floor(now / 1000);
const body = JSON.stringify({ event: 'job.completed', job_id: 'job_0123456789abcdef', status: 'completed', timestamp: '2026-11-30T12:00:00Z' });
const headers = (b: string, t = ts, s = secret) => ({
  'x-mercadream-signature': signWebhook({ secret: s, timestamp: t, body: b }),
  'x-mercadream-timestamp': String(t),
  'x-mercadream-delivery': 'dlv_1',
});

describe('verifyWebhook', () => {
  test('accepts a correctly signed delivery and parses its times', () => {
    const verdict = verifyWebhook(body, headers(body), secret, { nowMs: now });
    assert.equal(verdict.ok, true);
    if (verdict.ok) {
      assert.equal(verdict.payload.job_id, 'job_0123456789abcdef');
      assert.ok(verdict.payload.timestamp instanceof Date);
      assert.equal(verdict.deliveryId, 'dlv_1');
    }
  });

  test('refuses a tampered body, a wrong secret, a missing header and a stale or future timestamp', () => {
    const tampered = body.replace('completed', 'failed');
    assert.deepEqual(verifyWebhook(tampered, headers(body), secret, { nowMs: now }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhook(body, headers(body, ts, 'other'), secret, { nowMs: now }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhook(body, { 'x-mercadream-timestamp': String(ts) }, secret, { nowMs: now }), { ok: false, reason: 'missing_signature' });
    assert.deepEqual(verifyWebhook(body, headers(body, ts - 301), secret, { nowMs: now }), { ok: false, reason: 'stale_timestamp' });
    assert.deepEqual(verifyWebhook(body, headers(body, ts + 301), secret, { nowMs: now }), { ok: false, reason: 'stale_timestamp' });
    assert.equal(verifyWebhook(body, headers(body, ts - 299), secret, { nowMs: now }).ok, true);
  });
});

describe('startWebhookReceiver', () => {
  test('hands verified deliveries over once, refuses forged ones with 401', async () => {
    const got: WebhookPayload[] = [];
    const receiver = await startWebhookReceiver({ secret, onDelivery: (p) => got.push(p) });
    try {
      const fresh = Math.floor(Date.now() / 1000);
      const send = async (b: string, h: Record<string, string>) => {
        const r = await request(receiver.url, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...h } });
        await r.body.dump();
        return r.statusCode;
      };
      assert.equal(await send(body, headers(body, fresh)), 204);
      assert.equal(await send(body, headers(body, fresh)), 204, 'a redelivery is acknowledged');
      assert.equal(await send(body.replace('completed', 'failed'), headers(body, fresh)), 401);
      assert.equal(got.length, 1);
      assert.deepEqual(receiver.stats(), { accepted: 1, duplicates: 1, refused: { bad_signature: 1 } });
    } finally {
      await receiver.close();
    }
  });
});
