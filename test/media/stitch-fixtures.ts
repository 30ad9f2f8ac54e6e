/** Inputs for stitch tests and the bench, generated with ffmpeg's lavfi sources. */
import { execa } from 'execa';
import { join } from 'node:path';

const FFMPEG = 'ffmpeg';

async function ff(args: string[]): Promise<void> {
  await execa(FFMPEG, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** A clip of testsrc2 with a tone (or no sound), `seconds` long. */
export async function makeClip(
  dir: string,
  name: string,
  options: { seconds: number; width?: number; height?: number; fps?: number; audio?: boolean; freq?: number; color?: string },
): Promise<string> {
  const file = join(dir, name);
  const { seconds, width = 1280, height = 720, fps = 24, audio = true, freq = 440 } = options;
  const picture = options.color ? `color=c=${options.color}:` : 'testsrc2=';
  await ff([
    '-f',
    'lavfi',
    '-i',
    `${picture}s=${width}x${height}:r=${fps}:d=${seconds}`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=f=${freq}:r=48000:d=${seconds},volume=-20dB`] : []),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-ac', '2'] : []),
    '-shortest',
    file,
  ]);
  return file;
}

/**
 * A landscape clip, left half red and right half blue, tagged rotate=90 (as a phone in portrait
 * writes it): players show it turned 90° clockwise... ffmpeg's autorotate turns it upright.
 */
export async function makeRotatedClip(dir: string, name: string, seconds: number): Promise<string> {
  const raw = join(dir, `raw-${name}`);
  await ff([
    '-f',
    'lavfi',
    '-i',
    `color=c=red:s=320x240:r=24:d=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `color=c=blue:s=320x240:r=24:d=${seconds}`,
    '-filter_complex',
    '[0:v][1:v]hstack=inputs=2,format=yuv420p[v]',
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    raw,
  ]);
  const file = join(dir, name);
  await ff(['-i', raw, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
  return file;
}

/** A voice stand-in: band-limited noise bursts, `seconds` long. */
export async function makeVoice(dir: string, name: string, seconds: number): Promise<string> {
  const file = join(dir, name);
  await ff(['-f', 'lavfi', '-i', `anoisesrc=c=pink:r=48000:a=0.3:d=${seconds}`, '-af', 'highpass=f=200,lowpass=f=4000', '-ac', '1', file]);
  return file;
}

/** A music stand-in: a steady chord, `seconds` long. */
export async function makeMusic(dir: string, name: string, seconds: number): Promise<string> {
  const file = join(dir, name);
  await ff([
    '-f',
    'lavfi',
    '-i',
    `sine=f=220:r=44100:d=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=f=330:r=44100:d=${seconds}`,
    '-filter_complex',
    '[0:a][1:a]amix=inputs=2,volume=-6dB[a]',
    '-map',
    '[a]',
    '-ac',
    '2',
    file,
  ]);
  return file;
}

/** A steady sine tone (a voice stand-in easy to filter apart from the music), mono 48 kHz. */
export async function makeTone(dir: string, name: string, seconds: number, freq: number): Promise<string> {
  const file = join(dir, name);
  await ff(['-f', 'lavfi', '-i', `sine=f=${freq}:r=48000:d=${seconds},volume=-12dB`, file]);
  return file;
}
