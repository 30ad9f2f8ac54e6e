// Runs and fleet workers on one project folder, from this machine and from others sharing it:
// a live holder on another host is judged by its heartbeat (the file's age), not by a process id
// that means nothing here; a local run never starts (nor sweeps) while a live worker holds the
// folder, and a worker's production never starts while a local run holds it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { acquireRunLock, HOLD_STALE_MS, joinProject, RunInProgressError } from '../../src/runner/run-lock.js';
import { BIN } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

/** A process id that no process of this machine has (above Linux's pid_max). */
const NO_SUCH_PID = 4_194_305;

function foreign(file: string, ageMs = 0): void {
  writeFileSync(file, `${JSON.stringify({ pid: NO_SUCH_PID, host: 'render-02.studio' })}\n`);
  const then = new Date(Date.now() - ageMs);
  utimesSync(file, then, then);
}

describe('the run lock across machines', () => {
  test('a run on another host is live while its heartbeat is fresh, gone once it is stale', async () => {
    const state = join(tempDir('mdp-runlock-'), '.mercadream');
    mkdirSync(state);
    foreign(join(state, 'run.pid'));
    await assert.rejects(acquireRunLock(state), (e: unknown) => e instanceof RunInProgressError && /process 4194305 on render-02\.studio/.test(e.message));
    await assert.rejects(joinProject(state), /another run \(process 4194305 on render-02\.studio\)/, 'a worker keeps off too');
    assert.deepEqual(readdirSync(join(state, 'fleet')), [], 'the refused worker left no hold behind');
    foreign(join(state, 'run.pid'), HOLD_STALE_MS + 60_000);
    const release = await acquireRunLock(state);
    await release();
    assert.ok(!existsSync(join(state, 'run.pid')));
  });

  test('workers share a folder; a local run is refused while one is live, and takes the folder once its hold is stale', async () => {
    const state = join(tempDir('mdp-runlock-'), '.mercadream');
    const leaveA = await joinProject(state);
    const leaveB = await joinProject(state);
    assert.equal(readdirSync(join(state, 'fleet')).length, 2, 'two productions of one folder at once');
    await leaveA();
    await leaveB();
    assert.deepEqual(readdirSync(join(state, 'fleet')), []);

    foreign(join(state, 'fleet', 'render-02.4194305.0a1b2c3d.hold'));
    await assert.rejects(acquireRunLock(state), /a fleet worker \(process 4194305 on render-02\.studio\) is making a production of this project/);
    assert.ok(!existsSync(join(state, 'run.pid')), 'the refused run left no lock behind');
    foreign(join(state, 'fleet', 'render-02.4194305.0a1b2c3d.hold'), HOLD_STALE_MS + 60_000);
    const release = await acquireRunLock(state);
    assert.deepEqual(readdirSync(join(state, 'fleet')), [], 'the dead worker’s hold is gone');
    await release();
  });

  test('`run` refuses a folder a live worker on another machine holds, and leaves that worker’s work files alone', { timeout: 60_000 }, async () => {
    const dir = tempDir('mdp-runlock-cli-');
    writeFileSync(join(dir, 'film.yaml'), 'version: 1\noutput: { path: out/film.mp4, subtitles: none }\nscenes:\n  - { prompt: Snow, duration: 2 }\n');
    const work = join(dir, '.mercadream', 'work');
    mkdirSync(work, { recursive: true });
    mkdirSync(join(dir, '.mercadream', 'fleet'));
    // The worker's stitch is writing these (names as src/media/work-files.ts gives them): litter only once it is gone.
    writeFileSync(join(work, 'mix-0a1b2c3d.wav'), 'pcm');
    writeFileSync(join(work, 'conform-0123456789abcdef0123456789abcdef.5e6f7a8b.tmp.mp4'), 'partial');
    foreign(join(dir, '.mercadream', 'fleet', 'render-02.4194305.0a1b2c3d.hold'));
    const run = await execa(process.execPath, [BIN, 'run', 'film.yaml', '--local-quality', 'fast'], { cwd: dir, reject: false, env: { MERCADREAM_API_KEY: '' } });
    assert.equal(run.exitCode, 1, run.stderr);
    assert.match(run.stderr, /a fleet worker \(process 4194305 on render-02\.studio\) is making a production of this project/);
    assert.deepEqual(readdirSync(work).sort(), ['conform-0123456789abcdef0123456789abcdef.5e6f7a8b.tmp.mp4', 'mix-0a1b2c3d.wav']);
    assert.ok(!existsSync(join(dir, '.mercadream', 'run.pid')));
  });
});
