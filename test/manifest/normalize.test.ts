// Normalization: defaults, shorthands, ids and remembered source positions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CAPTION_DEFAULTS } from '../../src/captions/index.js';
import { compileManifest, type CompileOptions } from '../../src/manifest/index.js';

const options: CompileOptions = { baseDir: '/films', fileExists: () => true };

function compile(text: string, extra: Partial<CompileOptions> = {}) {
  return compileManifest('film.yaml', text, { ...options, ...extra });
}

describe('normalize', () => {
  test('applies defaults and assigns ids', () => {
    const { production, diagnostics } = compile('version: 1\nscenes:\n  - prompt: One\n  - id: scene-1\n    prompt: Two\n    narration: Hello.\n');
    assert.deepEqual(diagnostics, []);
    assert.ok(production);
    assert.equal(production.title, 'film');
    assert.equal(production.plan, 'regular');
    assert.deepEqual(production.output, { path: '/films/out/film.mp4', resolution: '720p', fps: 24, loudness: -14, subtitles: 'sidecar', captions: CAPTION_DEFAULTS });
    // An explicit `scene-1` on the second scene pushes the first one's default id aside.
    assert.deepEqual(
      production.scenes.map((s) => s.id),
      ['scene-1-2', 'scene-1'],
    );
    assert.equal(production.scenes[0]?.duration, 5);
    assert.equal(production.scenes[1]?.duration, 'auto');
    assert.deepEqual(production.scenes[1]?.narration, { text: 'Hello.', voice: 'neural-narrator-m', speed: 1, at: 0.5, pointer: '/scenes/1/narration' });
  });

  test('defaults.transition applies between scenes; the last scene always ends on a cut', () => {
    const { production } = compile(
      'version: 1\ndefaults:\n  transition: { type: dissolve, duration: 0.75 }\n  style: noir\nscenes:\n  - prompt: A\n    duration: 4\n  - prompt: B\n    duration: 4\n    transition: { type: wipeleft }\n  - prompt: C\n    duration: 4\n',
    );
    assert.deepEqual(
      production?.scenes.map((s) => s.transition),
      [
        { type: 'dissolve', duration: 0.75 },
        { type: 'wipeleft', duration: 0.75 },
        { type: 'cut', duration: 0 },
      ],
    );
    assert.equal(production?.scenes[0]?.kind === 'generated' && production.scenes[0].style, 'noir');
  });

  test('the default resolution is the plan maximum capped at 4k; --plan overrides the manifest', () => {
    assert.equal(compile('version: 1\nplan: professional\nscenes: [{prompt: A}]\n').production?.output.resolution, '4k');
    assert.equal(compile('version: 1\nplan: advanced\nscenes: [{prompt: A}]\n').production?.output.resolution, '4k');
    const overridden = compile('version: 1\nplan: regular\noutput: {resolution: 4k}\nscenes: [{prompt: A}]\n', { plan: 'advanced' });
    assert.deepEqual(overridden.diagnostics, []);
    assert.equal(overridden.production?.plan, 'advanced');
  });

  test('score cues default to the whole film', () => {
    const { production } = compile('version: 1\nscenes:\n  - {id: a, prompt: A}\n  - {id: b, prompt: B}\nscore:\n  - prompt: Strings\n');
    assert.deepEqual(production?.score[0], { index: 0, id: 'cue-1', pointer: '/score/0', prompt: 'Strings', from: 'a', to: 'b', gain: -6, duck: -12, fadeIn: 1, fadeOut: 2 });
  });

  test('footage paths resolve against the manifest folder; outside paths only when allowed', () => {
    const inside = compile('version: 1\nscenes:\n  - source: footage/a.mp4\n');
    assert.equal(inside.production?.scenes[0]?.kind === 'footage' && inside.production.scenes[0].source, '/films/footage/a.mp4');
    const outside = 'version: 1\nscenes:\n  - source: ../elsewhere/a.mp4\n';
    assert.equal(compile(outside).diagnostics[0]?.code, 'paths-stay-inside');
    assert.deepEqual(compile(outside, { allowOutsidePaths: true }).diagnostics, []);
  });

  test('the production remembers where each part came from', () => {
    const { production } = compile('version: 1\nscenes:\n  - prompt: A\n    duration: 4\n  - prompt: B\n    narration:\n      text: Hi\n');
    assert.ok(production);
    const span = production.source.locate(production.scenes[1]!.narration!.pointer);
    assert.deepEqual(span.start, { line: 7, column: 7 });
    assert.deepEqual(production.source.locate('/scenes/0/duration', 'key').start, { line: 4, column: 5 });
  });

  test('a missing source is reported through the injected file check, not the disk', () => {
    const seen: string[] = [];
    const result = compile('version: 1\nscenes:\n  - source: clip.mp4\n', {
      fileExists: (p) => {
        seen.push(p);
        return false;
      },
    });
    assert.deepEqual(seen, ['/films/clip.mp4']);
    assert.equal(result.diagnostics[0]?.message, 'scenes[0].source: no file at clip.mp4');
  });
});
