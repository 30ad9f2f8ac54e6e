/**
 * How fast MercaDream Local's engines render on this machine:
 *   video: frames per second at 720p and 1080p, `full` and `fast` quality (15 s, 24 fps);
 *   speech and music: real-time factor (seconds of media per second of wall time).
 *
 *   npx tsc -p tsconfig.test.json && node .build/bench/engines.js
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EngineQuality } from '../src/local/engines/types.js';
import { createEngines } from '../src/local/engines/index.js';
import { capabilities, locateFfmpeg } from '../src/media/ffmpeg.js';

const binaries = await locateFfmpeg();
const engines = createEngines(binaries);
const dir = await mkdtemp(path.join(tmpdir(), 'engines-bench-'));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const rows: string[][] = [['job', 'quality', 'media s', 'wall s', 'speed', 'size MB']];
try {
  console.log((await capabilities(binaries)).version);
  await engines.renderSpeech({ text: 'warm up', voiceId: 'neural-narrator-m', format: 'wav', speed: 1 }, path.join(dir, 'warm.wav'), { quality: 'fast' });

  for (const resolution of ['720p', '1080p'] as const) {
    for (const quality of ['fast', 'full'] as EngineQuality[]) {
      const file = path.join(dir, `v-${resolution}-${quality}.mp4`);
      const request = { prompt: 'Neon rain on Tokyo streets at midnight', resolution, duration: 15, style: 'cinematic', fps: 24 } as const;
      const wall = await timed(() => engines.renderVideo(request, file, { quality }));
      const frames = request.duration * request.fps;
      rows.push([
        `video ${resolution}`,
        quality,
        '15',
        wall.toFixed(2),
        `${(frames / wall).toFixed(1)} fps (${(15 / wall).toFixed(2)}x RT)`,
        ((await stat(file)).size / 1e6).toFixed(1),
      ]);
    }
  }

  const text =
    'Rain falls on the neon signs of the city. Somewhere a train crosses the river, and the night goes on. ' +
    'Nobody in the market looks up; the lanterns sway, the puddles shine, and the last bus leaves without a sound.';
  const speechFile = path.join(dir, 'speech.mp3');
  let speechSeconds = 0;
  const speechWall = await timed(async () => {
    speechSeconds = (await engines.renderSpeech({ text, voiceId: 'neural-narrator-m', format: 'mp3', speed: 1 }, speechFile, { quality: 'full' })).duration;
  });
  rows.push([
    'speech mp3',
    '-',
    speechSeconds.toFixed(1),
    speechWall.toFixed(2),
    `${(speechSeconds / speechWall).toFixed(1)}x RT`,
    ((await stat(speechFile)).size / 1e6).toFixed(2),
  ]);

  for (const [prompt, duration] of [
    ['Dark synthwave, analog pads', 60],
    ['Happy orchestral score', 300],
  ] as const) {
    const file = path.join(dir, `music-${duration}.mp3`);
    const wall = await timed(() => engines.renderMusic({ prompt, duration, format: 'mp3' }, file, { quality: 'full' }));
    rows.push([`music ${duration}s mp3`, '-', String(duration), wall.toFixed(2), `${(duration / wall).toFixed(1)}x RT`, ((await stat(file)).size / 1e6).toFixed(2)]);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
