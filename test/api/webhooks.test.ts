// Webhook verification and the receiver, over real loopback HTTP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import { standardWebhookSignature, startWebhookReceiver, verifyWebhook, webhookSecretKey, type WebhookPayload } from '../../src/api/index.js';
import { receiverPlace, WebhookSetupError } from '../../src/cli/webhook-deliveries.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const other = 'whsec_b3RoZXItc2VjcmV0LW9mLTI0LWJ5dGVz';
const now = Date.UTC(2026, 10, 30, 12, 0, 0);
const ts = Math.floor(now / 1000);
const body = JSON.stringify({ event: 'job.completed', job_id: 'job_0123456789abcdef', status: 'completed', timestamp: '2026-11-30T12:00:00Z' });
const headers = (b: string, t = ts, s = secret, id = 'dlv_1') => ({
  'webhook-signature': standardWebhookSignature({ secrets: [s], id, timestamp: t, body: b }),
  'webhook-timestamp': String(t),
  'webhook-id': id,
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
    assert.deepEqual(verifyWebhook(body, headers(body, ts, other), secret, { nowMs: now }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyWebhook(body, { ...headers(body), 'webhook-id': 'dlv_2' }, secret, { nowMs: now }), { ok: false, reason: 'bad_signature' }, 'the id is signed');
    assert.deepEqual(verifyWebhook(body, { 'webhook-timestamp': String(ts), 'webhook-id': 'dlv_1' }, secret, { nowMs: now }), { ok: false, reason: 'missing_signature' });
    assert.deepEqual(verifyWebhook(body, headers(body, ts - 301), secret, { nowMs: now }), { ok: false, reason: 'stale_timestamp' });
    assert.deepEqual(verifyWebhook(body, headers(body, ts + 301), secret, { nowMs: now }), { ok: false, reason: 'stale_timestamp' });
    assert.equal(verifyWebhook(body, headers(body, ts - 299), secret, { nowMs: now }).ok, true);
  });
});

describe('the Standard Webhooks form', () => {
  test('signs as the standardwebhooks package does, one v1 signature per secret', () => {
    const judge = new Webhook(secret);
    const when = new Date(ts * 1000);
    assert.equal(standardWebhookSignature({ secrets: [secret], id: 'msg_1', timestamp: ts, body }), judge.sign('msg_1', when, body));
    assert.equal(
      standardWebhookSignature({ secrets: [other, secret], id: 'msg_1', timestamp: ts, body }),
      `${new Webhook(other).sign('msg_1', when, body)} ${judge.sign('msg_1', when, body)}`,
    );
  });

  test('accepts any one matching signature, and a receiver may hold both secrets of a rotation', () => {
    const both = { ...headers(body), 'webhook-signature': standardWebhookSignature({ secrets: [other, secret], id: 'dlv_1', timestamp: ts, body }) };
    assert.equal(verifyWebhook(body, both, secret, { nowMs: now }).ok, true);
    assert.equal(verifyWebhook(body, both, other, { nowMs: now }).ok, true);
    assert.equal(verifyWebhook(body, headers(body, ts, other), [secret, other], { nowMs: now }).ok, true);
    const unknownVersion = { ...headers(body), 'webhook-signature': headers(body)['webhook-signature'].replace('v1,', 'v9,') };
    assert.deepEqual(verifyWebhook(body, unknownVersion, secret, { nowMs: now }), { ok: false, reason: 'bad_signature' }, 'only v1 signatures count');
  });

  test('reads a whsec_ secret as base64 key bytes, and any other secret as its UTF-8 bytes', () => {
    assert.equal(webhookSecretKey(secret).length, 24);
    assert.deepEqual(
      webhookSecretKey('whsec_0123456789abcdef0123456789abcdef'),
      Buffer.from('0123456789abcdef0123456789abcdef', 'base64'),
      'hex secrets of earlier versions are base64 too',
    );
    assert.deepEqual(webhookSecretKey('whsec_not base64!'), Buffer.from('whsec_not base64!', 'utf8'));
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

  test('--webhook-url with a query string: deliveries to the URL as given are taken at its path; other paths are not', async () => {
    const got: WebhookPayload[] = [];
    const place = receiverPlace('http://127.0.0.1:1/hooks/mercadream?studio=kyoto&token=a%2Fb');
    assert.deepEqual(place, { host: '127.0.0.1', port: 1, path: '/hooks/mercadream' });
    const receiver = await startWebhookReceiver({ secret, host: place.host, path: place.path, onDelivery: (p) => got.push(p) });
    try {
      const fresh = Math.floor(Date.now() / 1000);
      const send = async (target: string, id: string) => {
        const r = await request(new URL(target, receiver.url), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers(body, fresh, secret, id) } });
        await r.body.dump();
        return r.statusCode;
      };
      assert.equal(await send('/hooks/mercadream?studio=kyoto&token=a%2Fb', 'dlv_q1'), 204);
      assert.equal(await send('/hooks/mercadream', 'dlv_q2'), 204);
      assert.equal(await send('/hooks/other?studio=kyoto', 'dlv_q3'), 404);
      assert.equal(got.length, 2);
    } finally {
      await receiver.close();
    }
  });

  test('where the receiver of --webhook-url listens: the URL’s port (80, 443 for https) and path, or --webhook-listen behind a TLS proxy', () => {
    assert.deepEqual(receiverPlace('https://hooks.studio.example/mercadream'), { host: '0.0.0.0', port: 443, path: '/mercadream' });
    assert.deepEqual(receiverPlace('http://hooks.studio.example/mercadream'), { host: '0.0.0.0', port: 80, path: '/mercadream' });
    assert.deepEqual(receiverPlace('https://hooks.studio.example/mercadream?k=v', '8080'), { host: '0.0.0.0', port: 8080, path: '/mercadream' });
    assert.deepEqual(receiverPlace('https://hooks.studio.example/m', '127.0.0.1:8080'), { host: '127.0.0.1', port: 8080, path: '/m' });
    assert.deepEqual(receiverPlace('https://hooks.studio.example/m', '[::1]:8080'), { host: '::1', port: 8080, path: '/m' });
    assert.deepEqual(receiverPlace('http://localhost:9000/'), { host: 'localhost', port: 9000, path: '/' });
    assert.throws(() => receiverPlace('https://hooks.studio.example/m', '99999'), WebhookSetupError);
    assert.throws(() => receiverPlace('https://hooks.studio.example/m', 'proxy:'), /--webhook-listen proxy: is not PORT or HOST:PORT/);
    assert.throws(() => receiverPlace('ftp://hooks.studio.example/m'), /must be http:\/\/ or https:\/\//);
  });
});
