/**
 * The engines against real ffmpeg: real files, checked with ffprobe and signal measurements.
 * Clips are 720p, 15 s, `fast` quality, to keep the suite quick.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createEngines, speechBackend } from '../../src/local/engines/index.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import type { VideoRequest } from '../../src/local/engines/types.js';
import { FfmpegError } from '../../src/media/process.js';
import { probe } from '../../src/media/probe.js';
import { colourStats, decodeMono, meanHue, medianInterval, onsets, sha256, windowDb } from './engines-measure.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const engines = createEngines(binaries);
const dir = tempDir('mdp-engines-');
const out = (name: string): string => path.join(dir, name);

/** ffprobe agrees with the request: size, rate, duration ±1 frame, H.264 yuv420p + AAC 48 kHz stereo. */
async function assertVideoContract(file: string, request: VideoRequest): Promise<void> {
  const info = await probe(file, { ffprobePath: binaries.ffprobe });
  assert.equal(info.video?.codec, 'h264');
  assert.equal(info.video?.pixFmt, 'yuv420p');
  assert.equal(info.video?.width, 1280);
  assert.equal(info.video?.height, 720);
  assert.equal(info.video?.fps, request.fps);
  assert.equal(info.video?.sar, '1:1');
  assert.ok(Math.abs(info.duration - request.duration) <= 1 / request.fps, `duration ${info.duration}`);
  assert.equal(info.video?.frames, request.duration * request.fps);
  assert.deepEqual(info.audio, { codec: 'aac', sampleRate: 48000, channels: 2 });
}

describe('video engine', () => {
  const neon: VideoRequest = { prompt: 'Neon rain on Tokyo streets at midnight', resolution: '720p', duration: 15, style: 'cinematic', fps: 24 };

  test('a neon prompt: the requested format, a magenta–cyan picture, the same bytes twice, a thumbnail', async () => {
    const progress: number[] = [];
    const result = await engines.renderVideo(neon, out('neon.mp4'), { quality: 'fast', onProgress: (p) => progress.push(p) });
    assert.ok(Math.abs(result.duration - 15) <= 1 / 24);
    assert.equal(progress.at(-1), 100);
    await assertVideoContract(out('neon.mp4'), neon);

    const hue = meanHue(await colourStats(out('neon.mp4')));
    assert.ok(hue.chroma > 5, `coloured, not grey (chroma ${hue.chroma.toFixed(1)})`);
    assert.ok(hue.angle > -72 && hue.angle < 52, `hue ${hue.angle.toFixed(1)}° lies between cyan (−71°) and magenta (52°)`);

    await engines.renderVideo(neon, out('neon-again.mp4'), { quality: 'fast' });
    assert.equal(await sha256(out('neon-again.mp4')), await sha256(out('neon.mp4')));

    await engines.renderThumbnail(out('neon.mp4'), out('neon.jpg'), { quality: 'fast' });
    const thumb = await probe(out('neon.jpg'), { ffprobePath: binaries.ffprobe });
    assert.equal(thumb.video?.codec, 'mjpeg');
    assert.equal(thumb.video?.width, 1280);
    assert.equal(thumb.video?.height, 720);
  });

  test('full quality (grain, vignette) is byte-identical too', async () => {
    // A 2 s clip keeps this quick: the engine takes any length (15 s minimum is the API's rule).
    const request: VideoRequest = { prompt: 'Vintage harbor in the fog, slow pan', resolution: '720p', duration: 2, style: 'vintage', fps: 24 };
    await engines.renderVideo(request, out('full-a.mp4'), { quality: 'full' });
    await engines.renderVideo(request, out('full-b.mp4'), { quality: 'full' });
    assert.equal(await sha256(out('full-a.mp4')), await sha256(out('full-b.mp4')));
    assert.equal((await probe(out('full-a.mp4'), { ffprobePath: binaries.ffprobe })).video?.frames, 48);
  });

  test('a sunset prompt is warm: its hue is outside the magenta–cyan range', async () => {
    const request: VideoRequest = { prompt: 'Golden desert sunset over the dunes', resolution: '720p', duration: 15, style: 'documentary', fps: 24 };
    await engines.renderVideo(request, out('sunset.mp4'), { quality: 'fast' });
    const hue = meanHue(await colourStats(out('sunset.mp4')));
    assert.ok(hue.angle > 90 || hue.angle < -90, `hue ${hue.angle.toFixed(1)}° is on the red–yellow–green side`);
  });

  test('noir is near-greyscale and high contrast; a voice adds narration over the bed', async () => {
    const request: VideoRequest = {
      prompt: 'A detective walks a rainy city alley',
      resolution: '720p',
      duration: 15,
      style: 'noir',
      fps: 30,
      voiceId: 'neural-narrator-f',
    };
    await engines.renderVideo(request, out('noir.mp4'), { quality: 'fast' });
    await assertVideoContract(out('noir.mp4'), request);
    const stats = await colourStats(out('noir.mp4'));
    assert.ok((stats['SATAVG'] ?? 99) < 2, `saturation ${stats['SATAVG']}`);
    assert.ok((stats['YHIGH'] ?? 0) - (stats['YLOW'] ?? 0) > 60, `contrast ${stats['YLOW']}–${stats['YHIGH']}`);
    const audio = await decodeMono(out('noir.mp4'));
    const speech = windowDb(audio, 0.6, 2.5);
    const bedOnly = windowDb(audio, 11, 13);
    assert.ok(speech > bedOnly + 6, `narration ${speech.toFixed(1)} dB over bed ${bedOnly.toFixed(1)} dB`);
  });

  test('aborting a render rejects and leaves no file behind', async () => {
    const controller = new AbortController();
    const target = out('aborted.mp4');
    const error = await engines
      .renderVideo({ ...neon, duration: 120 }, target, {
        quality: 'fast',
        signal: controller.signal,
        onProgress: (p) => {
          if (p > 1) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof FfmpegError);
    assert.equal(error.reason, 'aborted');
    await assert.rejects(access(target));
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.includes('aborted')),
      [],
    );
  });
});

