/** makeDirectory: parents made one level at a time; errors, never a hang, for paths that cannot be folders. */
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDirectory } from '../../src/util/make-dir.js';
import { tempDir } from '../helpers/temp.js';

test('makes a folder and its missing parents, and accepts one that exists', async () => {
  const root = tempDir('mdp-mkdir-');
  const deep = join(root, 'a', 'b', 'c');
  await makeDirectory(deep);
  assert.ok(statSync(deep).isDirectory());
  await makeDirectory(deep);
  await makeDirectory(root);
});

test('a file in the way is ENOTDIR', async () => {
  const root = tempDir('mdp-mkdir-');
  writeFileSync(join(root, 'file'), '');
  await assert.rejects(makeDirectory(join(root, 'file', 'inside')), { code: 'ENOTDIR' });
});

test('a folder under /proc ends in ENOENT (recursive mkdir never returns there)', { timeout: 10_000 }, async () => {
  await assert.rejects(makeDirectory('/proc/mdp-no-such/inside'), { code: 'ENOENT' });
});
