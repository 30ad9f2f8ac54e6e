import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { FfmpegError, progressPercent, progressSeconds, RUN_PREFIX, runFfmpeg } from '../../src/media/process.js';
import { tempDir } from '../helpers/temp.js';

const { ffmpeg: ffmpegPath } = await locateFfmpeg();

test('progressSeconds reads out_time_us and the microsecond out_time_ms', () => {
  assert.equal(progressSeconds('out_time_us=1500000'), 1.5);
  assert.equal(progressSeconds('out_time_ms=2500000'), 2.5);
  assert.equal(progressSeconds('out_time=00:00:01.500000'), undefined);
  assert.equal(progressSeconds('frame=12'), undefined);
});

test('progressPercent clamps to 0–100 and copes with no expected duration', () => {
  assert.equal(progressPercent(5, 10), 50);
  assert.equal(progressPercent(12, 10), 100);
  assert.equal(progressPercent(-1, 10), 0);
  assert.equal(progressPercent(5, 0), 0);
});

test('runFfmpeg writes a file and reports progress up to 100', async () => {
  const dir = tempDir('mdp-process-');
  const out = path.join(dir, 'tone.wav');
  const seen: number[] = [];
  await runFfmpeg(['-f', 'lavfi', '-i', 'sine=f=440:d=2', '-y', out], { ffmpegPath, expectedDuration: 2, onProgress: (p) => seen.push(p) });
  assert.ok((await stat(out)).size > 1000);
  assert.equal(seen.at(-1), 100);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    seen,
    'progress never goes backwards',
  );
});

test('a failing run throws FfmpegError with the argv and the stderr tail', async () => {
  const missing = path.join(tmpdir(), 'definitely-not-here-4711.mp4');
  const error = await runFfmpeg(['-i', missing, '-f', 'null', '-'], { ffmpegPath }).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof FfmpegError);
  assert.equal(error.reason, 'exit');
  assert.notEqual(error.exitCode, 0);
  assert.deepEqual(error.argv, [...RUN_PREFIX, '-i', missing, '-f', 'null', '-']);
  assert.ok(error.stderrTail.length > 0 && error.stderrTail.length <= 20);
  assert.match(error.stderrTail.join('\n'), /No such file or directory/);
  assert.match(error.message, /No such file/);
});

test("an invalid filter fails with ffmpeg's own message in the tail", async () => {
  const error = await runFfmpeg(['-f', 'lavfi', '-i', 'nosuchfilter=1', '-f', 'null', '-'], { ffmpegPath }).catch((e: unknown) => e);
  assert.ok(error instanceof FfmpegError);
  assert.match(error.stderrTail.join('\n'), /nosuchfilter/);
});

test('aborting kills ffmpeg and rejects with reason aborted', async () => {
  const controller = new AbortController();
  let started = false;
  const run = runFfmpeg(['-re', '-f', 'lavfi', '-i', 'sine=f=440:d=60', '-f', 'null', '-'], {
    ffmpegPath,
    signal: controller.signal,
    expectedDuration: 60,
    killGraceMs: 500,
    onProgress: (p) => {
      // Abort once ffmpeg is demonstrably running (first progress report), not on a timer.
      if (p > 0 && !started) {
        started = true;
        controller.abort(new Error('user cancelled'));
      }
    },
  });
  const error = await run.catch((e: unknown) => e);
  assert.ok(started, 'ffmpeg reported progress before the abort');
  assert.ok(error instanceof FfmpegError);
  assert.equal(error.reason, 'aborted');
});

test('an already aborted signal rejects without spawning', async () => {
  const controller = new AbortController();
  controller.abort();
  const error = await runFfmpeg(['-f', 'lavfi', '-i', 'sine', '-f', 'null', '-'], { ffmpegPath, signal: controller.signal }).catch((e: unknown) => e);
  assert.ok(error instanceof FfmpegError);
  assert.equal(error.reason, 'aborted');
  assert.deepEqual(error.stderrTail, []);
});
