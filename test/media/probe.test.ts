import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { runFfmpeg } from '../../src/media/process.js';
import { parseProbe, parseRate, probe, ProbeError } from '../../src/media/probe.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();

test('parseRate handles fractions, integers and 0/0', () => {
  assert.ok(Math.abs(parseRate('30000/1001') - 29.97) < 0.01);
  assert.equal(parseRate('24'), 24);
  assert.equal(parseRate('0/0'), 0);
  assert.equal(parseRate(''), 0);
});

test('parseProbe reads rotation from side data, skips cover art, and tolerates missing fields', () => {
  const parsed = parseProbe({
    format: { duration: '12.5', size: '1000', format_name: 'mov,mp4' },
    streams: [
      { codec_type: 'video', codec_name: 'mjpeg', width: 300, height: 300, disposition: { attached_pic: 1 } },
      {
        codec_type: 'video',
        codec_name: 'h264',
        width: 1920,
        height: 1080,
        avg_frame_rate: '24000/1001',
        r_frame_rate: '24000/1001',
        pix_fmt: 'yuv420p',
        sample_aspect_ratio: '1:1',
        side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }],
        disposition: { attached_pic: 0 },
      },
      { codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2 },
    ],
  });
  assert.equal(parsed.duration, 12.5);
  assert.equal(parsed.size, 1000);
  assert.equal(parsed.video?.codec, 'h264');
  assert.equal(parsed.video?.rotation, -90);
  assert.ok(Math.abs((parsed.video?.fps ?? 0) - 23.976) < 0.001);
  assert.deepEqual(parsed.audio, { codec: 'aac', sampleRate: 48000, channels: 2 });
  const tagged = parseProbe({ format: {}, streams: [{ codec_type: 'video', tags: { rotate: '180' } }] });
  assert.equal(tagged.video?.rotation, 180);
  assert.equal(tagged.audio, null);
  assert.deepEqual(parseProbe(null), { duration: 0, size: 0, formatName: '', video: null, audio: null });
});

test('parseProbe reads the colour tags; unknown and unspecified are untagged', () => {
  const stream = { codec_type: 'video', color_primaries: 'smpte170m', color_transfer: 'unknown', color_space: 'bt470bg', color_range: 'pc' };
  const parsed = parseProbe({ format: {}, streams: [stream] });
  assert.deepEqual(parsed.video?.colour, { primaries: 'smpte170m', transfer: '', space: 'bt470bg', range: 'pc' });
  assert.deepEqual(parseProbe({ format: {}, streams: [{ codec_type: 'video' }] }).video?.colour, { primaries: '', transfer: '', space: '', range: '' });
});

test('probe reads a real file', async () => {
  const dir = tempDir('mdp-probe-');
  const file = path.join(dir, 'clip.mp4');
  await runFfmpeg(
    [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=320x240:r=25:d=2',
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:r=44100:d=2',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-ac',
      '1',
      '-shortest',
      '-y',
      file,
    ],
    { ffmpegPath: binaries.ffmpeg },
  );
  const info = await probe(file, { ffprobePath: binaries.ffprobe });
  assert.ok(Math.abs(info.duration - 2) < 0.1, `duration ${info.duration}`);
  assert.ok(info.size > 0);
  assert.match(info.formatName, /mp4/);
  assert.equal(info.video?.codec, 'h264');
  assert.equal(info.video?.width, 320);
  assert.equal(info.video?.height, 240);
  assert.equal(info.video?.fps, 25);
  assert.equal(info.video?.pixFmt, 'yuv420p');
  assert.equal(info.video?.rotation, 0);
  assert.deepEqual(info.video?.colour, { primaries: '', transfer: '', space: '', range: '' }, 'x264 without colour options writes no tags');
  assert.deepEqual(info.audio, { codec: 'aac', sampleRate: 44100, channels: 1 });
});

test('probe of a file that is not media throws ProbeError', async () => {
  const dir = tempDir('mdp-probe-');
  const file = path.join(dir, 'notes.mp4');
  await writeFile(file, 'this is not a video');
  await assert.rejects(probe(file, { ffprobePath: binaries.ffprobe }), ProbeError);
});
