// A fleet on this machine: a real redis-server, MercaDream Local on the regular plan (60
// requests/min, 2 concurrent jobs) and worker processes, driven by `run --queue` as users run it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import { keyLabel } from '../../src/local/keys.js';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../src/local/server.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { BIN, ROOT } from '../helpers/project.js';
import { freePort, startRedis, type RedisRig } from '../helpers/redis-rig.js';
import { tempDir } from '../helpers/temp.js';
import { createTestEngines, type TestEngineOptions } from '../helpers/test-engines.js';

const binaries = await locateFfmpeg();
const bounded = { timeout: 240_000 };
const KEY = 'mk_test_fleetregular00000001';
const WEBHOOK_SECRET = 'whsec_fleet_test_0001';

/** Twelve productions; all twelve share one narration (one speech job), each has its own clip. */
const MATRIX = `version: 1
plan: regular
matrix:
  city: [tokyo, paris, cairo, lima, oslo, rome]
  look: [cinematic, noir]
output: { path: "out/\${{ matrix.city }}-\${{ matrix.look }}.mp4", resolution: 720p, fps: 24, subtitles: none }
scenes:
  - prompt: "Streets of \${{ matrix.city }} at night"
    style: "\${{ matrix.look }}"
    duration: 2
    narration: { text: "Tonight.", at: 0.2 }
`;

let redis: RedisRig;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

async function local(faults: LocalServerOptions['faults'] = {}, engines: TestEngineOptions = {}): Promise<LocalServer> {
  return startLocalServer({
    dataDir: tempDir('mdp-fleet-local-'),
    engines: createTestEngines(engines),
    keys: [{ key: KEY, plan: 'regular', webhook_secret: WEBHOOK_SECRET }],
    quality: 'fast',
    faults,
  });
}

/** Each test's own Redis database (a test's workers never take another test's productions), one per Local. */
const databases = new Map<LocalServer, number>();
function queueOf(server: LocalServer): string {
  if (!databases.has(server)) databases.set(server, databases.size + 1);
  return redis.url.replace(/\/0$/, `/${databases.get(server)!}`);
}

function apiEnv(server: LocalServer): Record<string, string> {
  return { MERCADREAM_API_KEY: KEY, MERCADREAM_BASE_URL: server.url, MERCADREAM_WEBHOOK_SECRET: WEBHOOK_SECRET, FFMPEG_PATH: binaries.ffmpeg, FFPROBE_PATH: binaries.ffprobe };
}

/** A worker process; its standard error lines are kept, and `started` resolves at its first production. */
function spawnWorker(server: LocalServer, extra: string[]) {
  return execa(process.execPath, [BIN, 'worker', '--queue', queueOf(server), '--lease', '3', ...extra], { env: apiEnv(server), reject: false, buffer: false, stdin: 'ignore' });
}

/** Every worker's lines in the order they arrived (which worker started a production first). */
const arrivals: Array<{ child: unknown; line: string }> = [];

function worker(server: LocalServer, extra: string[] = []): { process: ReturnType<typeof spawnWorker>; lines: string[]; started: Promise<void> } {
  const child = spawnWorker(server, extra);
  const lines: string[] = [];
  let onStart: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStart = resolve));
  child.stderr.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      arrivals.push({ child, line });
      if (line.startsWith('started ')) onStart();
      if (process.env['FLEET_TEST_DEBUG']) console.error(`${new Date().toISOString()} ${line}`);
    }
  });
  return { process: child, lines, started };
}

async function stopWorkers(workers: ReturnType<typeof worker>[]): Promise<void> {
  for (const w of workers) w.process.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.process));
}

