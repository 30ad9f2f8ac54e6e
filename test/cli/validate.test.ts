// The real CLI, run as a user runs it, in a temporary folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { BIN, ROOT } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);

async function cli(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('mercadream-pipeline validate', () => {
  test('exits 0 on the examples', async () => {
    const r = await cli(['validate', 'examples/neon-tokyo.yaml', 'examples/documentary.yaml', 'examples/mixed-footage.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /3 manifests valid \(0 errors, 0 warnings\)/);
  });

  test('prints compiler-style diagnostics sorted by position and exits 2', async () => {
    const dir = tempDir('mdp-validate-');
    writeFileSync(join(dir, 'film.yaml'), 'version: 1\nscenes:\n  - prompt: A\n    duration: 150\n  - prompt: B\n    narraton: Hi\n');
    const r = await cli(['validate', 'film.yaml'], dir);
    assert.equal(r.code, 2);
    const lines = r.stderr.split('\n').filter((l) => /^film\.yaml:\d+:\d+ /.test(l));
    assert.deepEqual(lines, ['film.yaml:6:5 error: unknown key `narraton` in scenes[1] — hint: did you mean `narration`?']);
    // Schema problems stop the pipeline before rules; fixing them shows the rule's error next.
    writeFileSync(join(dir, 'film.yaml'), 'version: 1\nscenes:\n  - prompt: A\n    duration: 150\n');
    const again = await cli(['validate', 'film.yaml'], dir);
    assert.match(
      again.stderr,
      /^film\.yaml:4:15 error: scenes\[0\]\.duration must be at most 120 \(seconds\), the longest clip MercaDream makes, not 150 — hint: split the scene/m,
    );
    assert.match(again.stderr, / 4 \| {5}duration: 150\n\s+\|\s+~~~/);
  });

  test('--json prints every file with its diagnostics; one bad file makes the exit code 2', async () => {
    const r = await cli(['validate', '--json', 'examples/neon-tokyo.yaml', 'test/fixtures/manifests/invalid/cue-missing-scene.yaml']);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      files: Array<{ file: string; valid: boolean; diagnostics: Array<{ line: number; column: number; pointer: string; hint?: string }> }>;
    };
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.files.map((f) => f.valid),
      [true, false],
    );
    assert.equal(report.files[1]?.diagnostics[0]?.pointer, '/score/0/to');
    assert.equal(report.files[1]?.diagnostics[0]?.hint, 'did you mean `harbor`?');
  });

  test('a missing file, a folder and an empty file each get one clear error, never a stack trace', async () => {
    const dir = tempDir('mdp-validate-');
    writeFileSync(join(dir, 'empty.yaml'), '');
    const r = await cli(['validate', 'nope.yaml', '.', 'empty.yaml'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^nope\.yaml:1:1 error: no such file/m);
    assert.match(r.stderr, /^\.:1:1 error: is a folder, not a manifest file/m);
    assert.match(r.stderr, /^empty\.yaml:1:1 error: the manifest is empty/m);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });

  test('usage errors exit 2; --version and --help exit 0', async () => {
    assert.equal((await cli(['validate'])).code, 2);
    assert.equal((await cli(['frobnicate'])).code, 2);
    const version = await cli(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const help = await cli(['validate', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
  });

  test('symbolic links cannot lead source: or output.path out of the manifest folder', async () => {
    const dir = tempDir('mdp-validate-');
    const outside = tempDir('mdp-outside-');
    writeFileSync(join(outside, 'clip.mp4'), 'x');
    symlinkSync(outside, join(dir, 'elsewhere'));
    symlinkSync(join(outside, 'clip.mp4'), join(dir, 'linked.mp4'));
    writeFileSync(join(dir, 'film.yaml'), 'version: 1\noutput: { path: elsewhere/cut.mp4 }\nscenes:\n  - source: elsewhere/clip.mp4\n  - source: linked.mp4\n');
    const r = await cli(['validate', 'film.yaml'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^film\.yaml:2:17 error: output\.path leaves the manifest's folder/m);
    assert.match(r.stderr, /^film\.yaml:4:13 error: scenes\[0\]\.source leaves the manifest's folder/m);
    assert.match(r.stderr, /^film\.yaml:5:13 error: scenes\[1\]\.source leaves the manifest's folder/m);
    // A real sub-folder is fine.
    mkdirSync(join(dir, 'footage'));
    writeFileSync(join(dir, 'footage', 'a.mp4'), 'x');
    writeFileSync(join(dir, 'ok.yaml'), 'version: 1\nscenes:\n  - source: footage/a.mp4\n');
    assert.equal((await cli(['validate', 'ok.yaml'], dir)).code, 0);
  });

  test('special files and oversized manifests are refused without reading them whole', async () => {
    const r = await cli(['validate', '/dev/zero']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\/dev\/zero:1:1 error: the manifest is more than 2097152 bytes/m);
  });

  test('one hostile file among others: every other file is still reported, exit 2, no stack trace', async () => {
    const dir = tempDir('mdp-validate-');
    writeFileSync(join(dir, 'good.yaml'), 'version: 1\nscenes:\n  - prompt: A harbor at dawn\n');
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nscenes:\n  - prompt: A harbor at dawn\n    duration: 500\n');
    writeFileSync(join(dir, 'garbage.yaml'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    mkdirSync(join(dir, 'folder.yaml'));
    writeFileSync(join(dir, 'huge.yaml'), Buffer.alloc(3 * 1024 * 1024, 'a'));
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('version: 1\ntitle: Caf\xe9\nscenes:\n  - prompt: x\n', 'latin1'));
    writeFileSync(join(dir, 'nul.yaml'), 'version: 1\u0000\nscenes:\n  - prompt: x\n');
    const hostile = ['garbage.yaml', 'folder.yaml', 'huge.yaml', 'latin1.yaml', 'nul.yaml'];
    for (const file of hostile) {
      const r = await cli(['validate', 'good.yaml', file, 'bad.yaml'], dir);
      assert.equal(r.code, 2, file);
      assert.match(r.stderr, new RegExp(`^${file.replace('.', '\\.')}:\\d+:\\d+ error: `, 'm'), file);
      assert.match(r.stderr, /^bad\.yaml:4:15 error: scenes\[0\]\.duration must be at most 120/m, `${file}: the file after it is reported`);
      assert.match(r.stderr, /^2 of 3 manifests invalid/m, file);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+|Error:/, file);
    }
    const all = await cli(['validate', '--json', 'good.yaml', ...hostile, 'bad.yaml'], dir);
    assert.equal(all.code, 2);
    const report = JSON.parse(all.stdout) as { files: Array<{ file: string; valid: boolean; diagnostics: Array<{ code: string }> }> };
    assert.deepEqual(
      report.files.map((f) => [f.file, f.valid, f.diagnostics[0]?.code]),
      [
        ['good.yaml', true, undefined],
        ['garbage.yaml', false, 'file-not-utf8'],
        ['folder.yaml', false, 'file-is-folder'],
        ['huge.yaml', false, 'file-too-large'],
        ['latin1.yaml', false, 'file-not-utf8'],
        ['nul.yaml', false, 'schema-const'],
        ['bad.yaml', false, 'scene-within-api-limit'],
      ],
    );
  });

  test('a named pipe nobody writes to is an error, not a wait that never ends', { skip: process.platform === 'win32' }, async () => {
    const dir = tempDir('mdp-validate-');
    await run('mkfifo', [join(dir, 'pipe.yaml')]);
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nscenes:\n  - prompt: x\n    duration: 500\n');
    const r = await cli(['validate', 'pipe.yaml', 'bad.yaml'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pipe\.yaml:1:1 error: is a named pipe that nothing is writing to/m);
    assert.match(r.stderr, /^bad\.yaml:4:15 error: /m);
  });

  test('long lines are cut around the error and control characters are shown escaped', async () => {
    const dir = tempDir('mdp-validate-');
    writeFileSync(join(dir, 'long.yaml'), `version: 1\nscenes:\n  - prompt: ${'a'.repeat(50_000)}\n`);
    const long = await cli(['validate', 'long.yaml'], dir);
    assert.equal(long.code, 2);
    assert.ok(long.stderr.length < 2000, `printed ${long.stderr.length} characters`);
    assert.match(long.stderr, /must have at most 1000 characters, not 50000/);
    writeFileSync(join(dir, 'ctrl.yaml'), 'version: 1\nscenes:\n  - prompt: x\n    "bad\\e[2Jkey": 1\n');
    const ctrl = await cli(['validate', 'ctrl.yaml'], dir);
    assert.equal(ctrl.code, 2);
    assert.ok(!ctrl.stderr.includes('\u001b'), 'no raw escape reaches the terminal');
    assert.match(ctrl.stderr, /unknown key `bad\\x1b\[2Jkey`/);
  });
});
