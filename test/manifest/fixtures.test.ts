// The corpus of broken manifests: each file beside the diagnostics it must produce.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hasErrors, loadManifest } from '../../src/manifest/index.js';
import { ROOT } from '../helpers/project.js';

interface Expected {
  severity: string;
  line: number;
  column: number;
  message: string;
  hint?: string;
}

const invalidDir = join(ROOT, 'test', 'fixtures', 'manifests', 'invalid');
const validDir = join(ROOT, 'test', 'fixtures', 'manifests', 'valid');
const invalid = readdirSync(invalidDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('broken manifests produce exactly their expected diagnostics', () => {
  test('the corpus has at least 25 manifests, each with an expectation', () => {
    assert.ok(invalid.length >= 25, `only ${invalid.length} fixtures`);
    for (const f of invalid) assert.ok(readdirSync(invalidDir).includes(f.replace(/\.yaml$/, '.expected.json')), `${f} has no .expected.json`);
  });

  for (const file of invalid) {
    test(file, async () => {
      const expected = JSON.parse(readFileSync(join(invalidDir, file.replace(/\.yaml$/, '.expected.json')), 'utf8')) as Expected[];
      const result = await loadManifest(join(invalidDir, file));
      assert.equal(result.production, undefined, 'an invalid manifest yields no production');
      assert.ok(hasErrors(result.diagnostics));
      const actual = result.diagnostics.map((d) => ({
        severity: d.severity,
        line: d.line,
        column: d.column,
        message: d.message,
        ...(d.hint ? { hint: d.hint } : {}),
      }));
      assert.deepEqual(actual, expected);
      for (const d of result.diagnostics) assert.equal(d.file, join(invalidDir, file));
    });
  }
});

describe('tricky but valid manifests load', () => {
  for (const file of readdirSync(validDir).filter((f) => f.endsWith('.yaml'))) {
    test(file, async () => {
      const result = await loadManifest(join(validDir, file));
      assert.deepEqual(result.diagnostics, []);
      assert.ok(result.production);
    });
  }

  test('a BOM and CRLF line endings are read, and `no` stays a string (YAML 1.2)', async () => {
    const { production } = await loadManifest(join(validDir, 'bom-crlf.yaml'));
    assert.equal(production?.title, 'no');
    assert.equal(production?.scenes[0]?.kind === 'generated' && production.scenes[0].prompt, 'A bridge in fog');
  });

  test('anchors and aliases expand within the bound, special characters intact', async () => {
    const { production } = await loadManifest(join(validDir, 'anchors.yaml'));
    assert.equal(production?.scenes[0]?.transition.type, 'dissolve');
    assert.equal(production?.scenes[1]?.narration?.text, 'Quotes "inside", colons: 100% \\ backslash — 東京');
    assert.equal(production?.scenes[2]?.narration?.voice, 'neural-narrator-f');
  });
});
