// Narration with control characters is refused at the character itself, raw or escaped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileManifest } from '../../src/manifest/index.js';

const compile = (text: string) => compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true });

test('a NUL, a bell or a C1 control in narration is an error at its line and column', () => {
  const text = [
    'version: 1',
    'scenes:',
    '  - prompt: x',
    '    narration: "Hello\\0 world"',
    '  - prompt: y',
    '    narration:',
    '      text: "ok \\x07 bell and \\u0085"',
    '  - prompt: z',
    '    narration: "Tabs\\tand\\nnewlines are fine"',
  ].join('\n');
  const found = compile(text).diagnostics.filter((d) => d.code === 'narration-control-character');
  assert.deepEqual(
    found.map((d) => [d.line, d.column, d.severity]),
    [
      [4, 22, 'error'],
      [7, 17, 'error'],
    ],
  );
  assert.match(found[0]!.message, /^scenes\[0\]\.narration \(scene `scene-1`\) holds the control character U\+0000 \(NUL\)/);
  assert.match(found[1]!.message, /U\+0007 \(BEL\)/);
});

test('a control character written raw in a block scalar is found where it stands', () => {
  const text = `version: 1\nscenes:\n  - prompt: x\n    narration: |\n      first line\n      sec\u0007ond\n`;
  const [d] = compile(text).diagnostics.filter((x) => x.code === 'narration-control-character');
  assert.deepEqual([d?.line, d?.column], [6, 10]);
});
