/** AssetCache.sweepIncoming: partial downloads of killed runs go; assets and records stay. */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AssetCache } from '../../src/runner/cache.js';
import type { Fingerprint, Sha256Hex } from '../../src/plan/fingerprint.js';
import { tempDir } from '../helpers/temp.js';

test('sweepIncoming removes partial downloads and reports them; cached assets and records stay', async () => {
  const root = tempDir('mdp-cache-sweep-');
  const cache = new AssetCache(root);
  assert.deepEqual(await cache.sweepIncoming(), { count: 0, bytes: 0, files: [] }, 'no incoming folder yet');

  const downloaded = await cache.incomingPath('fp-kept.0a1b2c3d.mp4');
  await writeFile(downloaded, Buffer.alloc(64));
  const sha = 'a'.repeat(64) as Sha256Hex;
  const stored = await cache.store(downloaded, {
    fingerprint: 'fp-kept' as Fingerprint,
    endpoint: 'generate',
    job_id: 'job_1',
    sha256: sha,
    bytes: 64,
    duration: 1,
    compute_units: 1,
    ext: 'mp4',
    attempt: 1,
  });

  const partial = await cache.incomingPath('fp-a.3f9a1c0d.mp4');
  await writeFile(partial, Buffer.alloc(1500));
  await writeFile(await cache.incomingPath('fp-b.11223344.wav'), Buffer.alloc(500));
  await mkdir(join(cache.incomingDir, 'folder'));

  const swept = await cache.sweepIncoming();
  assert.equal(swept.count, 2);
  assert.equal(swept.bytes, 2000);
  assert.deepEqual(swept.files.map((f) => f.slice(cache.incomingDir.length + 1)).sort(), ['fp-a.3f9a1c0d.mp4', 'fp-b.11223344.wav']);
  assert.deepEqual(await readdir(cache.incomingDir), ['folder']);
  assert.deepEqual(await readdir(cache.assetsDir), [stored.slice(cache.assetsDir.length + 1)]);
  assert.ok(await cache.lookup('fp-kept' as Fingerprint), 'the record and its asset are intact');
});
