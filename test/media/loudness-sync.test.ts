// The true-peak limiter of the sound's gain stage must not move the sound against the picture:
// a tone that starts at 1 s in the mix starts at 1 s in the AAC, limited or not (real ffmpeg).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { buildGainArgs } from '../../src/media/loudness.js';
import { runFfmpeg } from '../../src/media/process.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();

/** Where sound is first heard in `file` (the end of its leading silence), seconds. */
async function onset(file: string): Promise<number> {
  const r = await execa(binaries.ffmpeg, ['-hide_banner', '-nostats', '-i', file, '-af', 'silencedetect=n=-40dB:d=0.1', '-f', 'null', '-']);
  const end = /silence_end: ([\d.]+)/.exec(r.stderr);
  assert.ok(end, r.stderr);
  return Number(end[1]);
}

describe('the sound’s gain stage', () => {
  test('keeps the sound where it was: a limited gain starts the tone within 1 ms of the unlimited one', async () => {
    const dir = tempDir('mdp-limit-');
    const mix = join(dir, 'mix.wav');
    // Silence, then at 1 s a full-scale tone: +6 dB on it passes −1 dBTP, so the limiter works.
    await execa(binaries.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', "sine=f=1000:r=48000:d=3,volume='if(gte(t,1),0.9,0)':eval=frame", '-ac', '2', mix]);
    const plain = join(dir, 'plain.m4a');
    const limited = join(dir, 'limited.m4a');
    await runFfmpeg(buildGainArgs(mix, { gain: 0, limit: false }, plain), { ffmpegPath: binaries.ffmpeg });
    await runFfmpeg(buildGainArgs(mix, { gain: 6, limit: true }, limited), { ffmpegPath: binaries.ffmpeg });
    const [a, b] = [await onset(plain), await onset(limited)];
    assert.ok(Math.abs(a - 1) < 0.025, `the unlimited tone starts at ${a} s`);
    assert.ok(Math.abs(b - a) < 0.001, `limited ${b} s, unlimited ${a} s`);
  });
});
