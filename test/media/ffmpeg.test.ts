import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { capabilities, FfmpegNotFoundError, locateFfmpeg, parseCapabilities } from '../../src/media/ffmpeg.js';

const systemFfmpeg = (await locateFfmpeg()).ffmpeg;
const systemFfprobe = (await locateFfmpeg()).ffprobe;

test('FFMPEG_PATH and FFPROBE_PATH win over PATH', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'locate-'));
  try {
    await symlink(systemFfmpeg, path.join(dir, 'my-ffmpeg'));
    await symlink(systemFfprobe, path.join(dir, 'my-ffprobe'));
    const found = await locateFfmpeg({ FFMPEG_PATH: path.join(dir, 'my-ffmpeg'), FFPROBE_PATH: path.join(dir, 'my-ffprobe'), PATH: path.dirname(systemFfmpeg) });
    assert.equal(found.ffmpeg, path.join(dir, 'my-ffmpeg'));
    assert.equal(found.ffmpegSource, 'env');
    assert.equal(found.ffprobe, path.join(dir, 'my-ffprobe'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ffprobe is found beside ffmpeg when it is not on PATH', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'locate-'));
  try {
    await symlink(systemFfmpeg, path.join(dir, 'ffmpeg'));
    await symlink(systemFfprobe, path.join(dir, 'ffprobe'));
    const found = await locateFfmpeg({ FFMPEG_PATH: path.join(dir, 'ffmpeg'), PATH: '' });
    assert.equal(found.ffprobe, path.join(dir, 'ffprobe'));
    assert.equal(found.ffprobeSource, 'beside-ffmpeg');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing ffmpeg is a typed error naming where it looked', async (t) => {
  const optional: string = 'ffmpeg-static'; // a plain string, so the type checker does not need the optional package
  const hasStatic = await import(optional).then(() => true, () => false);
  if (hasStatic) {
    t.skip('ffmpeg-static is installed, so ffmpeg is always found');
    return;
  }
  const error = await locateFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg', PATH: '' }).catch((e: unknown) => e);
  assert.ok(error instanceof FfmpegNotFoundError);
  assert.equal(error.binary, 'ffmpeg');
  assert.ok(error.searched.includes('FFMPEG_PATH=/nonexistent/ffmpeg'));
  assert.match(error.message, /FFMPEG_PATH/);
});

test('parseCapabilities reads the filter and encoder listings', () => {
  const filters = [
    'Filters:',
    '  T.. = Timeline support',
    ' ... flite             |->A       Synthesize voice from text using libflite.',
    ' .S. xfade             VV->V      Cross fade one video with another video.',
    ' ..C sidechaincompress AA->A      Sidechain compressor.',
  ].join('\n');
  const encoders = ' V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC (codec h264)\n A....D aac                  AAC';
  const caps = parseCapabilities('ffmpeg version 9.9 Copyright\nbuilt with gcc', filters, encoders);
  assert.deepEqual(caps, {
    version: 'ffmpeg version 9.9 Copyright',
    libx264: true,
    libflite: true,
    libmp3lame: false,
    xfade: true,
    loudnorm: false,
    sidechaincompress: true,
    libass: false,
  });
});

test('capabilities() of the installed ffmpeg', async () => {
  const caps = await capabilities();
  assert.match(caps.version, /^ffmpeg version /);
  assert.equal(caps.libx264, true, 'the engines need libx264');
  assert.equal(caps.xfade, true);
});
