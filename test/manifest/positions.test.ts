// Every position a diagnostic gives lies inside the manifest's text, so editors and the squiggle
// under the source line can use it as it is.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileManifest, formatDiagnosticWithSource, sourceLines, type Diagnostic } from '../../src/manifest/index.js';

function compile(text: string): readonly Diagnostic[] {
  return compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true }).diagnostics;
}

/** The diagnostic's start and end, with each checked to lie within `text`. */
function span(text: string, d: Diagnostic): string {
  const lines = text.split('\n');
  for (const p of [{ line: d.line, column: d.column }, ...(d.end ? [d.end] : [])]) {
    assert.ok(p.line >= 1 && p.line <= lines.length, `line ${p.line} of ${lines.length}`);
    assert.ok(p.column >= 1 && p.column <= lines[p.line - 1]!.length + 1, `column ${p.column} of line ${p.line}, ${lines[p.line - 1]!.length} characters`);
  }
  return `${d.line}:${d.column}-${d.end?.line}:${d.end?.column}`;
}

describe('diagnostic positions', () => {
  test('a text cut off inside a flow mapping: the end stops at the last character', () => {
    const text = 'version: 1\nscenes:\n  - prompt: a\n    transition: {';
    const [d] = compile(text);
    assert.equal(d?.message, 'flow map in block collection must be sufficiently indented and end with a }');
    assert.equal(span(text, d), '4:18-4:18');
  });

  test('a NUL after a quoted key: the end is counted on the line where it lies', () => {
    const text = 'version: 1\nscenes:\n  "0":\u0000 120\n  b: 1\n';
    const [d] = compile(text);
    assert.equal(d?.message, 'unexpected scalar token');
    assert.equal(span(text, d), '3:6-4:4');
  });

  test('the source line shown under a diagnostic is the one it points at, even after a lone carriage return', () => {
    const text = 'version: 1\n# an old note\r saved on a Mac\nscenes:\n  - prompt: a\n    duration: 500\n';
    const [d] = compile(text);
    assert.equal(d?.line, 5);
    const excerpt = formatDiagnosticWithSource(d, sourceLines(text)).split('\n').slice(1);
    assert.deepEqual(excerpt, [' 5 |     duration: 500', '   |               ~~~']);
    assert.equal(sourceLines(text)[1], '# an old note\r saved on a Mac');
  });
});
