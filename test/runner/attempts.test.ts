// A job that failed is submitted again by the next run, as a new attempt with its own
// Idempotency-Key, exactly once; a request the API refuses is not sent again. Real HTTP against
// MercaDream Local (restarted on the same data folder to take a fault away), real ffmpeg.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { JobFailedError, MercaClient, ValidationError, type Job } from '../../src/api/index.js';
import { keyLabel } from '../../src/local/keys.js';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../src/local/server.js';
import { loadManifest } from '../../src/manifest/index.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { stitch } from '../../src/media/stitch.js';
import { nodeFingerprint, planProduction, type Fingerprint, type ProductionDag } from '../../src/plan/index.js';
import { fetchAsset, type AssetContext, type RunnerClient } from '../../src/runner/assets.js';
import { AssetCache } from '../../src/runner/cache.js';
import { readLock, serializeLock } from '../../src/runner/lock.js';
import { lockPathOf, stateDirOf } from '../../src/runner/paths.js';
import { runProduction } from '../../src/runner/run.js';
import { idempotencyKey, submissionPath, type SubmissionRecord } from '../../src/runner/submission.js';
import { createTestEngines } from '../helpers/test-engines.js';
import { describeFailure } from '../../src/cli/failure-text.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();

const bounded = { timeout: 300_000 };
const KEY = 'mk_test_attempts000000000001';
const LABEL = keyLabel(KEY);
const INJECTED = 'The job failed (fault injected by MercaDream Local).';

const folder = tempDir;

/** MercaDream Local on `dataDir` (kept between starts, so jobs and idempotency keys persist) and a client of it. */
async function local(dataDir: string, faults: LocalServerOptions['faults'] = {}) {
  const server: LocalServer = await startLocalServer({ dataDir, engines: createTestEngines(), keys: [{ key: KEY, plan: 'regular' }], quality: 'fast', faults });
  const client = new MercaClient(KEY, { baseUrl: server.url, plan: 'regular' });
  const jobs = async () => {
    const out: Job[] = [];
    for await (const j of client.jobs.list({ limit: 100 })) out.push(j);
    return out;
  };
  const posts = () => server.counters.count(LABEL, 'POST /v2/generate');
  return { server, client, jobs, posts, close: async () => (await client.close(), await server.close()) };
}

/** A one-clip production in a new folder: one job makes everything. */
async function oneClip(prompt: string, extra = ''): Promise<{ dir: string; plan: ProductionDag; fingerprint: Fingerprint }> {
  const dir = folder('mdp-attempts-');
  writeFileSync(
    join(dir, 'film.yaml'),
    `version: 1\nplan: regular\noutput: { path: out/film.mp4, resolution: 720p, fps: 24, subtitles: none }\nscenes:\n  - { prompt: ${prompt}, duration: 2${extra} }\n`,
  );
  const loaded = await loadManifest(join(dir, 'film.yaml'));
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const plan = planProduction(loaded.productions[0]!, 'local/test');
  const generating = plan.nodes.filter((n) => n.kind !== 'stitch');
  assert.deepEqual(
    generating.map((n) => n.id),
    ['clip:scene-1'],
  );
  return { dir, plan, fingerprint: nodeFingerprint(plan, generating[0]!, new Map())! };
}

function run(plan: ProductionDag, client: RunnerClient) {
  return runProduction(plan, {
    client,
    requestCount: () => 0,
    stitch: (stitchPlan, options) => stitch(stitchPlan, { ...options, binaries }),
    stitchVersion: 'test',
    probeDuration: async (file) => (await probe(file, { ffprobePath: binaries.ffprobe })).duration,
    preset: 'ultrafast',
    stateDir: stateDirOf(plan.production),
    lockPath: lockPathOf(plan.production),
  });
}

function jobsRecord(plan: ProductionDag, fingerprint: Fingerprint): SubmissionRecord | undefined {
  const file = submissionPath(join(stateDirOf(plan.production), 'jobs'), fingerprint);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SubmissionRecord) : undefined;
}

