// Prints, for a batch of stitch-heavy productions (six 720p films of the same four cached clips
// joined by dissolves, each its own cut, x264 at its default preset), productions per minute made by
// 1 worker and by 2 workers on this machine through `run --queue`, and the Redis commands (round
// trips) per production, all measured in the same run against a redis-server of its own.
// Run: npx tsc -p tsconfig.test.json && node .build/bench/fleet-throughput.js
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadDefaultEngines } from '../src/local/default-engines.js';
import { startLocalServer } from '../src/local/server.js';
import { locateFfmpeg } from '../src/media/ffmpeg.js';
import { BIN } from '../test/helpers/project.js';
import { startRedis } from '../test/helpers/redis.js';

const KEY = 'mk_test_benchthroughput0001';
const CUTS = ['dissolve', 'fadeblack', 'wipeleft', 'slideleft', 'circleopen', 'radial'];
const binaries = await locateFfmpeg();
const root = mkdtempSync(join(tmpdir(), 'mdp-bench-throughput-'));
mkdirSync(join(root, 'redis'));
const redis = await startRedis(join(root, 'redis'));
const server = await startLocalServer({
  dataDir: join(root, 'local'),
  engines: await loadDefaultEngines('fast', binaries),
  keys: [{ key: KEY, plan: 'regular' }],
  quality: 'fast',
});
const env = { MERCADREAM_API_KEY: KEY, MERCADREAM_BASE_URL: server.url };
const dir = join(root, 'films');
mkdirSync(dir);
writeFileSync(
  join(dir, 'cuts.yaml'),
  `version: 1
matrix: { cut: [${CUTS.join(', ')}] }
title: "Harbour, \${{ matrix.cut }} cut"
output: { path: "out/\${{ matrix.cut }}.mp4", resolution: 720p, fps: 24, subtitles: none }
defaults: { transition: { type: dissolve, duration: 1 } }
scenes:
${[0, 1, 2, 3].map((i) => `  - { prompt: "Harbour at dusk, shot ${i}", duration: 6 }`).join('\n')}
`,
);
// The clips are made once, before the measurements: what follows is stitching.
await execa(process.execPath, [BIN, 'run', '.', '--preset', 'ultrafast'], { cwd: dir, env });

async function batch(workers: number): Promise<{ perMinute: number; commandsPerProduction: number }> {
  for (const f of readdirSync(join(dir, 'out'))) rmSync(join(dir, 'out', f));
  const fleet = Array.from({ length: workers }, () => execa(process.execPath, [BIN, 'worker', '--queue', redis.url], { env, reject: false, stdin: 'ignore' }));
  await new Promise((r) => setTimeout(r, 1500)); // workers connect
  const before = await redis.commands();
  const start = performance.now();
  await execa(process.execPath, [BIN, 'run', '.', '--queue', redis.url], { cwd: dir, env });
  const seconds = (performance.now() - start) / 1000;
  const commands = (await redis.commands()) - before;
  for (const w of fleet) w.kill('SIGTERM');
  await Promise.all(fleet);
  return { perMinute: (CUTS.length / seconds) * 60, commandsPerProduction: commands / CUTS.length };
}

const one = await batch(1);
const two = await batch(2);
console.log(`${CUTS.length} stitch-heavy productions (4 cached 720p clips each, default x264 preset), through run --queue on this machine`);
console.log(`  1 worker:  ${one.perMinute.toFixed(1)} productions/min, ${one.commandsPerProduction.toFixed(0)} Redis commands per production`);
console.log(`  2 workers: ${two.perMinute.toFixed(1)} productions/min, ${two.commandsPerProduction.toFixed(0)} Redis commands per production`);
console.log(`  2 workers / 1 worker: ${(two.perMinute / one.perMinute).toFixed(2)}× (this machine has ${(await import('node:os')).availableParallelism()} cores, shared)`);
await server.close();
await redis.stop();
rmSync(root, { recursive: true, force: true });
