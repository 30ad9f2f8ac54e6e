/**
 * Fault injection over loopback: 500 and 429 answers, dropped connections, failed jobs (a
 * fraction, or the first N), truncated downloads, determinism under a seed, and the counters
 * tests read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { FaultOptionsError, Faults } from '../../src/local/faults.js';
import { keyLabel } from '../../src/local/keys.js';
import { errorOf, KEYS, startRig, waitForJob } from '../helpers/api.js';

const PRO = KEYS.professional;

describe('fault injection', () => {
  it('answers 500 with the error JSON when told to fail every request', async () => {
    const rig = await startRig({ faults: { rate500: 1 } });
    try {
      const response = await rig.call('GET', '/v2/jobs', { key: PRO });
      assert.equal(response.status, 500);
      const error = errorOf(response);
      assert.equal(error.type, 'internal_error');
      assert.ok(typeof response.headers['x-request-id'] === 'string');
    } finally {
      await rig.close();
    }
  });

  it('answers 429 with Retry-After when told to', async () => {
    const rig = await startRig({ faults: { rate429: 1 } });
    try {
      const response = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'a' } });
      assert.equal(response.status, 429);
      assert.equal(errorOf(response).type, 'rate_limit_exceeded');
      assert.equal(response.headers['retry-after'], '1');
    } finally {
      await rig.close();
    }
  });

  it('drops the connection without an answer when told to', async () => {
    const rig = await startRig({ faults: { dropConnection: 1 } });
    try {
      await assert.rejects(request(`${rig.server.url}/jobs`, { headers: { authorization: `Bearer ${PRO}` } }), (error: Error) => {
        return /socket|closed|other side/i.test(`${error.message} ${(error as { code?: string }).code ?? ''}`);
      });
    } finally {
      await rig.close();
    }
  });

  it('fails jobs with an error object when told to', async () => {
    const rig = await startRig({ faults: { jobFailure: 1 } });
    try {
      const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'doomed' } });
      const job = await waitForJob(rig, PRO, created.json.id as string);
      assert.equal(job.status, 'failed');
      assert.deepEqual(Object.keys(job.error as object).sort(), ['message', 'type']);
      assert.equal((job.error as { type: string }).type, 'injected_failure');
      assert.equal(job.download_url, null);
      const failed = await rig.call('GET', '/v2/jobs?status=failed', { key: PRO });
      assert.equal((failed.json.data as unknown[]).length, 1);
    } finally {
      await rig.close();
    }
  });

  it('fails exactly the first N jobs that start when told to (failJobs), then renders normally', async () => {
    const rig = await startRig({ faults: { failJobs: 2 } });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: `drill ${i}`, format: 'wav' } });
        assert.equal(created.status, 201);
        ids.push(created.json.id as string);
      }
      const jobs = [];
      for (const id of ids) jobs.push(await waitForJob(rig, PRO, id));
      assert.deepEqual(
        jobs.map((job) => job.status),
        ['failed', 'failed', 'completed', 'completed'],
      );
      // The first two render side by side, so which of them the count reaches first may swap.
      const counted = jobs.slice(0, 2).map((job) => {
        const error = job.error as { type: string; message: string };
        assert.equal(error.type, 'injected_failure');
        assert.match(error.message, /^Injected failure [12] of 2\b.*failJobs/);
        assert.equal(job.download_url, null);
        return /^Injected failure (\d)/.exec(error.message)?.[1];
      });
      assert.deepEqual(counted.sort(), ['1', '2']);
      assert.equal(jobs[2]?.error, undefined);
      const again = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'drill again', format: 'wav' } });
      assert.equal((await waitForJob(rig, PRO, again.json.id as string)).status, 'completed', 'the count is used up for good');
    } finally {
      await rig.close();
    }
  });

  it('counts failJobs without drawing from the generator, and refuses a count that is not a whole number ≥ 0', () => {
    const faults = new Faults({ failJobs: 2 });
    const draws = Array.from({ length: 4 }, () => faults.failJob()?.type);
    assert.deepEqual(draws, ['injected_failure', 'injected_failure', undefined, undefined]);
    assert.equal(new Faults({ failJobs: 0 }).failJob(), undefined);
    // failJobs first, then the jobFailure fraction draws as it would have without it.
    const mixed = new Faults({ seed: 3, failJobs: 1, jobFailure: 0.5 });
    const plain = new Faults({ seed: 3, jobFailure: 0.5 });
    assert.equal(mixed.failJob()?.type, 'injected_failure');
    assert.deepEqual(
      Array.from({ length: 20 }, () => mixed.failJob() === undefined),
      Array.from({ length: 20 }, () => plain.failJob() === undefined),
    );
    for (const failJobs of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => new Faults({ failJobs }),
        (error: Error) => error instanceof FaultOptionsError && /faults\.failJobs must be a whole number ≥ 0/.test(error.message),
      );
    }
  });

  it('fails a job whose engine fails, keeping no files and no engine detail', async () => {
    const { createTestEngines } = await import('../helpers/test-engines.js');
    const engines = createTestEngines();
    const rig = await startRig({
      engines: { ...engines, renderThumbnail: async () => Promise.reject(new Error('ffmpeg exited 1 on /secret/path/x.mp4')) },
    });
    try {
      const created = await rig.call('POST', '/v2/generate', { key: PRO, body: { prompt: 'No thumbnail', resolution: '720p', duration: 15 } });
      const job = await waitForJob(rig, PRO, created.json.id as string);
      assert.equal(job.status, 'failed');
      assert.deepEqual(job.error, { type: 'render_failed', message: 'The video render failed.' });
      assert.equal(job.download_url, null);
      assert.equal(job.file_size_bytes, null);
      const vault = await rig.call('GET', '/v2/vault', { key: PRO });
      assert.deepEqual(vault.json.data, []);
    } finally {
      await rig.close();
    }
  });

  it('truncates downloads: fewer bytes than Content-Length, then the connection drops', async () => {
    const rig = await startRig({ faults: { truncateDownload: 1 } });
    try {
      const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'A sentence long enough to make a file of some size.', format: 'wav' } });
      const job = await waitForJob(rig, PRO, created.json.id as string);
      const response = await request(job.download_url as string);
      assert.equal(response.headers['content-length'], String(job.file_size_bytes));
      await assert.rejects(response.body.arrayBuffer());
    } finally {
      await rig.close();
    }
  });

  it('adds latency to responses', async () => {
    const rig = await startRig({ faults: { latencyMs: 150 } });
    try {
      const started = performance.now();
      assert.equal((await rig.call('GET', '/v2/jobs', { key: PRO })).status, 200);
      assert.ok(performance.now() - started >= 140, 'the answer came no sooner than the latency');
    } finally {
      await rig.close();
    }
  });

  it('draws the same faults from the same seed, and other faults from another', () => {
    const draws = (seed: number) => {
      const faults = new Faults({ seed, rate500: 0.3, rate429: 0.3, dropConnection: 0.1 });
      return Array.from({ length: 50 }, () => faults.forRequest());
    };
    assert.deepEqual(draws(7), draws(7));
    assert.notDeepEqual(draws(7), draws(8));
    const mix = new Set(draws(7));
    assert.ok(mix.has('none') && mix.has('500') && mix.has('429'), 'fractions between 0 and 1 give a mix');
    assert.throws(() => new Faults({ rate500: 1.5 }), /fraction/);
  });

  it('counts requests per endpoint and key, refused ones included', async () => {
    const rig = await startRig();
    try {
      await rig.call('GET', '/v2/jobs', { key: PRO });
      await rig.call('GET', '/v2/jobs', { key: PRO });
      await rig.call('GET', '/v2/jobs/job_0000000000000000', { key: PRO });
      await rig.call('GET', '/v2/jobs');
      const snapshot = rig.server.counters.snapshot();
      const label = keyLabel(PRO);
      assert.equal(snapshot.byEndpoint['GET /v2/jobs']?.[label], 2);
      assert.equal(snapshot.byEndpoint['GET /v2/jobs']?.anonymous, 1);
      assert.equal(snapshot.byEndpoint['GET /v2/jobs/{job_id}']?.[label], 1);
      assert.equal(snapshot.peakPerMinute[label], 3);
      assert.equal(snapshot.total, 4);
      assert.ok(!JSON.stringify(snapshot).includes(PRO), 'counters never hold a key');
    } finally {
      await rig.close();
    }
  });
});
