// compileManifest's promise: whatever happens inside, a result with diagnostics, never an exception.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileManifest } from '../../src/manifest/index.js';

describe('compileManifest', () => {
  test('a failing environment is one internal error, not an exception', () => {
    const result = compileManifest('film.yaml', 'version: 1\nscenes:\n  - source: clip.mp4\n', {
      baseDir: '/films',
      fileExists: () => {
        throw new Error('EIO: i/o error, stat');
      },
    });
    assert.deepEqual(result.productions, []);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`),
      ['film.yaml:1:1 internal-error: the manifest could not be checked (Error: EIO: i/o error, stat)'],
    );
  });
});
