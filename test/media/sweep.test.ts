/**
 * sweepWorkDir: what interrupted stitches leave in the work folder goes, the conformed clips
 * (and windows) a later stitch reuses stay. Litter made by hand, by an aborted stitch, and by a
 * stitch whose process group was killed mid-conform.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { FfmpegError } from '../../src/media/process.js';
import { stitch } from '../../src/media/stitch.js';
import type { StitchPlan } from '../../src/media/stitch-types.js';
import { isWorkLitter, runFileNames, sweepPartialsBeside, sweepWorkDir } from '../../src/media/work-files.js';
import { makeClip, makeTone } from './stitch-fixtures.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const KEY = '0123456789abcdef0123456789abcdef';
const KEY2 = 'fedcba9876543210fedcba9876543210';

const kept = (names: readonly string[]): string[] =>
  names.filter((n) => /^(?:(?:conform|window)-[0-9a-f]{32}\.(?:mp4|wav)|(?:probe|final|sound)-[0-9a-f]{32}\.json|sound-[0-9a-f]{32}\.m4a)$/.test(n)).sort();

describe('isWorkLitter', () => {
  it('calls temp and per-run files litter, never a conformed clip or window, nor a foreign name', () => {
    const names = runFileNames('3f9a1c0d');
    for (const litter of [
      names.concatList,
      names.mixWav,
      names.filterScript,
      names.audio,
      names.srt,
      `${names.concatList}.0a1b2c3d4e5f.tmp`,
      `${names.filterScript}.0a1b2c3d4e5f.tmp`,
      `conform-${KEY}.3f9a1c0d.tmp.mp4`,
      `conform-${KEY}.3f9a1c0d.tmp.wav`,
      `window-${KEY}.mp4.3f9a1c0d.tmp.mp4`,
    ]) {
      assert.equal(isWorkLitter(litter), true, litter);
    }
    for (const keep of [
      `conform-${KEY}.mp4`,
      `conform-${KEY}.wav`,
      `window-${KEY}.mp4`,
      `sound-${KEY}.m4a`,
      `sound-${KEY}.json`,
      `probe-${KEY}.json`,
      `final-${KEY}.json`,
      'notes.txt',
      'mix-final.wav',
      'my.tmpl',
      'psnr.log',
    ]) {
      assert.equal(isWorkLitter(keep), false, keep);
    }
  });
});

describe('sweepWorkDir', () => {
  let dir = '';
  let plan: StitchPlan;
  before(async () => {
    dir = tempDir('mdp-sweep-');
    const [a, b, voice] = await Promise.all([makeClip(dir, 'a.mp4', { seconds: 3 }), makeClip(dir, 'b.mp4', { seconds: 3, freq: 660 }), makeTone(dir, 'voice.wav', 1, 2000)]);
    plan = {
      output: { path: join(dir, 'out', 'film.mp4'), width: 1280, height: 720, fps: 24, loudness: -16, subtitles: 'burn', title: 'sweep' },
      clips: [
        { id: 'a', file: a, inPoint: 0, duration: 3, start: 0, transition: { type: 'dissolve', duration: 1 } },
        { id: 'b', file: b, inPoint: 0, duration: 3, start: 2, transition: { type: 'cut', duration: 0 } },
      ],
      narration: [{ id: 'n', file: voice, start: 1, duration: 1, text: 'hello' }],
      cues: [],
      length: 5,
    };
  });

  it('removes hand-made litter, reports count and bytes, keeps conformed clips, windows and foreign files', async () => {
    const work = join(dir, 'work-hand');
    await mkdir(join(work, 'sub'), { recursive: true });
    const run = runFileNames('3f9a1c0d');
    const litter: Record<string, number> = {
      [run.mixWav]: 1000,
      [run.filterScript]: 10,
      [run.audio]: 300,
      [run.concatList]: 20,
      [run.srt]: 5,
      [`${run.concatList}.0a1b2c3d4e5f.tmp`]: 7,
      [`conform-${KEY2}.3f9a1c0d.tmp.mp4`]: 4096,
      [`conform-${KEY2}.3f9a1c0d.tmp.wav`]: 2048,
      [`window-${KEY}.mp4.3f9a1c0d.tmp.mp4`]: 512,
    };
    const keep = [`conform-${KEY}.mp4`, `conform-${KEY}.wav`, `window-${KEY}.mp4`, 'README.txt'];
    for (const [name, size] of Object.entries(litter)) await writeFile(join(work, name), Buffer.alloc(size));
    for (const name of keep) await writeFile(join(work, name), 'kept');
    await writeFile(join(work, 'sub', run.mixWav), 'inside a subfolder: not ours to judge');

    const swept = await sweepWorkDir(work);
    assert.equal(swept.count, Object.keys(litter).length);
    assert.equal(
      swept.bytes,
      Object.values(litter).reduce((s, n) => s + n, 0),
    );
    assert.deepEqual(swept.files.map((f) => f.slice(work.length + 1)).sort(), Object.keys(litter).sort());
    assert.deepEqual((await readdir(work)).sort(), [...keep, 'sub'].sort());
    assert.deepEqual(await readdir(join(work, 'sub')), [run.mixWav]);

    assert.deepEqual(await sweepWorkDir(work), { count: 0, bytes: 0, files: [] }, 'a second sweep finds nothing');
    assert.deepEqual(await sweepWorkDir(join(dir, 'no-such-work')), { count: 0, bytes: 0, files: [] }, 'an absent folder is nothing to sweep');
  });

  it('after a stitch aborted mid-way: litter goes, the conformed clips stay and are reused', async () => {
    const work = join(dir, 'work-aborted');
    const controller = new AbortController();
    await assert.rejects(
      stitch(plan, {
        binaries,
        workDir: work,
        preset: 'ultrafast',
        signal: controller.signal,
        onProgress: (_p, stage) => {
          if (stage === 'picture' || stage === 'mix') controller.abort();
        },
      }),
      (error: unknown) => (error instanceof FfmpegError && error.reason === 'aborted') || (error instanceof Error && error.name === 'AbortError'),
    );
    const conformed = kept(await readdir(work)).filter((n) => n.startsWith('conform-'));
    assert.equal(conformed.length, 4, 'both clips conformed before the abort');
    const sizes = await Promise.all(conformed.map(async (n) => (await stat(join(work, n))).size));
    // What a kill at the same moment would have left (an abort cleans up after itself).
    const run = runFileNames('a1b2c3d4');
    await writeFile(join(work, run.mixWav), Buffer.alloc(4800));
    await writeFile(join(work, run.filterScript), 'anullsrc');
    await writeFile(join(work, `window-${KEY}.mp4.a1b2c3d4.tmp.mp4`), Buffer.alloc(100));

    const swept = await sweepWorkDir(work);
    assert.equal(swept.count, 3);
    assert.equal(swept.bytes, 4800 + 'anullsrc'.length + 100);
    const left = await readdir(work);
    assert.deepEqual(left.filter(isWorkLitter), []);
    assert.deepEqual(
      kept(left).filter((n) => n.startsWith('conform-')),
      conformed,
    );
    assert.deepEqual(await Promise.all(conformed.map(async (n) => (await stat(join(work, n))).size)), sizes);

    const done = await stitch(plan, { binaries, workDir: work, preset: 'ultrafast' });
    assert.deepEqual(done.stats, { conformed: 0, reused: 2, windows: 1, copied: 0, sound: 'linear' });
  });

  it('after a stitch whose processes were killed mid-conform: its temp files go, the finished conform stays', async (t) => {
    if (process.platform === 'win32') {
      t.skip('process groups are POSIX');
      return;
    }
    const work = join(dir, 'work-killed');
    await mkdir(work, { recursive: true });
    const stitchModule = fileURLToPath(new URL('../../src/media/stitch.js', import.meta.url));
    const killedPlan: StitchPlan = { ...plan, output: { ...plan.output, path: join(dir, 'killed', 'film.mp4') } };
    const script = `const { stitch } = await import(${JSON.stringify(stitchModule)}); await stitch(JSON.parse(process.argv[1]), { binaries: JSON.parse(process.argv[2]), workDir: ${JSON.stringify(work)}, preset: 'medium' });`;
    // Its own process group, so node and its ffmpeg die together, as with a kill of the terminal's job.
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(killedPlan), JSON.stringify(binaries)], { detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let names: string[];
    const deadline = Date.now() + 60_000;
    // Kill once the first clip is conformed and the second is being written.
    while (Date.now() < deadline) {
      names = await readdir(work);
      if (kept(names).filter((n) => n.startsWith('conform-')).length >= 2 && names.some((n) => n.includes('.tmp.'))) break;
      await sleep(10);
    }
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    await exited;
    await sleep(100);
    names = await readdir(work);
    const litter = names.filter(isWorkLitter);
    const conformed = kept(names);
    assert.ok(litter.length > 0, `the killed stitch left temp files (found ${names.join(', ')})`);
    assert.ok(conformed.length >= 2, 'a clip was conformed before the kill');

    const swept = await sweepWorkDir(work);
    assert.deepEqual(swept.files.map((f) => f.slice(work.length + 1)).sort(), litter.sort());
    assert.ok(swept.bytes >= 0);
    assert.deepEqual((await readdir(work)).sort(), conformed);
    assert.deepEqual(await readdir(join(dir, 'killed')).catch(() => []), [], 'the output folder holds no cut');

    const done = await stitch(killedPlan, { binaries, workDir: work, preset: 'medium' });
    assert.ok((done.stats?.reused ?? 0) >= 1, 'the conform finished before the kill is reused');
    assert.deepEqual((await readdir(work)).filter(isWorkLitter), [], 'a finished stitch leaves no litter of its own');
  });
});

describe('sweepPartialsBeside', () => {
  it('removes the partial files a killed final mux left beside its output, and nothing else', async () => {
    const dir = tempDir('mdp-partials-');
    const names = ['.film.mp4.0a1b2c3d.partial.mp4', '.film.mp4.ffffffff.partial.mp4', 'film.mp4', 'film.srt', '.other.mp4.0a1b2c3d.partial.mp4', '.film.mp4.notahex0.partial.mp4'];
    await Promise.all(names.map((n) => writeFile(join(dir, n), '')));
    await sweepPartialsBeside(join(dir, 'film.mp4'));
    assert.deepEqual((await readdir(dir)).sort(), ['.film.mp4.notahex0.partial.mp4', '.other.mp4.0a1b2c3d.partial.mp4', 'film.mp4', 'film.srt']);
  });
});
