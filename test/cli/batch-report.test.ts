// Reports that add up, through the real CLI against MercaDream Local: a batch whose films share a
// clip counts it once (totals, compute units, `generated`), equal to the jobs MercaDream Local
// created and the compute units it charged; JUnit carries each production's time and validates
// against schemas/junit.xsd (xmllint); `--json` says each thing once and that Local is in use.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { KEYS, startRig, type Rig } from '../helpers/api.js';
import { BIN, ROOT } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

const bounded = { timeout: 180_000 };
const FAST = ['--local-quality', 'fast', '--preset', 'ultrafast'];

/** A film of two 2-second 720p scenes: the shared one, and one of its own. */
const film = (name: string, own: string) => `version: 1
title: ${name}
plan: advanced
output: { path: out/${name}.mp4, resolution: 720p, fps: 24, subtitles: none }
scenes:
  - id: harbor
    prompt: Fog over a quiet harbor at dawn
    duration: 2
  - id: own
    prompt: ${own}
    duration: 2
`;

/** The part of report.json these tests read. */
interface Report {
  readonly totals: { productions: number; failed: number; generated: number; cached: number; computeUnits: number };
  readonly productions: ReadonlyArray<{ name: string; status: string; generated: number; cached: number; computeUnits: number; shared?: number; seconds?: number }>;
}

/** What MercaDream Local created for `key`: its jobs and the compute units it charged for them. */
async function charges(rig: Rig, key: string): Promise<{ jobs: number; computeUnits: number }> {
  const listed = await rig.call('GET', '/v2/jobs?limit=100', { key });
  const jobs = listed.json.data as ReadonlyArray<{ compute_units: number }>;
  return { jobs: jobs.length, computeUnits: jobs.reduce((sum, job) => sum + job.compute_units, 0) };
}

describe('run: batch reports that add up', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig.close();
  });

  const batchDir = (): string => {
    const dir = tempDir('mdp-report-');
    writeFileSync(join(dir, 'a.yaml'), film('a', 'A lighthouse beam sweeping the sea'));
    writeFileSync(join(dir, 'b.yaml'), film('b', 'Gulls circling a fishing boat'));
    return dir;
  };
  const cli = (dir: string, args: readonly string[], key: string) =>
    execa(process.execPath, [BIN, 'run', ...args, ...FAST], {
      cwd: dir,
      reject: false,
      env: { MERCADREAM_API_KEY: key, MERCADREAM_BASE_URL: rig.server.url, PATH: process.env['PATH'] },
      extendEnv: false,
    });

  test('two films sharing a clip: totals equal the jobs MercaDream Local made and the units it charged', bounded, async () => {
    const dir = batchDir();
    const r = await cli(dir, ['.', '--report', 'report.json', '--junit', 'report.xml'], KEYS.advanced);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    const server = await charges(rig, KEYS.advanced);
    assert.equal(server.jobs, 3, 'the shared clip was made once');
    assert.equal(report.totals.generated, server.jobs);
    assert.equal(report.totals.computeUnits, server.computeUnits);
    assert.equal(
      report.productions.reduce((sum, p) => sum + p.computeUnits, 0),
      server.computeUnits,
      'the rows add up to the total',
    );
    assert.equal(
      report.productions.reduce((sum, p) => sum + p.generated, 0),
      server.jobs,
    );
    assert.deepEqual(
      report.productions.map((p) => p.shared ?? 0),
      [0, 1],
      'the second film counts the clip the first one counted as shared',
    );
    assert.match(String(r.stderr), new RegExp(`2 of 2 productions done, ${server.computeUnits} compute units spent`));

    const junit = readFileSync(join(dir, 'report.xml'), 'utf8');
    const times = [...junit.matchAll(/<testcase [^>]*time="([0-9.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(times.length, 2);
    assert.ok(
      times.every((t) => t > 0),
      junit,
    );
    const lint = await execa('xmllint', ['--noout', '--schema', join(ROOT, 'schemas', 'junit.xsd'), join(dir, 'report.xml')], { reject: false });
    assert.equal(lint.exitCode, 0, String(lint.stderr));

    // A rerun makes nothing: every asset is cached, counted once however many films use it.
    const again = await cli(dir, ['.', '--report', 'report.json'], KEYS.advanced);
    assert.equal(again.exitCode, 0, String(again.stderr));
    const rerun = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    assert.deepEqual([rerun.totals.generated, rerun.totals.cached, rerun.totals.computeUnits], [0, 3, 0]);
    assert.deepEqual(await charges(rig, KEYS.advanced), server, 'nothing more was charged');
  });

  test("--json says each thing once, tags a batch's events with their production, and says MercaDream Local is in use", bounded, async () => {
    const dir = batchDir();
    const r = await execa(process.execPath, [BIN, 'run', '.', '--json', ...FAST], { cwd: dir, reject: false, env: { PATH: process.env['PATH'] }, extendEnv: false });
    assert.equal(r.exitCode, 0, String(r.stderr));
    const events = String(r.stdout)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual({ type: events[0]?.['type'], local: events[0]?.['local'] }, { type: 'connection', local: true }, 'the first line says the run uses MercaDream Local');
    assert.match(String(events[0]?.['description']), /^MercaDream Local /);
    const summaries = events.filter((e) => e['type'] === 'summary');
    assert.deepEqual(
      summaries.map((e) => e['name']),
      ['a.yaml', 'b.yaml'],
      'one summary per production',
    );
    const ends = events.filter((e) => e['type'] === 'run-end');
    assert.equal(ends.length, 2);
    assert.ok(
      ends.every((e) => e['summary'] === undefined),
      'the figures are said once, in the summary',
    );
    const tagged = events.filter((e) => e['type'] === 'run-start' || e['type'] === 'stitch' || e['type'] === 'run-end');
    assert.ok(
      tagged.every((e) => e['production'] === 'a.yaml' || e['production'] === 'b.yaml'),
      'every event of a batch names its production',
    );
    const totals = events.filter((e) => e['type'] === 'totals');
    assert.equal(totals.length, 1);
    assert.equal(totals[0]?.['generated'], 3);
    assert.equal(
      summaries.reduce((sum, e) => sum + (e['computeUnits'] as number), 0),
      totals[0]?.['computeUnits'],
    );
  });
});
