/**
 * The copy path with real ffmpeg: a clip already in the house format is stream-copied into the
 * cut (its packets arrive unchanged; nothing is encoded but its PCM sound), and a clip that
 * differs in one property (fps, B-frames, profile, GOP, in-point) is re-encoded.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { buildCopyArgs, conformClip, conformReason } from '../../src/media/conform.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { houseVideoArgs, type HouseFormat } from '../../src/media/house-format.js';
import { houseExtradata } from '../../src/media/house-match.js';
import { probe } from '../../src/media/probe.js';
import { stitch } from '../../src/media/stitch.js';
import { tempDir } from '../helpers/temp.js';
import { videoPacketTimes } from './stitch-measure.js';

const binaries = await locateFfmpeg();
const FORMAT: HouseFormat = { width: 640, height: 360, fps: 24, preset: 'ultrafast' };
const SECONDS = 3;
const FRAMES = 2 * FORMAT.fps;

/** houseVideoArgs with one option's value replaced (or the option dropped when `value` is undefined). */
function houseWith(option: string, value: string | undefined, format: HouseFormat = FORMAT): string[] {
  const args = houseVideoArgs(format);
  const at = args.indexOf(option);
  assert.ok(at >= 0, `houseVideoArgs has ${option}`);
  return value === undefined ? [...args.slice(0, at), ...args.slice(at + 2)] : [...args.slice(0, at + 1), value, ...args.slice(at + 2)];
}

/** A 3 s testsrc2 clip with a tone, its picture encoded with `video` arguments. */
async function makeClip(dir: string, name: string, video: string[], fps = FORMAT.fps): Promise<string> {
  const file = join(dir, name);
  const picture = `testsrc2=s=${FORMAT.width}x${FORMAT.height}:r=${fps}:d=${SECONDS}`;
  const sound = `sine=f=440:r=48000:d=${SECONDS}`;
  await execa('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', picture, '-f', 'lavfi', '-i', sound, ...video, '-c:a', 'aac', '-shortest', '-y', file]);
  return file;
}

/** sha256 of each video packet's payload, in order. */
async function packetHashes(file: string, count: number): Promise<string[]> {
  const r = await execa('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=data_hash', '-show_data_hash', 'sha256', '-of', 'csv=p=0', file]);
  return r.stdout.trim().split('\n').slice(0, count);
}

