/**
 * Every refusal of the API over loopback: 400 (parameters, body), 401, 403, 404, each with the
 * documented error JSON. Renders are held at a gate so nothing but the API is exercised.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { STYLES, VOICES } from '../../src/vocabulary/catalog.js';
import { errorOf, KEYS, startRig, type Rig } from '../helpers/api.js';
import { createTestEngines, RenderGate } from '../helpers/test-engines.js';

const PRO = KEYS.professional;

describe('request validation and errors', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ engines: createTestEngines({ beforeRender: new RenderGate().wait }) });
  });
  after(() => rig.close());

  const post = (path: string, body: unknown, key: string = PRO) => rig.call('POST', path, { key, body });

  it('applies the documented defaults to POST /v2/generate and answers 201 with a queued job', async () => {
    const response = await post('/v2/generate', { prompt: 'Neon rain' });
    assert.equal(response.status, 201);
    assert.equal(response.json.status, 'queued');
    assert.equal(response.json.type, 'video');
    assert.deepEqual(response.json.params, { prompt: 'Neon rain', resolution: '4k', duration: 30, style: 'cinematic', fps: 24 });
    assert.equal(response.json.compute_units, 12, 'the API document example: 4k, 30 s → 12 units');
    assert.equal(response.json.download_url, null);
    assert.ok(Date.parse(response.json.estimated_completion as string) > Date.parse(response.json.created_at as string));
    assert.match(String(response.headers['x-request-id']), /^req_[0-9a-z]{16}$/);
  });

  it('applies the music defaults and reports the type', async () => {
    const response = await post('/v2/music', { prompt: 'Dark synthwave' });
    assert.equal(response.status, 201);
    assert.equal(response.json.type, 'music');
    assert.deepEqual(response.json.params, { prompt: 'Dark synthwave', duration: 60, format: 'mp3' });
  });

  const badBodies: Array<[string, string, unknown, string, string]> = [
    ['generate', 'missing prompt', {}, 'missing_parameter', 'prompt'],
    ['generate', 'prompt not a string', { prompt: 5 }, 'invalid_parameter', 'prompt'],
    ['generate', 'prompt over 1000 chars', { prompt: 'x'.repeat(1001) }, 'invalid_parameter', 'prompt'],
    ['generate', 'unknown resolution', { prompt: 'a', resolution: '2k' }, 'invalid_parameter', 'resolution'],
    ['generate', 'duration not in the list', { prompt: 'a', duration: 20 }, 'invalid_parameter', 'duration'],
    ['generate', 'duration as a string', { prompt: 'a', duration: '30' }, 'invalid_parameter', 'duration'],
    ['generate', 'fps not in the list', { prompt: 'a', fps: 25 }, 'invalid_parameter', 'fps'],
    ['generate', 'webhook_url not a URL', { prompt: 'a', webhook_url: 'not a url' }, 'invalid_parameter', 'webhook_url'],
    ['generate', 'webhook_url not http', { prompt: 'a', webhook_url: 'ftp://example.com/x' }, 'invalid_parameter', 'webhook_url'],
    ['generate', 'unknown field', { prompt: 'a', colour: 'red' }, 'unknown_parameter', 'colour'],
    ['speech', 'missing text', { voice_id: 'neural-narrator-f' }, 'missing_parameter', 'text'],
    ['speech', 'text over 5000 chars', { text: 'x'.repeat(5001) }, 'invalid_parameter', 'text'],
    ['speech', 'speed below 0.5', { text: 'a', speed: 0.4 }, 'invalid_parameter', 'speed'],
    ['speech', 'speed above 2.0', { text: 'a', speed: 2.01 }, 'invalid_parameter', 'speed'],
    ['speech', 'unknown format', { text: 'a', format: 'ogg' }, 'invalid_parameter', 'format'],
    ['music', 'duration below 15', { prompt: 'a', duration: 14 }, 'invalid_parameter', 'duration'],
    ['music', 'duration above 300', { prompt: 'a', duration: 301 }, 'invalid_parameter', 'duration'],
    ['music', 'duration not an integer', { prompt: 'a', duration: 20.5 }, 'invalid_parameter', 'duration'],
    ['music', 'bpm above 200', { prompt: 'a', bpm: 201 }, 'invalid_parameter', 'bpm'],
    ['music', 'bpm below 60', { prompt: 'a', bpm: 59 }, 'invalid_parameter', 'bpm'],
  ];
  for (const [endpoint, what, body, type, param] of badBodies) {
    it(`400 ${type} for ${endpoint}: ${what}`, async () => {
      const response = await post(`/v2/${endpoint}`, body);
      assert.equal(response.status, 400);
      const error = errorOf(response);
      assert.equal(error.type, type);
      assert.equal(error.param, param);
    });
  }

  it('400 for an unknown style or voice names the parameter and lists the allowed values', async () => {
    const style = errorOf(await post('/v2/generate', { prompt: 'a', style: 'pastel' }));
    assert.equal(style.param, 'style');
    for (const name of STYLES) assert.ok(style.message.includes(`"${name}"`), `message lists ${name}`);
    const voice = errorOf(await post('/v2/speech', { text: 'a', voice_id: 'robot' }));
    assert.equal(voice.param, 'voice_id');
    for (const name of VOICES) assert.ok(voice.message.includes(`"${name}"`), `message lists ${name}`);
  });

  it('400 for malformed JSON, a non-object body, a wrong content type and a body over 64 KiB', async () => {
    const malformed = await rig.call('POST', '/v2/generate', { key: PRO, raw: '{"prompt": ', headers: { 'content-type': 'application/json' } });
    assert.equal(errorOf(malformed).type, 'invalid_json');
    const array = await rig.call('POST', '/v2/generate', { key: PRO, raw: '["prompt"]', headers: { 'content-type': 'application/json' } });
    assert.equal(errorOf(array).type, 'invalid_body');
    const form = await rig.call('POST', '/v2/generate', { key: PRO, raw: 'prompt=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(errorOf(form).type, 'invalid_content_type');
    const huge = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'x'.repeat(70 * 1024) } });
    assert.equal(huge.status, 400);
    assert.equal(errorOf(huge).type, 'body_too_large');
  });

  it('400 body_too_large for a chunked body (no Content-Length) past 64 KiB', async () => {
    const chunks = Readable.from(Array.from({ length: 80 }, () => Buffer.alloc(1024, 0x61)));
    const response = await request(`${rig.server.url}/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PRO}`, 'content-type': 'application/json' },
      body: chunks,
    });
    const body = (await response.body.json()) as { type: string; code: number };
    assert.equal(response.statusCode, 400);
    assert.equal(body.type, 'body_too_large');
  });

  it('400 for invalid list queries', async () => {
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['before=yesterday', 'before'],
      ['status=done', 'status'],
      ['page=2', 'page'],
    ] as const) {
      const response = await rig.call('GET', `/v2/jobs?${query}`, { key: PRO });
      assert.equal(response.status, 400, query);
      assert.equal(errorOf(response).param, param, query);
    }
  });

  it('401 without a key and with an unknown key, never echoing the key', async () => {
    const missing = await rig.call('GET', '/v2/jobs');
    assert.equal(missing.status, 401);
    assert.equal(errorOf(missing).type, 'missing_api_key');
    const forged = 'mk_live_doesnotexist12345';
    const unknown = await rig.call('GET', '/v2/jobs', { key: forged });
    assert.equal(unknown.status, 401);
    assert.equal(errorOf(unknown).type, 'invalid_api_key');
    assert.ok(!unknown.text.includes(forged));
    const scheme = await rig.call('GET', '/v2/jobs', { headers: { authorization: `Basic ${PRO}` } });
    assert.equal(scheme.status, 401);
  });

  it('403 for a free-plan key on every endpoint', async () => {
    for (const [method, path] of [
      ['GET', '/v2/jobs'],
      ['POST', '/v2/generate'],
      ['GET', '/v2/vault'],
      ['GET', '/v2/jobs/job_0000000000000000'],
    ] as const) {
      const response = await rig.call(method, path, { key: KEYS.free, ...(method === 'POST' ? { body: { prompt: 'a' } } : {}) });
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.equal(errorOf(response).type, 'plan_forbidden');
    }
  });

  it('403 for a resolution above the plan maximum', async () => {
    const regular = await post('/v2/generate', { prompt: 'a', resolution: '1080p' }, KEYS.regular);
    assert.equal(regular.status, 403);
    assert.equal(errorOf(regular).type, 'resolution_not_allowed');
    assert.equal(errorOf(regular).param, 'resolution');
    const advanced = await post('/v2/generate', { prompt: 'a', resolution: '8k' }, KEYS.advanced);
    assert.equal(errorOf(advanced).type, 'resolution_not_allowed');
    const defaultOnRegular = await post('/v2/generate', { prompt: 'a' }, KEYS.regular);
    assert.equal(defaultOnRegular.status, 403, 'the 4k default is above the regular plan too');
  });

  it('404 for an unknown job, a malformed job id and unknown routes', async () => {
    const unknownJob = await rig.call('GET', '/v2/jobs/job_0000000000000000', { key: PRO });
    assert.equal(unknownJob.status, 404);
    assert.equal(errorOf(unknownJob).type, 'not_found');
    assert.equal((await rig.call('GET', '/v2/jobs/..%2F..%2Fetc', { key: PRO })).status, 404);
    const route = await rig.call('GET', '/v2/nothing', { key: PRO });
    assert.equal(route.status, 404);
    assert.equal(errorOf(route).type, 'not_found');
    assert.equal(errorOf(await rig.call('GET', '/', {})).code, 404);
  });

  it('405 with an Allow header for a method a path does not take, after the key checks on keyed paths', async () => {
    const cases: Array<[method: string, path: string, key: string | undefined, allow: string]> = [
      ['PUT', '/v2/generate', PRO, 'POST'],
      ['GET', '/v2/music', PRO, 'POST'],
      ['POST', '/v2/jobs', PRO, 'GET'],
      ['DELETE', '/v2/jobs/job_0000000000000000', PRO, 'GET'],
      ['PATCH', '/v2/vault/ast_0000000000000000', PRO, 'GET, DELETE'],
      ['POST', '/v2/files/ast_0000000000000000', undefined, 'GET, HEAD'],
      ['DELETE', '/v2/openapi.json', undefined, 'GET, HEAD'],
    ];
    for (const [method, path, key, allow] of cases) {
      const response = await rig.call(method, path, key === undefined ? {} : { key });
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(errorOf(response).type, 'method_not_allowed');
      assert.equal(response.headers.allow, allow, `${method} ${path}`);
    }
    assert.equal((await rig.call('PUT', '/v2/generate', {})).status, 401);
    assert.equal((await rig.call('PUT', '/v2/generate', { key: KEYS.free })).status, 403);
  });

  it('answers every response with X-Request-Id and authenticated ones with X-RateLimit-*', async () => {
    const ok = await rig.call('GET', '/v2/jobs', { key: PRO });
    assert.equal(ok.headers['x-ratelimit-limit'], '1000');
    assert.match(String(ok.headers['x-ratelimit-remaining']), /^\d+$/);
    assert.match(String(ok.headers['x-ratelimit-reset']), /^\d{10}$/);
    const bad = await rig.call('GET', '/v2/jobs?limit=0', { key: PRO });
    assert.equal(bad.headers['x-ratelimit-limit'], '1000');
    const anonymous = await rig.call('GET', '/v2/jobs');
    assert.ok(typeof anonymous.headers['x-request-id'] === 'string');
  });

  it('binds to loopback by default', async () => {
    assert.match(rig.server.url, /^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    const response = await request(`${rig.server.url}/jobs`, { headers: { authorization: `Bearer ${PRO}` } });
    await response.body.dump();
    assert.equal(response.statusCode, 200);
  });
});
