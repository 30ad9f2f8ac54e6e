// MercaClient against MercaDream Local over real loopback HTTP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import {
  AuthError,
  JobFailedError,
  LimitsRegistry,
  ManualClock,
  MercaClient,
  NetworkError,
  NotFoundError,
  PlanError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
  ValidationError,
  type Job,
  type RetryEvent,
} from '../../src/api/index.js';
import { keyLabel } from '../../src/local/keys.js';
import { KEYS, startRig } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/temp.js';

const fast = { minIntervalMs: 100, maxIntervalMs: 500, factor: 1.5 };
const quickRetry = { baseMs: 20, capMs: 200 };
/** No test here may hang CI: each gets a generous bound. */
const bounded = { timeout: 120_000 };
const tmp = () => tempDir('mdp-client-');

describe('MercaClient against a bare HTTP server', () => {
  test('a 429 whose Retry-After is malformed is retried after the normal backoff', bounded, async () => {
    const answers = ['120junk', '-5', ''];
    const server = createServer((_req, res) => {
      const retryAfter = answers.shift();
      if (retryAfter === undefined) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[],"has_more":false}');
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter }).end('{"code":429,"type":"rate_limit_exceeded","message":"slow down"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const clock = new FakeClock();
    const retries: RetryEvent[] = [];
    const client = new MercaClient('mk_test_bare', {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`,
      clock,
      retry: { retries: 5, baseMs: 400, capMs: 10_000, random: () => 0.5 },
      onRetry: (event) => retries.push(event),
    });
    try {
      let done = false;
      const page = client.jobs.page().finally(() => (done = true));
      while (!done) await clock.advance(50);
      assert.deepEqual((await page).data, []);
      assert.deepEqual(
        retries.map((r) => [(r.error as RateLimitError).retryAfter, r.delayMs]),
        [
          [undefined, 200],
          [undefined, 400],
          [undefined, 800],
        ],
      );
    } finally {
      await client.close();
      server.close();
    }
  });
});

describe('MercaClient downloads from a bare HTTP server', () => {
  test('5xx and dropped connections are retried with backoff; a 404 is final', bounded, async () => {
    const payload = Buffer.from('bytes of a clip, served after two failures');
    const plan: Array<'503' | 'drop' | 'ok' | '404'> = ['503', 'drop', 'ok', '404'];
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const next = plan.shift() ?? '404';
      seen.push(next);
      if (next === '503') return void res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Service Unavailable</h1>');
      if (next === 'drop') return void req.socket.destroy();
      if (next === '404') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"type":"not_found","message":"No such file."}');
      res.writeHead(200, { 'content-length': payload.length }).end(payload);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/files/ast_x?signature=s`;
    const clock = new FakeClock();
    const client = new MercaClient('mk_test_bare', { baseUrl: 'http://127.0.0.1:9/v2', clock, retry: { retries: 5, baseMs: 400, capMs: 400, random: () => 0.5 } });
    try {
      let done = false;
      const download = client.download(url, join(tmp(), 'clip.mp4')).finally(() => (done = true));
      while (!done) await clock.advance(50);
      assert.equal((await download).bytes, payload.length);
      assert.deepEqual(clock.sleeps, [200, 200], 'the backoff of the policy, twice');
      assert.deepEqual(seen, ['503', 'drop', 'ok']);

      const missing = await client.download(url, join(tmp(), 'missing.mp4')).catch((e: unknown) => e);
      assert.ok(missing instanceof NotFoundError, String(missing));
      assert.equal(missing.request, 'GET /v2/files/ast_x', 'the signed query stays out of messages');
      assert.deepEqual(seen, ['503', 'drop', 'ok', '404']);

      plan.push('503', '503');
      const tired = new MercaClient('mk_test_bare', { baseUrl: 'http://127.0.0.1:9/v2', retry: { retries: 1, baseMs: 1, capMs: 1 } });
      const unavailable = await tired.download(url, join(tmp(), 'unavailable.mp4')).catch((e: unknown) => e);
      await tired.close();
      assert.ok(unavailable instanceof ServerError, String(unavailable));
      assert.match(unavailable.message, /503: Service Unavailable/);
    } finally {
      await client.close();
      server.close();
    }
  });
});

describe('MercaClient against MercaDream Local', () => {
  test('200 jobs under 10% 429s, 5% 500s and 5% dropped connections all complete, one job each, within the plan rate', bounded, async () => {
    const rig = await startRig({ workers: 4, faults: { seed: 11, rate429: 0.1, rate500: 0.05, dropConnection: 0.05 } });
    const client = new MercaClient(KEYS.professional, { baseUrl: rig.server.url, plan: 'professional', waitTiming: fast, retry: quickRetry });
    try {
      const texts = Array.from({ length: 200 }, (_, i) => `Line number ${i} of the batch.`);
      const done = await Promise.all(
        texts.map(async (text) => {
          const job = await client.speech({ text, format: 'wav' });
          return client.jobs.wait(job);
        }),
      );
      assert.equal(done.length, 200);
      assert.ok(done.every((j) => j.status === 'completed'));
      // The server's own list (read back through the same faults) shows exactly one job per request.
      const listed: Job[] = [];
      for await (const job of client.jobs.list({ limit: 100 })) listed.push(job);
      assert.equal(listed.length, 200);
      assert.deepEqual(new Set(listed.map((j) => j.text)), new Set(texts));
      const label = keyLabel(KEYS.professional);
      assert.ok(rig.server.counters.peakPerMinute(label) <= 1000, `peak ${rig.server.counters.peakPerMinute(label)} requests/min`);
      assert.equal(rig.server.counters.count(label, 'POST /v2/speech') >= 200, true);
      assert.equal(client.stats().gate.active, 0, 'every job slot was given back');
      assert.ok(client.stats().gate.peak <= 20);
    } finally {
      await client.close();
      await rig.close();
    }
  });

  test('on the regular plan the client itself keeps under 60 requests per minute (server clock and client clock shared)', bounded, async () => {
    const clock = new FakeClock(Date.now());
    const rig = await startRig({ clock });
    let retries = 0;
    const client = new MercaClient(KEYS.regular, { baseUrl: rig.server.url, clock, onRetry: () => retries++ });
    try {
      let settled = 0;
      const calls = Array.from({ length: 130 }, () => client.jobs.page({ limit: 1 }).then(() => settled++));
      while (settled < calls.length) {
        await clock.advance(200);
        // Let every request already granted reach the server before fake time moves on.
        while (client.stats().bucket.granted > settled) await sleep(1);
      }
      await Promise.all(calls);
      const label = keyLabel(KEYS.regular);
      assert.equal(rig.server.counters.count(label), 130);
      assert.ok(rig.server.counters.peakPerMinute(label) <= 60, `peak ${rig.server.counters.peakPerMinute(label)}`);
      assert.equal(retries, 0, 'no 429 was ever needed');
    } finally {
      await client.close();
      await rig.close();
    }
  });

  test('clients of one key given the same LimitsRegistry share its bucket and job gate; a client given none shares with nobody', bounded, async () => {
    const rig = await startRig();
    const limits = new LimitsRegistry();
    const options = { baseUrl: rig.server.url, plan: 'regular' as const, waitTiming: fast };
    const a = new MercaClient(KEYS.regular, { ...options, limits });
    const b = new MercaClient(KEYS.regular, { ...options, limits });
    const alone = new MercaClient(KEYS.regular, options);
    try {
      const job = await a.speech({ text: 'Shared limits.', format: 'wav' });
      assert.equal(b.stats().bucket.granted, 1, "a's request took a token from the bucket b uses too");
      assert.equal(b.stats().gate.active, 1, "a's job holds a slot of b's gate");
      assert.equal(alone.stats().bucket.granted, 0);
      assert.equal(alone.stats().gate.active, 0);
      await a.jobs.wait(job);
      assert.equal(b.stats().gate.active, 0, 'the slot came back when the job ended');
    } finally {
      await Promise.all([a.close(), b.close(), alone.close()]);
      await rig.close();
    }
  });

  test('32 requests refused with the same Retry-After come back spread over more than a second, none before it', bounded, async () => {
    // Client and server on one fake clock; a recording proxy in front of Local notes when each
    // request arrives. Every request is refused (429, Retry-After: 1), so each call is tried twice.
    const clock = new FakeClock(Date.now());
    const rig = await startRig({ clock, faults: { rate429: 1 } });
    const arrivals: number[] = [];
    const proxy = createServer((req, res) => {
      arrivals.push(clock.now());
      const upstream = httpRequest({ host: '127.0.0.1', port: rig.server.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const retries: RetryEvent[] = [];
    const client = new MercaClient(KEYS.professional, {
      baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v2`,
      plan: 'professional',
      clock,
      retry: { retries: 1 },
      onRetry: (event) => retries.push(event),
    });
    try {
      let settled = 0;
      const calls = Array.from({ length: 32 }, () =>
        client.jobs
          .page({ limit: 1 })
          .then(
            (ok) => ok,
            (error: unknown) => error,
          )
          .finally(() => settled++),
      );
      while (arrivals.length < 32) await sleep(1);
      const refusedAt = clock.now();
      while (settled < calls.length) {
        await clock.advance(10);
        // Let every request already granted reach the server before fake time moves on.
        while (arrivals.length < client.stats().bucket.granted) await sleep(1);
      }
      const results = await Promise.all(calls);
      assert.ok(
        results.every((r) => r instanceof RateLimitError && r.retryAfter === 1),
        'every call ends refused, as the fault says',
      );
      assert.equal(arrivals.length, 64);
      assert.deepEqual(new Set(arrivals.slice(0, 32)), new Set([refusedAt]), 'the first tries arrive in one instant');
      const retried = arrivals.slice(32);
      const first = Math.min(...retried);
      const last = Math.max(...retried);
      assert.ok(first >= refusedAt + 1000, `a retry came ${first - refusedAt} ms after Retry-After: 1`);
      assert.ok(last - first >= 1000, `the 32 retries arrived within ${last - first} ms`);
      assert.equal(retries.length, 32);
    } finally {
      await client.close();
      await rig.close();
      proxy.close();
    }
  });

  test('an API slower than the request timeout fails with a RequestTimeoutError that says how to raise it; a longer timeout waits it out', bounded, async () => {
    const rig = await startRig({ faults: { latencyMs: 3000 } });
    const options = { baseUrl: rig.server.url, plan: 'advanced' as const, retry: { retries: 1, baseMs: 10, capMs: 10 } };
    const retried: RetryEvent[] = [];
    const impatient = new MercaClient(KEYS.advanced, { ...options, requestTimeoutMs: 500, onRetry: (event) => retried.push(event) });
    const patient = new MercaClient(KEYS.advanced, { ...options, requestTimeoutMs: 20_000 });
    try {
      const error = await impatient.jobs.page({ limit: 1 }).catch((e: unknown) => e);
      assert.ok(error instanceof RequestTimeoutError, String(error));
      assert.ok(error instanceof NetworkError, 'a timeout is a kind of network failure');
      assert.equal(error.timeoutMs, 500);
      assert.match(error.message, /^GET \/v2\/jobs: no response within 0\.5 s \(the request timeout\)/);
      assert.match(error.message, /requestTimeoutMs/);
      assert.match(error.message, /--request-timeout <seconds>/);
      assert.equal(retried.length, 1, 'retried once, as the policy says, then given up');
      const page = await patient.jobs.page({ limit: 1 });
      assert.deepEqual(page.data, []);
      assert.throws(() => new MercaClient(KEYS.advanced, { ...options, requestTimeoutMs: -1 }), RangeError);
      assert.throws(() => new MercaClient(KEYS.advanced, { ...options, requestTimeoutMs: Number.NaN }), RangeError);
    } finally {
      await Promise.all([impatient.close(), patient.close()]);
      await rig.close();
    }
  });

  test('typed errors per status; never retried; the key appears in no message, stack or inspection', bounded, async () => {
    const rig = await startRig();
    const calls: number[] = [];
    const make = (key: string) => new MercaClient(key, { baseUrl: rig.server.url, retry: quickRetry, onRetry: () => calls.push(1) });
    const unknown = make('mk_test_not_a_real_key_123');
    const free = make(KEYS.free);
    const regular = make(KEYS.regular);
    try {
      const auth = await unknown.jobs.get('job_x').catch((e: unknown) => e);
      assert.ok(auth instanceof AuthError);
      assert.equal(auth.status, 401);
      const plan = await free.generate({ prompt: 'x', resolution: '720p' }).catch((e: unknown) => e);
      assert.ok(plan instanceof PlanError);
      const tooBig = await regular.generate({ prompt: 'x', resolution: '4k' }).catch((e: unknown) => e);
      assert.ok(tooBig instanceof PlanError);
      const invalid = await regular.generate({ prompt: 'x', resolution: '720p', style: 'watercolour' }).catch((e: unknown) => e);
      assert.ok(invalid instanceof ValidationError);
      assert.equal(invalid.param, 'style');
      assert.match(invalid.message, /cinematic/);
      const missing = await regular.jobs.get('job_doesnotexist000').catch((e: unknown) => e);
      assert.ok(missing instanceof NotFoundError);
      assert.ok(missing.requestId, 'errors carry the request id');
      assert.deepEqual(calls, []);
      for (const error of [auth, plan, tooBig, invalid, missing]) {
        const text = `${error.message}\n${error.stack ?? ''}\n${inspect(error)}`;
        for (const key of ['mk_test_not_a_real_key_123', KEYS.free, KEYS.regular]) assert.ok(!text.includes(key), 'key leaked');
      }
      assert.ok(!inspect(regular, { depth: 10 }).includes(KEYS.regular));
      assert.ok(!JSON.stringify(regular).includes(KEYS.regular));
    } finally {
      await Promise.all([unknown.close(), free.close(), regular.close()]);
      await rig.close();
    }
  });

  test('a key is needed, and plain http is refused off loopback', bounded, () => {
    assert.throws(() => new MercaClient({ env: {} }), AuthError);
    assert.throws(() => new MercaClient('mk_test_x', { baseUrl: 'http://api.example.com/v2' }), /https/);
    const viaEnv = new MercaClient({ env: { MERCADREAM_API_KEY: 'mk_test_env', MERCADREAM_BASE_URL: 'http://127.0.0.1:9/v2' } });
    assert.equal(viaEnv.baseUrl, 'http://127.0.0.1:9/v2');
    void viaEnv.close();
  });

  test('the same Idempotency-Key gives the same job; a failed job throws JobFailedError with its reason', bounded, async () => {
    const rig = await startRig({ faults: { jobFailure: 1 } });
    const client = new MercaClient(KEYS.advanced, { baseUrl: rig.server.url, plan: 'advanced', waitTiming: fast });
    try {
      const a = await client.music({ prompt: 'calm piano', duration: 15 }, { idempotencyKey: 'film-abc-cue-1' });
      const b = await client.music({ prompt: 'calm piano', duration: 15 }, { idempotencyKey: 'film-abc-cue-1' });
      assert.equal(a.id, b.id);
      const failed = await client.jobs.wait(a.id).catch((e: unknown) => e);
      assert.ok(failed instanceof JobFailedError);
      assert.equal(failed.jobId, a.id);
      assert.match(failed.message, /failed/);
      assert.equal(client.stats().gate.active, 0);
    } finally {
      await client.close();
      await rig.close();
    }
  });

  test('jobs.list pages through every job newest first; jobs.wait settles many waits with shared polls', bounded, async () => {
    const rig = await startRig({ workers: 4 });
    const client = new MercaClient(KEYS.professional, { baseUrl: rig.server.url, plan: 'professional', waitTiming: fast });
    try {
      const jobs = await Promise.all(Array.from({ length: 25 }, (_, i) => client.speech({ text: `Paged ${i}.`, format: 'wav' })));
      await Promise.all(jobs.map((j) => client.jobs.wait(j)));
      const seen: Job[] = [];
      for await (const job of client.jobs.list({ limit: 10 })) seen.push(job);
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen.map((j) => j.id)).size, 25);
      const times = seen.map((j) => (j.created_at as Date).getTime());
      assert.deepEqual(
        times,
        [...times].sort((x, y) => y - x),
        'newest first, times parsed as Dates',
      );
      const label = keyLabel(KEYS.professional);
      const polls = rig.server.counters.count(label, 'GET /v2/jobs/{job_id}') + rig.server.counters.count(label, 'GET /v2/jobs');
      assert.ok(polls < 25 * 3, `${polls} polls for 25 jobs`);
    } finally {
      await client.close();
      await rig.close();
    }
  });

  test('downloads stream to disk with the right size and SHA-256, surviving truncated transfers', bounded, async () => {
    const rig = await startRig({ faults: { seed: 5, truncateDownload: 0.6 } });
    const client = new MercaClient(KEYS.advanced, { baseUrl: rig.server.url, plan: 'advanced', waitTiming: fast, retry: quickRetry });
    try {
      const job = await client.jobs.wait(await client.music({ prompt: 'slow strings', duration: 15, format: 'wav' }));
      const dir = tmp();
      const first = await client.download(job, join(dir, 'a.wav'));
      const second = await client.download(job, join(dir, 'b.wav'));
      assert.equal(first.bytes, job.file_size_bytes);
      assert.equal(first.sha256, second.sha256);
      assert.equal(
        first.sha256,
        createHash('sha256')
          .update(await readFile(join(dir, 'a.wav')))
          .digest('hex'),
      );
    } finally {
      await client.close();
      await rig.close();
    }
  });

  test('an expired download URL is renewed through GET /v2/jobs/{id}; a bare expired URL and a deleted asset are final', bounded, async () => {
    // Local's clock moves only when told to, so its signed URLs expire on demand.
    const clock = new ManualClock(Date.now());
    const rig = await startRig({ clock, urlTtlSeconds: 60 });
    const client = new MercaClient(KEYS.advanced, { baseUrl: rig.server.url, plan: 'advanced', waitTiming: fast, retry: quickRetry });
    const label = keyLabel(KEYS.advanced);
    const jobGets = () => rig.server.counters.count(label, 'GET /v2/jobs/{job_id}');
    const fileGets = () => rig.server.counters.count('anonymous', 'GET /v2/files/{asset_id}');
    try {
      const job = await client.jobs.wait(await client.speech({ text: 'Expiring soon.', format: 'wav' }));
      clock.advance(61_000);
      const [gets, files] = [jobGets(), fileGets()];
      const result = await client.download(job, join(tmp(), 'renewed.wav'));
      assert.equal(result.bytes, job.file_size_bytes);
      assert.equal(jobGets() - gets, 1, 'the job was fetched again, once');
      assert.equal(fileGets() - files, 2, 'one refused download, one with the fresh URL');

      const bare = await client.download(job.download_url!, join(tmp(), 'bare.wav')).catch((e: unknown) => e);
      assert.ok(bare instanceof PlanError, String(bare));
      assert.equal(bare.status, 403);
      assert.equal(bare.type, 'url_expired');
      assert.match(bare.message, /download the job/);
      assert.equal(fileGets() - files, 3, 'a 403 is not retried blindly');

      const fresh = await client.jobs.get(job.id);
      await client.vault.delete(new URL(job.download_url!).pathname.split('/').pop()!); // the job view names its asset only in its URL
      const gone = await client.download(fresh, join(tmp(), 'gone.wav')).catch((e: unknown) => e);
      assert.ok(gone instanceof NotFoundError, String(gone));
      assert.equal(gone.status, 404);
      assert.equal(fileGets() - files, 4, 'a 404 is final');

      clock.advance(61_000);
      const [getsBefore] = [jobGets()];
      const expiredAndGone = await client.download(fresh, join(tmp(), 'gone2.wav')).catch((e: unknown) => e);
      assert.ok(expiredAndGone instanceof NotFoundError, String(expiredAndGone));
      assert.match(expiredAndGone.message, /no download_url/);
      assert.equal(jobGets() - getsBefore, 1);
    } finally {
      await client.close();
      await rig.close();
    }
  });

  test('the key never leaves the API host: downloads and redirects to other hosts carry no Authorization', bounded, async () => {
    const rig = await startRig();
    const seen: Array<{ port: number; headers: IncomingHttpHeaders }> = [];
    const payload = Buffer.from('not really a video, but bytes all the same');
    const target = createServer((req, res) => {
      seen.push({ port: req.socket.localPort ?? 0, headers: req.headers });
      res.writeHead(200, { 'content-length': payload.length }).end(payload);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as AddressInfo).port;
    const redirector = createServer((req, res) => {
      seen.push({ port: req.socket.localPort ?? 0, headers: req.headers });
      res.writeHead(302, { location: `http://127.0.0.1:${targetPort}/asset.mp4` }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const redirectorPort = (redirector.address() as AddressInfo).port;
    const client = new MercaClient(KEYS.advanced, { baseUrl: rig.server.url, plan: 'advanced' });
    try {
      // A real job from the API, then its asset "hosted" elsewhere behind a redirect.
      const job = await client.speech({ text: 'Hello.', format: 'wav' });
      const moved = { ...job, status: 'completed' as const, download_url: `http://127.0.0.1:${redirectorPort}/signed?sig=abc`, file_size_bytes: payload.length };
      const result = await client.download(moved, join(tmp(), 'asset.mp4'));
      assert.equal(result.bytes, payload.length);
      assert.deepEqual(
        seen.map((s) => s.port),
        [redirectorPort, targetPort],
      );
      for (const s of seen) {
        assert.equal(s.headers.authorization, undefined);
        assert.ok(!JSON.stringify(s.headers).includes(KEYS.advanced));
      }
      assert.ok(rig.server.counters.count(keyLabel(KEYS.advanced), 'POST /v2/speech') === 1, 'the API host did get the key');
      await assert.rejects(client.download({ ...moved, download_url: 'http://downloads.example.com/x' }, join(tmp(), 'x')), /https/);
    } finally {
      await client.close();
      await rig.close();
      target.close();
      redirector.close();
    }
  });
});
