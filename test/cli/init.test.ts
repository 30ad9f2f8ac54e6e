// `mercadream-pipeline init`, run as a user runs it: the scaffold names a schema that exists,
// validates, and runs offline on the embedded MercaDream Local; the lock file that run writes
// conforms to schemas/lock.schema.json.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import type { Fingerprint, Sha256Hex } from '../../src/plan/fingerprint.js';
import { serializeLock, type LockFile } from '../../src/runner/lock.js';
import { BIN, ROOT } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

/** The CLI with no API key in its environment: `run` uses the embedded MercaDream Local. */
async function cli(cwd: string, args: readonly string[]) {
  const r = await execa(process.execPath, [BIN, ...args], { cwd, reject: false, extendEnv: false, env: { PATH: process.env['PATH'] } });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const modeline = (file: string) => /^# yaml-language-server: \$schema=(.+)$/.exec(readFileSync(file, 'utf8').split('\n')[0]!)?.[1];

function lockValidator() {
  const ajv = new Ajv2019({ strict: true, allErrors: true });
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-unit', schemaType: 'string' });
  return ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'lock.schema.json'), 'utf8')) as object);
}

describe('mercadream-pipeline init', () => {
  test('scaffolds a manifest whose modeline resolves to the package schema, and a .gitignore', async () => {
    const dir = tempDir('mdp-init-');
    const r = await cli(dir, ['init', 'my-film']);
    assert.equal(r.code, 0, r.stderr);
    const manifest = join(dir, 'my-film', 'film.yaml');
    const schemaPath = modeline(manifest);
    assert.ok(schemaPath, 'the first line is a yaml-language-server modeline');
    assert.equal(resolve(dir, 'my-film', schemaPath), join(ROOT, 'schemas', 'film.schema.json'));
    assert.deepEqual(
      readFileSync(join(dir, 'my-film', '.gitignore'), 'utf8')
        .split('\n')
        .slice(1),
      ['.mercadream/', 'out/', ''],
    );
    assert.match(r.stdout, /mercadream-pipeline validate my-film\/film\.yaml\n {2}mercadream-pipeline run my-film\/film\.yaml/);
  });

  test('keeps an existing manifest and adds only the missing .gitignore lines', async () => {
    const dir = tempDir('mdp-init-');
    writeFileSync(join(dir, 'film.yaml'), 'version: 1\nscenes: [{ prompt: mine }]\n');
    writeFileSync(join(dir, '.gitignore'), 'node_modules\nout\n');
    const r = await cli(dir, ['init']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'film.yaml'), 'utf8'), 'version: 1\nscenes: [{ prompt: mine }]\n');
    const ignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    assert.ok(ignore.startsWith('node_modules\nout\n\n# '), ignore);
    assert.ok(ignore.endsWith('\n.mercadream/\n'), ignore);
    assert.match(r.stdout, /kept film\.yaml \(already there\)/);
    const again = await cli(dir, ['init']);
    assert.equal(readFileSync(join(dir, '.gitignore'), 'utf8'), ignore, 'a second init changes nothing');
    assert.match(again.stdout, /kept \.gitignore/);
  });

  test('points at the project’s own node_modules when the package is installed there', async () => {
    const dir = tempDir('mdp-init-');
    const installed = join(dir, 'node_modules', 'mercadream-pipeline', 'schemas');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, 'film.schema.json'), readFileSync(join(ROOT, 'schemas', 'film.schema.json')));
    assert.equal((await cli(dir, ['init'])).code, 0);
    assert.equal(modeline(join(dir, 'film.yaml')), 'node_modules/mercadream-pipeline/schemas/film.schema.json');
  });

  test('the scaffold validates and runs offline; its lock file conforms to lock.schema.json', async () => {
    const dir = tempDir('mdp-init-run-');
    assert.equal((await cli(dir, ['init'])).code, 0);
    const valid = await cli(dir, ['validate', 'film.yaml']);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stderr, /1 manifest valid \(0 errors, 0 warnings\)/);
    const made = await cli(dir, ['run', 'film.yaml', '--local-quality', 'fast']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /Using MercaDream Local/);
    assert.ok(existsSync(join(dir, 'out', 'film.mp4')));
    const lock = JSON.parse(readFileSync(join(dir, 'film.lock.json'), 'utf8')) as LockFile;
    const validate = lockValidator();
    assert.ok(validate(lock), JSON.stringify(validate.errors));
    assert.deepEqual(
      Object.values(lock.assets)
        .flatMap((a) => a.nodes)
        .sort(),
      ['clip:closing', 'clip:opening', 'music:theme', 'speech:opening'],
    );

    // A lock that records a second attempt conforms too; a damaged one does not.
    const [fingerprint, asset] = Object.entries(lock.assets)[0]!;
    const retried: LockFile = { ...lock, assets: { ...lock.assets, [fingerprint as Fingerprint]: { ...asset, attempt: 2 } } };
    assert.ok(validate(JSON.parse(serializeLock(retried))), JSON.stringify(validate.errors));
    const damaged = { ...lock, assets: { ...lock.assets, [fingerprint]: { ...asset, sha256: 'not-a-hash' as Sha256Hex } } };
    assert.equal(validate(damaged), false);
    assert.match(JSON.stringify(validate.errors), /sha256/);
  });
});
