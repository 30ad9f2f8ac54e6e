/** FileFacts: a file's hash, duration and colour transfer are learned once and trusted while its size and mtime stay. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileFacts } from '../../src/runner/file-facts.js';
import { tempDir } from '../helpers/temp.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('FileFacts', () => {
  it('hashes a file once, trusts the hash while size and mtime stay, and hashes again when they change', async () => {
    const dir = tempDir('mdp-facts-');
    const footage = join(dir, 'footage.mp4');
    const store = join(dir, 'state', 'file-facts.json');
    await writeFile(footage, 'first take');
    const mtime = new Date('2026-01-02T03:04:05Z'); // whole seconds: set again exactly below
    await utimes(footage, mtime, mtime);
    const facts = await FileFacts.open(store);
    assert.equal(await facts.sha256(footage), sha('first take'));
    await facts.save();

    // Same size, same mtime, other bytes: a later run takes the known hash without reading the file.
    await writeFile(footage, 'other take');
    await utimes(footage, mtime, mtime);
    assert.equal((await stat(footage)).size, 'first take'.length);
    const later = await FileFacts.open(store);
    assert.equal(await later.sha256(footage), sha('first take'), 'not read again');

    await utimes(footage, mtime, new Date(mtime.getTime() + 5000));
    assert.equal(await later.sha256(footage), sha('other take'), 'a new mtime is hashed again');
  });

  it('probes a duration once per size and mtime, and keeps no failed probe', async () => {
    const dir = tempDir('mdp-facts-');
    const footage = join(dir, 'footage.mp4');
    await writeFile(footage, 'x');
    const facts = await FileFacts.open(join(dir, 'file-facts.json'));
    let probes = 0;
    await assert.rejects(facts.duration(footage, () => Promise.reject(new Error('unreadable'))));
    assert.equal(await facts.duration(footage, async () => ++probes * 12.5), 12.5);
    assert.equal(await facts.duration(footage, async () => ++probes * 12.5), 12.5);
    assert.equal(probes, 1);
    await facts.save();
    const reread = await FileFacts.open(join(dir, 'file-facts.json'));
    assert.equal(await reread.duration(footage, async () => ++probes), 12.5);
    assert.equal(probes, 1);
  });

  it('probes a colour transfer once per size and mtime, untagged included, beside the duration', async () => {
    const dir = tempDir('mdp-facts-');
    const footage = join(dir, 'footage.mp4');
    await writeFile(footage, 'x');
    const facts = await FileFacts.open(join(dir, 'file-facts.json'));
    let probes = 0;
    assert.equal(await facts.transfer(footage, async () => (++probes, '')), '');
    assert.equal(await facts.duration(footage, async () => 4), 4);
    await facts.save();
    const reread = await FileFacts.open(join(dir, 'file-facts.json'));
    assert.equal(await reread.transfer(footage, async () => (++probes, 'smpte2084')), '', 'not probed again');
    assert.equal(await reread.duration(footage, async () => 9), 4);
    assert.equal(probes, 1);
  });
});
