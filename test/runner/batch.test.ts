// Nightly batches against MercaDream Local on loopback: a 12-production matrix on the regular
// plan's limits, the budget, and the reports checked against their schemas.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import { MercaClient, RateLimitError, type Job } from '../../src/api/index.js';
import { buildReport, toJUnit } from '../../src/cli/report.js';
import { keyLabel } from '../../src/local/keys.js';
import { startLocalServer, type LocalServerOptions } from '../../src/local/server.js';
import { loadManifest } from '../../src/manifest/index.js';
import { stitch } from '../../src/media/stitch.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { planProduction } from '../../src/plan/index.js';
import { runBatch, type BatchOptions } from '../../src/runner/batch.js';
import { ROOT } from '../helpers/project.js';
import { createTestEngines } from '../helpers/test-engines.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const bounded = { timeout: 300_000 };
const KEY = 'mk_test_batchregular0000001';

async function rig(faults: LocalServerOptions['faults'] = {}) {
  const dataDir = tempDir('mdp-batch-local-');
  const server = await startLocalServer({ dataDir, engines: createTestEngines(), keys: [{ key: KEY, plan: 'regular' }], quality: 'fast', faults });
  const rateLimited: unknown[] = [];
  const client = new MercaClient(KEY, { baseUrl: server.url, plan: 'regular', onRetry: (e) => e.error instanceof RateLimitError && rateLimited.push(e.error) });
  const jobs = async () => {
    const out: Job[] = [];
    for await (const j of client.jobs.list({ limit: 100 })) out.push(j);
    return out;
  };
  return { server, client, rateLimited, jobs, close: async () => (await client.close(), await server.close()) };
}

function options(client: MercaClient, extra: Partial<BatchOptions> = {}): BatchOptions {
  return {
    client,
    requestCount: () => client.stats().requests,
    stitch: (plan, stitchOptions) => stitch(plan, { ...stitchOptions, binaries }),
    stitchVersion: 'test',
    probeDuration: async (file) => (await probe(file, { ffprobePath: binaries.ffprobe })).duration,
    preset: 'ultrafast',
    ...extra,
  };
}

async function productions(text: string) {
  const dir = tempDir('mdp-batch-');
  writeFileSync(join(dir, 'batch.yaml'), text);
  const loaded = await loadManifest(join(dir, 'batch.yaml'));
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return { dir, items: loaded.productions };
}

const MATRIX = `version: 1
plan: regular
matrix:
  city: [tokyo, paris, cairo, lima, oslo, rome]
  look: [cinematic, noir]
  exclude: [{ city: lima, look: noir }]
  include: [{ city: lima, look: watercolour }]
output: { path: "out/\${{ matrix.city }}-\${{ matrix.look }}.mp4", resolution: 720p, fps: 24, subtitles: none }
scenes:
  - prompt: "Streets of \${{ matrix.city }} at night"
    style: "\${{ matrix.look }}"
    duration: 2
    narration: { text: "Tonight.", at: 0.2 }
`;

