/**
 * `mercadream-pipeline serve` as a user runs it: keys made and printed, the API answering on the
 * printed URL, the same keys on the next start, a keys file honoured, a bad one refused.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { EXIT } from '../../src/cli/exit-codes.js';
import { registerServe } from '../../src/cli/serve.js';
import { call, eventually } from '../helpers/api.js';
import { createTestEngines } from '../helpers/test-engines.js';
import { tempDir } from '../helpers/temp.js';

/** Runs `serve` in-process with test engines; resolves once it prints its URL. */
async function runServe(args: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const stop = new AbortController();
  const program = new Command().exitOverride();
  registerServe(program, { loadEngines: async () => createTestEngines(), stop: stop.signal, print: (l) => lines.push(l), printError: (l) => errors.push(l) });
  const done = program.parseAsync(['node', 'mercadream-pipeline', 'serve', '--port', '0', '--quality', 'fast', ...args]).then(() => process.exitCode);
  const finished = { value: false };
  void done.finally(() => (finished.value = true));
  await eventually(async () => (lines.some((l) => l.includes('listening on')) || finished.value ? true : undefined), 'serve to start');
  const url = /listening on (\S+)/.exec(lines.join('\n'))?.[1];
  return {
    lines,
    errors,
    url,
    async stop(): Promise<number | undefined> {
      stop.abort();
      const code = await done;
      process.exitCode = undefined;
      return typeof code === 'number' ? code : undefined;
    },
  };
}

function keysOf(lines: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const match = /^\s+(\w+)\s+(mk_(?:test|live)_\w+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) map.set(match[1], match[2]);
  }
  return map;
}

describe('serve', () => {
  it('makes one key per plan, prints them, serves the API, and reuses the keys on the next start', async () => {
    const data = tempDir('mercadream-serve-');
    const first = await runServe(['--data', data]);
    assert.match(first.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    assert.ok(first.lines.some((l) => /procedural stand-ins/.test(l)));
    const keys = keysOf(first.lines);
    assert.deepEqual([...keys.keys()].sort(), ['advanced', 'free', 'professional', 'regular']);
    const origin = new URL(first.url ?? '').origin;
    assert.equal((await call(origin, 'GET', '/v2/jobs', { key: keys.get('advanced') ?? '' })).status, 200);
    assert.equal((await call(origin, 'GET', '/v2/jobs', { key: keys.get('free') ?? '' })).status, 403);
    assert.equal((await stat(join(data, 'keys.yaml'))).mode & 0o077, 0, 'the keys file is private');
    assert.equal(await first.stop(), EXIT.ok);

    const second = await runServe(['--data', data]);
    assert.deepEqual(keysOf(second.lines), keys);
    assert.equal(await second.stop(), EXIT.ok);
  });

  it('uses the keys of --keys, and refuses a malformed keys file without echoing the key', async () => {
    const data = tempDir('mercadream-serve-');
    const file = join(data, 'mine.yaml');
    await writeFile(file, 'keys:\n  - key: mk_live_mine00000001\n    plan: professional\n    webhook_secret: whsec_12345678\n');
    const served = await runServe(['--data', data, '--keys', file]);
    assert.deepEqual([...keysOf(served.lines).values()], ['mk_live_mine00000001']);
    assert.equal(await served.stop(), EXIT.ok);

    await writeFile(file, 'keys:\n  - key: sk_secret_value_123\n    plan: regular\n');
    const refused = await runServe(['--data', data, '--keys', file]);
    assert.equal(refused.url, undefined);
    assert.equal(await refused.stop(), EXIT.usage);
    assert.match(refused.errors.join('\n'), /keys\[0\]\.key/);
    assert.ok(!refused.errors.join('\n').includes('sk_secret_value_123'));
    assert.ok(!(await readFile(file, 'utf8')).includes('mk_test_'), 'a given keys file is never rewritten');
  });
});
