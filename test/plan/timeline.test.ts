// Timeline math and the DAG: property tests over generated manifests, and fingerprints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileManifest } from '../../src/manifest/index.js';
import { buildStitchPlan, clipBucket, computeTimeline, fingerprintOf, gridFrame, musicParts, nodeFingerprint, planProduction, toFrame } from '../../src/plan/index.js';
import { MUSIC_SECONDS } from '../../src/vocabulary/catalog.js';
import { frameTimeline } from '../../src/media/stitch-timeline.js';

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
    // 3.8 s → 91.2 frames, up to 92; the dissolve is 12 frames, scene b 96.
    assert.equal(t.frames, 92 - 12 + 96);
    assert.equal(t.length, t.frames / 24);
    assert.throws(() => computeTimeline(production, new Map()), /depends on its narration/);
  });
});

/** Where a generated scene's narration starts (inside the scene), seconds. */
const atOf = (s: { at: number; duration: number }): number => Math.min(s.at, Math.floor(s.duration * 50) / 100);

/** A manifest of scenes with arbitrary lengths (hundredths of a second) and transitions, at `fps`. */
const gridArb = fc
  .record({
    fps: fc.constantFrom(24, 30, 60),
    scenes: fc.array(
      fc.record({
        duration: fc.integer({ min: 30, max: 2000 }).map((d) => d / 100),
        t: fc.integer({ min: 0, max: 400 }).map((t) => t / 100),
        at: fc.integer({ min: 0, max: 100 }).map((a) => a / 100),
        narrated: fc.boolean(),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  })
  .map(({ fps, scenes }) => {
    const lines = ['version: 1', `output: { fps: ${fps} }`, 'scenes:'];
    const transitions: number[] = [];
    scenes.forEach((s, i) => {
      const next = scenes[i + 1];
      const prev = transitions[i - 1] ?? 0;
      // Shorter than both scenes it joins, and leaving this one longer than its two transitions.
      const t = next ? Math.max(0, Math.min(s.t, Math.floor((Math.min(s.duration - prev, next.duration) / 2) * 100 - 1) / 100)) : 0;
      transitions.push(t);
      lines.push(`  - id: s${i}`, `    prompt: Scene ${i}`, `    duration: ${s.duration}`);
      if (t > 0) lines.push(`    transition: { type: dissolve, duration: ${t} }`);
      if (s.narrated) lines.push(`    narration: { text: Words, at: ${atOf(s)} }`);
    });
    return { text: `${lines.join('\n')}\n`, fps, scenes, transitions };
  });

/** Exact cumulative starts T_k = Σ_{j<k} (d_j − t_j), and the exact length, seconds. */
function exactStarts(durations: readonly number[], transitions: readonly number[]): { starts: number[]; length: number } {
  const starts: number[] = [];
  let t = 0;
  durations.forEach((d, k) => {
    starts.push(t);
    t += d - (transitions[k] ?? 0);
  });
  return { starts, length: starts[starts.length - 1]! + durations[durations.length - 1]! };
}

describe('one cumulative frame grid', () => {
  test('scene k starts at round(T_k × fps); its length, the transitions and the film length are differences of grid points (property)', () => {
    fc.assert(
      fc.property(gridArb, ({ text, fps, scenes, transitions }) => {
        const t = computeTimeline(compile(text), new Map());
        const { starts, length } = exactStarts(
          scenes.map((s) => s.duration),
          transitions,
        );
        assert.equal(t.fps, fps);
        t.scenes.forEach((scene, k) => {
          assert.equal(scene.startFrame, gridFrame(starts[k]!, fps));
          assert.equal(scene.start, scene.startFrame / fps);
          assert.equal(scene.startFrame + scene.frames, gridFrame(starts[k]! + scenes[k]!.duration, fps), 'a scene ends on the grid point of its exact end');
          assert.equal(scene.duration, scene.frames / fps);
          assert.equal(scene.transition, scene.transitionFrames / fps);
          const next = t.scenes[k + 1];
          if (next) assert.equal(next.startFrame, scene.startFrame + scene.frames - scene.transitionFrames, 'the next scene starts where the transition begins');
          // A scene never needs more frames than its length holds, and always holds its transitions.
          const d = scenes[k]!.duration * fps;
          assert.ok(scene.frames >= Math.floor(d + 1e-7) && scene.frames <= Math.ceil(d - 1e-7), `${scene.frames} frames for ${d}`);
          assert.ok(scene.frames >= scene.transitionFrames + (t.scenes[k - 1]?.transitionFrames ?? 0));
        });
        const last = t.scenes[t.scenes.length - 1]!;
        assert.equal(t.frames, last.startFrame + last.frames);
        assert.equal(t.frames, gridFrame(length, fps));
        assert.equal(t.length, t.frames / fps);
        for (const n of t.narration) {
          const k = t.scenes.findIndex((s) => s.id === n.sceneId);
          assert.equal(n.startFrame, gridFrame(starts[k]! + atOf(scenes[k]!), fps));
          assert.equal(n.start, n.startFrame / fps);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('no boundary drifts with the number of scenes: each is within half a frame of its exact time (property)', () => {
    fc.assert(
      fc.property(gridArb, ({ text, fps, scenes, transitions }) => {
        const t = computeTimeline(compile(text), new Map());
        const { starts, length } = exactStarts(
          scenes.map((s) => s.duration),
          transitions,
        );
        const half = 0.5 / fps + 1e-9;
        t.scenes.forEach((scene, k) => {
          assert.ok(Math.abs(scene.start - starts[k]!) <= half, `scene ${k} starts ${scene.start} s, exactly ${starts[k]} s`);
          assert.ok(Math.abs(scene.start + scene.duration - (starts[k]! + scenes[k]!.duration)) <= half);
        });
        assert.ok(Math.abs(t.length - length) <= half, `film ${t.length} s, exactly ${length} s`);
        for (const n of t.narration) {
          const k = t.scenes.findIndex((s) => s.id === n.sceneId);
          assert.ok(Math.abs(n.start - (starts[k]! + atOf(scenes[k]!))) <= half);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('the stitcher reads the plan’s grid back frame for frame: its clips and length are the timeline’s (property)', () => {
    fc.assert(
      fc.property(gridArb, ({ text }) => {
        const production = compile(text);
        const t = computeTimeline(production, new Map());
        const frames = frameTimeline(buildStitchPlan(planProduction(production, 'local/test'), t, (id) => `${id}.mp4`));
        assert.deepEqual(
          frames.clips.map((c) => [c.startFrame, c.frames, c.transitionFrames]),
          t.scenes.map((s) => [s.startFrame, s.frames, s.transitionFrames]),
        );
        assert.equal(frames.frames, t.frames);
      }),
      { numRuns: 300 },
    );
  });

  test('30 scenes of 1.01 s at 24 fps: 727 frames (30.29 s), not 720; the last narration 0.5 s into its scene', () => {
    const lines = ['version: 1', 'output: { fps: 24 }', 'scenes:'];
    for (let i = 0; i < 30; i++) lines.push(`  - { id: s${i}, prompt: Scene ${i}, duration: 1.01${i === 29 ? ', narration: { text: Go, at: 0.5 }' : ''} }`);
    const t = computeTimeline(compile(`${lines.join('\n')}\n`), new Map([['s29', 0.4]]));
    assert.equal(t.frames, 727); // 30.3 s × 24 = 727.2
    assert.equal(t.length, 727 / 24);
    assert.deepEqual(
      t.scenes.slice(0, 5).map((s) => s.startFrame),
      [0, 24, 48, 73, 97],
    ); // 24.24 k rounded
    const last = t.scenes[29]!;
    assert.equal(last.startFrame, 703); // 29.29 s × 24 = 702.96
    assert.equal(last.frames, 24);
    assert.equal(t.narration[0]!.startFrame, 715); // (29.29 + 0.5) × 24 = 714.96
    assert.ok(Math.abs(t.narration[0]!.start - (last.start + 0.5)) <= 1 / 24);
  });

  test('cues and their parts start and end on the grid, from their first scene to the end of their last', () => {
    const lines = ['version: 1', 'output: { fps: 30 }', 'scenes:'];
    for (let i = 0; i < 40; i++) lines.push(`  - { id: s${i}, prompt: Scene ${i}, duration: 10.01, transition: { type: dissolve, duration: 0.33 } }`);
    lines.push('score:', '  - { prompt: Pads, from: s1, to: s39 }');
    const t = computeTimeline(compile(`${lines.join('\n')}\n`), new Map());
    const cue = t.cues[0]!;
    const onGrid = (s: number) => Math.abs(s * 30 - Math.round(s * 30)) < 1e-6;
    assert.equal(cue.start, t.scenes[1]!.start);
    assert.ok(Math.abs(cue.start + cue.duration - t.length) < 1e-9);
    assert.ok(cue.parts.length >= 2, 'a cue over 300 s is split');
    for (const part of cue.parts) assert.ok(onGrid(part.start) && onGrid(part.duration), `${part.node} at ${part.start} s for ${part.duration} s`);
    assert.ok(onGrid(cue.duration));
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
