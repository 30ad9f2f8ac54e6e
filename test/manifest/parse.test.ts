// The YAML stage's limits: whatever the text, it comes back as diagnostics, never as an exception.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileManifest, type Diagnostic } from '../../src/manifest/index.js';

function compile(text: string): readonly Diagnostic[] {
  return compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true }).diagnostics;
}

const brief = (d: Diagnostic) => `${d.line}:${d.column} ${d.severity}: ${d.message}`;

describe('nesting', () => {
  test('thousands of `- ` in a list item: one error at the line, not a stack overflow', () => {
    const text = `version: 1\nscenes:\n  - prompt: a\n  - ${'- '.repeat(10_000)}\n  - prompt: b\n`;
    assert.deepEqual(compile(text).map(brief), ['4:3 error: values nest too deeply to be read']);
  });

  test('a thousand unclosed brackets: one error, not one per bracket the parser gave up on', () => {
    const diagnostics = compile(`version: 1\nscenes:\n  - prompt: a\n  - ${'['.repeat(1000)}\n  - prompt: b\n`);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]?.message, 'values nest too deeply to be read');
    assert.equal(diagnostics[0]?.code, 'yaml-too-deep');
  });

  test('aliases count with the depth of what they repeat', () => {
    const level = (inner: string) => `${'['.repeat(30)}${inner}${']'.repeat(30)}`;
    const text = `version: 1\nscenes:\n  - prompt: x\ntitle:\n  - &a ${level('x')}\n  - &b ${level('*a')}\n  - ${level('*b')}\n`;
    assert.deepEqual(compile(text).map(brief), ['7:35 error: values nest more than 64 levels deep']);
  });

  test('a manifest as deep as a film gets is fine', () => {
    const text =
      'version: 1\nmatrix:\n  city: [a]\n  include:\n    - { city: a, n: 1 }\noutput: { path: "out/${{ matrix.city }}.mp4" }\nscenes:\n  - prompt: x\n    narration: { text: Hello }\n';
    assert.deepEqual(compile(text).map(brief), []);
  });
});
