// Prints how long validating a generated 1,000-scene manifest takes, and the peak memory.
// Run: npm run bench:validate   (target from the issue: under 1 s)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadManifest } from '../src/manifest/index.js';

const SCENES = Number(process.env['SCENES'] ?? 1000);
const RUNS = 5;

function manifest(scenes: number): string {
  const lines = [
    'version: 1',
    'title: Bench',
    'plan: advanced',
    'output: { resolution: 1080p, fps: 24 }',
    'defaults:',
    '  transition: { type: dissolve, duration: 0.5 }',
    'scenes:',
  ];
  for (let i = 0; i < scenes; i++) {
    lines.push(`  - id: shot-${i}`, `    prompt: Neon rain on Tokyo streets at midnight, take ${i}, slow push-in`, `    duration: ${4 + (i % 7)}`);
    if (i % 3 === 0) lines.push(`    narration: { text: "Line ${i}: the city hums.", speed: 1.1 }`);
  }
  lines.push('score:');
  for (let i = 0; i < scenes; i += 50) lines.push(`  - prompt: Synthwave pulse ${i}`, `    from: shot-${i}`, `    to: shot-${Math.min(scenes - 1, i + 49)}`);
  return `${lines.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'mdp-bench-'));
const file = join(dir, 'film.yaml');
writeFileSync(file, manifest(SCENES));

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
const baselineRss = process.memoryUsage().rss;
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const result = await loadManifest(file);
  times.push(performance.now() - start);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (!result.production || result.production.scenes.length !== SCENES) throw new Error(`bench manifest did not validate: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
}
const laughs = ['version: 1', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
for (let i = 1; i < 10; i++)
  laughs.push(
    `a${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(',')}]`,
  );
laughs.push('scenes:', '  - prompt: *a9');
writeFileSync(join(dir, 'laughs.yaml'), `${laughs.join('\n')}\n`);
const laughsStart = performance.now();
const laughsResult = await loadManifest(join(dir, 'laughs.yaml'));
const laughsTime = performance.now() - laughsStart;
if (laughsResult.diagnostics[0]?.code !== 'yaml-alias-limit') throw new Error('billion laughs was not refused');
clearInterval(sampler);
rmSync(dir, { recursive: true, force: true });

const first = times[0]!;
const warm = times.slice(1).sort((a, b) => a - b)[Math.floor((times.length - 1) / 2)]!;
console.log(`validate: ${SCENES} scenes`);
console.log(`  first run (includes schema compile): ${(first / 1000).toFixed(3)} s`);
console.log(`  warm median of ${RUNS - 1}:             ${(warm / 1000).toFixed(3)} s   (target < 1 s)`);
console.log(`  billion laughs (9^10 expansions) refused in ${laughsTime.toFixed(1)} ms`);
console.log(`  peak RSS: ${(peakRss / 2 ** 20).toFixed(1)} MiB (process baseline ${(baselineRss / 2 ** 20).toFixed(1)} MiB)`);
