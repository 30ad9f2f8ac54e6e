/**
 * Jobs end to end over loopback: create, poll, download (whole and ranged), thumbnails, speech
 * and music formats, the vault, signed URLs, and persistence across a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../../src/util/clock.js';
import { call, errorOf, KEYS, startRig, waitForJob, type Rig } from '../helpers/api.js';

const PRO = KEYS.professional;

async function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }> {
  const response = await request(url, { headers });
  return { status: response.statusCode, headers: response.headers, bytes: Buffer.from(await response.body.arrayBuffer()) };
}

describe('jobs, downloads and the vault', () => {
  let rig: Rig;
  let video: Record<string, unknown>;

  before(async () => {
    rig = await startRig();
    const created = await rig.call('POST', '/v2/generate', { key: PRO, body: { prompt: 'Neon rain on Tokyo streets', resolution: '720p', duration: 15 } });
    assert.equal(created.status, 201);
    video = await waitForJob(rig, PRO, created.json.id as string);
  });
  after(() => rig.close());

  it('completes a video job with every documented field', () => {
    assert.equal(video.status, 'completed');
    assert.equal(video.type, 'video');
    assert.equal(video.progress, 100);
    assert.match(video.id as string, /^job_[0-9a-z]{16}$/);
    assert.equal(video.resolution, '720p');
    assert.equal(video.duration, 15);
    assert.equal(video.compute_units, 1);
    assert.equal(video.livemode, false);
    assert.equal(typeof video.file_size_bytes, 'number');
    assert.ok((video.file_size_bytes as number) > 0);
    assert.ok(!Number.isNaN(Date.parse(video.completed_at as string)));
    assert.match(video.download_url as string, /^http:\/\/127\.0\.0\.1:\d+\/v2\/files\/ast_/);
    assert.match(video.thumbnail_url as string, /^http:\/\/127\.0\.0\.1:\d+\/v2\/files\/ast_/);
  });

  it('downloads the whole file without an API key, and a byte range as 206 with exact bytes', async () => {
    const whole = await download(video.download_url as string);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-type'], 'video/mp4');
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    assert.equal(whole.bytes.length, video.file_size_bytes);
    assert.equal(whole.bytes.subarray(4, 8).toString('latin1'), 'ftyp');

    const part = await download(video.download_url as string, { range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${whole.bytes.length}`);
    assert.deepEqual(part.bytes, whole.bytes.subarray(100, 200));

    const tail = await download(video.download_url as string, { range: 'bytes=-10' });
    assert.equal(tail.status, 206);
    assert.deepEqual(tail.bytes, whole.bytes.subarray(whole.bytes.length - 10));

    const head = await request(video.download_url as string, { method: 'HEAD' });
    await head.body.dump();
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], String(whole.bytes.length));

    const past = await download(video.download_url as string, { range: `bytes=${whole.bytes.length}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], `bytes */${whole.bytes.length}`);
  });

  it('serves a JPEG thumbnail for the video', async () => {
    const thumb = await download(video.thumbnail_url as string);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers['content-type'], 'image/jpeg');
    assert.deepEqual([...thumb.bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  });

  it('refuses a tampered or unsigned download URL with 403, and an unknown asset with 404', async () => {
    const url = new URL(video.download_url as string);
    const signature = url.searchParams.get('signature') ?? '';
    url.searchParams.set('signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    const tampered = await call(url.origin, 'GET', `${url.pathname}${url.search}`);
    assert.equal(tampered.status, 403);
    assert.equal(errorOf(tampered).type, 'invalid_signature');

    const unsigned = await call(url.origin, 'GET', url.pathname);
    assert.equal(errorOf(unsigned).type, 'invalid_signature');

    const other = await call(url.origin, 'GET', '/v2/files/ast_0000000000000000?expires=99999999999&signature=' + '0'.repeat(64));
    assert.equal(other.status, 403, 'a forged signature for an unknown asset reveals nothing');
  });

  it('makes speech and music jobs in each audio format', async () => {
    const speech = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'The city never sleeps.', format: 'wav', speed: 1.5 } });
    const music = await rig.call('POST', '/v2/music', { key: PRO, body: { prompt: 'Dark synthwave', duration: 15, format: 'flac', bpm: 92 } });
    const mp3 = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'Hello.' } });
    assert.deepEqual([speech.status, music.status, mp3.status], [201, 201, 201]);
    assert.equal(speech.json.type, 'speech');
    assert.equal(music.json.type, 'music');
    assert.deepEqual(mp3.json.params, { text: 'Hello.', voice_id: 'neural-narrator-m', format: 'mp3', speed: 1 });

    const doneSpeech = await waitForJob(rig, PRO, speech.json.id as string);
    const doneMusic = await waitForJob(rig, PRO, music.json.id as string);
    const doneMp3 = await waitForJob(rig, PRO, mp3.json.id as string);
    assert.equal(doneMusic.bpm, 92);
    assert.equal(doneMusic.duration, 15);
    assert.equal(doneSpeech.format, 'wav');

    const wav = await download(doneSpeech.download_url as string);
    assert.equal(wav.headers['content-type'], 'audio/wav');
    assert.equal(wav.bytes.subarray(0, 4).toString('latin1'), 'RIFF');
    const flac = await download(doneMusic.download_url as string);
    assert.equal(flac.bytes.subarray(0, 4).toString('latin1'), 'fLaC');
    const mp3File = await download(doneMp3.download_url as string);
    assert.equal(mp3File.headers['content-type'], 'audio/mpeg');
    assert.ok(mp3File.bytes.subarray(0, 3).toString('latin1') === 'ID3' || mp3File.bytes[0] === 0xff);
  });

  it('lists, shows and deletes vault assets; a deleted asset is gone from the job', async () => {
    const list = await rig.call('GET', '/v2/vault?limit=100', { key: PRO });
    assert.equal(list.status, 200);
    const assets = list.json.data as Array<Record<string, unknown>>;
    const videoAsset = assets.find((asset) => asset.job_id === video.id && asset.kind === 'video');
    const thumbAsset = assets.find((asset) => asset.job_id === video.id && asset.kind === 'thumbnail');
    assert.ok(videoAsset !== undefined && thumbAsset !== undefined);
    assert.equal(videoAsset.file_size_bytes, video.file_size_bytes);

    const one = await rig.call('GET', `/v2/vault/${thumbAsset.id as string}`, { key: PRO });
    assert.equal(one.status, 200);
    assert.equal(one.json.content_type, 'image/jpeg');

    const otherKey = await rig.call('GET', `/v2/vault/${thumbAsset.id as string}`, { key: KEYS.advanced });
    assert.equal(errorOf(otherKey).type, 'not_found');
    const otherDelete = await rig.call('DELETE', `/v2/vault/${thumbAsset.id as string}`, { key: KEYS.advanced });
    assert.equal(otherDelete.status, 404);

    const deleted = await rig.call('DELETE', `/v2/vault/${thumbAsset.id as string}`, { key: PRO });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.json.deleted, true);
    const again = await rig.call('GET', `/v2/vault/${thumbAsset.id as string}`, { key: PRO });
    assert.equal(again.status, 404);
    const job = await rig.call('GET', `/v2/jobs/${video.id as string}`, { key: PRO });
    assert.equal(job.json.thumbnail_url, null);
    const oldUrl = await download(video.thumbnail_url as string);
    assert.equal(oldUrl.status, 404);
  });
});

describe('signed URL expiry', () => {
  it('answers 403 url_expired once the URL is past its expiry', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const rig = await startRig({ clock, urlTtlSeconds: 60 });
    try {
      const created = await rig.call('POST', '/v2/speech', { key: PRO, body: { text: 'Short.', format: 'wav' } });
      await rig.server.idle();
      const job = await rig.call('GET', `/v2/jobs/${created.json.id as string}`, { key: PRO });
      assert.equal(job.json.status, 'completed');
      const fresh = await download(job.json.download_url as string);
      assert.equal(fresh.status, 200);
      clock.advance(61_000);
      const stale = await download(job.json.download_url as string);
      assert.equal(stale.status, 403);
      assert.equal((JSON.parse(stale.bytes.toString('utf8')) as { type?: string }).type, 'url_expired');
    } finally {
      await rig.close();
    }
  });
});

describe('persistence', () => {
  it('keeps jobs and files across a restart on the same data folder', async () => {
    const first = await startRig();
    const created = await first.call('POST', '/v2/music', { key: PRO, body: { prompt: 'Slow pulse', duration: 15, format: 'wav' } });
    const done = await waitForJob(first, PRO, created.json.id as string);
    const before = await download(done.download_url as string);
    await first.close({ keepData: true });

    const second = await startRig({ dataDir: first.dataDir });
    try {
      const job = await second.call('GET', `/v2/jobs/${created.json.id as string}`, { key: PRO });
      assert.equal(job.status, 200);
      assert.equal(job.json.status, 'completed');
      assert.equal(job.json.created_at, done.created_at);
      const afterRestart = await download(job.json.download_url as string);
      assert.equal(afterRestart.status, 200);
      assert.deepEqual(afterRestart.bytes, before.bytes);
    } finally {
      await second.close();
    }
  });

  it('runs again a job that was still queued when the server stopped', async () => {
    const { RenderGate, createTestEngines } = await import('../helpers/test-engines.js');
    const gate = new RenderGate();
    const first = await startRig({ engines: createTestEngines({ beforeRender: gate.wait }) });
    const created = await first.call('POST', '/v2/speech', { key: PRO, body: { text: 'Interrupted.', format: 'wav' } });
    await first.close({ keepData: true });

    const second = await startRig({ dataDir: first.dataDir });
    try {
      const done = await waitForJob(second, PRO, created.json.id as string);
      assert.equal(done.status, 'completed');
    } finally {
      await second.close();
    }
  });
});
