// Names people bring from other tools: `fade` and `crossfade` mean a dissolve (ffmpeg's xfade,
// editly and gl-transitions call the crossfade `fade`), and a value the manifest does not know
// gets a did-you-mean, as an unknown key does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileManifest, type Diagnostic, type Production } from '../../src/manifest/index.js';
import { planProduction, nodeFingerprint } from '../../src/plan/dag.js';
import { buildStitchPlan } from '../../src/plan/stitch-plan.js';
import { computeTimeline } from '../../src/plan/timeline.js';

const compile = (text: string) => compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true });

const film = (type: string) =>
  `version: 1\ndefaults: { transition: { type: ${type}, duration: 0.5 } }\nscenes:\n  - prompt: Rain\n    duration: 3\n  - prompt: Sun\n    duration: 3\n    transition: { type: ${type}, duration: 1 }\n  - prompt: Snow\n    duration: 3\n`;

function production(type: string): Production {
  const { production, diagnostics } = compile(film(type));
  assert.deepEqual(diagnostics, [], type);
  assert.ok(production);
  return production;
}

/** What a run hashes and asks for: the request fingerprints and the stitch plan. */
function planned(p: Production) {
  const dag = planProduction(p, 'local/test');
  const speech = new Map<string, number>();
  const fingerprints = dag.nodes.map((n) => nodeFingerprint(dag, n, speech));
  const stitch = buildStitchPlan(dag, computeTimeline(p, speech), (id) => `${id}.mp4`);
  return JSON.stringify({ fingerprints, stitch });
}

describe('transition names from other tools', () => {
  for (const alias of ['fade', 'crossfade']) {
    test(`\`${alias}\` is a dissolve: same transitions, fingerprints and stitch plan`, () => {
      const dissolve = production('dissolve');
      const named = production(alias);
      assert.deepEqual(
        named.scenes.map((s) => s.transition),
        [
          { type: 'dissolve', duration: 0.5 },
          { type: 'dissolve', duration: 1 },
          { type: 'cut', duration: 0 },
        ],
      );
      assert.equal(planned(named), planned(dissolve));
    });
  }

  test('fadeblack stays its own transition', () => {
    assert.equal(production('fadeblack').scenes[0]?.transition.type, 'fadeblack');
  });
});

describe('did-you-mean for values the manifest does not know', () => {
  const first = (text: string): Diagnostic => {
    const [d] = compile(text).diagnostics;
    assert.ok(d, 'a diagnostic');
    return d;
  };
  const transition = (type: string) => first(`version: 1\nscenes:\n  - prompt: a\n    transition: { type: ${type} }\n  - prompt: b\n`);

  test('a typo of a transition name', () => {
    assert.equal(transition('disolve').hint, 'did you mean `dissolve`?');
    assert.equal(transition('crosfade').hint, 'did you mean `crossfade`?');
    assert.equal(transition('Dissolve').hint, 'did you mean `dissolve`?');
  });

  test('the start of several names lists them', () => {
    assert.equal(transition('wipe').hint, 'did you mean one of `wipeleft`, `wiperight`, `wipeup`, `wipedown`?');
    assert.equal(transition('circle').hint, 'did you mean one of `circleopen`, `circleclose`?');
  });

  test('a resolution written as a number', () => {
    const d = first('version: 1\noutput: { resolution: 1080 }\nscenes:\n  - prompt: a\n');
    assert.equal(d.message, 'output.resolution must be one of 720p, 1080p, 4k, 8k, not 1080');
    assert.equal(d.hint, 'did you mean `1080p`?');
  });

  test('a plan typo', () => {
    assert.equal(first('version: 1\nplan: profesional\nscenes:\n  - prompt: a\n').hint, 'did you mean `professional`?');
  });

  test('nothing close: no hint, the message lists the values', () => {
    const d = transition('zoom');
    assert.equal(d.hint, undefined);
    assert.match(d.message, /must be one of cut, dissolve, fade, crossfade, fadeblack/);
  });

  test('fps 25 gets no guess: the message lists 24, 30 and 60', () => {
    const d = first('version: 1\noutput: { fps: 25 }\nscenes:\n  - prompt: a\n');
    assert.equal(d.message, 'output.fps must be one of 24, 30, 60, not 25');
    assert.equal(d.hint, undefined);
  });
});