describe('house-format clips', () => {
  let dir = '';
  let house = '';
  let extradataHash = '';
  const variants: Record<string, string> = {};

  before(async () => {
    dir = tempDir('mdp-house-');
    await mkdir(join(dir, 'work'));
    const x264 = 'stitchable=1:8x8dct=1:open-gop=0';
    [house, variants['another fps'], variants['B-frames'], variants['another profile'], variants['two-second GOPs']] = await Promise.all([
      makeClip(dir, 'house.mp4', houseVideoArgs(FORMAT)),
      makeClip(dir, 'fps30.mp4', houseVideoArgs({ ...FORMAT, fps: 30 }), 30),
      makeClip(dir, 'bframes.mp4', houseWith('-bf', '2')),
      makeClip(dir, 'main.mp4', [...houseWith('-profile:v', 'main'), '-x264-params', x264.replace(':8x8dct=1', '')]),
      makeClip(dir, 'gop48.mp4', [...houseWith('-g', '48'), '-keyint_min', '48']),
    ]);
    extradataHash = await houseExtradata(FORMAT, dir, { ffmpegPath: binaries.ffmpeg, ffprobePath: binaries.ffprobe });
  });

  const request = async (file: string, inPoint = 0) => ({ file, inPoint, frames: FRAMES, format: FORMAT, probe: await probe(file, { ffprobePath: binaries.ffprobe }) });
  const options = (): Parameters<typeof conformClip>[2] => ({
    ffmpegPath: binaries.ffmpeg,
    copy: { ffprobePath: binaries.ffprobe, extradataHash: () => Promise.resolve(extradataHash) },
  });

  it('stream-copies a house-format clip: its first frames arrive packet for packet, nothing is encoded', async () => {
    const r = await request(house);
    assert.equal(await conformReason(r, options()), undefined);
    const args = buildCopyArgs(r, 'v.mp4', 'a.wav');
    assert.deepEqual(args.slice(args.indexOf('-c:v'), args.indexOf('-c:v') + 2), ['-c:v', 'copy']);
    assert.ok(!args.includes('libx264'), 'no video encoder is named');
    const conformed = await conformClip(r, join(dir, 'work'), options());
    assert.equal(conformed.picture, 'copy');
    assert.deepEqual(await packetHashes(conformed.video, FRAMES), await packetHashes(house, FRAMES));
    assert.equal((await videoPacketTimes(conformed.video)).length, FRAMES);
  });

  const told: Record<string, RegExp> = {
    'another fps': /^fps 30 /,
    'B-frames': /^B-frames 2 /,
    'another profile': /^profile (?!High )/,
    'two-second GOPs': /^frame 24 is not a keyframe/,
  };
  for (const [name, why] of Object.entries(told)) {
    it(`re-encodes a clip with ${name}`, async () => {
      const file = variants[name]!;
      const r = await request(file);
      const reason = await conformReason(r, options());
      assert.match(reason ?? '', why);
      const conformed = await conformClip(r, join(dir, 'work'), options());
      assert.equal(conformed.picture, 'encode', reason);
      assert.notDeepEqual((await packetHashes(conformed.video, 3))[1], (await packetHashes(file, 3))[1]);
    });
  }

  it('re-encodes a house-format clip used from an in-point, and every clip when copies are off', async () => {
    assert.match((await conformReason(await request(house, 0.5), options())) ?? '', /in-point/);
    const forced = await conformClip(await request(house), join(dir, 'work'), { ffmpegPath: binaries.ffmpeg });
    assert.equal(forced.picture, 'encode');
  });

  it('joins copied clips with a dissolve frame-exactly and says it copied them', async () => {
    const clip = (id: string, start: number, transition: { type: string; duration: number }) => ({ id, file: house, inPoint: 0, duration: 2, start, transition });
    const out = join(dir, 'out', 'film.mp4');
    const result = await stitch(
      {
        output: { path: out, ...FORMAT, loudness: -16, subtitles: 'none', title: 'copies' },
        clips: [clip('a', 0, { type: 'dissolve', duration: 0.5 }), clip('b', 1.5, { type: 'cut', duration: 0 })],
        narration: [],
        cues: [],
        length: 3.5,
      },
      { binaries, workDir: join(dir, 'work-stitch'), preset: FORMAT.preset },
    );
    assert.equal(result.stats?.copied, 2);
    const times = await videoPacketTimes(out);
    assert.equal(times.length, 3.5 * FORMAT.fps);
    times.forEach((t, k) => assert.ok(Math.abs(t - k / FORMAT.fps) < 1e-3, `frame ${k} at ${t}`));
    const decode = await execa('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-']);
    assert.equal(decode.stderr.trim(), '', 'the joined stream decodes without an error');
  });

  it('still copies reframed clips into a rendition of their own size, and re-encodes them into another shape', async () => {
    const clips = [
      { id: 'a', file: house, inPoint: 0, duration: 2, start: 0, transition: { type: 'cut', duration: 0 }, reframe: { mode: 'fit' as const } },
      { id: 'b', file: house, inPoint: 0, duration: 1, start: 2, transition: { type: 'cut', duration: 0 }, reframe: { mode: 'crop' as const, focus: 0.2 } },
    ];
    const plan = { output: { path: join(dir, 'out', 'wide.mp4'), ...FORMAT, loudness: -16, subtitles: 'none' as const, title: 'r' }, clips, narration: [], cues: [], length: 3 };
    const options = { binaries, workDir: join(dir, 'work-renditions'), preset: FORMAT.preset };
    const wide = await stitch(plan, options);
    assert.equal(wide.stats?.copied, 2);
    const tall = await stitch({ ...plan, output: { ...plan.output, path: join(dir, 'out', 'tall.mp4'), width: FORMAT.height, height: FORMAT.width } }, options);
    assert.deepEqual([tall.stats?.conformed, tall.stats?.copied, tall.stats?.sound], [2, 0, 'reused']);
    assert.equal((await videoPacketTimes(tall.path)).length, 3 * FORMAT.fps);
  });
});
