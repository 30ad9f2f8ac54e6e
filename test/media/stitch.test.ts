/**
 * stitch() end to end with real ffmpeg: a small 720p film from mixed inputs (a 4:3 30 fps clip
 * without sound, a portrait phone clip with rotation metadata), narration and a ducked music cue.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { conformVideoFilter } from '../../src/media/conform.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { FfmpegError } from '../../src/media/process.js';
import { stitch } from '../../src/media/stitch.js';
import { StitchPlanError } from '../../src/media/stitch-timeline.js';
import type { StitchPlan, StitchResult } from '../../src/media/stitch-types.js';
import { makeClip, makeMusic, makeRotatedClip, makeTone } from './stitch-fixtures.js';
import { ebur128, ffprobeJson, frameAt, meanVolume, parseCues, videoPacketTimes } from './stitch-measure.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const TEXT = 'She said "wait", colons: 50% \\ backslash and 東京';
const FPS = 24;

describe('stitch', () => {
  let dir = '';
  let plan: StitchPlan;
  let first: StitchResult;
  let rotated = '';
  const progress: { percent: number; stage: string }[] = [];

  before(async () => {
    dir = tempDir('mdp-stitch-');
    const [a, b, c, voice, music] = await Promise.all([
      makeClip(dir, 'a.mp4', { seconds: 3, freq: 1000 }),
      makeClip(dir, 'b.mp4', { seconds: 4, width: 640, height: 480, fps: 30, audio: false }),
      makeRotatedClip(dir, 'c.mp4', 3),
      makeTone(dir, 'voice.wav', 2, 2000),
      makeMusic(dir, 'music.wav', 10),
    ]);
    rotated = c;
    // a: 0–3 ─dissolve 1 s─ b: 2–5 (from 0.5 s into its file) ─wipeleft 0.5 s─ c: 4.5–7.5
    plan = {
      output: { path: join(dir, 'out', 'film.mp4'), width: 1280, height: 720, fps: FPS, loudness: -16, subtitles: 'sidecar', title: 'Market: "dawn"' },
      clips: [
        { id: 'a', file: a, inPoint: 0, duration: 3, start: 0, transition: { type: 'dissolve', duration: 1 } },
        { id: 'b', file: b, inPoint: 0.5, duration: 3, start: 2, transition: { type: 'wipeleft', duration: 0.5 } },
        { id: 'c', file: c, inPoint: 0, duration: 3, start: 4.5, transition: { type: 'cut', duration: 0 } },
      ],
      narration: [{ id: 'n1', file: voice, start: 1.25, duration: 2, text: TEXT }],
      cues: [{ id: 'm1', file: music, start: 0, duration: 7.5, inPoint: 0.5, gain: 0, duck: 12, fadeIn: 0.5, fadeOut: 0.5 }],
      length: 7.5,
    };
    first = await stitch(plan, { binaries, workDir: join(dir, 'work'), preset: 'ultrafast', onProgress: (percent, stage) => progress.push({ percent, stage }) });
  });

  it('writes H.264 High yuv420p and AAC 48 kHz stereo at the film size, fps and length', async () => {
    const info = await ffprobeJson(first.path);
    const video = info.streams.find((s) => s['codec_type'] === 'video');
    const audio = info.streams.find((s) => s['codec_type'] === 'audio');
    assert.equal(video?.['codec_name'], 'h264');
    assert.equal(video?.['profile'], 'High');
    assert.equal(video?.['pix_fmt'], 'yuv420p');
    assert.equal(video?.['width'], 1280);
    assert.equal(video?.['height'], 720);
    assert.equal(video?.['avg_frame_rate'], '24/1');
    assert.equal(audio?.['codec_name'], 'aac');
    assert.equal(audio?.['sample_rate'], '48000');
    assert.equal(audio?.['channels'], 2);
    assert.ok(Math.abs(Number(info.format['duration']) - plan.length) <= 1 / FPS, `duration ${JSON.stringify(info.format['duration'])}`);
    assert.ok(Math.abs(Number(audio?.['duration']) - plan.length) <= 1 / FPS, `audio duration ${JSON.stringify(audio?.['duration'])}`);
    assert.equal((info.format['tags'] as Record<string, string>)['title'], 'Market: "dawn"');
  });

  it('reports progress from the first stage to 100, never going back', () => {
    assert.equal(progress[0]?.stage, 'probe');
    assert.equal(progress.at(-1)?.percent, 100);
    progress.forEach((p, i) => assert.ok(i === 0 || p.percent > (progress[i - 1]?.percent ?? 0), `step ${i}`));
    assert.ok(new Set(progress.map((p) => p.stage)).size >= 5, 'every stage reports');
  });

  it('has every frame once, one frame apart, with no timestamp gap where pieces join', async () => {
    const times = await videoPacketTimes(first.path);
    assert.equal(times.length, plan.length * FPS);
    times.forEach((t, i) => assert.ok(Math.abs(t - i / FPS) < 0.002, `frame ${i} at ${t}`));
  });

  it('matches a single-graph render of the same timeline frame for frame', async () => {
    // Reference: every clip conformed by the same filter, joined by one xfade chain with the
    // plan's own start times; compared with the cut frame by frame. A join off by one frame
    // shows as a PSNR drop on the moving test pattern.
    const inputs = plan.clips.flatMap((c) => ['-ss', String(c.inPoint), '-i', c.file]);
    const probes = await Promise.all(plan.clips.map((c) => probe(c.file, { ffprobePath: binaries.ffprobe })));
    const format = { width: 1280, height: 720, fps: FPS, preset: 'ultrafast' };
    const graph = plan.clips.map((c, i) => {
      const frames = Math.round(c.duration * FPS);
      const p = probes[i];
      if (!p) throw new Error('probe');
      return `[${i}:v]${conformVideoFilter({ frames, probe: p, format })},trim=end_frame=${frames}[c${i}]`;
    });
    graph.push(`[c0][c1]xfade=transition=fade:duration=1:offset=2[x1]`, `[x1][c2]xfade=transition=wipeleft:duration=0.5:offset=4.5[ref]`);
    graph.push(`[ref][${plan.clips.length}:v]psnr=stats_file=psnr.log`);
    await execa(binaries.ffmpeg, ['-nostdin', '-v', 'error', ...inputs, '-i', first.path, '-filter_complex', graph.join(';'), '-f', 'null', '-'], { cwd: dir });
    const values = (await readFile(join(dir, 'psnr.log'), 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => /psnr_avg:(\S+)/.exec(l)?.[1] ?? '')
      .map((v) => (v === 'inf' ? Infinity : Number(v)));
    assert.equal(values.length, plan.length * FPS);
    const worst = Math.min(...values);
    assert.ok(worst > 30, `worst frame PSNR ${worst} dB at frame ${values.indexOf(worst)}`);
  });

  it('normalizes to the loudness target with true peak under −1 dBTP', async () => {
    const measured = await ebur128(first.path);
    // ±1 LU is the delivery tolerance; this film (linear normalization) should land much closer.
    assert.ok(Math.abs(measured.integrated - -16) <= 0.5, `integrated ${measured.integrated}`);
    assert.ok(measured.truePeak <= -1 + 0.2, `true peak ${measured.truePeak}`);
    assert.ok(first.loudness && Math.abs(first.loudness.integrated - measured.integrated) <= 0.5);
  });

  it('writes SRT, WebVTT and the word sidecar beside the cut with the narration times and text intact', async () => {
    assert.equal(first.srt, join(dir, 'out', 'film.srt'));
    assert.equal(first.vtt, join(dir, 'out', 'film.vtt'));
    assert.equal(first.words, join(dir, 'out', 'film.words.json'));
    for (const file of [first.srt ?? '', first.vtt ?? '']) {
      const cues = parseCues(await readFile(file, 'utf8'));
      assert.equal(cues.length, 1);
      // The cue starts with the narration and stays at most 12 frames after it (Netflix's tolerance); its lines hold the text.
      assert.equal(cues[0]!.start, 1.25);
      assert.ok(cues[0]!.end >= 3.25 && cues[0]!.end <= 3.25 + 12 / 24, `ends at ${cues[0]!.end}`);
      assert.equal(cues[0]!.text.replace(/\n/g, ' '), TEXT);
    }
    assert.match(await readFile(first.vtt ?? '', 'utf8'), /^WEBVTT\n/);
  });

  it('pillarboxes the 4:3 clip with black borders, picture in the middle', async () => {
    const frame = await frameAt(first.path, 3.75); // b alone on screen
    for (const x of [20, 150, 1130, 1260]) {
      const [r, g, b] = frame.rgb(x, 360);
      assert.ok(r < 24 && g < 24 && b < 24, `border pixel ${x} is ${[r, g, b].join(',')}`);
    }
    // testsrc2 is colourful: the middle column of the picture is not all black.
    const middle = [100, 300, 500].map((y) => frame.rgb(640, y)).some(([r, g, b]) => r + g + b > 90);
    assert.ok(middle, 'picture in the middle');
  });

  it('shows the rotated phone clip as players do: upright, pillarboxed', async () => {
    // ffmpeg 5.1 stores `rotate=90` as a display matrix that ffprobe reports as rotation 90:
    // turn the stored picture 90° counterclockwise to show it. Its left edge (red) then lies at
    // the bottom and its right edge (blue) at the top, in a portrait picture.
    const source = await probe(rotated, { ffprobePath: binaries.ffprobe });
    assert.equal(source.video?.rotation, 90);
    const frame = await frameAt(first.path, 6.5); // c alone on screen
    const [tr, tg, tb] = frame.rgb(640, 150);
    const [br, bg, bb] = frame.rgb(640, 570);
    assert.ok(tb > 180 && tr < 60 && tg < 60, `top ${[tr, tg, tb].join(',')} is blue`);
    assert.ok(br > 180 && bg < 60 && bb < 60, `bottom ${[br, bg, bb].join(',')} is red`);
    // 240×640 portrait fitted to 720 rows is 270 px wide, centred: black pillars beside it.
    for (const x of [300, 980]) {
      const [sr, sg, sb] = frame.rgb(x, 360);
      assert.ok(sr < 24 && sg < 24 && sb < 24, `pillar at ${x} is black`);
    }
    const conformed = (await readdir(join(dir, 'work'))).filter((n) => n.startsWith('conform-') && n.endsWith('.mp4'));
    for (const name of conformed) assert.equal((await probe(join(dir, 'work', name), { ffprobePath: binaries.ffprobe })).video?.rotation, 0, `${name} carries no rotation`);
  });

  it('ducks the music by about the cue’s duck while narration plays', async () => {
    const musicOnly = 'lowpass=f=400,lowpass=f=400,lowpass=f=400';
    const during = await meanVolume(first.path, 1.75, 1, musicOnly);
    const outside = await meanVolume(first.path, 5.5, 1, musicOnly);
    const drop = outside - during;
    assert.ok(drop > 9 && drop < 15, `music ${during} dB during narration, ${outside} dB outside`);
  });

  it('reuses the conformed clips when only a transition changes', async () => {
    const work = join(dir, 'work');
    const conformed = (await readdir(work)).filter((n) => n.startsWith('conform-')).sort();
    const mtimes = await Promise.all(conformed.map(async (n) => (await stat(join(work, n))).mtimeMs));
    const changed: StitchPlan = {
      ...plan,
      output: { ...plan.output, path: join(dir, 'out', 'film-2.mp4') },
      clips: plan.clips.map((c, i) => (i === 0 ? { ...c, transition: { type: 'fadeblack', duration: 1 } } : c)),
    };
    const second = await stitch(changed, { binaries, workDir: work, preset: 'ultrafast' });
    // Only the picture changed: one window is rendered, the sound is the one already made.
    assert.deepEqual(second.stats, { conformed: 0, reused: 3, windows: 1, copied: 0, sound: 'reused' });
    assert.equal(first.stats?.conformed, 3);
    const after = (await readdir(work)).filter((n) => n.startsWith('conform-')).sort();
    assert.deepEqual(after, conformed);
    assert.deepEqual(await Promise.all(after.map(async (n) => (await stat(join(work, n))).mtimeMs)), mtimes);
    const times = await videoPacketTimes(second.path);
    assert.equal(times.length, plan.length * FPS);
  });

  for (const stage of ['conform', 'final']) {
    it(`leaves nothing at or beside the output when aborted during ${stage}`, async () => {
      const outDir = join(dir, `aborted-${stage}`);
      const work = join(dir, `work-aborted-${stage}`);
      const controller = new AbortController();
      const aborted: StitchPlan = { ...plan, output: { ...plan.output, path: join(outDir, 'film.mp4') } };
      await assert.rejects(
        stitch(aborted, {
          binaries,
          workDir: work,
          preset: 'ultrafast',
          signal: controller.signal,
          onProgress: (_p, s) => {
            if (s === stage) controller.abort();
          },
        }),
        (error: unknown) => (error instanceof FfmpegError && error.reason === 'aborted') || (error instanceof Error && error.name === 'AbortError'),
      );
      const beside = await readdir(outDir).catch(() => []);
      assert.deepEqual(beside, []);
      const leftovers = (await readdir(work)).filter((n) => n.includes('.tmp') || n.includes('partial'));
      assert.deepEqual(leftovers, []);
    });
  }

  it('refuses an unknown transition before rendering anything', async () => {
    const work = join(dir, 'work-refused');
    const refused: StitchPlan = {
      ...plan,
      output: { ...plan.output, path: join(dir, 'refused', 'film.mp4') },
      clips: plan.clips.map((c, i) => (i === 0 ? { ...c, transition: { type: 'spin', duration: 1 } } : c)),
    };
    await assert.rejects(stitch(refused, { binaries, workDir: work, preset: 'ultrafast' }), StitchPlanError);
    assert.deepEqual(await readdir(work).catch(() => []), []);
  });

  it('burns subtitles into the picture when asked', async () => {
    const gray = await makeClip(dir, 'gray.mp4', { seconds: 3, color: 'gray', audio: false });
    const burned: StitchPlan = {
      output: { ...plan.output, path: join(dir, 'out', 'burned.mkv'), subtitles: 'burn' },
      clips: [{ id: 'g', file: gray, inPoint: 0, duration: 3, start: 0, transition: { type: 'cut', duration: 0 } }],
      narration: [{ id: 'n', file: plan.narration[0]?.file ?? '', start: 1, duration: 1, text: TEXT }],
      cues: [],
      length: 3,
    };
    const result = await stitch(burned, { binaries, workDir: join(dir, 'work'), preset: 'ultrafast' });
    assert.equal(result.srt, undefined);
    const brightRows = async (time: number): Promise<number> => {
      const frame = await frameAt(result.path, time);
      let bright = 0;
      for (let y = 560; y < 720; y += 2) for (let x = 200; x < 1080; x += 4) if (frame.rgb(x, y)[0] > 220) bright += 1;
      return bright;
    };
    assert.equal(await brightRows(0.5), 0, 'no text before the narration');
    assert.ok((await brightRows(1.5)) > 50, 'text drawn while the narration plays');
  });
});
