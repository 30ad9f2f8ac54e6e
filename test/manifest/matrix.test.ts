// matrix: expansion with CI-matrix semantics, interpolation, and diagnostics that name the combination.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileManifest } from '../../src/manifest/index.js';
import { expandMatrix } from '../../src/manifest/matrix.js';

const compile = (text: string) => compileManifest('batch.yaml', text, { baseDir: '/films', fileExists: () => true });

describe('matrix', () => {
  test('product, exclude, include (extending matches, else adding)', () => {
    const combos = expandMatrix({
      city: ['tokyo', 'paris'],
      look: ['cinematic', 'noir'],
      exclude: [{ city: 'paris', look: 'noir' }],
      include: [
        { city: 'tokyo', voice: 'neural-narrator-f' },
        { city: 'lima', look: 'vintage' },
      ],
    });
    assert.deepEqual(combos, [
      { city: 'tokyo', look: 'cinematic', voice: 'neural-narrator-f' },
      { city: 'tokyo', look: 'noir', voice: 'neural-narrator-f' },
      { city: 'paris', look: 'cinematic' },
      { city: 'lima', look: 'vintage' },
    ]);
  });

  test('one invalid combination is rejected with its own diagnostics; the others stay valid for run', () => {
    const r = compileManifest(
      'batch.yaml',
      `version: 1
matrix:
  clip: [harbour, missing, market]
output: { path: "out/\${{ matrix.clip }}.mp4" }
scenes:
  - source: "footage/\${{ matrix.clip }}.mp4"
    duration: 5
`,
      { baseDir: '/films', fileExists: (path) => !path.includes('missing') },
    );
    assert.equal(r.productions.length, 0, 'validate still calls the manifest invalid');
    assert.deepEqual(
      r.valid.map((p) => p.matrix),
      [{ clip: 'harbour' }, { clip: 'market' }],
    );
    assert.equal(r.rejected.length, 1);
    assert.deepEqual(r.rejected[0]!.matrix, { clip: 'missing' });
    assert.match(r.rejected[0]!.diagnostics[0]!.message, /footage\/missing\.mp4.*\[matrix: clip=missing\]/);
  });

  test('each combination becomes a production with its values in prompts, narration, title and output path', () => {
    const r = compile(`version: 1
title: "Night in \${{ matrix.city }}"
matrix:
  city: [tokyo, paris]
  n: [1, 2]
output: { path: "out/\${{ matrix.city }}-\${{matrix.n}}.mp4" }
scenes:
  - prompt: "Rain over \${{ matrix.city }}, take \${{ matrix.n }}"
    duration: 5
    narration: "Welcome to \${{ matrix.city }}."
`);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.production, undefined);
    assert.equal(r.productions.length, 4);
    const first = r.productions[0]!;
    assert.equal(first.title, 'Night in tokyo');
    assert.equal(first.output.path, '/films/out/tokyo-1.mp4');
    assert.equal(first.scenes[0]?.kind === 'generated' && first.scenes[0].prompt, 'Rain over tokyo, take 1');
    assert.equal(first.scenes[0]?.narration?.text, 'Welcome to tokyo.');
    assert.deepEqual(first.matrix, { city: 'tokyo', n: 1 });
    assert.equal(first.variant, 'tokyo-1');
    assert.deepEqual(
      r.productions.map((p) => p.variant),
      ['tokyo-1', 'tokyo-2', 'paris-1', 'paris-2'],
    );
  });

  test('a problem in one combination points into the original file and names its values', () => {
    const r = compile(`version: 1
matrix:
  secs: ["5", "150"]
output: { path: "out/\${{ matrix.secs }}.mp4" }
scenes:
  - prompt: "A \${{ matrix.secs }} second shot"
    duration: 5
    narration: { text: "Hello", at: 0.5 }
  - prompt: "\${{ matrix.unknown }}"
    duration: 5
`);
    assert.equal(r.productions.length, 0);
    const messages = r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
    assert.deepEqual(
      messages.filter((m) => m.startsWith('9:13')),
      ['9:13 ${{ matrix.unknown }} names no matrix value (this combination has secs) [matrix: all 2 combinations]'],
      'a problem of every combination is said once',
    );
    assert.deepEqual(
      r.rejected.map((x) => x.diagnostics.map((d) => d.message).filter((m) => m.includes('matrix.unknown'))),
      [
        ['${{ matrix.unknown }} names no matrix value (this combination has secs) [matrix: secs=5]'],
        ['${{ matrix.unknown }} names no matrix value (this combination has secs) [matrix: secs=150]'],
      ],
      "each production's own failure still names its combination",
    );
  });

  test('a problem of some combinations is said once, naming the combinations it applies to', () => {
    const r = compile(`version: 1
matrix:
  city: [tokyo, paris]
  look: [noir, bogus]
output: { path: "out/\${{ matrix.city }}-\${{ matrix.look }}.mp4" }
scenes:
  - prompt: "Rain over \${{ matrix.city }}"
    style: "\${{ matrix.look }}"
`);
    assert.equal(r.productions.length, 4, 'an unknown style is a warning');
    const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
    assert.equal(warnings.length, 1, warnings.map((d) => d.message).join('\n'));
    assert.match(warnings[0]!.message, /bogus.*\[matrix: city=tokyo, look=bogus; city=paris, look=bogus\]$/);
  });

  test('productions of one matrix must not share an output path', () => {
    const r = compile('version: 1\nmatrix:\n  city: [tokyo, paris]\nscenes:\n  - prompt: "Rain over ${{ matrix.city }}"\n');
    assert.equal(r.productions.length, 0);
    assert.match(r.diagnostics[0]!.message, /^output\.path is the same for \[matrix: city=tokyo\] and \[matrix: city=paris\]/);
    assert.equal(r.diagnostics[0]!.hint, 'put a matrix value in it, e.g. out/${{ matrix.city }}.mp4');
  });

  test('a matrix whose every combination is excluded is an error', () => {
    const r = compile('version: 1\nmatrix:\n  a: [1]\n  exclude: [{a: 1}]\nscenes:\n  - prompt: x\n');
    assert.equal(r.diagnostics[0]?.message, 'matrix makes no combination (every one is excluded)');
  });

  test('names every object has (toString, constructor, __proto__) are not matrix values unless the matrix lists them', () => {
    const r = compile('version: 1\nmatrix:\n  city: [a]\ntitle: "${{ matrix.toString }} ${{ matrix.constructor }} ${{ matrix.__proto__ }}"\nscenes:\n  - prompt: x\n');
    assert.equal(r.productions.length, 0);
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`),
      [
        '4:8 ${{ matrix.__proto__ }} names no matrix value (this combination has city) [matrix: city=a]',
        '4:8 ${{ matrix.constructor }} names no matrix value (this combination has city) [matrix: city=a]',
        '4:8 ${{ matrix.toString }} names no matrix value (this combination has city) [matrix: city=a]',
      ],
    );
    const listed = compile('version: 1\nmatrix:\n  constructor: [a, b]\noutput: { path: "out/${{ matrix.constructor }}.mp4" }\nscenes:\n  - prompt: x\n');
    assert.deepEqual(
      listed.productions.map((p) => p.output.path),
      ['/films/out/a.mp4', '/films/out/b.mp4'],
    );
  });

  test('an include with such a name extends the combinations it fits', () => {
    // As YAML reads it: `__proto__` an own key, not the object's prototype.
    const include = JSON.parse('[{ "city": "a", "__proto__": "x" }, { "constructor": "y" }]') as Array<Record<string, string>>;
    assert.deepEqual(
      expandMatrix({ city: ['a', 'b'], include }).map((c) => JSON.stringify(c)),
      ['{"city":"a","__proto__":"x","constructor":"y"}', '{"city":"b","constructor":"y"}'],
    );
  });
});
