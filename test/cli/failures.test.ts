// Every failure reason through the real CLI: the exit code, the one line it prints, and — for
// what can be known before spending — that no request reached the API (MercaDream Local's counters).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa, execaSync } from 'execa';
import { KEYS, startRig, type Rig } from '../helpers/api.js';
import { BIN } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

const bounded = { timeout: 120_000 };
const FAST = ['--local-quality', 'fast', '--preset', 'ultrafast'];

const FILM = `version: 1
title: Failure drill
plan: regular
output: { path: out/film.mp4, resolution: 720p, fps: 24, subtitles: none }
scenes:
  - id: one
    prompt: Rain on a tin roof at dusk
    duration: 2
`;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The error lines of a run (what a user reads), without progress lines. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^error:|error: /.test(l));
}

describe('run: one failure model from the API to the exit code', () => {
  let rig: Rig;
  const project = (manifest = FILM): string => {
    const dir = tempDir('mdp-fail-');
    writeFileSync(join(dir, 'film.yaml'), manifest);
    return dir;
  };
  const cli = async (dir: string, args: readonly string[], env: Record<string, string | undefined> = {}, uid?: number): Promise<CliResult> => {
    const base = { MERCADREAM_API_KEY: KEYS.regular, MERCADREAM_BASE_URL: rig.server.url, PATH: process.env['PATH'] };
    const argv = [BIN, 'run', ...args, ...FAST];
    const [file, fileArgs] = uid === undefined ? [process.execPath, argv] : ['setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, ...argv]];
    const r = await execa(file, fileArgs, { cwd: dir, reject: false, env: { ...base, ...env }, extendEnv: false });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const requests = () => rig.server.counters.snapshot().total;

  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig.close();
  });

  test('a wrong key exits 3 with one line naming the key as the problem', bounded, async () => {
    const r = await cli(project(), ['film.yaml'], { MERCADREAM_API_KEY: 'mk_live_wrong_key_000000001' });
    assert.equal(r.code, 3, r.stderr);
    assert.deepEqual(errorLines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /the API refused the key \(401 [a-z_]+\).*check MERCADREAM_API_KEY/);
    assert.ok(!r.stderr.includes('mk_live_wrong_key_000000001'), 'the key is never printed');
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  });

  test('a free-plan key exits 3: the plan is refused', bounded, async () => {
    const r = await cli(project(), ['film.yaml'], { MERCADREAM_API_KEY: KEYS.free });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /the API refused the plan \(403 [a-z_]+\)/);
  });

  test('an invalid manifest exits 2 before any request', bounded, async () => {
    const before = requests();
    const r = await cli(project(FILM.replace('duration: 2', 'duration: 500')), ['film.yaml']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^film\.yaml:8:15 error: scenes\[0\]\.duration must be at most 120/m);
    assert.equal(requests(), before, 'no request reached the API');
  });

  test("--out that would overwrite a scene's footage, or is not a video file, exits 2 before any request", bounded, async () => {
    const dir = project(`version: 1
title: Footage
scenes:
  - id: shot
    source: shot.mp4
    duration: 1
`);
    writeFileSync(join(dir, 'shot.mp4'), 'footage bytes');
    const before = requests();
    const onFootage = await cli(dir, ['film.yaml', '--out', 'shot.mp4']);
    assert.equal(onFootage.code, 2, onFootage.stderr);
    assert.match(onFootage.stderr, /^error: --out .*shot\.mp4 is the footage of scene `shot`: rendering would overwrite it$/m);
    assert.equal(readFileSync(join(dir, 'shot.mp4'), 'utf8'), 'footage bytes', 'the footage is untouched');
    const onManifest = await cli(dir, ['film.yaml', '--out', 'film.yaml']);
    assert.equal(onManifest.code, 2, onManifest.stderr);
    assert.match(onManifest.stderr, /^error: --out .*film\.yaml must end in \.mp4, \.mov or \.mkv$/m);
    assert.match(readFileSync(join(dir, 'film.yaml'), 'utf8'), /^version: 1/, 'the manifest is untouched');
    assert.equal(requests(), before, 'no request reached the API');
  });

  test('an unwritable report path is refused before any request, with one line', bounded, async () => {
    const dir = project();
    writeFileSync(join(dir, 'not-a-folder'), '');
    const before = requests();
    const r = await cli(dir, ['film.yaml', '--report', 'not-a-folder/r.json']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(errorLines(r.stderr), [`error: cannot write the report (--report) in ${join(dir, 'not-a-folder')} (ENOTDIR); nothing was spent`]);
    assert.equal(requests(), before, 'no request reached the API');
  });

  // Root writes anywhere: as root, the CLI runs as an ordinary user (nobody), as people do, which
  // needs the project's files to be readable by others.
  const asUser = process.getuid?.() === 0 ? 65534 : undefined;
  const userCanRun =
    asUser === undefined ||
    execaSync('setpriv', [`--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)})`], {
      reject: false,
    }).exitCode === 0;
  test('a read-only manifest folder is refused before any request', { ...bounded, skip: userCanRun ? false : `the user ${asUser} cannot read ${BIN}` }, async () => {
    const dir = project();
    chmodSync(dir, 0o555);
    const before = requests();
    const r = await cli(dir, ['film.yaml'], {}, asUser);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: cannot write the final cut in ${join(dir, 'out')} \\(EACCES\\); nothing was spent$`, 'm'));
    assert.equal(requests(), before, 'no request reached the API');
  });

  test('no ffmpeg on PATH is refused before any request, naming where it looked', bounded, async () => {
    const before = requests();
    const r = await cli(project(), ['film.yaml'], { PATH: '/nonexistent' });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(errorLines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^error: ffmpeg was not found \(looked in: PATH.*\)/m);
    assert.equal(requests(), before, 'no request reached the API');
  });

  test('an ffprobe that does not run is refused before any request', bounded, async () => {
    const before = requests();
    const r = await cli(project(), ['film.yaml'], { FFPROBE_PATH: '/bin/false' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: ffprobe at \/bin\/false does not run/m);
    assert.equal(requests(), before, 'no request reached the API');
  });

  test('--fail-fast stops the others as stopped, exits 1, and says which production failed and why', bounded, async () => {
    const dir = project();
    rmSync(join(dir, 'film.yaml'));
    writeFileSync(
      join(dir, 'a.yaml'),
      FILM.replace('out/film.mp4', 'out/a.mp4').replace('Rain on a tin roof', 'Hail on a tin roof').replace('duration: 2', 'duration: 2\n    style: watercolour'),
    );
    writeFileSync(join(dir, 'b.yaml'), FILM.replace('out/film.mp4', 'out/b.mp4').replace('Rain on a tin roof', 'Sleet on a tin roof'));
    const r = await cli(dir, ['.', '--fail-fast', '--report', 'report.json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { productions: Array<{ name: string; failure?: { reason: string; by?: string } }> };
    assert.equal(report.productions[0]!.failure?.reason, 'request-rejected');
    assert.match(r.stderr, /a\.yaml:.*style/);
    const b = report.productions[1]!.failure;
    if (b) assert.deepEqual(b, { reason: 'stopped', by: 'a.yaml' }, 'b is either made or stopped by a');
  });

  test('FFMPEG_PATH pointing at nothing is an error, not ignored', bounded, async () => {
    const before = requests();
    const r = await cli(project(), ['film.yaml'], { FFMPEG_PATH: '/nonexistent/ffmpeg' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: .*FFMPEG_PATH=\/nonexistent\/ffmpeg/m);
    assert.equal(requests(), before, 'no request reached the API');
  });

  test('a folder batch with one invalid manifest makes the good films, exits 1, and reports the invalid one', bounded, async () => {
    const dir = project();
    rmSync(join(dir, 'film.yaml'));
    writeFileSync(join(dir, 'a.yaml'), FILM.replace('out/film.mp4', 'out/a.mp4'));
    writeFileSync(join(dir, 'b.yaml'), FILM.replace('out/film.mp4', 'out/b.mp4').replace('duration: 2', 'duraton: 2'));
    writeFileSync(join(dir, 'c.yaml'), FILM.replace('out/film.mp4', 'out/c.mp4').replace('Rain on a tin roof', 'Snow on a tin roof'));
    // A film whose folder cannot be made (a file stands there) fails alone, before anything is spent.
    writeFileSync(join(dir, 'blocked'), '');
    writeFileSync(join(dir, 'd.yaml'), FILM.replace('out/film.mp4', 'blocked/d.mp4'));
    const r = await cli(dir, ['.', '--report', 'report.json', '--junit', 'report.xml']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      productions: Array<{ name: string; status: string; failure?: { reason: string; diagnostics?: Array<{ line: number; message: string }> } }>;
    };
    assert.deepEqual(
      report.productions.map((p) => [p.name, p.status]),
      [
        ['a.yaml', 'done'],
        ['b.yaml', 'failed'],
        ['c.yaml', 'done'],
        ['d.yaml', 'failed'],
      ],
    );
    assert.equal(report.productions[3]!.failure?.reason, 'not-writable');
    const invalid = report.productions[1]!.failure!;
    assert.equal(invalid.reason, 'manifest');
    assert.match(invalid.diagnostics![0]!.message, /unknown key `duraton`/);
    const junit = readFileSync(join(dir, 'report.xml'), 'utf8');
    assert.match(junit, /<failure message="[^"]*unknown key `duraton`[^"]*" type="manifest">/);
    for (const film of ['a', 'c']) assert.ok(readFileSync(join(dir, 'out', `${film}.mp4`)).length > 1000, `${film}.mp4 was made`);
  });

  test('Ctrl-C exits 130 with one line, and the rerun resumes without paying twice', bounded, async () => {
    const dir = project(FILM.replace('duration: 2', 'duration: 2\n  - { id: two, prompt: Fog over a harbour, duration: 2 }'));
    const child = spawn(process.execPath, [BIN, 'run', 'film.yaml', '--json', ...FAST], {
      cwd: dir,
      env: { MERCADREAM_API_KEY: KEYS.regular, MERCADREAM_BASE_URL: rig.server.url, PATH: process.env['PATH'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        if (/"state":"rendering","jobId"/.test(buffer)) resolve();
      });
      child.on('close', () => resolve());
    });
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.deepEqual(stderr.trim().split('\n'), ['film.yaml: interrupted — rerun to resume']);
    const again = await cli(dir, ['film.yaml']);
    assert.equal(again.code, 0, again.stderr);
    // Every job the server holds for this film's two clips: one each, however the interruption fell.
    const jobs = (await rig.call('GET', '/v2/jobs?limit=100', { key: KEYS.regular })).json['data'] as Array<{ prompt?: string }>;
    const mine = jobs.filter((j) => j.prompt === 'Rain on a tin roof at dusk' || j.prompt === 'Fog over a harbour');
    assert.equal(mine.length, 2, 'no job paid twice');
  });
});

describe('run: a job that failed is submitted again by the next run', () => {
  test('fails once (exit 1, the job named), then the rerun makes the asset with exactly one new job', bounded, async () => {
    const dataDir = tempDir('mdp-failjob-data-');
    const dir = tempDir('mdp-failjob-');
    writeFileSync(join(dir, 'film.yaml'), FILM);
    const env = (rig: Rig) => ({ MERCADREAM_API_KEY: KEYS.regular, MERCADREAM_BASE_URL: rig.server.url, PATH: process.env['PATH'] });
    const jobs = async (rig: Rig) => ((await rig.call('GET', '/v2/jobs?limit=100', { key: KEYS.regular })).json['data'] as Array<{ id: string; status: string }>) ?? [];
    let rig = await startRig({ dataDir, faults: { failJobs: 1 } });
    const first = await execa(process.execPath, [BIN, 'run', 'film.yaml', ...FAST], { cwd: dir, reject: false, env: env(rig), extendEnv: false });
    const failed = await jobs(rig);
    await rig.close({ keepData: true });
    assert.equal(first.exitCode, 1, first.stderr);
    assert.equal(failed.length, 1);
    assert.match(first.stderr, new RegExp(`error: clip:one: job ${failed[0]!.id} failed: .*a rerun submits it again`));

    // The same API (its host and port enter every fingerprint), now without the fault.
    rig = await startRig({ dataDir, port: Number(new URL(rig.server.url).port) });
    try {
      const second = await execa(process.execPath, [BIN, 'run', 'film.yaml', '--json', ...FAST], { cwd: dir, reject: false, env: env(rig), extendEnv: false });
      assert.equal(second.exitCode, 0, second.stderr);
      const all = await jobs(rig);
      assert.equal(all.length, 2, 'exactly one new job');
      const summary = String(second.stdout)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e['type'] === 'summary')!;
      assert.deepEqual(
        (summary['assets'] as Array<{ node: string; attempt: number }>).map((a) => [a.node, a.attempt]),
        [['clip:one', 2]],
      );
      const lock = JSON.parse(readFileSync(join(dir, 'film.lock.json'), 'utf8')) as { assets: Record<string, { attempt?: number; nodes: string[] }> };
      assert.deepEqual(
        Object.values(lock.assets).map((a) => [a.nodes, a.attempt]),
        [[['clip:one'], 2]],
      );
    } finally {
      await rig.close();
    }
  });
});
