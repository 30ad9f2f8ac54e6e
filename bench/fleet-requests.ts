// Prints API requests per generated asset of a real 12-scene 720p run (the CLI's `run`, against
// MercaDream Local over HTTP with its fast engines), with webhooks (`--webhook-url`) and with
// polling, counted by Local for the key (downloads of signed file URLs are not API requests).
// Run: npx tsc -p tsconfig.test.json && node .build/bench/fleet-requests.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadDefaultEngines } from '../src/local/default-engines.js';
import { keyLabel } from '../src/local/keys.js';
import { startLocalServer } from '../src/local/server.js';
import { locateFfmpeg } from '../src/media/ffmpeg.js';
import { BIN } from '../test/helpers/project.js';
import { freePort } from '../test/helpers/redis.js';

const SCENES = Number(process.env['SCENES'] ?? 12);
const KEY = 'mk_test_benchfleet000000001';
const SECRET = 'whsec_bench_fleet_0001';
const binaries = await locateFfmpeg();
const dataDir = mkdtempSync(join(tmpdir(), 'mdp-bench-fleet-local-'));
const server = await startLocalServer({
  dataDir,
  engines: await loadDefaultEngines('fast', binaries),
  keys: [{ key: KEY, plan: 'regular', webhook_secret: SECRET }],
  quality: 'fast',
});

function manifest(tag: string): string {
  const lines = [
    'version: 1',
    'plan: regular',
    'output: { path: out/bench.mp4, resolution: 720p, fps: 24 }',
    'defaults: { transition: { type: dissolve, duration: 0.5 } }',
    'scenes:',
  ];
  for (let i = 0; i < SCENES; i++)
    lines.push(`  - { id: s${i}, prompt: "${tag} shot ${i}", duration: ${4 + (i % 3)}${i % 3 === 0 ? `, narration: "${tag} scene ${i} begins."` : ''} }`);
  lines.push('score:', `  - { prompt: ${tag} slow synthwave pads, bpm: 90 }`);
  return `${lines.join('\n')}\n`;
}

async function run(tag: string, extra: string[]): Promise<{ requests: number; generated: number; seconds: number }> {
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
  return { requests: server.counters.count(keyLabel(KEY)), generated: Number(summary['generated']), seconds: (performance.now() - start) / 1000 };
}

const polling = await run('Polling', []);
const hooks = await run('Webhooks', ['--webhook-url', `http://127.0.0.1:${await freePort()}/hooks/mercadream`]);
const per = (r: { requests: number; generated: number }) => (r.requests / r.generated).toFixed(2);
console.log(`${SCENES}-scene 720p film, \`run\` against MercaDream Local over HTTP (fast engines), API requests counted by the server`);
console.log(`  polling:  ${polling.requests} requests for ${polling.generated} assets = ${per(polling)} per asset (target ≤ 1.5), ${polling.seconds.toFixed(1)} s`);
console.log(`  webhooks: ${hooks.requests} requests for ${hooks.generated} assets = ${per(hooks)} per asset (target ≤ 1.1), ${hooks.seconds.toFixed(1)} s`);
console.log(`  webhooks / polling: ${((hooks.requests / polling.requests) * 100).toFixed(0)} % of the requests; the client alone: see npm run bench:client`);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
