/** The stitcher's pure parts: frame math, pieces, and ffmpeg argument arrays as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildMixArgs, duckExpression, mixFilter } from '../../src/media/audio-mix.js';
import { buildConformArgs, conformKey, conformVideoFilter } from '../../src/media/conform.js';
import { buildFinalArgs, containerFor } from '../../src/media/encode.js';
import { houseVideoArgs } from '../../src/media/house-format.js';
import {
  buildGainArgs,
  buildMeasureArgs,
  buildNormalizeArgs,
  linearGain,
  loudnormFilter,
  meetsTarget,
  parseEbur128,
  parseLoudnorm,
  parseMeasurement,
} from '../../src/media/loudness.js';
import { houseMismatch, parseStreamFacts, type StreamFacts } from '../../src/media/house-match.js';
import type { MediaProbe } from '../../src/media/probe.js';
import { frameTimeline, pieceFrames, planPieces, StitchPlanError, type WindowPiece } from '../../src/media/stitch-timeline.js';
import type { StitchClip, StitchPlan } from '../../src/media/stitch-types.js';
import { buildSrt, buildVtt, burnFilter, formatTimestamp } from '../../src/media/subtitles.js';
import { buildConcatList, buildWindowArgs, windowFilter, xfadeTransition } from '../../src/media/timeline-video.js';
import { fakeProbe } from './probe-fixture.js';

const FORMAT = { width: 1280, height: 720, fps: 24, preset: 'ultrafast' };

function planOf(clips: { d: number; t: number; type?: string }[]): StitchPlan {
  let start = 0;
  const list: StitchClip[] = clips.map((c, i) => {
    const clip = { id: `s${i}`, file: `/in/${i}.mp4`, inPoint: 0, duration: c.d, start, transition: { type: c.type ?? (c.t > 0 ? 'dissolve' : 'cut'), duration: c.t } };
    start += c.d - c.t;
    return clip;
  });
  return {
    output: { path: '/out/film.mp4', width: 1280, height: 720, fps: 24, loudness: -16, subtitles: 'none', title: 't' },
    clips: list,
    narration: [],
    cues: [],
    length: start + (clips.at(-1)?.t ?? 0),
  };
}

describe('frameTimeline', () => {
  it('puts clips on the frame grid, each starting where the previous one’s transition begins', () => {
    const t = frameTimeline(
      planOf([
        { d: 3, t: 1 },
        { d: 3, t: 0.5 },
        { d: 3, t: 0 },
      ]),
    );
    assert.deepEqual(
      t.clips.map((c) => [c.frames, c.startFrame, c.transitionFrames, c.transition]),
      [
        [72, 0, 24, 'dissolve'],
        [72, 48, 12, 'dissolve'],
        [72, 108, 0, 'cut'],
      ],
    );
    assert.equal(t.frames, 180);
  });
  it('treats the last clip’s transition as a cut', () => {
    assert.equal(frameTimeline(planOf([{ d: 2, t: 1 }])).frames, 48);
  });
  it('refuses transitions longer than their clip', () => {
    assert.throws(
      () =>
        frameTimeline(
          planOf([
            { d: 2, t: 1.5 },
            { d: 2, t: 1 },
            { d: 2, t: 0 },
          ]),
        ),
      StitchPlanError,
    );
  });
});

describe('frameTimeline on one cumulative grid', () => {
  it('30 clips of 1.01 s in exact seconds: each starts on round(start × fps), 727 frames in all, not 30 × 24', () => {
    const t = frameTimeline(planOf(Array.from({ length: 30 }, () => ({ d: 1.01, t: 0 }))));
    assert.equal(t.frames, 727);
    assert.deepEqual(
      t.clips.slice(0, 5).map((c) => [c.startFrame, c.frames]),
      [
        [0, 24],
        [24, 24],
        [48, 25],
        [73, 24],
        [97, 24],
      ],
    );
    assert.equal(t.clips[29]!.startFrame, 703);
  });
  it('reads a plan already on the grid back frame for frame', () => {
    // Starts and lengths as whole frames of 30 fps, as src/plan/timeline.ts makes them.
    const fps = 30;
    const frames = [31, 29, 45, 30];
    const overlaps = [10, 0, 9];
    let start = 0;
    const clips: StitchClip[] = frames.map((f, i) => {
      const x = overlaps[i] ?? 0;
      const clip = {
        id: `s${i}`,
        file: `/in/${i}.mp4`,
        inPoint: 0,
        duration: f / fps,
        start: start / fps,
        transition: x > 0 ? { type: 'wipeleft', duration: x / fps } : { type: 'cut', duration: 0 },
      };
      start += f - x;
      return clip;
    });
    const plan = { ...planOf([{ d: 1, t: 0 }]), output: { ...planOf([]).output, fps }, clips, length: start / fps };
    const t = frameTimeline(plan);
    assert.deepEqual(
      t.clips.map((c) => [c.startFrame, c.frames, c.transitionFrames]),
      [
        [0, 31, 10],
        [21, 29, 0],
        [50, 45, 9],
        [86, 30, 0],
      ],
    );
    assert.equal(t.frames, 116);
  });
  it('refuses a plan whose clips leave a gap, overlap at a cut, or overlap other than their transition', () => {
    const good = planOf([
      { d: 2, t: 0.5 },
      { d: 2, t: 0 },
      { d: 2, t: 0 },
    ]);
    const moved = (k: number, start: number): StitchPlan => ({ ...good, clips: good.clips.map((c, i) => (i === k ? { ...c, start } : c)) });
    assert.throws(() => frameTimeline(moved(0, 0.5)), /clip s0 starts at 0.5 s, not at the start of the film/);
    assert.throws(() => frameTimeline(moved(2, 3.6)), /clip s2 starts at 3.6 s, but clip s1 ends at 3.5 s with a cut/);
    assert.throws(() => frameTimeline(moved(2, 3.4)), StitchPlanError);
    assert.throws(() => frameTimeline(moved(1, 1)), /clip s1 starts at 1 s, but clip s0 ends at 2 s with a 0.5 s transition/);
  });
});

describe('planPieces', () => {
  it('re-encodes one-second-aligned windows around transitions and copies the rest', () => {
    const pieces = planPieces(
      frameTimeline(
        planOf([
          { d: 3, t: 1 },
          { d: 3, t: 0.5 },
          { d: 3, t: 0 },
        ]),
      ),
      24,
    );
    assert.deepEqual(pieces, [
      { kind: 'copy', clip: 0, from: 0, to: 48 },
      {
        kind: 'window',
        parts: [
          { clip: 0, from: 48, to: 72 },
          { clip: 1, from: 0, to: 24 },
        ],
        transitions: [{ type: 'dissolve', frames: 24 }],
      },
      { kind: 'copy', clip: 1, from: 24, to: 48 },
      {
        kind: 'window',
        parts: [
          { clip: 1, from: 48, to: 72 },
          { clip: 2, from: 0, to: 24 },
        ],
        transitions: [{ type: 'dissolve', frames: 12 }],
      },
      { kind: 'copy', clip: 2, from: 24, to: 72 },
    ]);
  });
  it('copies whole clips joined by cuts', () => {
    const pieces = planPieces(
      frameTimeline(
        planOf([
          { d: 2, t: 0 },
          { d: 2, t: 0 },
        ]),
      ),
      24,
    );
    assert.deepEqual(pieces, [
      { kind: 'copy', clip: 0, from: 0, to: 48 },
      { kind: 'copy', clip: 1, from: 0, to: 48 },
    ]);
  });
  it('merges the windows around a clip too short to copy anything of', () => {
    const pieces = planPieces(
      frameTimeline(
        planOf([
          { d: 2, t: 0.5 },
          { d: 1.25, t: 0.5 },
          { d: 2, t: 0 },
        ]),
      ),
      24,
    );
    assert.equal(pieces.length, 3);
    const window = pieces[1] as WindowPiece;
    assert.deepEqual(window.parts, [
      { clip: 0, from: 24, to: 48 },
      { clip: 1, from: 0, to: 30 },
      { clip: 2, from: 0, to: 24 },
    ]);
    assert.equal(window.transitions.length, 2);
  });
  it('covers every frame of the film exactly once, copy pieces starting on keyframes (property)', () => {
    const clip = fc.record({ d: fc.integer({ min: 24, max: 200 }), t: fc.integer({ min: 0, max: 40 }) });
    fc.assert(
      fc.property(fc.array(clip, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 60 }), (frames, gop) => {
        // Keep each clip at least as long as its two transitions.
        const clips = frames.map((c, i) => ({ d: c.d / 24, t: Math.min(c.t, Math.floor(c.d / 2), Math.floor((frames[i + 1]?.d ?? 0) / 2)) / 24 }));
        const timeline = frameTimeline(planOf(clips));
        const pieces = planPieces(timeline, gop);
        assert.equal(
          pieces.reduce((sum, p) => sum + pieceFrames(p), 0),
          timeline.frames,
        );
        for (const p of pieces) {
          if (p.kind === 'copy') assert.ok(p.from % gop === 0 && p.to > p.from);
          else p.parts.forEach((part) => assert.ok(part.to > part.from));
        }
      }),
    );
  });
});

const PROBE: MediaProbe = fakeProbe({ duration: 10, width: 640, height: 480, fps: 30, rotation: 90 }, 0);

describe('conform arguments', () => {
  it('seeks, fits and pads, holds the last frame, and writes exactly the frames asked for', () => {
    const args = buildConformArgs({ file: '/in/a b.mov', inPoint: 1.5, frames: 72, probe: PROBE, format: FORMAT }, '/w/v.mp4', '/w/a.wav');
    assert.deepEqual(args.slice(0, 4), ['-ss', '1.5', '-i', '/in/a b.mov']);
    assert.equal(args[args.indexOf('-frames:v') + 1], '72');
    assert.equal(args[args.indexOf('-vf') + 1], conformVideoFilter({ frames: 72, probe: PROBE, format: FORMAT }));
    assert.match(
      args[args.indexOf('-vf') + 1] ?? '',
      /^setpts=PTS-STARTPTS,fps=24,scale=1280:720:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=1280:720:\(ow-iw\)\/2:\(oh-ih\)\/2:black,setsar=1,format=yuv420p,tpad=stop_mode=clone:stop_duration=3$/,
    );
    // No sound in the source: silence from anullsrc, cut to the clip's length.
    assert.ok(args.includes('anullsrc=r=48000:cl=stereo'));
    assert.equal(args[args.indexOf('-map', args.indexOf('/w/v.mp4')) + 1], '1:a:0');
    assert.equal(args[args.indexOf('-t') + 1], '3');
    assert.equal(args.at(-1), '/w/a.wav');
  });
  it('converts colour to BT.709 limited range right after the frame rate, and only when needed', () => {
    const untaggedSd = { ...PROBE, video: { ...PROBE.video!, colour: { primaries: '', transfer: '', space: '', range: '' } } };
    const filter = conformVideoFilter({ frames: 24, probe: untaggedSd, format: FORMAT });
    assert.match(filter, /^setpts=PTS-STARTPTS,fps=24,zscale=matrixin=smpte170m:rangein=limited:[^,]*:matrix=bt709:range=limited[^,]*,format=yuv420p,scale=1280:720/);
    assert.doesNotMatch(conformVideoFilter({ frames: 24, probe: PROBE, format: FORMAT }), /zscale/);
  });
  it('squares anamorphic pixels before fitting', () => {
    const filter = conformVideoFilter({ frames: 24, probe: { ...PROBE, video: { ...PROBE.video!, sar: '4:3' } }, format: FORMAT });
    assert.match(filter, /fps=24,scale=trunc\(iw\*sar\/2\)\*2:ih,scale=1280:720/);
  });
  it('keys a conform by source identity and conform parameters only', () => {
    const id = { path: '/in/a.mp4', size: 10, mtimeMs: 5 };
    const base = { inPoint: 0, frames: 72, format: FORMAT };
    const key = conformKey(id, base);
    assert.equal(conformKey(id, base), key);
    assert.notEqual(conformKey({ ...id, mtimeMs: 6 }, base), key);
    assert.notEqual(conformKey(id, { ...base, inPoint: 0.5 }), key);
    assert.notEqual(conformKey(id, { ...base, format: { ...FORMAT, preset: 'medium' } }), key);
  });
  it('encodes the house format: High profile, one-second closed GOPs, no B-frames, stitchable', () => {
    const args = houseVideoArgs(FORMAT);
    assert.equal(args[args.indexOf('-profile:v') + 1], 'high');
    assert.equal(args[args.indexOf('-g') + 1], '24');
    assert.equal(args[args.indexOf('-bf') + 1], '0');
    assert.match(args[args.indexOf('-x264-params') + 1] ?? '', /stitchable=1/);
    const tag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    assert.deepEqual([tag('-color_primaries'), tag('-color_trc'), tag('-colorspace'), tag('-color_range')], ['bt709', 'bt709', 'bt709', 'tv']);
  });
});

describe('windows and the concat list', () => {
  const window: WindowPiece = {
    kind: 'window',
    parts: [
      { clip: 0, from: 24, to: 48 },
      { clip: 1, from: 0, to: 30 },
      { clip: 2, from: 0, to: 24 },
    ],
    transitions: [
      { type: 'dissolve', frames: 12 },
      { type: 'wipeleft', frames: 12 },
    ],
  };
  it('maps plan transitions to xfade and refuses unknown ones', () => {
    assert.equal(xfadeTransition('dissolve'), 'fade');
    assert.equal(xfadeTransition('circleclose'), 'circleclose');
    assert.throws(() => xfadeTransition('toString'), StitchPlanError);
  });
  it('chains xfades with offsets where each transition starts in the window', () => {
    assert.equal(
      windowFilter(window, 24),
      '[0:v]trim=end_frame=24,setpts=PTS-STARTPTS[p0];[1:v]trim=end_frame=30,setpts=PTS-STARTPTS[p1];[2:v]trim=end_frame=24,setpts=PTS-STARTPTS[p2];' +
        '[p0][p1]xfade=transition=fade:duration=0.5:offset=0.5[x1];[x1][p2]xfade=transition=wipeleft:duration=0.5:offset=1.25[out]',
    );
    const args = buildWindowArgs(window, ['/w/c0.mp4', '/w/c1.mp4', '/w/c2.mp4'], FORMAT, '/w/win.mp4');
    assert.deepEqual(args.slice(0, 12), ['-ss', '1', '-i', '/w/c0.mp4', '-ss', '0', '-i', '/w/c1.mp4', '-ss', '0', '-i', '/w/c2.mp4']);
    assert.equal(args[args.indexOf('-frames:v') + 1], '54');
  });
  it('lists pieces with in/out points and explicit durations', () => {
    const pieces = planPieces(
      frameTimeline(
        planOf([
          { d: 3, t: 1 },
          { d: 3, t: 0 },
        ]),
      ),
      24,
    );
    assert.equal(
      buildConcatList(pieces, ['c0.mp4', "w'1.mp4", 'c1.mp4'], 24),
      "ffconcat version 1.0\nfile 'c0.mp4'\noutpoint 2\nduration 2\nfile 'w'\\''1.mp4'\nduration 1\nfile 'c1.mp4'\ninpoint 1\noutpoint 3\nduration 2\n",
    );
  });
});

describe('audio mix', () => {
  it('places clips, narration and cues by sample and sums them to exactly the film length', () => {
    const input = {
      clips: [
        { file: '/w/a.wav', start: 0, duration: 3, fadeIn: 0, fadeOut: 1, gain: -3 },
        { file: '/w/b.wav', start: 2, duration: 3, fadeIn: 1, fadeOut: 0, gain: 0 },
      ],
      narration: [{ file: '/n.wav', start: 1.25, duration: 2 }],
      cues: [{ file: '/m.wav', start: 0.5, duration: 4, inPoint: 2, gain: -6, duck: 12, fadeIn: 1, fadeOut: 2 }],
      length: 5,
    };
    const graph = mixFilter(input);
    assert.match(graph, /\[0:a\][^;]*volume=-3dB,afade=t=out:st=2:d=1,adelay=delays=0S:all=1\[s0\]/);
    assert.match(graph, /\[1:a\][^;]*afade=t=in:st=0:d=1,adelay=delays=96000S:all=1\[s1\]/);
    assert.match(graph, /\[2:a\][^;]*atrim=end_sample=96000,adelay=delays=60000S:all=1\[s2\]/);
    assert.match(
      graph,
      /\[3:a\]atrim=start=2,asetpts=PTS-STARTPTS,[^;]*volume=-6dB,afade=t=in:st=0:d=1,afade=t=out:st=2:d=2,adelay=delays=24000S:all=1,volume='[^']+':eval=frame\[s3\]/,
    );
    assert.match(graph, /amix=inputs=4:normalize=0:duration=longest,apad=whole_len=240000,atrim=end_sample=240000\[mix\]$/);
    assert.deepEqual(buildMixArgs(input, '/w/mix.filter', '/w/mix.wav').slice(0, 10), [
      '-i',
      '/w/a.wav',
      '-i',
      '/w/b.wav',
      '-i',
      '/n.wav',
      '-i',
      '/m.wav',
      '-filter_complex_script',
      '/w/mix.filter',
    ]);
  });
  it('ducks by exactly the asked dB during narration, ramping around it', () => {
    const expr = duckExpression(
      [
        { start: 2, duration: 1 },
        { start: 5, duration: 1 },
      ],
      12,
    );
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the ffmpeg expression under test as JavaScript
    const evaluate = new Function('t', 'clip', 'min', 'max', `return ${expr};`) as (t: number, ...f: ((...a: number[]) => number)[]) => number;
    const gainDb = (t: number): number => 20 * Math.log10(evaluate(t, (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x)), Math.min, Math.max));
    assert.ok(Math.abs(gainDb(0)) < 1e-9);
    assert.ok(Math.abs(gainDb(2.5) - -12) < 1e-3);
    assert.ok(Math.abs(gainDb(5.9) - -12) < 1e-3);
    assert.ok(gainDb(1.85) < 0 && gainDb(1.85) > -12, 'ramping down before the voice');
    assert.ok(Math.abs(gainDb(4)) < 1e-9, 'back up between narrations');
    assert.equal(duckExpression([], 12), '1');
  });
});

describe('loudness', () => {
  const stderr = `[Parsed_loudnorm_0 @ 0x1]\n{\n\t"input_i" : "-27.61",\n\t"input_tp" : "-4.47",\n\t"input_lra" : "18.06",\n\t"input_thresh" : "-39.20",\n\t"output_i" : "-16.58",\n\t"output_tp" : "-1.50",\n\t"output_lra" : "14.78",\n\t"output_thresh" : "-27.71",\n\t"normalization_type" : "dynamic",\n\t"target_offset" : "0.58"\n}\n`;
  it('reads loudnorm’s measurement', () => {
    assert.deepEqual(parseLoudnorm(stderr), { inputI: -27.61, inputTp: -4.47, inputLra: 18.06, inputThresh: -39.2, targetOffset: 0.58 });
    assert.throws(() => parseLoudnorm('no json'), /no measurement/);
  });
  it('reads ebur128’s summary', () => {
    const text =
      '[Parsed_ebur128_0 @ 0x1] t: 1.2 M: -20 S: -21 I: -30.0 LUFS\n[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -16.0 LUFS\n    Threshold: -26.1 LUFS\n\n  Loudness range:\n    LRA:         3.2 LU\n\n  True peak:\n    Peak:       -1.6 dBFS\n';
    assert.deepEqual(parseEbur128(text), { integrated: -16, truePeak: -1.6, threshold: -26.1 });
    assert.throws(() => parseEbur128('I: -30.0 LUFS'), /no summary/);
  });
  it('measures once with both filters and takes the integrated loudness and gate from ebur128', () => {
    assert.deepEqual(buildMeasureArgs('/w/mix.wav', -16), [
      '-i',
      '/w/mix.wav',
      '-map',
      '0:a:0',
      '-af',
      'ebur128=peak=true,loudnorm=I=-16:TP=-1.5:LRA=20:print_format=json',
      '-f',
      'null',
      '-',
    ]);
    const ebur = '[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -26.6 LUFS\n    Threshold: -38.1 LUFS\n\n  True peak:\n    Peak:       -4.4 dBFS\n';
    assert.deepEqual(parseMeasurement(ebur + stderr), { inputI: -26.6, inputTp: -4.47, inputLra: 18.06, inputThresh: -38.1, targetOffset: 0.58 });
  });
  it('applies the measurement linearly in the second pass and encodes AAC once', () => {
    const measured = parseLoudnorm(stderr);
    assert.equal(
      loudnormFilter(-16, measured),
      'loudnorm=I=-16:TP=-1.5:LRA=20:measured_I=-27.61:measured_TP=-4.47:measured_LRA=18.06:measured_thresh=-39.2:offset=0.58:linear=true:print_format=json',
    );
    const args = buildNormalizeArgs('/w/mix.wav', -16, measured, '/w/a.m4a');
    assert.deepEqual(args.slice(args.indexOf('-c:a'), args.indexOf('-c:a') + 2), ['-c:a', 'aac']);
    assert.match(args[args.indexOf('-af') + 1] ?? '', /linear=true:print_format=json,aresample=48000$/);
  });
});

describe('linear loudness', () => {
  it('moves the whole mix by one gain, and limits only when the gained true peak would pass the ceiling', () => {
    assert.deepEqual(linearGain({ integrated: -22.5, truePeak: -9 }, -16), { gain: 6.5, limit: false });
    assert.deepEqual(linearGain({ integrated: -22.5, truePeak: -7 }, -16), { gain: 6.5, limit: true });
    assert.deepEqual(linearGain({ integrated: -Infinity, truePeak: -Infinity }, -16), { gain: 0, limit: false });
    assert.deepEqual(buildGainArgs('/w/mix.wav', { gain: 6.5, limit: false }, '/w/s.m4a').slice(4, 6), ['-af', 'volume=6.5dB']);
    const limited = buildGainArgs('/w/mix.wav', { gain: 6.5, limit: true }, '/w/s.m4a');
    assert.match(limited[limited.indexOf('-af') + 1] ?? '', /^volume=6\.5dB,aresample=192000,alimiter=limit=0\.84140:.*level=0:latency=1,aresample=48000$/);
  });
  it('accepts a result within 0.5 LU of the target and at or under −1 dBTP, else falls back', () => {
    assert.equal(meetsTarget({ integrated: -16.4, truePeak: -1.2 }, -16), true);
    assert.equal(meetsTarget({ integrated: -16.6, truePeak: -1.2 }, -16), false);
    assert.equal(meetsTarget({ integrated: -16, truePeak: -0.9 }, -16), false);
    assert.equal(meetsTarget({ integrated: -Infinity, truePeak: -Infinity }, -16), true);
  });
});

describe('houseMismatch', () => {
  const format = { width: 1280, height: 720, fps: 24, preset: 'superfast' };
  const packets = (n: number, gop = 24, tick = 3750): { pts: number; dts: number; flags: string }[] =>
    Array.from({ length: n }, (_, k) => ({ pts: k * tick, dts: k * tick, flags: k % gop === 0 ? 'K__' : '___' }));
  const probe = (stream: Record<string, unknown>, list = packets(48)): StreamFacts =>
    parseStreamFacts({
      streams: [
        {
          codec_name: 'h264',
          profile: 'High',
          width: 1280,
          height: 720,
          pix_fmt: 'yuv420p',
          sample_aspect_ratio: '1:1',
          r_frame_rate: '24/1',
          avg_frame_rate: '24/1',
          time_base: '1/90000',
          has_b_frames: 0,
          field_order: 'progressive',
          color_primaries: 'bt709',
          color_transfer: 'bt709',
          color_space: 'bt709',
          color_range: 'tv',
          extradata_hash: 'SHA256:ab',
          ...stream,
        },
      ],
      packets: list.map((p) => ({ pts: p.pts, dts: p.dts, flags: p.flags })),
    });
  const target = { format, extradataHash: 'SHA256:ab', frames: 48, inPoint: 0, rotation: 0 };
  it('copies a clip that has the house format’s parameter sets, grid and GOPs', () => {
    assert.equal(houseMismatch(probe({}), target), undefined);
  });
  it('names the first property that differs', () => {
    assert.match(houseMismatch(probe({ sample_aspect_ratio: '4:3' }), target) ?? '', /^SAR 4:3/);
    assert.match(houseMismatch(probe({ time_base: '1/12288' }), target) ?? '', /^time base/);
    assert.match(houseMismatch(probe({ extradata_hash: 'SHA256:cd' }), target) ?? '', /^parameter sets/);
    assert.match(houseMismatch(probe({ avg_frame_rate: '24000/1001' }), target) ?? '', /^fps 23\.97/);
    assert.match(houseMismatch(probe({}, packets(40)), target) ?? '', /has 40 frames, the cut takes 48/);
    assert.match(houseMismatch(probe({}, packets(48, 48)), target) ?? '', /frame 24 is not a keyframe/);
    const reordered = packets(48).map((p, k) => (k === 3 ? { ...p, pts: p.pts + 3750 } : p));
    assert.match(houseMismatch(probe({}, reordered), target) ?? '', /frame 3 is not at 11250 ticks/);
    assert.match(houseMismatch(probe({}), { ...target, rotation: 90 }) ?? '', /^rotation/);
    assert.match(houseMismatch(probe({ color_space: 'smpte170m' }), target) ?? '', /^colour bt709\/bt709\/smpte170m\/tv is not bt709\/bt709\/bt709\/tv/);
    assert.match(houseMismatch(probe({ color_range: 'pc' }), target) ?? '', /^colour .*\/pc is not/);
    assert.match(
      houseMismatch(probe({ color_primaries: undefined, color_transfer: undefined, color_space: undefined, color_range: undefined }), target) ?? '',
      /^colour unknown\/unknown\/unknown\/unknown/,
    );
  });
});

describe('subtitles', () => {
  const cue = (index: number, start: number, end: number, lines: string[]) => ({ index, sceneId: `s${index}`, start, end, lines, words: [] });
  const cues = [cue(0, 1.25, 3.25, ['She said "wait", colons: 50% \\ backslash', 'and 東京']), cue(1, 62.5, 63.7345, ['Line two <b> & "more"'])];
  it('formats times to the millisecond', () => {
    assert.equal(formatTimestamp(3723.5, ','), '01:02:03,500');
    assert.equal(formatTimestamp(0.0004, '.'), '00:00:00.000');
  });
  it('writes SRT with the text as written, line by line', () => {
    assert.equal(
      buildSrt(cues),
      '1\n00:00:01,250 --> 00:00:03,250\nShe said "wait", colons: 50% \\ backslash\nand 東京\n\n2\n00:01:02,500 --> 00:01:03,735\nLine two <b> & "more"\n',
    );
  });
  it('writes WebVTT with &, < and > as character references', () => {
    assert.equal(
      buildVtt(cues),
      'WEBVTT\n\n00:00:01.250 --> 00:00:03.250\nShe said "wait", colons: 50% \\ backslash\nand 東京\n\n00:01:02.500 --> 00:01:03.735\nLine two &lt;b&gt; &amp; "more"\n',
    );
  });
  it('burns a plain file name only', () => {
    assert.equal(burnFilter('subs-1a2b.srt'), 'subtitles=filename=subs-1a2b.srt:charenc=UTF-8');
    assert.throws(() => burnFilter("a'b:c.srt"));
  });
});

describe('final encode arguments', () => {
  const base = { concatList: 'cut.ffconcat', audio: '/w/a.m4a', out: '/o/.film.mp4.1.partial.mp4', container: 'mp4' as const, title: 'A: "b"', frames: 180, format: FORMAT };
  it('copies the joined picture, adds the sound, title and faststart', () => {
    assert.deepEqual(buildFinalArgs(base), [
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      'cut.ffconcat',
      '-i',
      '/w/a.m4a',
      '-map',
      '0:v:0',
      '-map',
      '1:a:0',
      '-c:v',
      'copy',
      '-t',
      '7.5',
      '-c:a',
      'copy',
      '-map_metadata',
      '-1',
      '-metadata',
      'title=A: "b"',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      '-y',
      '/o/.film.mp4.1.partial.mp4',
    ]);
  });
  it('re-encodes the picture in the house format to burn subtitles', () => {
    const args = buildFinalArgs({ ...base, burn: 'subs.srt' });
    assert.match(
      args[args.indexOf('-vf') + 1] ?? '',
      /^zscale=matrixin=bt709:[^,]*,format=gbrp,subtitles=filename=subs\.srt:charenc=UTF-8,zscale=[^,]*:matrix=bt709:range=limited[^,]*,format=yuv420p$/,
    );
    assert.equal(args[args.indexOf('-c:v') + 1], 'libx264');
    assert.equal(args[args.indexOf('-colorspace') + 1], 'bt709');
  });
  it('picks the container from the output’s extension', () => {
    assert.equal(containerFor('/a/B.MKV'), 'matroska');
    assert.equal(containerFor('/a/b.mov'), 'mov');
    assert.equal(containerFor('/a/b.mp4'), 'mp4');
  });
});
