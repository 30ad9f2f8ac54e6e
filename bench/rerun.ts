// Prints, for a 12-scene 720p film made offline (MercaDream Local, fast engines), the time and
// API requests of the first run and of a no-op rerun, measured in the same run.
// Run: npx tsc -p tsconfig.test.json && node .build/bench/rerun.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { BIN } from '../test/helpers/project.js';
import { benchFilm } from './film.js';

const SCENES = Number(process.env['SCENES'] ?? 12);
const dir = mkdtempSync(join(tmpdir(), 'mdp-bench-rerun-'));
const prompts = [
  'Neon rain on Tokyo streets at midnight',
  'Snow over a mountain village',
  'Ocean waves at sunset',
  'A forest at dawn, drifting fog',
  'Desert dunes at noon',
  'Fire in a forge, sparks',
];
writeFileSync(
  join(dir, 'bench.yaml'),
  benchFilm(
    SCENES,
    (i) => `${prompts[i % prompts.length]}, shot ${i}`,
    (i) => `Scene ${i} begins.`,
    'Slow synthwave pads',
  ),
);

async function run(): Promise<{ seconds: number; summary: Record<string, unknown> }> {
  const start = performance.now();
  const r = await execa(process.execPath, [BIN, 'run', 'bench.yaml', '--json', '--local-quality', 'fast'], { cwd: dir, env: { MERCADREAM_API_KEY: '' } });
  const summary = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e['type'] === 'summary')!;
  return { seconds: (performance.now() - start) / 1000, summary };
}

const first = await run();
const again = await run();
console.log(`${SCENES}-scene 720p film, offline against MercaDream Local (fast engines)`);
console.log(`  first run:  ${first.seconds.toFixed(1)} s, ${String(first.summary['requests'])} API requests, ${String(first.summary['generated'])} assets generated`);
console.log(
  `  no-op rerun: ${again.seconds.toFixed(2)} s, ${String(again.summary['requests'])} API requests, ${String(again.summary['generated'])} generated, final cut up to date: ${String(again.summary['cutUpToDate'])}`,
);
console.log(`  rerun / first: ${((again.seconds / first.seconds) * 100).toFixed(1)} % of the time`);
rmSync(dir, { recursive: true, force: true });