/** The most jobs the server had queued or processing at once, from their created and completed times. */
function mostInFlight(jobs: ReadonlyArray<{ created_at: string; completed_at: string | null }>): number {
  const edges = jobs.flatMap((j) => [
    [Date.parse(j.created_at), 1],
    [j.completed_at ? Date.parse(j.completed_at) : Number.POSITIVE_INFINITY, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step!));
  return most;
}

async function serverJobs(
  server: LocalServer,
): Promise<Array<{ id: string; type: string; prompt?: string; style?: string; text?: string; created_at: string; completed_at: string | null; compute_units: number }>> {
  const response = await fetch(`${server.url}/jobs?limit=100`, { headers: { authorization: `Bearer ${KEY}` } });
  return ((await response.json()) as { data: Array<{ id: string; type: string; created_at: string; completed_at: string | null; compute_units: number }> }).data;
}

/** Resolves to `probe()`'s first truthy answer, asked every 100 ms; rejects after `ms`. */
async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Holds the first clip that starts rendering until `release()`: its job is submitted and in flight, not finished. */
function holdFirstClip() {
  let onHeld: (request: { prompt: string; style: string }) => void = () => undefined;
  let release: () => void = () => undefined;
  const held = new Promise<{ prompt: string; style: string }>((resolve) => (onHeld = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let taken = false;
  const engines: TestEngineOptions = {
    beforeRender: async (kind, _signal, request) => {
      if (kind !== 'video' || taken) return;
      taken = true;
      const clip = request as { prompt: string; style?: string };
      onHeld({ prompt: clip.prompt, style: clip.style ?? '' });
      await released;
    },
  };
  return { engines, held, release };
}

/** True when a job record of the project at `dir` names `jobId` (the worker recorded the job its POST made). */
function recorded(dir: string, jobId: string): boolean {
  const jobs = join(dir, '.mercadream', 'jobs');
  return existsSync(jobs) && readdirSync(jobs).some((name) => readFileSync(join(jobs, name), 'utf8').includes(jobId));
}

describe('a fleet of workers', () => {
  test('12 productions on three workers, one killed mid-run: all made once, within one key’s limits, reported as a local batch', bounded, async () => {
    const hold = holdFirstClip();
    const server = await local({}, hold.engines);
    const dir = tempDir('mdp-fleet-');
    writeFileSync(join(dir, 'night.yaml'), MATRIX);
    // The coordinator receives the webhooks and relays them to the workers (polling is the fallback);
    // the URL's query string is the studio's, and deliveries to it are taken all the same.
    const hooks = ['--webhook-url', `http://127.0.0.1:${await freePort()}/hooks/mercadream?studio=kyoto`];
    const workers = [worker(server, hooks), worker(server, hooks), worker(server, hooks)];
    try {
      const coordinator = execa(
        process.execPath,
        [BIN, 'run', '.', '--queue', queueOf(server), ...hooks, '--preset', 'ultrafast', '--report', 'report.json', '--junit', 'report.xml'],
        {
          cwd: dir,
          env: apiEnv(server),
          reject: false,
        },
      );
      // The worker whose clip is rendering is killed once its job is submitted and recorded, not finished.
      const clip = await hold.held;
      const city = /Streets of (\w+)/.exec(clip.prompt)![1]!;
      const isHeld = (line: string) => line.startsWith('started ') && line.includes(`city=${city}`) && line.includes(`look=${clip.style}`);
      // The first to start it: under load a lease can lapse, and a second worker may take it up meanwhile.
      const victim = await until('the worker of the held clip', () => workers.find((w) => w.process === arrivals.find((a) => isHeld(a.line))?.child));
      const heldJob = await until('the held job on the server', async () =>
        (await serverJobs(server)).find((j) => j.type === 'video' && j.prompt === clip.prompt && j.style === clip.style),
      );
      await until('the held job’s record', () => recorded(dir, heldJob.id));
      if (process.env['FLEET_TEST_DEBUG']) console.error(`${new Date().toISOString()} killing the worker of ${clip.prompt} ${clip.style} (${heldJob.id})`);
      victim.process.kill('SIGKILL');
      // Another worker takes the production over while its job still renders, then the job ends.
      const successor = await until('a successor', () => workers.find((w) => w !== victim && w.lines.some(isHeld)));
      await new Promise((r) => setTimeout(r, 1_000));
      hold.release();
      const run = await coordinator;
      assert.equal(run.exitCode, 0, `${run.stderr}\n--- workers:\n${workers.map((w) => w.lines.join('\n')).join('\n---\n')}`);
      assert.match(run.stderr, /Sending 12 productions to the workers/);

      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
        productions: Array<{ name: string; status: string; generated: number; cached: number; refetched: number; shared?: number; seconds?: number }>;
        totals: { failed: number; computeUnits: number };
      };
      const ajv = new Ajv2019({ allErrors: true, strict: false });
      const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'report.schema.json'), 'utf8')) as object);
      assert.ok(validate(report), JSON.stringify(validate.errors));
      assert.equal(report.productions.length, 12);
      assert.ok(report.productions.every((p) => p.status === 'done'));
      const lint = await execa('xmllint', ['--noout', '--schema', join(ROOT, 'schemas', 'junit.xsd'), join(dir, 'report.xml')], { reject: false });
      assert.equal(lint.exitCode, 0, lint.stderr);

      for (const city of ['tokyo', 'paris', 'cairo', 'lima', 'oslo', 'rome'])
        for (const look of ['cinematic', 'noir']) {
          const film = join(dir, 'out', `${city}-${look}.mp4`);
          assert.ok(existsSync(film), film);
          const p = await probe(film, { ffprobePath: binaries.ffprobe });
          assert.equal(p.video?.width, 1280);
          assert.ok(Math.abs(p.duration - 2) <= 1 / 24 + 1e-3, `${film} lasts ${p.duration} s`);
        }

      const killed = workers.filter((w) => w !== victim);
      assert.ok(
        killed.some((w) => w.lines.some((l) => l.startsWith('made '))),
        'the other workers made productions',
      );
      assert.ok(
        successor.lines.some(
          (l) =>
            l.startsWith('made ') &&
            l.includes(`city=${city}`) &&
            l.includes(`look=${clip.style}`) &&
            new RegExp(`\\(followed jobs? .*${heldJob.id}.* submitted before\\)$`).test(l),
        ),
        `the successor followed the killed worker’s job:\n${successor.lines.join('\n')}`,
      );
      const jobs = await serverJobs(server);
      // Added up as a local batch: each job once, by the first production that used it; each production's time.
      const sum = (f: (p: (typeof report.productions)[number]) => number) => report.productions.reduce((n, p) => n + f(p), 0);
      assert.equal(
        sum((p) => p.generated + p.cached + p.refetched),
        jobs.length,
        'each asset counted once',
      );
      assert.equal(
        sum((p) => p.shared ?? 0),
        11,
        'the narration, counted by one production, shared by eleven',
      );
      assert.equal(
        report.totals.computeUnits,
        jobs.reduce((n, j) => n + j.compute_units, 0),
        'the units the API charged',
      );
      assert.ok(
        report.productions.every((p) => (p.seconds ?? 0) > 0),
        JSON.stringify(report.productions.map((p) => p.seconds)),
      );
      const times = [...readFileSync(join(dir, 'report.xml'), 'utf8').matchAll(/<testcase [^>]*time="([\d.]+)"/g)].map((m) => Number(m[1]));
      assert.equal(times.length, 12);
      assert.ok(
        times.every((t) => t > 0),
        `JUnit times ${times.join(' ')}`,
      );
      assert.equal(jobs.filter((j) => j.type === 'speech').length, 1, 'the narration all twelve share: one job');
      const clips = jobs.filter((j) => j.type === 'video');
      assert.equal(
        clips.length,
        12,
        `one job per clip: nothing submitted twice, the killed worker’s included (${JSON.stringify(jobs.map((j) => [j.type, j.prompt, j.created_at]))})`,
      );
      assert.equal(new Set(clips.map((j) => `${j.prompt} ${j.style}`)).size, 12);
      const label = keyLabel(KEY);
      assert.ok(server.counters.peakPerMinute(label) <= 60, `peak ${server.counters.peakPerMinute(label)} requests in a 60 s window`);
      assert.ok(mostInFlight(jobs) <= 2, `${mostInFlight(jobs)} jobs in flight at once`);
      assert.ok(server.webhookStats().delivered > 0, 'the workers received webhooks');
      const requests = server.counters.count(label);
      console.error(`# ${requests} API requests for ${jobs.length} jobs (${(requests / jobs.length).toFixed(2)} per job) across the fleet`);
    } finally {
      await stopWorkers(workers);
      await server.close();
    }
  });

  test('the budget: two workers stop submitting at --max-compute-units, and the report says which productions were not made', bounded, async () => {
    const server = await local({ costMultiplier: 3 }); // the API charges three times the planned units
    const dir = tempDir('mdp-fleet-budget-');
    writeFileSync(
      join(dir, 'four.yaml'),
      `version: 1
matrix: { n: [one, two, three, four] }
output: { path: "out/\${{ matrix.n }}.mp4", resolution: 720p, subtitles: none }
scenes:
  - { prompt: "Shot \${{ matrix.n }}", duration: 2 }
`,
    );
    const workers = [worker(server), worker(server)];
    try {
      const run = await execa(process.execPath, [BIN, 'run', '.', '--queue', queueOf(server), '--preset', 'ultrafast', '--max-compute-units', '5', '--report', 'report.json'], {
        cwd: dir,
        env: apiEnv(server),
        reject: false,
      });
      assert.equal(run.exitCode, 1, run.stderr);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
        productions: Array<{ name: string; status: string; failure?: { reason: string; message?: string } }>;
      };
      const refused = report.productions.filter((p) => p.failure?.reason === 'budget');
      assert.ok(refused.length >= 1, JSON.stringify(report.productions));
      for (const p of refused) assert.match(p.failure?.message ?? '', /would cost 1 compute units, and .* of the budget's 5 are spent or reserved/);
      assert.ok(
        report.productions.every((p) => p.status === 'done' || p.failure?.reason === 'budget'),
        JSON.stringify(report.productions),
      );
      assert.match(run.stderr, /budget/);
      const jobs = await serverJobs(server);
      assert.equal(jobs.length, 4 - refused.length, 'no job went out for a production the budget refused');
      // Each job reserves its planned unit before its POST; the fleet stops once the charges pass the cap.
      assert.ok(jobs.length <= 3, `${jobs.length} jobs submitted under a cap of 5 units at 3 a job`);
    } finally {
      await stopWorkers(workers);
      await server.close();
    }
  });

  test('a worker or coordinator that cannot reach Redis says so in one line and exits 1', bounded, async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}/0`;
    const env = { MERCADREAM_API_KEY: KEY, MERCADREAM_BASE_URL: 'http://127.0.0.1:9/v2' };
    const w = await execa(process.execPath, [BIN, 'worker', '--queue', nowhere], { env, reject: false });
    assert.equal(w.exitCode, 1);
    assert.match(w.stderr, /^error: cannot reach Redis at 127\.0\.0\.1:\d+ \(.*\)$/);
    const dir = tempDir('mdp-fleet-noredis-');
    writeFileSync(join(dir, 'a.yaml'), 'version: 1\noutput: { path: out/a.mp4, subtitles: none }\nscenes:\n  - { prompt: Snow, duration: 2 }\n');
    const run = await execa(process.execPath, [BIN, 'run', 'a.yaml', '--queue', nowhere], { cwd: dir, env, reject: false });
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /^error: cannot reach Redis at 127\.0\.0\.1:\d+ \(.*\)$/m);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  });

  test('what the user must fix is said in one line: a wrong Redis password (exit 1), a malformed --queue, an unreadable key file (exit 2)', bounded, async () => {
    const locked = await startRedis();
    try {
      await locked.connect().config('SET', 'requirepass', 'correct-horse-battery');
      const env = { MERCADREAM_API_KEY: KEY, MERCADREAM_BASE_URL: 'http://127.0.0.1:9/v2', FFMPEG_PATH: binaries.ffmpeg, FFPROBE_PATH: binaries.ffprobe };
      const wrong = `redis://:tr0ub4dor-and-3@127.0.0.1:${locked.port}/0`;
      const w = await execa(process.execPath, [BIN, 'worker', '--queue', wrong], { env, reject: false });
      assert.equal(w.exitCode, 1, w.stderr);
      assert.match(w.stderr, /^error: Redis at 127\.0\.0\.1:\d+ refused the password of --queue \(WRONGPASS\): check the URL's credentials$/);
      assert.ok(!w.stderr.includes('tr0ub4dor'), 'the password is never printed');
      const bare = await execa(process.execPath, [BIN, 'worker', '--queue', locked.url], { env, reject: false });
      assert.equal(bare.exitCode, 1, bare.stderr);
      assert.match(bare.stderr, /^error: Redis at 127\.0\.0\.1:\d+ needs a password \(NOAUTH\)/);
      const dir = tempDir('mdp-fleet-usage-');
      writeFileSync(join(dir, 'a.yaml'), 'version: 1\noutput: { path: out/a.mp4, subtitles: none }\nscenes:\n  - { prompt: Snow, duration: 2 }\n');
      const run = await execa(process.execPath, [BIN, 'run', 'a.yaml', '--queue', wrong], { cwd: dir, env, reject: false });
      assert.equal(run.exitCode, 1, run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /refused the password of --queue/);
      assert.ok(!run.stderr.includes('tr0ub4dor'));

      for (const url of ['redis://127.0.0.1:6379/zero', 'http://127.0.0.1:6379/0', 'redis://:tr0ub4dor@127.0.0.1:99999/0']) {
        const bad = await execa(process.execPath, [BIN, 'worker', '--queue', url], { env, reject: false });
        assert.equal(bad.exitCode, 2, `${url}: ${bad.stderr}`);
        assert.match(bad.stderr, /^error: --queue /);
        assert.ok(!bad.stderr.includes('tr0ub4dor'));
        const badRun = await execa(process.execPath, [BIN, 'run', 'a.yaml', '--queue', url], { cwd: dir, env, reject: false });
        assert.equal(badRun.exitCode, 2, `${url}: ${badRun.stderr}`);
        assert.match(badRun.stderr, /^error: --queue /);
      }

      const authed = `redis://:correct-horse-battery@127.0.0.1:${locked.port}/0`;
      const noKey = await execa(process.execPath, [BIN, 'worker', '--queue', authed, '--api-key-file', '/nonexistent/key'], {
        env: { ...env, MERCADREAM_API_KEY: '' },
        reject: false,
      });
      assert.equal(noKey.exitCode, 2, noKey.stderr);
      assert.equal(noKey.stderr.trim(), 'error: cannot read --api-key-file /nonexistent/key (ENOENT)');
    } finally {
      await locked.stop();
    }
  });

  test('the coordinator runs the caption font checks of a local batch before anything is enqueued', bounded, async () => {
    const dir = tempDir('mdp-fleet-fonts-');
    writeFileSync(
      join(dir, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>/usr/share/fonts/truetype/dejavu</dir>\n  <cachedir>${join(dir, 'cache')}</cachedir>\n</fontconfig>\n`,
    );
    writeFileSync(
      join(dir, 'tokyo.yaml'),
      'version: 1\noutput: { path: out/tokyo.mp4, subtitles: burn }\nscenes:\n  - { id: night, prompt: Rain, duration: 2, narration: { text: "東京の夜" } }\n',
    );
    const nowhere = `redis://127.0.0.1:${await freePort()}/0`;
    const env = { MERCADREAM_API_KEY: KEY, MERCADREAM_BASE_URL: 'http://127.0.0.1:9/v2', FONTCONFIG_FILE: join(dir, 'fonts.conf') };
    const run = await execa(process.execPath, [BIN, 'run', 'tokyo.yaml', '--queue', nowhere, '--report', 'report.json'], { cwd: dir, env, reject: false });
    assert.equal(run.exitCode, 2, run.stderr);
    assert.match(run.stderr, /tokyo\.yaml:\d+:\d+ error: .*no installed font can draw in burned captions: “東” \(U\+6771\)/);
    assert.doesNotMatch(run.stderr, /Redis/, 'refused before the queue is reached');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { productions: Array<{ failure?: { reason: string } }> };
    assert.equal(report.productions[0]?.failure?.reason, 'manifest');
  });
});
