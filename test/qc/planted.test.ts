/**
 * QC on real renders: a clean 4-scene film passes every check (its colour tagged BT.709 too), and a film with defects planted in it is caught, each with its time span and scene:
 * a black second, a frozen tail from a short clip, a silent narration slot, a 60-character
 * caption line; and the clean film's sound 6 dB down misses its loudness target by 6 LU.
 * Two stitches (640×360, 1.5–3 s scenes) and one remux are shared by every test.
 */
import { CAPTION_DEFAULTS, END_TOLERANCE_FRAMES } from '../../src/captions/settings.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { execa } from 'execa';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { checkCut, type QcOutcome } from '../../src/media/qc/check-cut.js';
import { stitch } from '../../src/media/stitch.js';
import type { StitchPlan } from '../../src/media/stitch-types.js';
import { resolveThresholds } from '../../src/qc/thresholds.js';
import type { QcFilm } from '../../src/qc/film.js';
import type { Verdict } from '../../src/qc/verdict.js';
import { makeClip, makeVoice } from '../media/stitch-fixtures.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const bounded = { timeout: 240_000 };
const W = 640;
const H = 360;
const FPS = 24;
/** 60 characters on one line. */
const LONG_LINE = 'A caption line of sixty characters that nobody reads in time';

async function ff(args: string[]): Promise<void> {
  await execa(binaries.ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** A moving test picture with its middle second drawn black. */
async function clipWithBlackSecond(dir: string, seconds: number): Promise<string> {
  const file = join(dir, 'black-second.mp4');
  await ff([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${W}x${H}:r=${FPS}:d=${seconds},drawbox=c=black:t=fill:enable='between(t,0.5,1.5)'`,
    '-f',
    'lavfi',
    '-i',
    `sine=f=500:r=48000:d=${seconds},volume=-20dB`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    file,
  ]);
  return file;
}

/** Digital silence, as a speech asset that came back empty. */
async function silentVoice(dir: string, seconds: number): Promise<string> {
  const file = join(dir, 'silent.wav');
  await ff(['-f', 'lavfi', '-i', `anullsrc=r=48000:cl=mono`, '-t', String(seconds), file]);
  return file;
}

/** The film as QC sees it (the runner builds the same from a production: src/runner/qc-step.ts). */
function filmOf(plan: StitchPlan): QcFilm {
  return {
    title: plan.output.title,
    scenes: plan.clips.map((c) => ({ id: c.id, start: c.start, duration: c.duration, transition: c.transition })),
    narration: plan.narration.map((n) => ({ sceneId: n.id, start: n.start, duration: n.duration })),
    cues: [],
    length: plan.length,
    fps: plan.output.fps,
    width: plan.output.width,
    height: plan.output.height,
    loudness: plan.output.loudness,
    thresholds: resolveThresholds(undefined),
  };
}

const failures = (o: QcOutcome, check: Verdict['check']) => o.summary.verdicts.filter((v) => v.check === check && v.status === 'fail');
const near = (actual: number | undefined, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not ${expected} ± ${tolerance}`);

describe('QC on real renders', () => {
  let dir = '';
  let cleanPlan: StitchPlan;
  let plantedPlan: StitchPlan;
  let clean: QcOutcome;
  let planted: QcOutcome;
  let quiet: QcOutcome;

  before(async () => {
    dir = tempDir('mdp-qc-');
    const [a, b, c, d, black, short, voice1, voice2, silent] = await Promise.all([
      makeClip(dir, 'a.mp4', { seconds: 3, width: W, height: H, freq: 300 }),
      makeClip(dir, 'b.mp4', { seconds: 3, width: W, height: H, freq: 400 }),
      makeClip(dir, 'c.mp4', { seconds: 3, width: W, height: H, freq: 500 }),
      makeClip(dir, 'd.mp4', { seconds: 3, width: W, height: H, audio: false }),
      clipWithBlackSecond(dir, 3),
      makeClip(dir, 'short.mp4', { seconds: 0.5, width: W, height: H, freq: 600 }),
      makeVoice(dir, 'voice1.wav', 1.2),
      makeVoice(dir, 'voice2.wav', 1.2),
      silentVoice(dir, 1.5),
    ]);
    const output = (name: string) => ({ path: join(dir, 'out', `${name}.mp4`), width: W, height: H, fps: FPS, loudness: -16, subtitles: 'sidecar' as const, title: name });
    // a 0–2 ─dissolve 0.5─ b 1.5–3.5 ─fadeblack 0.5─ c 3–5 ─cut─ d 5–7
    cleanPlan = {
      output: output('clean'),
      clips: [
        { id: 'a', file: a, inPoint: 0, duration: 2, start: 0, transition: { type: 'dissolve', duration: 0.5 } },
        { id: 'b', file: b, inPoint: 0, duration: 2, start: 1.5, transition: { type: 'fadeblack', duration: 0.5 } },
        { id: 'c', file: c, inPoint: 0, duration: 2, start: 3, transition: { type: 'cut', duration: 0 } },
        { id: 'd', file: d, inPoint: 0, duration: 2, start: 5, transition: { type: 'cut', duration: 0 } },
      ],
      narration: [
        { id: 'a', file: voice1, start: 0.3, duration: 1.2, text: 'Rain on the river.' },
        { id: 'd', file: voice2, start: 5.4, duration: 1.2, text: 'Then, morning.' },
      ],
      cues: [],
      length: 7,
    };
    // a 0–2 (a 60-character caption) ─cut─ b 2–4 (black 2.5–3.5) ─cut─ c 4–7 (0.5 s clip: frozen 4.5–7) ─cut─ d 7–9 (silent narration 7.25–8.75)
    plantedPlan = {
      // Captions cut to 60 characters a line, so the film carries the line QC's 42 must catch.
      output: { ...output('planted'), captions: { ...CAPTION_DEFAULTS, maxLineChars: 60 } },
      clips: [
        { id: 'a', file: a, inPoint: 0, duration: 2, start: 0, transition: { type: 'cut', duration: 0 } },
        { id: 'b', file: black, inPoint: 0, duration: 2, start: 2, transition: { type: 'cut', duration: 0 } },
        { id: 'c', file: short, inPoint: 0, duration: 3, start: 4, transition: { type: 'cut', duration: 0 } },
        { id: 'd', file: d, inPoint: 0, duration: 2, start: 7, transition: { type: 'cut', duration: 0 } },
      ],
      narration: [
        { id: 'a', file: voice1, start: 0.3, duration: 1.2, text: LONG_LINE },
        { id: 'd', file: silent, start: 7.25, duration: 1.5, text: 'Nothing is heard here.' },
      ],
      cues: [],
      length: 9,
    };
    const render = (plan: StitchPlan) => stitch(plan, { binaries, workDir: join(dir, 'work'), preset: 'ultrafast' });
    const [cleanCut, plantedCut] = [await render(cleanPlan), await render(plantedPlan)];
    // The clean film's sound 6 dB down, picture copied: a loudness 6 LU off target.
    const quietCut = join(dir, 'out', 'quiet.mp4');
    await ff(['-i', cleanCut.path, '-map', '0', '-c:v', 'copy', '-af', 'volume=-6dB', '-c:a', 'aac', '-b:a', '192k', quietCut]);
    const check = (plan: StitchPlan, cut: string, captions?: string) => checkCut(filmOf(plan), { cut, ...(captions ? { captions } : {}) }, { binaries, workDir: dir });
    [clean, planted, quiet] = await Promise.all([check(cleanPlan, cleanCut.path, cleanCut.srt), check(plantedPlan, plantedCut.path, plantedCut.srt), check(cleanPlan, quietCut)]);
  });

  test('a clean film passes every check, its colour tags included', bounded, () => {
    const notPassed = clean.summary.verdicts.filter((v) => v.status !== 'pass');
    assert.deepEqual(
      notPassed.map((v) => `${v.check} ${v.status}`),
      [],
    );
    const checks = new Set(clean.summary.verdicts.map((v) => v.check));
    for (const check of [
      'decode',
      'sync',
      'length',
      'black',
      'freeze',
      'silence',
      'loudness',
      'true-peak',
      'caption-line-length',
      'caption-lines',
      'caption-reading-speed',
      'caption-overlap',
      'rendition-size',
      'colour-tags',
    ] as const)
      assert.ok(checks.has(check), `${check} was judged`);
    assert.equal(clean.summary.status, 'pass');
  });

  test('the fadeblack transition goes through black without a finding', bounded, () => {
    assert.equal(failures(clean, 'black').length, 0);
  });

  test('a black second is caught at its place, in its scene', bounded, () => {
    const [black, ...more] = failures(planted, 'black');
    assert.equal(more.length, 0, JSON.stringify(more));
    near(black?.span?.start, 2.5, 0.1, 'black start');
    near(black?.span?.end, 3.5, 0.1, 'black end');
    near(black?.measured as number, 1, 0.1, 'black seconds');
    assert.equal(black?.scene, 'b');
  });

  test('the frozen tail of a short clip is caught, from where the clip ends to the next scene', bounded, () => {
    const [freeze, ...more] = failures(planted, 'freeze');
    assert.equal(more.length, 0, JSON.stringify(more));
    near(freeze?.span?.start, 4.5, 0.1, 'freeze start');
    near(freeze?.span?.end, 7, 0.1, 'freeze end');
    assert.equal(freeze?.scene, 'c');
  });

  test('a silent narration slot is caught in its scene', bounded, () => {
    const [silence, ...more] = failures(planted, 'silence');
    assert.equal(more.length, 0, JSON.stringify(more));
    near(silence?.span?.start, 7.25, 0.1, 'silence start');
    near(silence?.span?.end, 8.75, 0.1, 'silence end');
    assert.equal(silence?.scene, 'd');
  });

  test('a 60-character caption line is caught on its caption, in its scene', bounded, () => {
    const [line, ...more] = failures(planted, 'caption-line-length');
    assert.equal(more.length, 0, JSON.stringify(more));
    assert.equal(line?.measured, 60);
    assert.equal(line?.threshold, 42);
    near(line?.span?.start, 0.3, 0.01, 'caption start');
    // The cue may stay up to 12 frames after its last word (src/captions/settings.ts, END_TOLERANCE_FRAMES).
    const end = line?.span?.end ?? 0;
    assert.ok(end >= 1.5 - 0.01 && end <= 1.5 + END_TOLERANCE_FRAMES / FPS + 0.01, `caption end ${end}`);
    assert.equal(line?.scene, 'a');
  });

  test('a film 6 dB quieter misses its loudness target by 6 LU and fails', bounded, () => {
    const [loudness] = failures(quiet, 'loudness');
    near(loudness?.measured as number, -22, 0.6, 'integrated loudness');
    assert.equal(failures(clean, 'loudness').length, 0);
  });

  test('the planted defects are the only failures: the streams themselves are sound', bounded, () => {
    const failed = new Set(planted.summary.verdicts.filter((v) => v.status === 'fail').map((v) => v.check));
    assert.deepEqual([...failed].sort(), ['black', 'caption-line-length', 'caption-reading-speed', 'freeze', 'silence']);
  });

  test('stills are small JPEGs, one per scene and per transition', bounded, () => {
    assert.deepEqual(
      clean.posters.map((p) => `${p.kind} ${p.label}`),
      ['scene a', 'transition a → b', 'scene b', 'transition b → c', 'scene c', 'scene d'],
    );
    for (const p of clean.posters) {
      assert.deepEqual([...p.jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
      assert.ok(p.jpeg.length < 30_000, `${p.label}: ${p.jpeg.length} bytes`);
    }
    assert.ok(clean.loudness.length >= 60, 'a loudness reading every 100 ms');
  });
});
