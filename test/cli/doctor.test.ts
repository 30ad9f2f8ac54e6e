/** `doctor` locates ffmpeg once from the environment it is given and reports from those binaries. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { doctorCommand } from '../../src/cli/doctor.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';

const system = await locateFfmpeg();

function terminal() {
  const out: string[] = [];
  const error: string[] = [];
  return { out, error, terminal: { out: (l: string) => out.push(l), error: (l: string) => error.push(l) } };
}

test('doctor reports the ffmpeg FFMPEG_PATH names', async () => {
  const t = terminal();
  const code = await doctorCommand(t.terminal, true, { FFMPEG_PATH: system.ffmpeg, PATH: path.dirname(system.ffprobe) });
  const report = JSON.parse(t.out.join('\n')) as { binaries: { ffmpeg: string; ffmpegSource: string }; capabilities: { version: string } };
  assert.equal(report.binaries.ffmpeg, system.ffmpeg);
  assert.equal(report.binaries.ffmpegSource, 'env');
  assert.match(report.capabilities.version, /^ffmpeg version /);
  assert.ok(code === EXIT.ok || code === EXIT.failed);
});

test('doctor names a FFMPEG_PATH that points at nothing, and fails', async () => {
  const t = terminal();
  const code = await doctorCommand(t.terminal, false, { FFMPEG_PATH: '/nope', PATH: path.dirname(system.ffmpeg) });
  assert.equal(code, EXIT.failed);
  assert.deepEqual(t.error, ['ffmpeg: FFMPEG_PATH=/nope is not an executable file; unset it or point it at ffmpeg']);
  assert.deepEqual(t.out, []);
});
