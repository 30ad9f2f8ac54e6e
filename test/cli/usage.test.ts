/** Usage errors: exit 2 and a short hint, not the whole help (which buries the one line that matters). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { BIN, ROOT } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';
import { makeClip } from '../media/stitch-fixtures.js';

async function cli(...args: string[]): Promise<{ code: number; error: string[]; out: string[] }> {
  const out: string[] = [];
  const error: string[] = [];
  const code = await main(['node', 'mercadream-pipeline', ...args], { out: (l: string) => out.push(l), error: (l: string) => error.push(l) });
  return { code, error, out };
}

for (const [what, args, says] of [
  ['an unknown option', ['run', 'film.yaml', '--bogus'], "unknown option '--bogus'"],
  ['an unknown command', ['frobnicate'], "unknown command 'frobnicate'"],
  ['a missing option value', ['worker', '--concurrency'], "option '--concurrency <n>' argument missing"],
] as const) {
  test(`${what} exits 2 with its one line and a hint, not the whole help`, async () => {
    const r = await cli(...args);
    assert.equal(r.code, EXIT.usage);
    const text = r.error.join('\n');
    assert.match(text, new RegExp(says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(text, /--help/);
    assert.doesNotMatch(text, /Usage:|Options:/);
  });
}

test('--help still prints the whole help and exits 0', async () => {
  const r = await cli('run', '--help');
  assert.equal(r.code, EXIT.ok);
  assert.match(r.out.join('\n'), /Usage: mercadream-pipeline run/);
});

for (const args of [
  ['worker', '--queue', 'redis://127.0.0.1:1/0', '--api-key-file', '/nonexistent/key'],
  ['run', join(ROOT, 'examples', 'neon-tokyo.yaml'), '--queue', 'redis://127.0.0.1:1/0', '--api-key-file', '/nonexistent/key'],
]) {
  test(`${args[0]} with --queue reads --api-key-file before it reaches for Redis: exit 2 naming the file`, async () => {
    const r = await cli(...args);
    assert.equal(r.code, EXIT.usage, r.error.join('\n'));
    assert.deepEqual(r.error, ['error: cannot read --api-key-file /nonexistent/key (ENOENT)']);
  });
}

test('a run whose reader goes away (`run --json | head -1`) still makes its film and exits with its own code', { timeout: 120_000 }, async () => {
  const dir = tempDir('mdp-pipe-');
  await makeClip(dir, 'shot.mp4', { seconds: 1, width: 320, height: 180, audio: false });
  writeFileSync(join(dir, 'film.yaml'), 'version: 1\ntitle: Pipe\noutput: { path: out/film.mp4, resolution: 720p }\nscenes:\n  - { id: shot, source: shot.mp4, duration: 1 }\n');
  const child = spawn(process.execPath, [BIN, 'run', 'film.yaml', '--json', '--preset', 'ultrafast', '--qc', 'off'], {
    cwd: dir,
    env: { ...process.env, MERCADREAM_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Read the first line, then hang up, as `head -1` does.
  await once(child.stdout, 'data');
  child.stdout.destroy();
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, EXIT.ok);
  assert.ok(existsSync(join(dir, 'out', 'film.mp4')), 'the film is made');
  assert.equal(existsSync(join(dir, '.mercadream', 'run.pid')), false, 'the run let go of its folder');
});