describe('batches', () => {
  test('12 productions of one matrix on the regular plan: limits kept, shared speech made once, one failure isolated', bounded, async () => {
    const r = await rig();
    try {
      const { items } = await productions(MATRIX);
      assert.equal(items.length, 12);
      const result = await runBatch(
        items.map((p) => ({ name: `batch.yaml [${p.variant}]`, plan: planProduction(p, 'local/test') })),
        options(r.client),
      );
      const failed = result.summaries.filter((s) => !s.ok);
      assert.deepEqual(
        failed.map((s) => s.name),
        ['batch.yaml [lima-watercolour]'],
      );
      const failure = failed[0]!.failure;
      assert.equal(failure?.reason, 'request-rejected');
      assert.equal(failure?.reason === 'request-rejected' && failure.param, 'style');
      assert.equal(failure?.reason === 'request-rejected' && failure.diagnostic?.pointer, '/scenes/0/style', "the rejection points at the scene's style");
      for (const s of result.summaries.filter((x) => x.ok)) {
        const p = await probe(s.output!, { ffprobePath: binaries.ffprobe });
        assert.equal(p.video?.width, 1280);
        assert.ok(Math.abs(p.duration - 2) <= 1 / 24 + 1e-3);
      }
      const label = keyLabel(KEY);
      assert.ok(r.server.counters.peakPerMinute(label) <= 60, `peak ${r.server.counters.peakPerMinute(label)} requests/min`);
      assert.deepEqual(r.rateLimited, [], 'the runner itself never caused a 429');
      const jobs = await r.jobs();
      assert.equal(jobs.filter((j) => j.type === 'speech').length, 1, 'the narration all twelve share is made once');
      assert.equal(jobs.filter((j) => j.type === 'video').length, 11);

      // Reports of this batch validate against their schemas.
      const report = buildReport(result, { api: 'local/test', requests: r.client.stats().requests });
      const ajv = new Ajv2019({ allErrors: true, strict: false });
      const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'report.schema.json'), 'utf8')) as object);
      assert.ok(validate(report), JSON.stringify(validate.errors));
      assert.equal(report.totals.failed, 1);
      const dir = tempDir('mdp-junit-');
      writeFileSync(join(dir, 'report.xml'), toJUnit(report, 12.5));
      const lint = await execa('xmllint', ['--noout', '--schema', join(ROOT, 'schemas', 'junit.xsd'), join(dir, 'report.xml')], { reject: false });
      assert.equal(lint.exitCode, 0, lint.stderr);
      assert.match(readFileSync(join(dir, 'report.xml'), 'utf8'), /<testsuite name="productions" tests="12" failures="1"/);
    } finally {
      await r.close();
    }
  });

  test('the budget refuses a batch that costs more before anything is submitted', bounded, async () => {
    const r = await rig();
    try {
      const { items } = await productions(MATRIX);
      const result = await runBatch(
        items.map((p) => ({ name: p.variant!, plan: planProduction(p, 'local/test') })),
        options(r.client, { maxComputeUnits: 5 }),
      );
      assert.match(result.refused ?? '', /would spend about 13 compute units, more than --max-compute-units 5/);
      assert.ok(result.summaries.every((s) => !s.ok));
      assert.equal(r.server.counters.snapshot().total, 0, 'not one request reached the API');
    } finally {
      await r.close();
    }
  });

  test('the budget stops submitting mid-run when the API charges more than planned', bounded, async () => {
    const r = await rig({ costMultiplier: 3 });
    try {
      const { items } = await productions(`version: 1
output: { path: out/film.mp4, subtitles: none }
scenes:
  - { prompt: One, duration: 2 }
  - { prompt: Two, duration: 2 }
  - { prompt: Three, duration: 2 }
  - { prompt: Four, duration: 2 }
`);
      const result = await runBatch([{ name: 'film', plan: planProduction(items[0]!, 'local/test') }], options(r.client, { maxComputeUnits: 5 }));
      assert.equal(result.plannedComputeUnits, 4, 'planned within the budget');
      assert.equal(result.summaries[0]!.ok, false);
      const failure = result.summaries[0]!.failure;
      assert.equal(failure?.reason, 'budget');
      assert.match(failure?.reason === 'budget' ? failure.message : '', /would cost 1 compute units/);
      const jobs = await r.jobs();
      assert.ok(jobs.length >= 1 && jobs.length < 4, `${jobs.length} jobs submitted`);
      assert.ok(jobs.reduce((a, j) => a + (j.compute_units ?? 0), 0) <= 5 + 3, 'never past the budget by more than the job in flight');
    } finally {
      await r.close();
    }
  });

  test('the CLI takes folders, writes the reports, and exits 1 when a production failed', bounded, async () => {
    const dir = tempDir('mdp-batch-cli-');
    writeFileSync(join(dir, 'a.yaml'), 'version: 1\noutput: { path: out/a.mp4, subtitles: none }\nscenes:\n  - { prompt: Snow at dawn, duration: 2 }\n');
    writeFileSync(join(dir, 'b.yaml'), 'version: 1\noutput: { path: out/b.mp4, subtitles: none }\nscenes:\n  - { prompt: Rain, duration: 2, style: watercolour }\n');
    const bin = join(ROOT, 'bin', 'mercadream-pipeline.js');
    const r = await execa(process.execPath, [bin, 'run', '.', '--local-quality', 'fast', '--preset', 'ultrafast', '--report', 'report.json', '--junit', 'report.xml'], {
      cwd: dir,
      reject: false,
      env: { MERCADREAM_API_KEY: '' },
    });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /1 of 2 productions done/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { productions: Array<{ name: string; status: string }> };
    assert.deepEqual(
      report.productions.map((p) => [p.name, p.status]),
      [
        ['a.yaml', 'done'],
        ['b.yaml', 'failed'],
      ],
    );
    const lint = await execa('xmllint', ['--noout', '--schema', join(ROOT, 'schemas', 'junit.xsd'), join(dir, 'report.xml')], { reject: false });
    assert.equal(lint.exitCode, 0, lint.stderr);
  });
});
