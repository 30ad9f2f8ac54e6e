// `outputs:`: one storyboard as several files. Sizes from aspect and resolution, names, the
// resolution the clips are requested at, and the diagnostics (odd sizes, above the plan's
// maximum, output and outputs together, two renditions on one file) at their line:column.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileManifest, type Production } from '../../src/manifest/index.js';

const SCENES = `scenes:
  - prompt: A lighthouse at dawn
    reframe: crop
    focus: 0.2
  - prompt: Waves on rocks
`;

function compile(text: string, plan?: 'regular' | 'advanced' | 'professional') {
  return compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true, ...(plan ? { plan } : {}) });
}

function errors(text: string, plan?: 'regular' | 'advanced' | 'professional'): string[] {
  return compile(text, plan)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`);
}

function produced(text: string, plan?: 'regular' | 'advanced' | 'professional'): Production {
  const result = compile(text, plan);
  assert.deepEqual(
    result.diagnostics.map((d) => d.message),
    [],
  );
  return result.production!;
}

describe('outputs: renditions', () => {
  test('aspect and resolution give the frame: the resolution is the short side', () => {
    const p = produced(`version: 1
plan: advanced
output: { fps: 30, loudness: -16 }
outputs:
  - { path: out/wide.mp4, resolution: 720p }
  - { path: out/tall.mp4, aspect: "9:16", resolution: 720p }
  - { path: out/square.mp4, aspect: 1:1, resolution: 1080p, subtitles: burn, captions: { style: words } }
  - { path: out/feed.mp4, aspect: 4:5, resolution: 720p, reframe: crop, name: feed }
  - { path: out/custom.mov, size: 1080x1350 }
${SCENES}`);
    assert.deepEqual(
      p.renditions.map((r) => [r.name, r.pointer, r.path, `${r.width}x${r.height}`, r.reframe, r.subtitles, r.captionSafeBottom]),
      [
        ['16x9', '/outputs/0', '/films/out/wide.mp4', '1280x720', 'pad', 'sidecar', 0],
        ['9x16', '/outputs/1', '/films/out/tall.mp4', '720x1280', 'fit', 'sidecar', 0.2],
        ['1x1', '/outputs/2', '/films/out/square.mp4', '1080x1080', 'fit', 'burn', 0],
        ['feed', '/outputs/3', '/films/out/feed.mp4', '720x900', 'crop', 'sidecar', 0.2],
        ['1080x1350', '/outputs/4', '/films/out/custom.mov', '1080x1350', 'fit', 'sidecar', 0.2],
      ],
    );
    assert.equal(p.renditions[2]!.captions.style, 'words');
    // Clips are requested once, at the short side every rendition needs: 1080.
    assert.deepEqual([p.output.resolution, p.output.fps, p.output.loudness, p.output.path], ['1080p', 30, -16, '/films/out/wide.mp4']);
    assert.deepEqual(
      p.scenes.map((s) => [s.reframe, s.focus]),
      [
        ['crop', 0.2],
        [undefined, undefined],
      ],
    );
  });

  test('a single output: is one 16:9 rendition with bars, as before', () => {
    const p = produced(`version: 1
output: { path: out/film.mp4, resolution: 720p }
scenes:
  - prompt: A lighthouse at dawn
`);
    assert.deepEqual(
      p.renditions.map((r) => [r.name, r.pointer, r.path, r.width, r.height, r.reframe]),
      [['16x9', '/output', '/films/out/film.mp4', 1280, 720, 'pad']],
    );
    assert.equal(p.output.resolution, '720p');
  });

  test('two renditions of one aspect are numbered', () => {
    const p = produced(`version: 1
outputs:
  - { path: out/a.mp4, aspect: "9:16" }
  - { path: out/b.mp4, aspect: "9:16" }
${SCENES}`);
    assert.deepEqual(
      p.renditions.map((r) => r.name),
      ['9x16', '9x16-2'],
    );
  });

  test('an odd size is an error at its line', () => {
    assert.deepEqual(
      errors(`version: 1
outputs:
  - path: out/a.mp4
  - path: out/b.mp4
    size: 721x1281
${SCENES}`),
      ['5:11 rendition-size-allowed: outputs[1] is 721x1281: a frame size must be even in both width and height'],
    );
  });

  test('a frame too small to carry a picture is an error at its size', () => {
    assert.deepEqual(
      errors(`version: 1
outputs:
  - path: out/a.mp4
    size: 2x2
  - path: out/b.mp4
    size: 1280x2
  - path: out/c.mp4
    size: 256x144
${SCENES}`),
      [
        '4:11 rendition-size-allowed: outputs[0] is 2x2: each side must be at least 144 pixels',
        '6:11 rendition-size-allowed: outputs[1] is 1280x2: each side must be at least 144 pixels',
      ],
    );
  });

  test('a rendition above the plan maximum is an error at its resolution or size', () => {
    assert.deepEqual(
      errors(`version: 1
outputs:
  - { path: out/a.mp4, aspect: "9:16", resolution: 1080p }
  - { path: out/b.mp4, size: 1080x1350 }
${SCENES}`),
      [
        "3:52 rendition-size-allowed: outputs[0] is 1080x1920, above the regular plan's maximum frame of 1280x720 (720p)",
        "4:30 rendition-size-allowed: outputs[1] is 1080x1350, above the regular plan's maximum frame of 1280x720 (720p)",
      ],
    );
    assert.deepEqual(errors(`version: 1\noutputs:\n  - { path: out/a.mp4, aspect: "9:16", resolution: 1080p }\n${SCENES}`, 'advanced'), []);
  });

  test('output: with a path beside outputs: is an error at the key', () => {
    assert.deepEqual(
      errors(`version: 1
output:
  fps: 30
  path: out/film.mp4
outputs:
  - path: out/a.mp4
${SCENES}`),
      ['4:3 one-output-form: output.path and outputs: are both given: each rendition in outputs: sets its own path'],
    );
  });

  test('two renditions writing one file, or one set of sidecars, are an error at the second', () => {
    const result = compile(`version: 1
outputs:
  - path: out/a.mp4
  - path: out/a.mp4
    aspect: "1:1"
  - path: out/a.mov
    aspect: "4:5"
${SCENES}`);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`),
      [
        '4:11 rendition-files-distinct: rendition `1x1` writes the same file as rendition `16x9`',
        '6:11 rendition-files-distinct: rendition `4x5` writes the same caption sidecars (.srt, .vtt, .words.json: the same path without its extension) as rendition `16x9`',
      ],
    );
    assert.equal(result.diagnostics[0]!.related?.[0]?.line, 3);
  });

  test('size with aspect, a repeated name, a path leaving the folder and a focus out of range are errors', () => {
    assert.deepEqual(
      errors(`version: 1
outputs:
  - { path: out/a.mp4, name: main }
  - { path: ../b.mp4, name: main, size: 720x720, aspect: "1:1" }
${SCENES}`),
      [
        "4:13 paths-stay-inside: outputs[1].path leaves the manifest's folder",
        '4:29 rendition-names-unique: outputs[1].name `main` is already used by another rendition',
        '4:35 rendition-size-or-shape: outputs[1] gives both size and aspect',
      ],
    );
    assert.match(errors(`version: 1\noutputs: [{ path: out/a.mp4 }]\nscenes:\n  - { prompt: x, focus: 1.5 }\n`).join('\n'), /^4:\d+ .*focus/);
  });
});