function lockedAsset(plan: ProductionDag, fingerprint: Fingerprint): Record<string, unknown> {
  return (JSON.parse(readFileSync(lockPathOf(plan.production), 'utf8')) as { assets: Record<string, Record<string, unknown>> }).assets[fingerprint]!;
}

function context(plan: ProductionDag, client: RunnerClient, extra: Partial<AssetContext> = {}): AssetContext {
  const stateDir = stateDirOf(plan.production);
  return {
    client,
    cache: new AssetCache(join(stateDir, 'cache')),
    jobsDir: join(stateDir, 'jobs'),
    probeDuration: async (file) => (await probe(file, { ffprobePath: binaries.ffprobe })).duration,
    onState: () => undefined,
    ...extra,
  };
}

describe('attempts', () => {
  test('the lock names an attempt only when it is not the first, and reads a lock without attempts as first attempts', async () => {
    const dir = folder('mdp-attempts-lock-');
    const fp = 'f'.repeat(64);
    // As earlier versions wrote it: keys sorted, no attempt.
    const asset = { bytes: 10, compute_units: 1, duration: 2, endpoint: 'generate', ext: 'mp4', job_id: 'job_1', nodes: ['clip:one'], sha256: 'a'.repeat(64) };
    const text = `${JSON.stringify({ api: 'local/test', assets: { [fp]: asset }, lockfileVersion: 1 }, null, 2)}\n`;
    writeFileSync(join(dir, 'old.lock.json'), text);
    const read = (await readLock(join(dir, 'old.lock.json')))!;
    assert.equal(read.assets[fp as Fingerprint]!.attempt, 1);
    assert.equal(serializeLock(read), text, 'byte-identical when written again');
    const second = serializeLock({ ...read, assets: { [fp]: { ...read.assets[fp as Fingerprint]!, attempt: 2 } } });
    assert.equal(second, text.replace('"bytes": 10,', '"attempt": 2,\n      "bytes": 10,'));
    writeFileSync(join(dir, 'second.lock.json'), second);
    assert.equal((await readLock(join(dir, 'second.lock.json')))!.assets[fp as Fingerprint]!.attempt, 2);
  });

  test('a failed job fails the run; the rerun makes the asset with exactly one new job, and the lock says attempt 2', bounded, async () => {
    const dataDir = folder('mdp-attempts-local-');
    const { plan, fingerprint } = await oneClip('Lanterns over a night market');

    const failing = await local(dataDir, { jobFailure: 1 });
    try {
      const first = await run(plan, failing.client);
      assert.equal(first.ok, false);
      assert.match(first.failure ? describeFailure(first.failure) : '', /clip:scene-1: job job_\w+ failed: The job failed \(fault injected/);
      const [failedJob, ...others] = await failing.jobs();
      assert.equal(others.length, 0);
      assert.equal(failedJob!.status, 'failed');
      assert.deepEqual(jobsRecord(plan, fingerprint), {
        endpoint: 'generate',
        attempt: 1,
        idempotency_key: idempotencyKey(fingerprint, 1),
        job_id: failedJob!.id,
        failed: { type: 'injected_failure', message: INJECTED },
      });
    } finally {
      await failing.close();
    }

    const healthy = await local(dataDir);
    try {
      const second = await run(plan, healthy.client);
      assert.equal(second.ok, true, JSON.stringify(second.failure));
      assert.equal(second.generated, 1);
      assert.equal(healthy.posts(), 1, 'one POST');
      const jobs = await healthy.jobs();
      assert.deepEqual(
        jobs.map((j) => j.status),
        ['completed', 'failed'],
        'exactly one new job',
      );
      const asset = lockedAsset(plan, fingerprint);
      assert.equal(asset['attempt'], 2);
      assert.equal(asset['job_id'], jobs[0]!.id);
      assert.equal(jobsRecord(plan, fingerprint), undefined, 'the record goes once the asset is cached');

      // A no-op rerun: nothing sent, the lock byte for byte as it was, attempt 2 kept.
      const lockBefore = readFileSync(lockPathOf(plan.production));
      const third = await run(plan, healthy.client);
      assert.equal(third.ok, true, JSON.stringify(third.failure));
      assert.equal(third.cached, 1);
      assert.equal(healthy.posts(), 1);
      assert.deepEqual(readFileSync(lockPathOf(plan.production)), lockBefore);
    } finally {
      await healthy.close();
    }
  });

  test('a run that dies after recording attempt 2, with the POST sent but not answered: the rerun makes no second job for it', bounded, async () => {
    const dataDir = folder('mdp-attempts-local-');
    const { plan, fingerprint } = await oneClip('Fog rolling over a harbour');

    const failing = await local(dataDir, { jobFailure: 1 });
    try {
      assert.equal((await run(plan, failing.client)).ok, false);
    } finally {
      await failing.close();
    }

    const healthy = await local(dataDir);
    try {
      // The server takes the POST; the answer never reaches the run (it dies first).
      const dying: RunnerClient = Object.assign(Object.create(healthy.client) as MercaClient, {
        generate: async (...args: Parameters<MercaClient['generate']>) => {
          await healthy.client.generate(...args);
          throw new Error('the process died before the answer arrived');
        },
      });
      const crashed = await run(plan, dying);
      assert.equal(crashed.ok, false);
      const record = jobsRecord(plan, fingerprint);
      assert.deepEqual(record, { endpoint: 'generate', attempt: 2, idempotency_key: idempotencyKey(fingerprint, 2) }, 'attempt 2 recorded, its job id never learnt');
      assert.notEqual(idempotencyKey(fingerprint, 2), idempotencyKey(fingerprint, 1));
      assert.equal((await healthy.jobs()).length, 2);

      const rerun = await run(plan, healthy.client);
      assert.equal(rerun.ok, true, JSON.stringify(rerun.failure));
      const jobs = await healthy.jobs();
      assert.deepEqual(
        jobs.map((j) => j.status),
        ['completed', 'failed'],
        'the job attempt 2 made, replayed: no second one',
      );
      assert.equal(healthy.posts(), 2, 'the POST was sent again, and answered with the same job');
      assert.equal(lockedAsset(plan, fingerprint)['attempt'], 2);
      assert.equal(lockedAsset(plan, fingerprint)['job_id'], jobs[0]!.id);
    } finally {
      await healthy.close();
    }
  });

  test('a run with --webhook-url that dies before the answer, resumed with another URL or none: the recorded job is followed, not paid twice', bounded, async () => {
    const dataDir = folder('mdp-attempts-local-');
    const { plan, fingerprint } = await oneClip('Lanterns over a canal');
    const server = await local(dataDir);
    // Deliveries go nowhere (nothing listens there): polling settles the waits.
    const hooked = new MercaClient(KEY, { baseUrl: server.server.url, plan: 'regular', webhookUrl: 'http://127.0.0.1:9/hooks?studio=kyoto' });
    try {
      const dying: RunnerClient = Object.assign(Object.create(hooked) as MercaClient, {
        generate: async (...args: Parameters<MercaClient['generate']>) => {
          await hooked.generate(...args);
          throw new Error('the process died before the answer arrived');
        },
      });
      assert.equal((await run(plan, dying)).ok, false);
      assert.deepEqual(
        jobsRecord(plan, fingerprint),
        { endpoint: 'generate', attempt: 1, idempotency_key: idempotencyKey(fingerprint, 1), webhook_url: 'http://127.0.0.1:9/hooks?studio=kyoto' },
        'the attempt and the webhook_url its POST carries, recorded before the POST',
      );
      // Resumed without --webhook-url: the same body under the same key, so the API replays its job.
      const rerun = await run(plan, server.client);
      assert.equal(rerun.ok, true, JSON.stringify(rerun.failure));
      const jobs = await server.jobs();
      assert.equal(jobs.length, 1, 'one job: the recorded one, followed');
      assert.equal(server.posts(), 2, 'the POST resent once and answered with the same job');
      assert.equal(lockedAsset(plan, fingerprint)['job_id'], jobs[0]!.id);
      assert.equal(lockedAsset(plan, fingerprint)['attempt'], undefined, 'still the first attempt');
    } finally {
      await hooked.close();
      await server.close();
    }
  });

  test("fetchAsset: a failed job throws with its id and the API's message; a job recorded by an older version and found failed is made again at once", bounded, async () => {
    const dataDir = folder('mdp-attempts-local-');
    const { plan, fingerprint } = await oneClip('Paper boats on a canal');
    const request = plan.nodes.find((n) => n.id === 'clip:scene-1')!.request(new Map())!;
    let failedId: string;

    const failing = await local(dataDir, { jobFailure: 1 });
    try {
      const error = await fetchAsset(fingerprint, request, undefined, context(plan, failing.client)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof JobFailedError, String(error));
      const [job] = await failing.jobs();
      assert.equal(error.jobId, job!.id);
      assert.equal(error.jobError.message, INJECTED);
      assert.equal(error.jobError.type, 'injected_failure');
      failedId = job!.id;
    } finally {
      await failing.close();
    }

    // As a run of the previous version would leave it, had it died before seeing the failure.
    writeFileSync(submissionPath(join(stateDirOf(plan.production), 'jobs'), fingerprint), JSON.stringify({ job_id: failedId, endpoint: 'generate' }));
    const healthy = await local(dataDir);
    try {
      const states: Array<[string, number | undefined]> = [];
      const ready = await fetchAsset(fingerprint, request, undefined, context(plan, healthy.client, { onState: (s, d) => states.push([s, d?.attempt]) }));
      assert.equal(ready.provenance, 'generated');
      assert.equal(ready.record.attempt, 2);
      assert.equal(healthy.posts(), 1);
      assert.equal((await healthy.jobs()).length, 2);
      assert.deepEqual(
        states.filter(([s]) => s === 'resumed' || s === 'submitted' || s === 'done'),
        [
          ['resumed', 1],
          ['submitted', 2],
          ['done', 2],
        ],
      );
    } finally {
      await healthy.close();
    }
  });

  test('a request the API refuses (400) is recorded and not sent again by later runs; --force sends it', bounded, async () => {
    const dataDir = folder('mdp-attempts-local-');
    const { plan, fingerprint } = await oneClip('Rain on a tin roof', ', style: watercolour');
    const request = plan.nodes.find((n) => n.id === 'clip:scene-1')!.request(new Map())!;
    const r = await local(dataDir);
    try {
      const first = await fetchAsset(fingerprint, request, undefined, context(plan, r.client)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(first instanceof ValidationError, String(first));
      assert.equal(first.param, 'style');
      assert.equal(first.status, 400);
      assert.match(first.requestId ?? '', /\S/);
      assert.equal(r.posts(), 1);
      const refused = jobsRecord(plan, fingerprint)?.refused;
      assert.deepEqual([refused?.status, refused?.type, refused?.message, refused?.param, refused?.request_id], [400, first.type, first.message, 'style', first.requestId]);

      const again = await fetchAsset(fingerprint, request, undefined, context(plan, r.client)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(again instanceof ValidationError);
      assert.deepEqual([again.param, again.status, again.requestId, again.type, again.message], [first.param, first.status, first.requestId, first.type, first.message]);
      assert.equal(r.posts(), 1, 'not sent again');

      const forced = await fetchAsset(fingerprint, request, undefined, context(plan, r.client, { force: true })).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(forced instanceof ValidationError);
      assert.equal(r.posts(), 2, '--force asks the API again');
      assert.deepEqual(await r.jobs(), []);
    } finally {
      await r.close();
    }
  });
});
