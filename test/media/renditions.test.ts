/**
 * One plan stitched into renditions of other shapes with real ffmpeg: a 16:9 film (640x360) and
 * its 9:16 rendition (360x640) from the same workDir. Scenes reframe by `fit` (blurred fill),
 * `crop` (focus 0.2: the left part) and `pad` (bars); the sound is made once and shared; burned
 * captions of the vertical rendition stay above its bottom fifth.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { stitch } from '../../src/media/stitch.js';
import type { StitchPlan, StitchResult } from '../../src/media/stitch-types.js';
import { makeClip, makeMusic, makeTone } from './stitch-fixtures.js';
import { ebur128, frameAt, frameSimilarity, videoFrameCount } from './stitch-measure.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const FPS = 24;
const WIDE = { width: 640, height: 360 };
const TALL = { width: 360, height: 640 };
/** Mid-frame times inside each scene: fit 0–2 s, crop 2–4 s, pad 4–6 s. */
const AT = { fit: 1.0 + 0.5 / FPS, crop: 3.0 + 0.5 / FPS, pad: 5.0 + 0.5 / FPS };

describe('renditions', () => {
  let dir = '';
  let plan: StitchPlan;
  let wide: StitchResult;
  let tall: StitchResult;

  before(async () => {
    dir = tempDir('mdp-renditions-');
    const [a, b, c, voice, music] = await Promise.all([
      makeClip(dir, 'a.mp4', { seconds: 2, ...WIDE, freq: 500 }),
      makeClip(dir, 'b.mp4', { seconds: 2, ...WIDE, freq: 700 }),
      makeClip(dir, 'c.mp4', { seconds: 2, ...WIDE, freq: 900 }),
      makeTone(dir, 'voice.wav', 2, 2000),
      makeMusic(dir, 'music.wav', 6),
    ]);
    plan = {
      output: { path: join(dir, 'wide.mp4'), ...WIDE, fps: FPS, loudness: -16, subtitles: 'none', title: 'Market' },
      clips: [
        { id: 'a', file: a, inPoint: 0, duration: 2, start: 0, transition: { type: 'cut', duration: 0 }, reframe: { mode: 'fit' } },
        { id: 'b', file: b, inPoint: 0, duration: 2, start: 2, transition: { type: 'cut', duration: 0 }, reframe: { mode: 'crop', focus: 0.2 } },
        { id: 'c', file: c, inPoint: 0, duration: 2, start: 4, transition: { type: 'cut', duration: 0 } },
      ],
      narration: [{ id: 'n1', file: voice, start: 1, duration: 2, text: 'Fresh figs at dawn' }],
      cues: [{ id: 'm1', file: music, start: 0, duration: 6, inPoint: 0, gain: 0, duck: 8, fadeIn: 0.5, fadeOut: 0.5 }],
      length: 6,
    };
    const workDir = join(dir, 'work');
    wide = await stitch(plan, { binaries, workDir, preset: 'ultrafast' });
    tall = await stitch({ ...plan, output: { ...plan.output, path: join(dir, 'tall.mp4'), ...TALL } }, { binaries, workDir, preset: 'ultrafast' });
  });

  it('mixes and normalizes the sound once: the second rendition reuses it', () => {
    assert.notEqual(wide.stats?.sound, 'reused');
    assert.equal(tall.stats?.sound, 'reused');
    assert.equal(tall.stats?.reused, 0, 'every picture is conformed anew at the new size');
  });

  it('gives every rendition the same length to the frame and the same loudness within 0.5 LU', async () => {
    const [wideFrames, tallFrames] = await Promise.all([videoFrameCount(wide.path), videoFrameCount(tall.path)]);
    assert.equal(wideFrames, plan.length * FPS);
    assert.equal(tallFrames, wideFrames);
    const [w, t] = [await ebur128(wide.path), await ebur128(tall.path)];
    assert.ok(Math.abs(w.integrated - t.integrated) <= 0.5, `integrated ${w.integrated} vs ${t.integrated} LUFS`);
  });

  it('fit: the picture whole in the middle, the bands above and below filled with a blurred copy, not black', async () => {
    // The 16:9 picture fitted into 360 wide is 360x202, rows 219–420; the fill is above and below.
    const fitted = await frameSimilarity({ file: tall.path, time: AT.fit, filter: 'crop=360:202:0:219' }, { file: wide.path, time: AT.fit, filter: 'scale=360:202' });
    assert.ok(fitted.ssim > 0.9, `fitted picture SSIM ${fitted.ssim}`);
    const frame = await frameAt(tall.path, AT.fit);
    for (const y of [20, 100, 180, 460, 540, 620]) {
      for (const x of [1, 358]) assert.ok(Math.max(...frame.rgb(x, y)) > 40, `fill at ${x},${y} is ${frame.rgb(x, y).join(',')}`);
    }
    // Not a sharp crop of the picture: the top band differs from the same rows of a centre crop of the 16:9 frame.
    const sharp = await frameSimilarity(
      { file: tall.path, time: AT.fit, filter: 'crop=360:200:0:0' },
      { file: wide.path, time: AT.fit, filter: 'crop=202:360:219:0,scale=360:640,crop=360:200:0:0' },
    );
    assert.ok(sharp.ssim < 0.8, `top band against a sharp crop: SSIM ${sharp.ssim}`);
  });

  it('crop with focus 0.2 keeps the left part of the 16:9 picture', async () => {
    // A 9:16 window on the 640x360 frame is 202.5 px wide, centred at 0.2 × 640 = 128: x 26.75–229.25.
    const left = await frameSimilarity({ file: tall.path, time: AT.crop, filter: '' }, { file: wide.path, time: AT.crop, filter: 'crop=202:360:27:0,scale=360:640' });
    const centre = await frameSimilarity({ file: tall.path, time: AT.crop, filter: '' }, { file: wide.path, time: AT.crop, filter: 'crop=202:360:219:0,scale=360:640' });
    assert.ok(left.ssim > 0.85, `left crop SSIM ${left.ssim}`);
    assert.ok(left.ssim > centre.ssim + 0.1, `left ${left.ssim} vs centre ${centre.ssim}`);
  });

  it('pad (no reframe): black bars above and below the fitted picture', async () => {
    const frame = await frameAt(tall.path, AT.pad);
    for (const y of [20, 180, 460, 620]) for (const x of [1, 180, 358]) assert.ok(Math.max(...frame.rgb(x, y)) < 24, `bar at ${x},${y} is ${frame.rgb(x, y).join(',')}`);
  });

  it('keeps the 16:9 rendition of 16:9 clips unreframed: fit and crop show the whole picture', async () => {
    const [a, b] = plan.clips;
    assert.ok(a && b);
    for (const time of [AT.fit, AT.crop]) {
      const same = await frameSimilarity({ file: wide.path, time, filter: '' }, { file: time === AT.fit ? a.file : b.file, time: time % 2, filter: '' });
      assert.ok(same.ssim > 0.95, `at ${time}: SSIM ${same.ssim}`);
    }
  });
});

