// Short clips as data: which scenes are short (a frame or more), what each policy does, the words
// of the warning for a generated clip MercaDream delivered short, and the conform's ffmpeg fragments.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileManifest } from '../../src/manifest/index.js';
import { buildConformArgs, conformKey, conformVideoFilter } from '../../src/media/conform.js';
import type { MediaProbe } from '../../src/media/probe.js';
import { SLOW_LIMIT, shortMediaFit, shortfall } from '../../src/media/short-media.js';
import { computeTimeline } from '../../src/plan/index.js';
import { shortMediaOutcome } from '../../src/runner/short-media.js';
import { fakeProbe } from '../media/probe-fixture.js';

const compile = (text: string) => {
  const result = compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true });
  if (!result.production) throw new Error(JSON.stringify(result.diagnostics));
  return result.production;
};

const FILM = `version: 1
defaults: { short_media: loop }
scenes:
  - id: harbour
    prompt: A harbour at dawn
    duration: 15
  - id: market
    prompt: A night market
    duration: 15
    short_media: error
  - id: title
    prompt: A title card
    duration: 5
    short_media: hold
`;

describe('short media', () => {
  test('a shortfall under one frame is not short; one frame or more is', () => {
    assert.equal(shortfall(15, 15 - 0.9 / 24, 24), 0);
    assert.ok(shortfall(15, 15 - 1 / 24, 24) > 0);
    assert.equal(shortfall(3, 4, 24), 0);
  });

  test('each policy fits a 1 s source to a 3 s scene its own way; slow stops at its limit and holds the rest', () => {
    assert.deepEqual(shortMediaFit('hold', 3, 1, 24), { kind: 'hold', held: 2 });
    assert.deepEqual(shortMediaFit('loop', 3, 1, 24), { kind: 'loop', plays: 3 });
    assert.deepEqual(shortMediaFit('slow', 3, 2, 24), { kind: 'slow', factor: 1.5, held: 0 });
    assert.deepEqual(shortMediaFit('slow', 3, 1, 24), { kind: 'slow', factor: SLOW_LIMIT, held: 1 });
    assert.deepEqual(shortMediaFit('slow', 3, 3, 24), { kind: 'enough' });
  });

  test('a generated clip delivered 0.4 s short is a warning at its scene; with `error` it fails; the scene default and its own policy both apply', () => {
    const production = compile(FILM);
    const timeline = computeTimeline(production, new Map());
    const lengths = new Map([
      ['harbour', 14.6],
      ['market', 14.6],
      ['title', 5 - 0.5 / 24], // half a frame short: rounding, not short
    ]);
    const outcome = shortMediaOutcome(production, timeline, lengths);
    assert.deepEqual(
      outcome.warnings.map((d) => [d.severity, d.line, d.message]),
      [['warning', 4, 'scene `harbour` needs 15 s, but the clip MercaDream delivered lasts 14.6 s (0.4 s short): it is looped, played 2 times from its start (short_media: loop)']],
    );
    assert.deepEqual(
      outcome.errors.map((d) => [d.severity, d.line, d.message]),
      [['error', 7, 'scene `market` needs 15 s, but the clip MercaDream delivered lasts 14.6 s (0.4 s short), and its short_media is error']],
    );
    assert.deepEqual([...outcome.treatments], [['harbour', 'loop']]);
  });

  test('the conform loops by reading the source again, slows by stretching timestamps and sound, and keys each apart', () => {
    const format = { width: 1280, height: 720, fps: 24, preset: 'ultrafast' };
    const probe: MediaProbe = fakeProbe({ duration: 1, width: 320, height: 240, fps: 24 }, 1);
    const base = { file: '/f/one.mp4', inPoint: 0, frames: 72, probe, format };
    assert.deepEqual(buildConformArgs({ ...base, shortMedia: 'loop' }, '/w/v.mp4', '/w/a.wav').slice(0, 6), ['-stream_loop', '-1', '-ss', '0', '-i', '/f/one.mp4']);
    assert.match(conformVideoFilter(base), /,tpad=stop_mode=clone:stop_duration=3$/);
    assert.match(conformVideoFilter({ ...base, shortMedia: 'slow' }), /,setpts=2\*PTS,fps=24,tpad=stop_mode=clone:stop_duration=3$/);
    const slowArgs = buildConformArgs({ ...base, shortMedia: 'slow' }, '/w/v.mp4', '/w/a.wav');
    assert.match(slowArgs[slowArgs.lastIndexOf('-af') + 1] ?? '', /^atempo=0\.5,aresample=48000,/);
    // A source long enough is conformed as before, whatever the policy.
    assert.equal(buildConformArgs({ ...base, frames: 24, shortMedia: 'loop' }, '/w/v.mp4', '/w/a.wav')[0], '-ss');
    const id = { path: '/f/one.mp4', size: 1, mtimeMs: 1 };
    const keys = new Set([conformKey(id, base), conformKey(id, { ...base, shortMedia: 'loop' }), conformKey(id, { ...base, shortMedia: 'slow' })]);
    assert.equal(keys.size, 3);
  });
});
