// Footage and clips shorter than their scene are never silent: the real CLI in a temp folder
// against MercaDream Local, each `short_media` policy measured on the cut with ffmpeg's own
// detectors (freezedetect, psnr) and ffprobe; and a Local whose clips come 0.4 s short, as the
// real API's sometimes do (14.6 s for 15 s).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { KEYS, startRig, type Rig } from '../helpers/api.js';
import { BIN } from '../helpers/project.js';
import { createTestEngines } from '../helpers/test-engines.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const bounded = { timeout: 180_000 };

/** Moving test footage with a tone, `seconds` long, 24 fps, small (the conform scales it to 720p). */
async function footage(file: string, seconds: number): Promise<void> {
  const picture = ['-f', 'lavfi', '-i', `testsrc=s=320x240:r=24:d=${seconds}`];
  const tone = ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:d=${seconds}`];
  const encode = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'];
  await execa(binaries.ffmpeg, ['-v', 'error', '-y', ...picture, ...tone, ...encode, file]);
}

/** A 1 s or 2 s `short` scene stretched over 3 s, then a 2 s `tail` scene of long enough footage. */
function film(policy: string, shortSource: string): string {
  return `version: 1
title: Short media
output: { path: out/film.mp4, resolution: 720p, fps: 24, subtitles: none }
scenes:
  - id: short
    source: ${shortSource}
    duration: 3
    short_media: ${policy}
  - id: tail
    source: tail.mp4
    duration: 2
`;
}

interface CliResult {
  readonly code: number;
  readonly stderr: string;
  readonly warnings: Array<{ message: string; line: number; column: number; severity: string }>;
}

/**
 * Runs the CLI on `manifest` as film.yaml; `--json` unless `text` (then diagnostics are printed as
 * a user reads them); against MercaDream Local started by the run unless `env` names an API.
 */
async function run(dir: string, manifest: string, text = false, env: Record<string, string> = { MERCADREAM_API_KEY: '' }): Promise<CliResult> {
  writeFileSync(join(dir, 'film.yaml'), manifest);
  const args = [BIN, 'run', 'film.yaml', ...(text ? [] : ['--json']), '--local-quality', 'fast', '--preset', 'ultrafast', '--qc', 'off'];
  const r = await execa(process.execPath, args, { cwd: dir, reject: false, env });
  const summary = (text ? '' : r.stdout)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; warnings?: CliResult['warnings'] })
    .find((e) => e.type === 'summary');
  return { code: r.exitCode ?? -1, stderr: r.stderr, warnings: summary?.warnings ?? [] };
}

/** freezedetect's frozen spans of the cut's picture (noise −60 dB, at least `minimum` seconds). */
async function frozenSpans(file: string, minimum: number): Promise<Array<{ start: number; duration: number }>> {
  const r = await execa(binaries.ffmpeg, ['-hide_banner', '-nostats', '-i', file, '-vf', `freezedetect=n=-60dB:d=${minimum}`, '-an', '-f', 'null', '-']);
  const starts = [...r.stderr.matchAll(/freeze_start: ([\d.]+)/g)].map((m) => Number(m[1]));
  const durations = [...r.stderr.matchAll(/freeze_duration: ([\d.]+)/g)].map((m) => Number(m[1]));
  return starts.map((start, k) => ({ start, duration: durations[k] ?? Number.NaN }));
}

/** PSNR (dB) between frames `a` and `b` of the cut: equal pictures score high (inf when identical), different ones low. */
async function framePsnr(file: string, a: number, b: number): Promise<number> {
  const graph = `[0:v]select=eq(n\\,${a}),setpts=PTS-STARTPTS[a];[1:v]select=eq(n\\,${b}),setpts=PTS-STARTPTS[b];[a][b]psnr`;
  const r = await execa(binaries.ffmpeg, ['-hide_banner', '-nostats', '-i', file, '-i', file, '-filter_complex', graph, '-f', 'null', '-']);
  const value = /average:([\d.]+|inf)/.exec(r.stderr)?.[1];
  assert.ok(value, r.stderr);
  return value === 'inf' ? Number.POSITIVE_INFINITY : Number(value);
}

describe('short_media: footage shorter than its scene', () => {
  const dir = tempDir('mdp-short-');
  const cut = join(dir, 'out', 'film.mp4');
  const ready = Promise.all([footage(join(dir, 'one.mp4'), 1), footage(join(dir, 'two.mp4'), 2), footage(join(dir, 'tail.mp4'), 3)]);

  test('hold: the last frame is held for the 2 s the footage lacks, and the warning says so at its source line', bounded, async () => {
    await ready;
    const r = await run(dir, film('hold', 'one.mp4'));
    assert.equal(r.code, 0, r.stderr);
    const [warning, ...others] = r.warnings;
    assert.equal(others.length, 0, JSON.stringify(r.warnings));
    assert.equal(warning?.severity, 'warning');
    assert.deepEqual([warning?.line, warning?.column], [6, 13], 'at the scene’s `source:` value');
    assert.match(
      warning?.message ?? '',
      /^scene `short` needs 3 s, but its footage one\.mp4 lasts 1 s \(2 s short\): its last frame is held for the last 2 s \(short_media: hold\)$/,
    );
    const spans = await frozenSpans(cut, 0.5);
    assert.equal(spans.length, 1, JSON.stringify(spans));
    // The footage's last frame is frame 23 (0.958 s): freezedetect counts the span from it.
    assert.ok(Math.abs(spans[0]!.start - 1) <= 0.05, `held from ${spans[0]!.start} s`);
    assert.ok(Math.abs(spans[0]!.duration - 2) <= 0.1, `held for ${spans[0]!.duration} s`);
    const p = await probe(cut, { ffprobePath: binaries.ffprobe });
    assert.ok(Math.abs(p.duration - 5) < 0.05, `the cut lasts ${p.duration} s`);
  });

  test('loop: the picture repeats with the footage’s period, nothing is frozen', bounded, async () => {
    await ready;
    const r = await run(dir, film('loop', 'one.mp4'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.warnings[0]?.message ?? '',
      /^scene `short` needs 3 s, but its footage one\.mp4 lasts 1 s \(2 s short\): it is looped, played 3 times from its start \(short_media: loop\)$/,
    );
    // One period (24 frames) apart the picture is the same; half a period apart it is not.
    const period = await framePsnr(cut, 6, 30);
    const twoPeriods = await framePsnr(cut, 6, 54);
    const half = await framePsnr(cut, 6, 18);
    assert.ok(period > 40 && twoPeriods > 40, `frames one and two periods apart: ${period} and ${twoPeriods} dB`);
    assert.ok(half < 35, `frames half a period apart: ${half} dB`);
    assert.deepEqual(await frozenSpans(cut, 0.5), []);
  });

  test('slow: a 2 s footage slowed 1.5× fills its 3 s scene, never frozen, and the cut is as long as the timeline', bounded, async () => {
    await ready;
    const r = await run(dir, film('slow', 'two.mp4'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.warnings[0]?.message ?? '', /^scene `short` needs 3 s, but its footage two\.mp4 lasts 2 s \(1 s short\): it is slowed 1\.5× to fit \(short_media: slow\)$/);
    // Frames repeated by the slowing last a frame or two; a hold would show as a span of seconds.
    assert.deepEqual(await frozenSpans(cut, 0.5), []);
    const p = await probe(cut, { ffprobePath: binaries.ffprobe });
    assert.ok(Math.abs(p.duration - 5) < 0.05, `the cut lasts ${p.duration} s`);
    // The slowed footage's last frames sit at the scene's end: the picture still moves in its last half second.
    assert.ok((await framePsnr(cut, 60, 71)) < 35, 'frames 60 and 71 of the slowed scene differ');
  });

  test('error: exit 2 before anything is made, the error at the footage’s `source:` line', bounded, async () => {
    await ready;
    const r = await run(dir, film('error', 'one.mp4').replace('out/film.mp4', 'out/error.mp4'), true);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /film\.yaml:6:13 error: scene `short` needs 3 s, but its footage one\.mp4 lasts 1 s \(2 s short\), and its short_media is error/);
    assert.equal(existsSync(join(dir, 'out', 'error.mp4')), false, 'no cut is written');
  });

  test('footage whose sound outlasts its picture is as short as its picture', bounded, async () => {
    await ready;
    // 1 s of picture, 3 s of sound: the container says 3 s, the picture runs out after 1 s.
    const picture = ['-f', 'lavfi', '-i', 'testsrc=s=320x240:r=24:d=1', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:d=3'];
    await execa(binaries.ffmpeg, ['-v', 'error', '-y', ...picture, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', join(dir, 'mute-end.mp4')]);
    const r = await run(dir, film('error', 'mute-end.mp4').replace('out/film.mp4', 'out/mute-end.mp4'), true);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /film\.yaml:6:13 error: scene `short` needs 3 s, but its footage mute-end\.mp4 lasts 1 s \(2 s short\)/);
  });

  test('footage that is only sound is refused at its `source:` line before anything is made', bounded, async () => {
    await ready;
    await execa(binaries.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:d=3', '-c:a', 'aac', join(dir, 'tone.mp4')]);
    const r = await run(dir, film('hold', 'tone.mp4').replace('out/film.mp4', 'out/tone.mp4'), true);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /film\.yaml:6:13 error: scenes\[0\]\.source is not a video ffmpeg can read, or has no picture/);
    assert.doesNotMatch(r.stderr, /internal error|a bug/);
  });

  test('a scene shorter than one frame is an error at its `duration` line', bounded, async () => {
    await ready;
    writeFileSync(join(dir, 'tiny.yaml'), film('hold', 'one.mp4').replace('duration: 3', 'duration: 0.03'));
    const r = await execa(process.execPath, [BIN, 'validate', 'tiny.yaml'], { cwd: dir, reject: false });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /tiny\.yaml:7:15 error: scenes\[0\]\.duration 0\.03 \(seconds\) is shorter than one frame at 24 fps \(0\.0417 s\)/);
  });
});

describe('short_media: a generated clip delivered shorter than asked', () => {
  const dir = tempDir('mdp-short-clip-');
  let rig: Rig;
  const SHORT_BY = 0.4;
  before(async () => {
    const engines = createTestEngines();
    // The API delivers 14.6 s for a 15 s request: the engine renders the request less SHORT_BY.
    // Its picture is 350 frames at 24 fps, 14.583 s: that is what the scene can show.
    rig = await startRig({
      engines: { ...engines, renderVideo: (request, outFile, options) => engines.renderVideo({ ...request, duration: request.duration - SHORT_BY }, outFile, options) },
    });
  });
  after(async () => {
    await rig.close();
  });
  const env = () => ({ MERCADREAM_API_KEY: KEYS.regular, MERCADREAM_BASE_URL: rig.server.url, PATH: process.env['PATH'] ?? '' });
  const FILM = (policy: string) => `version: 1
output: { path: out/film.mp4, resolution: 720p, fps: 24, subtitles: none }
scenes:
  - id: pier
    prompt: Fishing boats at the pier, morning fog lifting
    duration: 15
    short_media: ${policy}
`;

  test('hold: a warning at the scene names the 15 s needed and the 14.6 s delivered; the cut still lasts 15 s', bounded, async () => {
    const r = await run(dir, FILM('hold'), false, env());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.warnings.map((w) => [w.severity, w.line, w.message]),
      [
        [
          'warning',
          4,
          'scene `pier` needs 15 s, but the clip MercaDream delivered lasts 14.583 s (0.417 s short): its last frame is held for the last 0.417 s (short_media: hold)',
        ],
      ],
    );
    const p = await probe(join(dir, 'out', 'film.mp4'), { ffprobePath: binaries.ffprobe });
    assert.ok(Math.abs(p.duration - 15) < 0.05, `the cut lasts ${p.duration} s`);
  });

  test('error: the clip is in hand, but the run fails with exit 2 at the scene', bounded, async () => {
    const requestsBefore = rig.server.counters.snapshot().total;
    const r = await run(dir, FILM('error'), true, env());
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /film\.yaml:4:5 error: scene `pier` needs 15 s, but the clip MercaDream delivered lasts 14\.583 s \(0\.417 s short\), and its short_media is error/);
    assert.equal(rig.server.counters.snapshot().total, requestsBefore, 'the cached clip is used, nothing asked of the API again');
  });
});
