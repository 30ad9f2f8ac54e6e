import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { capabilities, FfmpegNotFoundError, FfmpegSettingError, locateFfmpeg, parseCapabilities } from '../../src/media/ffmpeg.js';
import { tempDir } from '../helpers/temp.js';

const system = await locateFfmpeg();
const systemFfmpeg = system.ffmpeg;
const systemFfprobe = system.ffprobe;

test('FFMPEG_PATH and FFPROBE_PATH win over PATH', async () => {
  const dir = tempDir('mdp-locate-');
  await symlink(systemFfmpeg, path.join(dir, 'my-ffmpeg'));
  await symlink(systemFfprobe, path.join(dir, 'my-ffprobe'));
  const found = await locateFfmpeg({ FFMPEG_PATH: path.join(dir, 'my-ffmpeg'), FFPROBE_PATH: path.join(dir, 'my-ffprobe'), PATH: path.dirname(systemFfmpeg) });
  assert.equal(found.ffmpeg, path.join(dir, 'my-ffmpeg'));
  assert.equal(found.ffmpegSource, 'env');
  assert.equal(found.ffprobe, path.join(dir, 'my-ffprobe'));
});

test('ffprobe is found beside ffmpeg when it is not on PATH', async () => {
  const dir = tempDir('mdp-locate-');
  await symlink(systemFfmpeg, path.join(dir, 'ffmpeg'));
  await symlink(systemFfprobe, path.join(dir, 'ffprobe'));
  const found = await locateFfmpeg({ FFMPEG_PATH: path.join(dir, 'ffmpeg'), PATH: '' });
  assert.equal(found.ffprobe, path.join(dir, 'ffprobe'));
  assert.equal(found.ffprobeSource, 'beside-ffmpeg');
});

test('a missing ffmpeg is a typed error naming where it looked', async (t) => {
  const optional: string = 'ffmpeg-static'; // a plain string, so the type checker does not need the optional package
  const hasStatic = await import(optional).then(
    () => true,
    () => false,
  );
  if (hasStatic) {
    t.skip('ffmpeg-static is installed, so ffmpeg is always found');
    return;
  }
  const error = await locateFfmpeg({ PATH: '' }).catch((e: unknown) => e);
  assert.ok(error instanceof FfmpegNotFoundError);
  assert.ok(!(error instanceof FfmpegSettingError));
  assert.equal(error.binary, 'ffmpeg');
  assert.deepEqual(error.searched, ['PATH', 'ffmpeg-static']);
  assert.match(error.message, /FFMPEG_PATH/);
});

test('FFMPEG_PATH naming nothing is an error, even when PATH has an ffmpeg', async () => {
  const error = await locateFfmpeg({ FFMPEG_PATH: '/nope', PATH: path.dirname(systemFfmpeg) }).catch((e: unknown) => e);
  assert.ok(error instanceof FfmpegSettingError);
  assert.ok(error instanceof FfmpegNotFoundError, 'reported wherever a missing ffmpeg is');
  assert.equal(error.variable, 'FFMPEG_PATH');
  assert.equal(error.value, '/nope');
  assert.equal(error.binary, 'ffmpeg');
  assert.equal(error.message, 'FFMPEG_PATH=/nope is not an executable file; unset it or point it at ffmpeg');
});

test('FFPROBE_PATH naming a folder or a file that cannot run is an error', async () => {
  const dir = tempDir('mdp-locate-');
  const env = { FFMPEG_PATH: systemFfmpeg, PATH: path.dirname(systemFfprobe) };
  const folder = await locateFfmpeg({ ...env, FFPROBE_PATH: dir }).catch((e: unknown) => e);
  assert.ok(folder instanceof FfmpegSettingError);
  assert.equal(folder.message, `FFPROBE_PATH=${dir} is not an executable file; unset it or point it at ffprobe`);
  const text = path.join(dir, 'ffprobe');
  await writeFile(text, 'not a program');
  await chmod(text, 0o644);
  const plain = await locateFfmpeg({ ...env, FFPROBE_PATH: text }).catch((e: unknown) => e);
  assert.ok(plain instanceof FfmpegSettingError);
  assert.equal(plain.variable, 'FFPROBE_PATH');
  const ffmpegAsFolder = await locateFfmpeg({ FFMPEG_PATH: dir, PATH: path.dirname(systemFfmpeg) }).catch((e: unknown) => e);
  assert.ok(ffmpegAsFolder instanceof FfmpegSettingError);
  assert.equal(ffmpegAsFolder.variable, 'FFMPEG_PATH');
});

test('an empty FFMPEG_PATH counts as unset: PATH is searched', async () => {
  const found = await locateFfmpeg({ FFMPEG_PATH: '', FFPROBE_PATH: '', PATH: path.dirname(systemFfmpeg) });
  assert.equal(found.ffmpegSource, 'path');
  assert.equal(found.ffmpeg, path.join(path.dirname(systemFfmpeg), 'ffmpeg'));
});

test('parseCapabilities reads the filter and encoder listings', () => {
  const filters = [
    'Filters:',
    '  T.. = Timeline support',
    ' ... flite             |->A       Synthesize voice from text using libflite.',
    ' .S. xfade             VV->V      Cross fade one video with another video.',
    ' ..C sidechaincompress AA->A      Sidechain compressor.',
    ' .SC zscale            V->V       Apply resizing, colorspace and bit depth conversion.',
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
    zscale: true,
    tonemap: false,
  });
});

test('capabilities() of the installed ffmpeg', async () => {
  const caps = await capabilities(system);
  assert.match(caps.version, /^ffmpeg version /);
  assert.equal(caps.libx264, true, 'the engines need libx264');
  assert.equal(caps.xfade, true);
  assert.equal(caps.zscale, true, 'the conform converts colour with zscale');
  assert.equal(caps.tonemap, true, 'HDR footage is tone-mapped');
});