describe('speech engine', () => {
  const text = 'The city never sleeps. Rain falls on the neon signs, and the night goes on.';

  test('speed 2.0 lasts about half as long as 1.0; the same request gives the same bytes', async () => {
    const normal = await engines.renderSpeech({ text, voiceId: 'neural-narrator-m', format: 'wav', speed: 1 }, out('s1.wav'), { quality: 'fast' });
    const fast = await engines.renderSpeech({ text, voiceId: 'neural-narrator-m', format: 'wav', speed: 2 }, out('s2.wav'), { quality: 'fast' });
    const ratio = fast.duration / normal.duration;
    assert.ok(normal.duration > 2, `spoken (${normal.duration} s)`);
    assert.ok(ratio > 0.4 && ratio < 0.6, `ratio ${ratio}`);
    const info = await probe(out('s1.wav'), { ffprobePath: binaries.ffprobe });
    assert.deepEqual(info.audio, { codec: 'pcm_s16le', sampleRate: 48000, channels: 1 });

    await engines.renderSpeech({ text, voiceId: 'neural-narrator-f2', format: 'mp3', speed: 1 }, out('a.mp3'), { quality: 'fast' });
    await engines.renderSpeech({ text, voiceId: 'neural-narrator-f2', format: 'mp3', speed: 1 }, out('b.mp3'), { quality: 'fast' });
    assert.equal(await sha256(out('a.mp3')), await sha256(out('b.mp3')));
    assert.equal((await probe(out('a.mp3'), { ffprobePath: binaries.ffprobe })).audio?.codec, 'mp3');
    await engines.renderSpeech({ text, voiceId: 'neural-narrator-f', format: 'mp3', speed: 1 }, out('c.mp3'), { quality: 'fast' });
    assert.notEqual(await sha256(out('c.mp3')), await sha256(out('a.mp3')), 'f2 is not f');
  });

  test('this ffmpeg speaks with flite', async () => {
    assert.equal(await speechBackend(binaries), 'flite');
  });

  test('quotes, colons, percent signs, backslashes, newlines and other scripts do not break it', async () => {
    const nasty = `It's 100% "true": C:\\path\\file; [brackets], {braces}\nnew line — 東京の夜 — Привет — \u0000end`;
    const result = await engines.renderSpeech({ text: nasty, voiceId: 'neural-narrator-m2', format: 'flac', speed: 1.3 }, out('nasty.flac'), { quality: 'fast' });
    assert.ok(result.duration > 1, `duration ${result.duration}`);
    const unsayable = await engines.renderSpeech({ text: '東京の夜', voiceId: 'neural-narrator-f', format: 'mp3', speed: 1 }, out('cjk.mp3'), { quality: 'fast' });
    assert.ok(unsayable.duration > 0);
  });

  test('a temp folder and an output path with quotes, colons, brackets and spaces', async () => {
    const awkward = path.join(dir, "it's: 100% [odd], dir");
    await mkdir(awkward);
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = awkward; // os.tmpdir() reads it on every call
    try {
      const result = await engines.renderSpeech({ text: 'Hello there.', voiceId: 'neural-narrator-m', format: 'wav', speed: 1 }, path.join(awkward, "out 'a':b.wav"), {
        quality: 'fast',
      });
      assert.ok(result.duration > 0.5);
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
    assert.deepEqual(await readdir(awkward), ["out 'a':b.wav"], 'the work folder was removed, only the output is left');
  });
});

describe('music engine', () => {
  test('120 bpm: beat onsets 0.5 s apart, exact length, reported bpm', async () => {
    const result = await engines.renderMusic({ prompt: 'Dark synthwave, analog pads', duration: 15, format: 'wav', bpm: 120 }, out('m120.wav'), { quality: 'fast' });
    assert.equal(result.bpm, 120);
    assert.equal(result.duration, 15);
    const samples = await decodeMono(out('m120.wav'));
    assert.equal(samples.length, 15 * 48000);
    const beats = onsets(samples);
    assert.ok(beats.length >= 20, `${beats.length} onsets`);
    const interval = medianInterval(beats);
    assert.ok(Math.abs(interval - 0.5) < 0.02, `median inter-onset interval ${interval}`);
  });

  test('tempo from the prompt when no bpm is given; another tempo gives another interval', async () => {
    const result = await engines.renderMusic({ prompt: 'rock anthem at 90 bpm', duration: 15, format: 'flac' }, out('m90.flac'), { quality: 'fast' });
    assert.equal(result.bpm, 90);
    const interval = medianInterval(onsets(await decodeMono(out('m90.flac'))));
    assert.ok(Math.abs(interval - 60 / 90) < 0.02, `median inter-onset interval ${interval}`);
  });

  test('aborting while synthesizing rejects like an aborted ffmpeg run and leaves no file', async () => {
    const controller = new AbortController();
    const error = await engines
      .renderMusic({ prompt: 'epic orchestral', duration: 300, format: 'wav' }, out('long.wav'), {
        quality: 'fast',
        signal: controller.signal,
        onProgress: (p) => {
          if (p > 5) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof FfmpegError);
    assert.equal(error.reason, 'aborted');
    await assert.rejects(access(out('long.wav')));
  });

  test('the same request gives the same bytes; mp3 decodes to exactly the requested length', async () => {
    const request = { prompt: 'calm ambient drone, meditative', duration: 20, format: 'mp3' } as const;
    await engines.renderMusic(request, out('x.mp3'), { quality: 'fast' });
    await engines.renderMusic(request, out('y.mp3'), { quality: 'fast' });
    assert.equal(await sha256(out('x.mp3')), await sha256(out('y.mp3')));
    assert.equal((await decodeMono(out('x.mp3'))).length, 20 * 48000);
    const info = await probe(out('x.mp3'), { ffprobePath: binaries.ffprobe });
    assert.deepEqual(info.audio, { codec: 'mp3', sampleRate: 48000, channels: 2 });
  });
});

test('engines carry a version for fingerprints', () => {
  assert.match(engines.version, /^local-engines\/\d+$/);
});
