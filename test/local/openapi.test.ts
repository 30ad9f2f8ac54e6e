// The OpenAPI document: the committed files are what the source builds, MercaDream Local serves
// it, its request schemas accept exactly what the server's validation accepts, its webhook
// payloads are what Local sends, and the answer check that every rig runs can fail.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import fc from 'fast-check';
import { OPENAPI_DOCUMENT } from '../../src/local/openapi/document.js';
import type { SentResponse } from '../../src/local/response.js';
import { validateGenerate, validateMusic, validateSpeech } from '../../src/local/validate.js';
import { eventually, KEYS, startRig } from '../helpers/api.js';
import { OpenApiChecker } from '../helpers/openapi-check.js';
import { ROOT } from '../helpers/project.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const PRO = KEYS.professional;
const checker = new OpenApiChecker(OPENAPI_DOCUMENT);

describe('the OpenAPI document', () => {
  it('is committed as schemas/openapi.json exactly as the source builds it (npm run openapi)', () => {
    assert.equal(readFileSync(join(ROOT, 'schemas', 'openapi.json'), 'utf8'), `${JSON.stringify(OPENAPI_DOCUMENT, null, 2)}\n`);
  });

  it('has its client types in test/openapi/openapi-types.ts as openapi-typescript makes them (npm run openapi:types)', async () => {
    const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    const args = ['schemas/openapi.json', '--redocly', 'test/openapi/redocly.yaml', '--default-non-nullable', 'false', '--output', 'test/openapi/openapi-types.ts', '--check'];
    const result = await execa(process.execPath, [cli, ...args], { cwd: ROOT, reject: false, env: { REDOCLY_TELEMETRY: 'off' } });
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  });

  it('is served by MercaDream Local at GET /v2/openapi.json without a key, and HEAD gives its headers', async () => {
    const rig = await startRig();
    try {
      const got = await rig.call('GET', '/v2/openapi.json');
      assert.equal(got.status, 200);
      assert.match(String(got.headers['content-type']), /^application\/json/);
      assert.deepEqual(got.json, JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
      const head = await rig.call('HEAD', '/v2/openapi.json');
      assert.equal(head.status, 200);
      assert.equal(head.text, '');
      assert.equal(head.headers['content-length'], got.headers['content-length']);
    } finally {
      await rig.close();
    }
  });

  it('accepts exactly the request bodies the server accepts', () => {
    const values = fc.oneof(
      fc.constantFrom('4k', '720p', '8k', '16k', 'cinematic', 'noir', 'pastel', 'neural-narrator-f', 'robot', 'mp3', 'flac', 'ogg', '', '   ', 'x', '30', null, true),
      fc.constantFrom(15, 30, 45, 60, 120, 24, 25, 0.4, 0.5, 1, 1.25, 2, 2.01, 59, 60, 200, 201, 300, 301, -1, 0, 30.5),
      fc.constantFrom('http://127.0.0.1:9/hook', 'HTTPS://example.test/h', 'ftp://example.test/x', 'not a url', `https://example.test/${'a'.repeat(2100)}`),
      fc.string({ maxLength: 8 }),
      fc.constant('p'.repeat(1001)),
      fc.constant('t'.repeat(5001)),
    );
    const names = ['prompt', 'text', 'resolution', 'duration', 'style', 'fps', 'voice_id', 'format', 'speed', 'bpm', 'webhook_url', 'colour'];
    const body = fc.dictionary(fc.constantFrom(...names), values, { maxKeys: 5 });
    const cases: Array<[string, (b: Readonly<Record<string, unknown>>) => unknown]> = [
      ['GenerateRequest', validateGenerate],
      ['SpeechRequest', validateSpeech],
      ['MusicRequest', validateMusic],
    ];
    for (const [schema, validate] of cases) {
      fc.assert(
        fc.property(body, (value) => {
          const documentSays = checker.problemsAt(`/components/schemas/${schema}`, value).length === 0;
          let serverSays = true;
          try {
            validate(value);
          } catch {
            serverSays = false;
          }
          assert.equal(documentSays, serverSays, `${schema} ${JSON.stringify(value).slice(0, 200)}`);
        }),
        { numRuns: 400, seed: 7 },
      );
    }
  });

  it("describes the webhook deliveries MercaDream Local sends, body and headers, under 'webhooks'", async () => {
    const receiver = await startReceiver();
    const rig = await startRig({ faults: { failJobs: 1 }, webhooks: { attempts: 1, baseDelayMs: 20, timeoutMs: 1000 } });
    try {
      for (const text of ['This one fails.', 'This one completes.']) {
        assert.equal((await rig.call('POST', '/v2/speech', { key: PRO, body: { text, format: 'wav', webhook_url: receiver.url } })).status, 201);
      }
      await eventually(async () => (receiver.deliveries.length >= 4 ? true : undefined), 'four webhook deliveries');
      const webhooks = OPENAPI_DOCUMENT.webhooks as Record<string, { post: { parameters: Array<{ name: string; required: boolean }> } }>;
      const events = receiver.deliveries.map((delivery) => (JSON.parse(delivery.rawBody) as { event: string }).event).sort();
      assert.deepEqual(events, ['job.completed', 'job.failed', 'job.updated', 'job.updated']);
      for (const delivery of receiver.deliveries) {
        const payload = JSON.parse(delivery.rawBody) as { event: string };
        const described = webhooks[payload.event];
        assert.ok(described, `${payload.event} is described`);
        assert.deepEqual(checker.problemsAt(`/webhooks/${payload.event}/post/requestBody/content/application~1json/schema`, payload), [], delivery.rawBody);
        described.post.parameters.forEach((parameter, index) => {
          const value = delivery.headers[parameter.name.toLowerCase()];
          assert.ok(value !== undefined || !parameter.required, `header ${parameter.name} of ${payload.event}`);
          assert.deepEqual(checker.problemsAt(`/webhooks/${payload.event}/post/parameters/${index}/schema`, value), [], `header ${parameter.name}`);
        });
      }
    } finally {
      await rig.close();
      await receiver.close();
    }
  });
});

describe('the answer check every test rig runs', () => {
  it('passes a real answer and names each way a changed one departs from the document', async () => {
    const rig = await startRig();
    let real: SentResponse | undefined;
    try {
      const created = await rig.call('POST', '/v2/generate', { key: PRO, body: { prompt: 'Checked.', resolution: '720p', duration: 15 } });
      real = { method: 'POST', path: '/v2/generate', status: created.status, headers: created.headers, body: created.text };
    } finally {
      await rig.close();
    }
    assert.deepEqual(checker.check(real), []);
    const job = JSON.parse(real.body ?? '{}') as Record<string, unknown>;
    const changed: Array<[string, SentResponse, RegExp]> = [
      ['an undocumented field', { ...real, body: JSON.stringify({ ...job, colour: 'red' }) }, /must NOT have additional properties/],
      ['a field of the wrong type', { ...real, body: JSON.stringify({ ...job, progress: '0' }) }, /progress must be integer/],
      ['a missing field', { ...real, body: JSON.stringify({ ...job, status: undefined }) }, /must have required property 'status'/],
      ['an undescribed status', { ...real, status: 202 }, /does not describe status 202/],
      ['another content type', { ...real, headers: { ...real.headers, 'content-type': 'text/plain' } }, /Content-Type text\/plain is not one of application\/json/],
      ['a missing required header', { ...real, headers: { ...real.headers, 'x-ratelimit-limit': undefined } }, /required header X-RateLimit-Limit is missing/],
      ['a header of the wrong shape', { ...real, headers: { ...real.headers, 'x-request-id': 'nope' } }, /header X-Request-Id must match pattern/],
      ['an unknown path answered 200', { ...real, path: '/v2/nothing', status: 200 }, /not a path of the document, but the answer is 200, not 404/],
      ['a wrong method answered 200', { ...real, method: 'PUT', status: 200 }, /has no PUT, but the answer is 200, not 405/],
    ];
    for (const [what, sent, expected] of changed) {
      const problems = checker.check(sent);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `${what}: ${problems.join('; ') || 'no problem found'}`,
      );
    }
  });
});
