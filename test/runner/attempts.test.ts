// Attempts: which submission of a request made each asset, as the lock file records it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Fingerprint } from '../../src/plan/index.js';
import { readLock, serializeLock } from '../../src/runner/lock.js';

const folders: string[] = [];
after(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
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
});
