// Prints API requests per generated asset of a real 12-scene 720p run (the CLI's `run`, against
// MercaDream Local over HTTP with its fast engines, regular plan: 60 requests/min, 2 jobs at
// once), with polling and with webhooks (`--webhook-url`), counted by Local for the key
// (downloads of signed file URLs are not API requests), where they went (accepted POSTs, POSTs
// refused for the 2-job limit, list pages, single-job polls) and each run's wall time; beside
// them the client alone (bench/client's measure: MercaClient waiting on a batch of speech jobs).
// Run: npx tsc -p tsconfig.test.json && node .build/bench/fleet-requests.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { MercaClient } from '../src/api/index.js';
import { loadDefaultEngines } from '../src/local/default-engines.js';
import { keyLabel } from '../src/local/keys.js';
import { startLocalServer } from '../src/local/server.js';
import { locateFfmpeg } from '../src/media/ffmpeg.js';
import { BIN } from '../test/helpers/project.js';
import { freePort } from '../test/helpers/redis.js';
import { benchFilm } from './film.js';

const SCENES = Number(process.env['SCENES'] ?? 12);
const KEY = 'mk_test_benchfleet000000001';
const CLIENT_KEY = 'mk_test_benchclient00000001';
const SECRET = 'whsec_bench_fleet_0001';
const binaries = await locateFfmpeg();
const dataDir = mkdtempSync(join(tmpdir(), 'mdp-bench-fleet-local-'));
const server = await startLocalServer({
  dataDir,
  engines: await loadDefaultEngines('fast', binaries),
  keys: [
    { key: KEY, plan: 'regular', webhook_secret: SECRET },
    { key: CLIENT_KEY, plan: 'professional' },
  ],
  quality: 'fast',
});

function manifest(tag: string): string {
  return benchFilm(
    SCENES,
    (i) => `${tag} shot ${i}`,
    (i) => `${tag} scene ${i} begins.`,
    `${tag} slow synthwave pads`,
  );
}

interface Figures {
  readonly requests: number;
  readonly generated: number;
  readonly seconds: number;
  /** Requests by endpoint, for the breakdown. */
  readonly byEndpoint: Readonly<Record<string, number>>;
}

async function run(tag: string, extra: string[]): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'mdp-bench-fleet-'));
  writeFileSync(join(dir, 'bench.yaml'), manifest(tag));
  server.counters.reset();
  const start = performance.now();
  const r = await execa(process.execPath, [BIN, 'run', 'bench.yaml', '--json', '--preset', 'ultrafast', ...extra], {
    cwd: dir,
    env: { MERCADREAM_API_KEY: KEY, MERCADREAM_BASE_URL: server.url, MERCADREAM_WEBHOOK_SECRET: SECRET },
  });
  const summary = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e['type'] === 'summary')!;
  rmSync(dir, { recursive: true, force: true });
  const label = keyLabel(KEY);
  const byEndpoint = Object.fromEntries(Object.entries(server.counters.snapshot().byEndpoint).map(([endpoint, perKey]) => [endpoint, perKey[label] ?? 0]));
  return { requests: server.counters.count(label), generated: Number(summary['generated']), seconds: (performance.now() - start) / 1000, byEndpoint };
}

/** Where the requests went: accepted POSTs (one per generated asset), refused POSTs, list pages, single-job polls. */
function breakdown(f: Figures): string {
  const posts = ['POST /v2/generate', 'POST /v2/speech', 'POST /v2/music'].reduce((sum, e) => sum + (f.byEndpoint[e] ?? 0), 0);
  const pages = f.byEndpoint['GET /v2/jobs'] ?? 0;
  const single = f.byEndpoint['GET /v2/jobs/{job_id}'] ?? 0;
  return `${f.generated} POSTs accepted + ${posts - f.generated} refused (2-job limit) + ${pages} list pages + ${single} single-job polls`;
}

/** bench/client's measure, smaller: requests per job of MercaClient waiting on JOBS speech jobs of mixed lengths. */
async function clientAlone(jobs: number): Promise<number> {
  const client = new MercaClient(CLIENT_KEY, { baseUrl: server.url, plan: 'professional' });
  server.counters.reset();
  const texts = Array.from({ length: jobs }, (_, i) => `c ${i}: ${'the quiet city hums '.repeat(1 + ((i * 7) % 15)).trim()}.`);
  await Promise.all(texts.map(async (text) => client.jobs.wait(await client.speech({ text, format: 'wav' }))));
  await client.close();
  return server.counters.count(keyLabel(CLIENT_KEY)) / jobs;
}

// FIRST=webhooks runs the webhook film first (the first run also meets a Local that has not yet learnt its render times).
const webhookArgs = ['--webhook-url', `http://127.0.0.1:${await freePort()}/hooks/mercadream`];
const hooksFirst = process.env['FIRST'] === 'webhooks';
const early = hooksFirst ? await run('Webhooks', webhookArgs) : await run('Polling', []);
const late = hooksFirst ? await run('Polling', []) : await run('Webhooks', webhookArgs);
const [polling, hooks] = hooksFirst ? [late, early] : [early, late];
const alone = await clientAlone(Number(process.env['CLIENT_JOBS'] ?? 40));
const per = (r: { requests: number; generated: number }) => (r.requests / r.generated).toFixed(2);
console.log(`${SCENES}-scene 720p film, \`run\` against MercaDream Local over HTTP (fast engines, regular plan), API requests counted by the server`);
console.log(`  polling:  ${polling.requests} requests for ${polling.generated} assets = ${per(polling)} per asset (target ≤ 1.5), ${polling.seconds.toFixed(1)} s`);
console.log(`            ${breakdown(polling)}`);
console.log(`  webhooks: ${hooks.requests} requests for ${hooks.generated} assets = ${per(hooks)} per asset (target ≤ 1.1), ${hooks.seconds.toFixed(1)} s`);
console.log(`            ${breakdown(hooks)}`);
console.log(`  polling / webhooks wall time: ${(polling.seconds / hooks.seconds).toFixed(2)}× (the same film, ${hooksFirst ? 'webhooks' : 'polling'} first, on this machine)`);
console.log(`  the client alone (bench/client's measure, ${process.env['CLIENT_JOBS'] ?? 40} speech jobs, professional plan): ${alone.toFixed(2)} requests per job`);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
