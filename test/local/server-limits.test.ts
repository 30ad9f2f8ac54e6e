/**
 * Plans and bookkeeping over loopback: rate limit, concurrent-job limit, isolation between keys,
 * pagination of GET /v2/jobs, Idempotency-Key, and the server's workers (how many jobs render at
 * once, in which order, and what a shutdown leaves queued).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/util/clock.js';
import { keyLabel } from '../../src/local/keys.js';
import { eventually, errorOf, KEYS, startRig, waitForJob, type Rig } from '../helpers/api.js';
import { createTestEngines, RenderGate } from '../helpers/test-engines.js';
import { tempDir } from '../helpers/temp.js';

describe('rate limit', () => {
  it('refuses the 61st request in a minute on the regular plan with 429, Retry-After and X-RateLimit-*', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const rig = await startRig({ clock });
    try {
      for (let i = 0; i < 60; i += 1) {
        const response = await rig.call('GET', '/v2/jobs', { key: KEYS.regular });
        assert.equal(response.status, 200);
        assert.equal(response.headers['x-ratelimit-remaining'], String(59 - i));
        clock.advance(100);
      }
      const refused = await rig.call('GET', '/v2/jobs', { key: KEYS.regular });
      assert.equal(refused.status, 429);
      assert.equal(errorOf(refused).type, 'rate_limit_exceeded');
      assert.equal(refused.headers['x-ratelimit-limit'], '60');
      assert.equal(refused.headers['x-ratelimit-remaining'], '0');
      // The first request was at t=0 and time is now 6 s later: a slot frees in 54 s.
      assert.equal(refused.headers['retry-after'], '54');
      assert.equal(refused.headers['x-ratelimit-reset'], String(Date.parse('2026-01-01T00:01:00Z') / 1000));

      const other = await rig.call('GET', '/v2/jobs', { key: KEYS.advanced });
      assert.equal(other.status, 200, 'limits are per key');

      clock.advance(54_000);
      assert.equal((await rig.call('GET', '/v2/jobs', { key: KEYS.regular })).status, 200, 'a slot frees once the oldest request is a minute old');

      assert.equal(rig.server.counters.count(keyLabel(KEYS.regular), 'GET /v2/jobs'), 62);
      assert.equal(rig.server.counters.peakPerMinute(keyLabel(KEYS.regular)), 61);
    } finally {
      await rig.close();
    }
  });
});

describe('concurrent jobs, isolation, pagination, idempotency', () => {
  let rig: Rig;
  const gate = new RenderGate();
  before(async () => {
    rig = await startRig({ engines: createTestEngines({ beforeRender: gate.wait }), workers: 1 });
  });
  after(() => rig.close());

  it("refuses a POST with 429 concurrency_limit while the key has its plan's jobs in flight", async () => {
    const body = { prompt: 'a', resolution: '720p', duration: 15 };
    const headers = { 'idempotency-key': 'regular-first' };
    assert.equal((await rig.call('POST', '/v2/generate', { key: KEYS.regular, body, headers })).status, 201);
    assert.equal((await rig.call('POST', '/v2/speech', { key: KEYS.regular, body: { text: 'b' } })).status, 201);
    const third = await rig.call('POST', '/v2/music', { key: KEYS.regular, body: { prompt: 'c' } });
    assert.equal(third.status, 429);
    assert.equal(errorOf(third).type, 'concurrency_limit');
    assert.match(String(third.headers['retry-after']), /^[1-9]\d*$/);
    assert.equal((await rig.call('GET', '/v2/jobs', { key: KEYS.regular })).status, 200, 'reads are still allowed');
  });

  it("shows a key only its own jobs: another key's job is a 404", async () => {
    const mine = await rig.call('POST', '/v2/speech', { key: KEYS.advanced, body: { text: 'mine' } });
    assert.equal(mine.status, 201);
    assert.equal(mine.json.livemode, false, 'mk_test_ keys report livemode: false');
    const live = await rig.call('POST', '/v2/speech', { key: KEYS.advanced2, body: { text: 'theirs' } });
    assert.equal(live.json.livemode, true);
    const theirs = await rig.call('GET', `/v2/jobs/${mine.json.id as string}`, { key: KEYS.advanced2 });
    assert.equal(theirs.status, 404);
    assert.equal(errorOf(theirs).type, 'not_found');
    const list = await rig.call('GET', '/v2/jobs', { key: KEYS.advanced2 });
    assert.deepEqual(
      (list.json.data as Array<{ id: string }>).map((job) => job.id),
      [live.json.id],
    );
    assert.equal((await rig.call('GET', `/v2/jobs/${mine.json.id as string}`, { key: KEYS.advanced })).status, 200);
  });

  it('pages GET /v2/jobs newest first with limit, before and has_more, and filters by status', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await rig.call('POST', '/v2/speech', { key: KEYS.professional, body: { text: `line ${i}` } });
      assert.equal(response.status, 201);
      created.push(response.json.id as string);
    }
    const newestFirst = [...created].reverse();
    const first = await rig.call('GET', '/v2/jobs?limit=2', { key: KEYS.professional });
    const firstPage = first.json.data as Array<{ id: string; created_at: string }>;
    assert.deepEqual(
      firstPage.map((job) => job.id),
      newestFirst.slice(0, 2),
    );
    assert.equal(first.json.has_more, true);

    const cursor = firstPage[1]?.created_at ?? '';
    const second = await rig.call('GET', `/v2/jobs?limit=2&before=${encodeURIComponent(cursor)}`, { key: KEYS.professional });
    assert.deepEqual(
      (second.json.data as Array<{ id: string }>).map((job) => job.id),
      newestFirst.slice(2, 4),
    );
    assert.equal(second.json.has_more, true);

    const lastCursor = (second.json.data as Array<{ created_at: string }>)[1]?.created_at ?? '';
    const third = await rig.call('GET', `/v2/jobs?limit=2&before=${encodeURIComponent(lastCursor)}`, { key: KEYS.professional });
    assert.deepEqual(
      (third.json.data as Array<{ id: string }>).map((job) => job.id),
      newestFirst.slice(4),
    );
    assert.equal(third.json.has_more, false);

    const all = await rig.call('GET', '/v2/jobs', { key: KEYS.professional });
    assert.equal((all.json.data as unknown[]).length, 5, 'default limit (20) covers all five');
    const queued = await rig.call('GET', '/v2/jobs?status=queued', { key: KEYS.professional });
    assert.ok((queued.json.data as Array<{ status: string }>).every((job) => job.status === 'queued'));
    const completed = await rig.call('GET', '/v2/jobs?status=completed', { key: KEYS.professional });
    assert.deepEqual(completed.json.data, []);
    assert.equal(completed.json.has_more, false);
  });

  it('returns the original job for a repeated Idempotency-Key and refuses it with another body', async () => {
    const headers = { 'idempotency-key': 'scene-arrival-7f3a' };
    const body = { prompt: 'Neon rain', resolution: '1080p', duration: 15 };
    const first = await rig.call('POST', '/v2/generate', { key: KEYS.professional, body, headers });
    assert.equal(first.status, 201);
    const reordered = { duration: 15, resolution: '1080p', prompt: 'Neon rain' };
    const again = await rig.call('POST', '/v2/generate', { key: KEYS.professional, body: reordered, headers });
    assert.equal(again.status, 200);
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.headers['idempotent-replayed'], 'true');

    const different = await rig.call('POST', '/v2/generate', { key: KEYS.professional, body: { ...body, duration: 30 }, headers });
    assert.equal(different.status, 400);
    assert.equal(errorOf(different).type, 'idempotency_key_reused');

    const otherKey = await rig.call('POST', '/v2/generate', { key: KEYS.advanced2, body, headers });
    assert.equal(otherKey.status, 201, 'idempotency keys are per API key');
    assert.notEqual(otherKey.json.id, first.json.id);
  });

  it('replays an idempotent POST even when the key is at its concurrency limit', async () => {
    // The regular key has 2 of 2 jobs in flight since the first test; the first carried this key.
    const body = { prompt: 'a', resolution: '720p', duration: 15 };
    const replay = await rig.call('POST', '/v2/generate', { key: KEYS.regular, body, headers: { 'idempotency-key': 'regular-first' } });
    assert.equal(replay.status, 200);
    assert.equal(replay.json.type, 'video');
    const fresh = await rig.call('POST', '/v2/generate', { key: KEYS.regular, body, headers: { 'idempotency-key': 'regular-second' } });
    assert.equal(errorOf(fresh).type, 'concurrency_limit');
  });
});

describe('workers', () => {
  it('renders at most `workers` jobs at once, first created first started, and idle() waits for all', async () => {
    const engines = createTestEngines();
    const started: string[] = [];
    const releases: Array<() => void> = [];
    let running = 0;
    let peak = 0;
    const rig = await startRig({
      workers: 2,
      engines: {
        ...engines,
        async renderSpeech(request, outFile, options) {
          started.push(request.text);
          running += 1;
          peak = Math.max(peak, running);
          try {
            await new Promise<void>((resolve) => releases.push(resolve));
            return await engines.renderSpeech(request, outFile, options);
          } finally {
            running -= 1;
          }
        },
      },
    });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const created = await rig.call('POST', '/v2/speech', { key: KEYS.professional, body: { text: `line ${i}`, format: 'wav' } });
        assert.equal(created.status, 201);
        ids.push(created.json.id as string);
      }
      await eventually(async () => (releases.length === 2 ? true : undefined), 'two renders started');
      assert.deepEqual(rig.server.pool(), { size: 2, active: 2, pending: 3 });
      const queued = await rig.call('GET', `/v2/jobs/${ids[4] ?? ''}`, { key: KEYS.professional });
      assert.equal(queued.json.status, 'queued');
      // One slot at a time: each release lets exactly the next queued job start, so the order is the queue's.
      for (let released = 0; released < 5; released += 1) {
        releases.shift()?.();
        const expected = Math.min(5, released + 3);
        await eventually(async () => (started.length >= expected ? true : undefined), `${expected} renders started`);
      }
      await rig.server.idle();
      assert.equal(peak, 2, 'never more than two at once');
      assert.deepEqual(started, ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
      assert.deepEqual(rig.server.pool(), { size: 2, active: 0, pending: 0 });
      for (const id of ids) assert.equal((await waitForJob(rig, KEYS.professional, id)).status, 'completed');
    } finally {
      for (const release of releases.splice(0)) release();
      await rig.close();
    }
  });

  it('leaves jobs that had not started queued on disk when it shuts down, and runs them on the next start', async () => {
    const gate = new RenderGate();
    const first = await startRig({ workers: 1, engines: createTestEngines({ beforeRender: gate.wait }) });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await first.call('POST', '/v2/speech', { key: KEYS.professional, body: { text: `queued ${i}`, format: 'wav' } });
      ids.push(created.json.id as string);
    }
    await eventually(async () => (gate.waiting === 1 ? true : undefined), 'the first render held');
    await first.close({ keepData: true });
    const onDisk = async (id: string) => (JSON.parse(await readFile(join(first.dataDir, 'jobs', `${id}.json`), 'utf8')) as { status: string }).status;
    assert.deepEqual(await Promise.all(ids.map(onDisk)), ['processing', 'queued', 'queued']);

    const second = await startRig({ dataDir: first.dataDir });
    try {
      for (const id of ids) assert.equal((await waitForJob(second, KEYS.professional, id)).status, 'completed');
    } finally {
      await second.close();
    }
  });

  it('refuses a worker count that is not a whole number of at least 1', async () => {
    for (const workers of [0, 1.5]) {
      const dataDir = tempDir('mercadream-local-');
      await assert.rejects(startRig({ dataDir, workers }), RangeError);
    }
  });
});
