// Prints requests per completed job for 100 jobs of mixed lengths: MercaClient's waiting
// (first poll at estimated_completion, backoff, shared GET /v2/jobs pages) against a naive
// 1-second GET /v2/jobs/{id} poll, measured side by side against one MercaDream Local.
// Run: npx tsc -p tsconfig.test.json && node .build/bench/client.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MercaClient, type Job } from '../src/api/index.js';
import { createEngines } from '../src/local/engines/index.js';
import { keyLabel } from '../src/local/keys.js';
import { locateFfmpeg } from '../src/media/ffmpeg.js';
import { startLocalServer } from '../src/local/server.js';

const JOBS = Number(process.env['JOBS'] ?? 100);
const dataDir = mkdtempSync(join(tmpdir(), 'mdp-bench-client-'));
const keys = [
  { key: 'mk_test_benchwaiting000001', plan: 'professional' as const },
  { key: 'mk_test_benchnaive00000001', plan: 'professional' as const },
];
const server = await startLocalServer({ dataDir, engines: createEngines(await locateFfmpeg()), keys, quality: 'fast', workers: 2 });
// Mixed lengths: narrations of 1 to 60 words.
const texts = (tag: string) => Array.from({ length: JOBS }, (_, i) => `${tag} ${i}: ${'the quiet city hums '.repeat(1 + ((i * 7) % 15)).trim()}.`);

async function waiting(): Promise<number> {
  const client = new MercaClient(keys[0]!.key, { baseUrl: server.url, plan: 'professional' });
  const start = performance.now();
  await Promise.all(texts('a').map(async (text) => client.jobs.wait(await client.speech({ text, format: 'wav' }))));
  await client.close();
  return performance.now() - start;
}

async function naive(): Promise<number> {
  const client = new MercaClient(keys[1]!.key, { baseUrl: server.url, plan: 'professional' });
  const start = performance.now();
  await Promise.all(
    texts('b').map(async (text) => {
      let job: Job = await client.speech({ text, format: 'wav' });
      while (job.status !== 'completed' && job.status !== 'failed') {
        await sleep(1000);
        job = await client.jobs.get(job.id);
      }
    }),
  );
  await client.close();
  return performance.now() - start;
}

// Side by side: both batches submitted at once and competing for the same workers.
const [tWait, tNaive] = await Promise.all([waiting(), naive()]);
const count = (key: string) => server.counters.count(keyLabel(key));
const perJob = (key: string) => (count(key) / JOBS).toFixed(2);
console.log(`${JOBS} speech jobs of mixed lengths, 2 workers, one server, both strategies at once`);
console.log(`  MercaClient waiting:   ${count(keys[0]!.key)} requests = ${perJob(keys[0]!.key)} per job (1 POST + polls), done in ${(tWait / 1000).toFixed(1)} s`);
console.log(`  naive 1-second poll:   ${count(keys[1]!.key)} requests = ${perJob(keys[1]!.key)} per job, done in ${(tNaive / 1000).toFixed(1)} s`);
console.log(`  ratio naive / waiting: ${(count(keys[1]!.key) / count(keys[0]!.key)).toFixed(1)}×`);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