describe('captions in a vertical rendition', () => {
  let dir = '';
  let plan: StitchPlan;
  const BOTTOM = 'crop=360:128:0:512'; // the bottom fifth of 360x640
  const ABOVE = 'crop=360:96:0:416'; // the band just above it, where the captions sit
  const AT_WORDS = 1.5;

  before(async () => {
    dir = tempDir('mdp-renditions-captions-');
    const [gray, voice] = await Promise.all([makeClip(dir, 'gray.mp4', { seconds: 3, ...WIDE, color: 'gray' }), makeTone(dir, 'voice.wav', 2, 2000)]);
    plan = {
      output: { path: join(dir, 'plain.mp4'), ...TALL, fps: FPS, loudness: -16, subtitles: 'none', title: 'Captions' },
      clips: [{ id: 'a', file: gray, inPoint: 0, duration: 3, start: 0, transition: { type: 'cut', duration: 0 }, reframe: { mode: 'fit' } }],
      narration: [{ id: 'n1', file: voice, start: 0.5, duration: 2, text: 'Figs, dates and saffron' }],
      cues: [],
      length: 3,
    };
  });

  const render = async (name: string, captionSafeBottom?: number): Promise<string> => {
    const output = { ...plan.output, path: join(dir, name), subtitles: 'burn' as const, ...(captionSafeBottom === undefined ? {} : { captionSafeBottom }) };
    return (await stitch({ ...plan, output }, { binaries, workDir: join(dir, 'work'), preset: 'ultrafast' })).path;
  };

  it('burns the captions above the bottom 20% when the safe area is 0.2', async () => {
    const plain = (await stitch(plan, { binaries, workDir: join(dir, 'work'), preset: 'ultrafast' })).path;
    const safe = await render('safe.mp4', 0.2);
    const bottom = await frameSimilarity({ file: safe, time: AT_WORDS, filter: BOTTOM }, { file: plain, time: AT_WORDS, filter: BOTTOM });
    assert.ok(bottom.psnr > 45, `bottom fifth PSNR ${bottom.psnr} dB: something drawn there`);
    const above = await frameSimilarity({ file: safe, time: AT_WORDS, filter: ABOVE }, { file: plain, time: AT_WORDS, filter: ABOVE });
    assert.ok(above.psnr < 35, `above the safe area PSNR ${above.psnr} dB: no captions drawn`);
    // Without the safe area the same captions do land in the bottom fifth: the check above can fail.
    const unsafe = await render('unsafe.mp4');
    const low = await frameSimilarity({ file: unsafe, time: AT_WORDS, filter: BOTTOM }, { file: plain, time: AT_WORDS, filter: BOTTOM });
    assert.ok(low.psnr < 35, `bottom fifth without a safe area PSNR ${low.psnr} dB`);
  });
});
