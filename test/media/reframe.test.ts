/**
 * Reframing and the caption safe area, as arguments: the filter fragments, the keys that let
 * renditions share their sound, the checks of a plan's reframe and output shape, and the
 * placement of burned and WebVTT captions. The pictures themselves are judged in renditions.test.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildAss, captionLayout } from '../../src/media/ass.js';
import { buildPartialConformArgs, conformKey, conformSoundKey, conformVideoFilter } from '../../src/media/conform.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import type { MediaProbe } from '../../src/media/probe.js';
import { checkReframe, normalReframe, reframeFilter } from '../../src/media/reframe.js';
import { stitch } from '../../src/media/stitch.js';
import { StitchPlanError } from '../../src/media/stitch-timeline.js';
import type { StitchPlan } from '../../src/media/stitch-types.js';
import { buildVtt, vttPlacement } from '../../src/media/subtitles.js';
import { buildCaptionTrack } from '../../src/captions/track.js';
import { CAPTION_DEFAULTS } from '../../src/captions/settings.js';
import { tempDir } from '../helpers/temp.js';
import { fakeProbe } from './probe-fixture.js';

const WIDE = { width: 1280, height: 720, fps: 24, preset: 'ultrafast' };
const TALL = { ...WIDE, width: 720, height: 1280 };
const PROBE: MediaProbe = fakeProbe({ duration: 10, width: 1280, height: 720, fps: 24 });

describe('reframe filters', () => {
  it('pad (and no reframe) is the letterbox/pillarbox chain the conform always wrote', () => {
    const pad = 'scale=720:1280:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=720:1280:(ow-iw)/2:(oh-ih)/2:black';
    assert.equal(reframeFilter(undefined, 720, 1280), pad);
    assert.equal(reframeFilter({ mode: 'pad', focus: 0.3 }, 720, 1280), pad);
    assert.match(
      conformVideoFilter({ frames: 24, probe: PROBE, format: TALL }),
      /^setpts=PTS-STARTPTS,fps=24,scale=720:1280:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=/,
    );
  });
  it('crop covers the frame and places the window at the focus, clamped inside the picture', () => {
    assert.equal(reframeFilter({ mode: 'crop' }, 720, 1280), 'scale=720:1280:force_original_aspect_ratio=increase,crop=720:1280:(iw-ow)/2:(ih-oh)/2');
    assert.equal(reframeFilter({ mode: 'crop', focus: 0.2 }, 720, 1280), "scale=720:1280:force_original_aspect_ratio=increase,crop=720:1280:'clip(iw*0.2-ow/2,0,iw-ow)':(ih-oh)/2");
  });
  it('fit is one input, one output: a blurred, darkened cover under the fitted picture', () => {
    const fit = reframeFilter({ mode: 'fit', focus: 0.9 }, 720, 1280);
    assert.match(fit, /^split\[reframe_fill\]\[reframe_picture\];/);
    assert.match(fit, /\[reframe_fill\]scale=180:320:force_original_aspect_ratio=increase,crop=180:320:.*gblur=sigma=\d+,scale=720:1280,eq=brightness=-0\.\d+\[reframe_back\]/);
    assert.match(fit, /\[reframe_picture\]scale=720:1280:force_original_aspect_ratio=decrease:force_divisible_by=2\[reframe_front\]/);
    assert.match(fit, /;\[reframe_back\]\[reframe_front\]overlay=x=\(W-w\)\/2:y=\(H-h\)\/2$/);
    // Composed in the conform's chain between the pixel squaring and setsar.
    assert.match(
      conformVideoFilter({ frames: 24, probe: PROBE, format: TALL, reframe: { mode: 'fit' } }),
      /fps=24,split\[reframe_fill\].*overlay=x=\(W-w\)\/2:y=\(H-h\)\/2,setsar=1,format=yuv420p,/,
    );
  });
  it('normalizes what keys are made of: focus only for crop, 0.5 by default', () => {
    assert.deepEqual(normalReframe(undefined), { mode: 'pad' });
    assert.deepEqual(normalReframe({ mode: 'fit', focus: 0.1 }), { mode: 'fit' });
    assert.deepEqual(normalReframe({ mode: 'crop' }), { mode: 'crop', focus: 0.5 });
  });
  it('refuses an unknown mode or a focus outside 0–1, naming the clip and the parameter', () => {
    assert.throws(
      () => checkReframe({ mode: 'zoom' as never }, 'clip "a"'),
      (e: Error) => e instanceof StitchPlanError && /clip "a": reframe\.mode "zoom"/.test(e.message),
    );
    for (const focus of [-0.1, 1.5, Number.NaN]) assert.throws(() => checkReframe({ mode: 'crop', focus }, 'clip "b"'), /clip "b": reframe\.focus/);
    assert.doesNotThrow(() => checkReframe({ mode: 'crop', focus: 0 }, 'c'));
    assert.doesNotThrow(() => checkReframe(undefined, 'c'));
  });
});

describe('conform keys of renditions', () => {
  const id = { path: '/in/a.mp4', size: 10, mtimeMs: 5 };
  const base = { inPoint: 0, frames: 48, format: WIDE };
  it('keys the picture by size, preset and reframe', () => {
    const key = conformKey(id, base);
    assert.equal(conformKey(id, { ...base, reframe: { mode: 'pad' } }), key, 'absent = pad');
    assert.notEqual(conformKey(id, { ...base, format: TALL }), key);
    assert.notEqual(conformKey(id, { ...base, reframe: { mode: 'fit' } }), key);
    assert.notEqual(conformKey(id, { ...base, reframe: { mode: 'crop', focus: 0.2 } }), conformKey(id, { ...base, reframe: { mode: 'crop' } }));
  });
  it('keys the sound by source, in-point, frames and fps only, so every rendition shares it', () => {
    const key = conformSoundKey(id, base);
    const other: typeof TALL = { ...TALL, preset: 'medium' };
    assert.equal(conformSoundKey(id, { ...base, format: other }), key);
    assert.notEqual(conformSoundKey(id, { ...base, inPoint: 0.5 }), key);
    assert.notEqual(conformSoundKey(id, { ...base, frames: 47 }), key);
    assert.notEqual(conformSoundKey(id, { ...base, format: { ...WIDE, fps: 30 } }), key);
    assert.notEqual(conformSoundKey({ ...id, mtimeMs: 6 }, base), key);
    assert.notEqual(conformSoundKey(id, base), conformKey(id, base));
  });
  it('writes only the missing part of a conform', () => {
    const request = { file: '/in/a.mp4', ...base, probe: PROBE, format: TALL };
    const pictureOnly = buildPartialConformArgs(request, { picture: 'encode', videoOut: '/w/v.mp4' });
    assert.ok(pictureOnly.includes('/w/v.mp4') && !pictureOnly.includes('pcm_s16le'));
    const soundOnly = buildPartialConformArgs(request, { videoOut: '/w/v.mp4', audioOut: '/w/a.wav' });
    assert.ok(!soundOnly.includes('/w/v.mp4') && !soundOnly.includes('libx264') && soundOnly.at(-1) === '/w/a.wav');
  });
});

describe('stitch refuses a bad reframe or output shape before any work', () => {
  const dir = tempDir('mdp-reframe-');
  const plan: StitchPlan = {
    output: { path: join(dir, 'film.mp4'), width: 720, height: 1280, fps: 24, loudness: -16, subtitles: 'none', title: 't' },
    clips: [{ id: 'market', file: join(dir, 'missing.mp4'), inPoint: 0, duration: 2, start: 0, transition: { type: 'cut', duration: 0 }, reframe: { mode: 'crop', focus: 2 } }],
    narration: [],
    cues: [],
    length: 2,
  };
  it('names the clip and the focus', async () => {
    const binaries = await locateFfmpeg();
    await assert.rejects(
      stitch(plan, { binaries, workDir: join(dir, 'work') }),
      (e: Error) => e instanceof StitchPlanError && /clip "market" \(1\): reframe\.focus 2/.test(e.message),
    );
  });
  it('names an odd width and a safe area outside 0–1', async () => {
    const binaries = await locateFfmpeg();
    const clips = [{ ...plan.clips[0]!, reframe: { mode: 'fit' as const } }];
    await assert.rejects(stitch({ ...plan, clips, output: { ...plan.output, width: 721 } }, { binaries, workDir: join(dir, 'work') }), /output\.width 721/);
    await assert.rejects(
      stitch({ ...plan, clips, output: { ...plan.output, captionSafeBottom: 1.2 } }, { binaries, workDir: join(dir, 'work') }),
      /output\.captionSafeBottom 1\.2/,
    );
  });
});

describe('captions in a safe area', () => {
  const track = buildCaptionTrack([{ sceneId: 's', text: 'Fresh figs and dates from the valley, sold at dawn by the river.', start: 0, duration: 4 }], CAPTION_DEFAULTS, 24);
  it('keeps burned captions above the safe area, and the usual margin without one', () => {
    assert.equal(captionLayout(CAPTION_DEFAULTS, 1280, 720).marginV, Math.round(720 * 0.06));
    const safe = captionLayout(CAPTION_DEFAULTS, 720, 1280, 0.2);
    assert.ok(safe.marginV >= 0.2 * 1280 && safe.marginV < 0.25 * 1280, `marginV ${safe.marginV}`);
    assert.match(buildAss(track.cues, CAPTION_DEFAULTS, 720, 1280, 0.2), new RegExp(`^Style: Caption,.*,${safe.marginV},1$`, 'm'));
    // The words look's own margin (22 %) already clears a 20 % safe area.
    assert.equal(captionLayout({ ...CAPTION_DEFAULTS, style: 'words' }, 720, 1280, 0.2).marginV, Math.round(1280 * 0.22));
  });
  it('sizes captions by the short side, small enough that a full line fits across a portrait frame', () => {
    const wide = captionLayout(CAPTION_DEFAULTS, 1280, 720);
    assert.equal(wide.size, 40, 'the 16:9 size is unchanged');
    const tall = captionLayout(CAPTION_DEFAULTS, 720, 1280);
    assert.ok(tall.size < wide.size, `portrait size ${tall.size}`);
    // maxLineChars of capitals (0.52 of the size each, measured with libass) inside the side margins.
    assert.ok(CAPTION_DEFAULTS.maxLineChars * 0.52 * tall.size <= 720 - 2 * tall.margin, `a line of ${CAPTION_DEFAULTS.maxLineChars} at ${tall.size} px`);
    assert.equal(captionLayout({ ...CAPTION_DEFAULTS, style: 'words' }, 1080, 1920).size, Math.round(1080 * 0.085));
  });
  it('places WebVTT cues with a line: setting, and leaves them unplaced without a safe area', () => {
    assert.equal(vttPlacement(0.2), ' line:80%,end');
    assert.equal(vttPlacement(undefined), '');
    assert.match(buildVtt(track.cues, 0.2), /^00:00:00\.000 --> \S+ line:80%,end$/m);
    assert.doesNotMatch(buildVtt(track.cues), /line:/);
  });
});
