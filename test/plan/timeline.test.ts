// Timeline math and the DAG: property tests over generated manifests, and fingerprints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileManifest } from '../../src/manifest/index.js';
import { clipBucket, computeTimeline, fingerprintOf, musicParts, nodeFingerprint, planProduction, toFrame } from '../../src/plan/index.js';
import { MUSIC_SECONDS } from '../../src/vocabulary/catalog.js';

const compile = (text: string) => {
  const result = compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true });
  if (!result.production) throw new Error(JSON.stringify(result.diagnostics));
  return result.production;
};

/** A generated valid manifest: scenes with durations, transitions shorter than both neighbours, narration, cues. */
const manifestArb = fc
  .array(
    fc.record({
      duration: fc.integer({ min: 20, max: 1200 }).map((d) => d / 10),
      transition: fc.constantFrom('cut', 'dissolve', 'wipeleft'),
      t: fc.integer({ min: 1, max: 40 }).map((t) => t / 10),
      narrated: fc.boolean(),
      words: fc.integer({ min: 1, max: 12 }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .chain((scenes) => fc.tuple(fc.constant(scenes), fc.array(fc.tuple(fc.nat(scenes.length - 1), fc.nat(scenes.length - 1)), { maxLength: 3 })))
  .map(([scenes, cues]) => {
    const lines = ['version: 1', 'scenes:'];
    scenes.forEach((s, i) => {
      const next = scenes[i + 1];
      // Keep each transition shorter than both scenes and than half of each, so in+out fit.
      const t = next ? Math.min(s.t, Math.floor((Math.min(s.duration, next.duration) / 2 - 0.1) * 10) / 10) : 0;
      lines.push(`  - id: s${i}`, `    prompt: Scene ${i}`, `    duration: ${s.duration}`);
      if (s.transition !== 'cut' && t > 0) lines.push(`    transition: { type: ${s.transition}, duration: ${t} }`);
      if (s.narrated) lines.push(`    narration: { text: "${'word '.repeat(s.words).trim()}", at: 0.2 }`);
    });
    if (cues.length) {
      lines.push('score:');
      cues.forEach(([a, b], k) => lines.push(`  - prompt: Cue ${k}`, `    from: s${Math.min(a, b)}`, `    to: s${Math.max(a, b)}`));
    }
    return { text: `${lines.join('\n')}\n`, scenes };
  });

describe('timeline properties', () => {
  test('film length = Σ scene lengths − Σ transitions; scenes abut with their overlaps; cues stay inside the film', () => {
    fc.assert(
      fc.property(manifestArb, ({ text }) => {
        const production = compile(text);
        const speech = new Map(production.scenes.filter((s) => s.narration).map((s) => [s.id, 0.1]));
        const t = computeTimeline(production, speech);
        const sumD = t.scenes.reduce((a, s) => a + s.duration, 0);
        const sumT = t.scenes.reduce((a, s) => a + s.transition, 0);
        assert.ok(Math.abs(t.length - (sumD - sumT)) < 1e-6);
        for (let i = 1; i < t.scenes.length; i++) {
          const prev = t.scenes[i - 1]!;
          assert.ok(Math.abs(t.scenes[i]!.start - (prev.start + prev.duration - prev.transition)) < 1e-6);
        }
        assert.equal(t.scenes[t.scenes.length - 1]!.transition, 0);
        for (const cue of t.cues) {
          assert.ok(cue.start >= -1e-9 && cue.start + cue.duration <= t.length + 1e-6);
          for (const part of cue.parts) {
            assert.ok(part.start >= cue.start - 1e-9 && part.start + part.duration <= cue.start + cue.duration + 1e-6);
            assert.ok(part.requested >= 15 && part.requested <= MUSIC_SECONDS.max);
            assert.ok(part.requested + 1e-6 >= part.duration, 'each part is long enough for its place');
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('every narration that fits its scene lies inside it', () => {
    fc.assert(
      fc.property(manifestArb, fc.integer({ min: 1, max: 100 }), ({ text }, tenths) => {
        const production = compile(text);
        const spoken = tenths / 10;
        const speech = new Map(production.scenes.filter((s) => s.narration).map((s) => [s.id, spoken]));
        const t = computeTimeline(production, speech);
        for (const n of t.narration) {
          const scene = t.scenes.find((s) => s.id === n.sceneId)!;
          const fits = 0.2 + spoken <= scene.duration;
          if (fits) assert.ok(n.start >= scene.start && n.start + n.duration <= scene.start + scene.duration + 1e-6);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('`auto` scenes take their narration plus padding and the outgoing transition, on a frame', () => {
    const production = compile(
      'version: 1\noutput: { fps: 24 }\nscenes:\n  - id: a\n    prompt: A\n    narration: { text: Hello there, at: 0.5 }\n    transition: { type: dissolve, duration: 0.5 }\n  - id: b\n    prompt: B\n    duration: 4\n',
    );
    const t = computeTimeline(production, new Map([['a', 2.3]]));
    assert.equal(t.scenes[0]!.duration, toFrame(0.5 + 2.3 + 0.5 + 0.5, 24));
    assert.equal(t.length, t.scenes[0]!.duration - 0.5 + 4);
    assert.throws(() => computeTimeline(production, new Map()), /depends on its narration/);
  });
});

describe('requests and fingerprints', () => {
  test('clips are requested at the smallest length the API makes that covers the scene', () => {
    assert.deepEqual([1, 15, 15.01, 30, 59, 61, 120, 121].map(clipBucket), [15, 15, 30, 30, 60, 120, 120, undefined]);
  });

  test('music over 300 s is split into parts that overlap for a crossfade', () => {
    assert.deepEqual(musicParts(10), [{ offset: 0, requested: 15 }]);
    assert.deepEqual(musicParts(299.2), [{ offset: 0, requested: 300 }]);
    assert.deepEqual(musicParts(700), [
      { offset: 0, requested: 300 },
      { offset: 298, requested: 300 },
      { offset: 596, requested: 104 },
    ]);
  });

  test('fingerprints follow the request, not the scene: reordering or retiming transitions changes none', () => {
    const a = compile(
      'version: 1\nscenes:\n  - {id: one, prompt: Rain, duration: 5, transition: {type: dissolve, duration: 1}}\n  - {id: two, prompt: Snow, duration: 6}\nscore:\n  - {prompt: Pads}\n',
    );
    const b = compile(
      'version: 1\nscenes:\n  - {id: second, prompt: Snow, duration: 6, transition: {type: wipeleft, duration: 2}}\n  - {id: first, prompt: Rain, duration: 5}\nscore:\n  - {prompt: Pads}\n',
    );
    const fps = (p: ReturnType<typeof compile>) => {
      const plan = planProduction(p, 'local/test');
      return new Set(plan.nodes.filter((n) => n.kind !== 'stitch').map((n) => nodeFingerprint(plan, n, new Map())));
    };
    assert.deepEqual(fps(a), fps(b));
    const c = compile('version: 1\nscenes:\n  - {id: one, prompt: Rain at dusk, duration: 5}\n  - {id: two, prompt: Snow, duration: 6}\n');
    const planC = planProduction(c, 'local/test');
    const planA = planProduction(a, 'local/test');
    assert.notEqual(
      nodeFingerprint(
        planC,
        planC.nodes.find((n) => n.id === 'clip:one')!,
        new Map(),
      ),
      nodeFingerprint(
        planA,
        planA.nodes.find((n) => n.id === 'clip:one')!,
        new Map(),
      ),
    );
    assert.equal(
      nodeFingerprint(
        planC,
        planC.nodes.find((n) => n.id === 'clip:two')!,
        new Map(),
      ),
      nodeFingerprint(
        planA,
        planA.nodes.find((n) => n.id === 'clip:two')!,
        new Map(),
      ),
    );
    // Another API is another asset.
    assert.notEqual(fingerprintOf({ endpoint: 'speech', params: { text: 'x' } }, 'local/a'), fingerprintOf({ endpoint: 'speech', params: { text: 'x' } }, 'api.mercadream.com'));
  });

  test('an `auto` scene makes its clip and the cues over it wait on its speech', () => {
    const p = compile(
      'version: 1\nscenes:\n  - {id: a, prompt: A, narration: Hello}\n  - {id: b, prompt: B, duration: 5}\nscore:\n  - {prompt: Pads, from: b, to: b}\n  - {prompt: Drums}\n',
    );
    const plan = planProduction(p, 'local/test');
    const byId = new Map(plan.nodes.map((n) => [n.id, n]));
    assert.deepEqual(byId.get('clip:a')?.dependsOn, ['speech:a']);
    assert.deepEqual(byId.get('clip:b')?.dependsOn, []);
    assert.deepEqual(byId.get('music:cue-1')?.dependsOn, []);
    assert.deepEqual(byId.get('music:cue-2')?.dependsOn, ['speech:a']);
    assert.equal(byId.get('clip:a')?.request(new Map()), undefined);
    assert.deepEqual(byId.get('clip:a')?.request(new Map([['a', 3]])), {
      endpoint: 'generate',
      params: { prompt: 'A', resolution: '720p', duration: 15, style: 'cinematic', fps: 24 },
    });
    assert.deepEqual(byId.get('stitch')?.dependsOn.length, plan.nodes.length - 1);
  });
});
