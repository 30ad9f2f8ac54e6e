// Prints how long stitching a 12-scene 720p film takes against a plain stream-copy concat of the
// same clips, and the peak memory (VmHWM) of the ffmpeg processes, all measured in this run.
// Run: npm run bench:stitch   (PRESET=veryfast by default; KEEP=1 keeps the generated clips)
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { locateFfmpeg } from '../src/media/ffmpeg.js';
import { stitch } from '../src/media/stitch.js';
import type { StitchPlan } from '../src/media/stitch-types.js';

const binaries = await locateFfmpeg();
const SCENES = 12;
const SECONDS = 15;
const PRESET = process.env['PRESET'] ?? 'veryfast';
const dir = join(tmpdir(), 'mdp-bench-stitch');

/** Peak VmHWM (bytes) of ffmpeg children of this process, sampled every 20 ms while `run` runs. */
async function withPeakMemory<T>(run: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = 0;
  const sample = async (): Promise<void> => {
    for (const pid of await readdir('/proc').catch(() => [])) {
      if (!/^\d+$/.test(pid)) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      if (!/^Name:\s+ffmpeg$/m.test(status) || !new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status)) continue;
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    }
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const value = await run();
    return { value, peak };
  } finally {
    running = false;
    await loop;
  }
}

async function ff(args: string[]): Promise<void> {
  await execa(binaries.ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

async function clips(): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < SCENES; i++) {
    const file = join(dir, `scene-${i}.mp4`);
    const have = await readFile(file).then(
      () => true,
      () => false,
    );
    if (!have) {
      await ff([
        '-f',
        'lavfi',
        '-i',
        `testsrc2=s=1280x720:r=24:d=${SECONDS}`,
        '-f',
        'lavfi',
        '-i',
        `sine=f=${200 + 40 * i}:r=48000:d=${SECONDS},volume=-18dB`,
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-ac',
        '2',
        '-shortest',
        file,
      ]);
    }
    files.push(file);
  }
  for (const [name, source] of [
    ['voice.wav', 'sine=f=1500:r=48000:d=6,volume=-14dB'],
    ['music.wav', `sine=f=220:r=44100:d=${SCENES * SECONDS}`],
  ] as const) {
    await ff(['-f', 'lavfi', '-i', source, join(dir, name)]);
  }
  return files;
}

function plan(files: string[], transition: string, out: string): StitchPlan {
  let start = 0;
  const list = files.map((file, i) => {
    // Every other join a 1 s transition, the rest cuts: a typical storyboard.
    const t = i < files.length - 1 && i % 2 === 0 ? 1 : 0;
    const clip = { id: `scene-${i}`, file, inPoint: 0, duration: SECONDS, start, transition: { type: t > 0 ? transition : 'cut', duration: t } };
    start += SECONDS - t;
    return clip;
  });
  const length = start;
  return {
    output: { path: out, width: 1280, height: 720, fps: 24, loudness: -16, subtitles: 'sidecar', title: 'Bench' },
    clips: list,
    narration: [0, 1, 2, 3].map((k) => ({ id: `n${k}`, file: join(dir, 'voice.wav'), start: 5 + k * 40, duration: 6, text: `Line ${k}` })),
    cues: [{ id: 'score', file: join(dir, 'music.wav'), start: 0, duration: length, inPoint: 0, gain: -8, duck: 10, fadeIn: 2, fadeOut: 3 }],
    length,
  };
}

const files = await clips();
const work = join(dir, 'work');
if (!process.env['WARM_ONLY']) await rm(work, { recursive: true, force: true });
const list = join(dir, 'list.txt');
await writeFile(list, files.map((f) => `file '${f}'`).join('\n'));

const timed = async <T>(run: () => Promise<T>): Promise<{ seconds: number; peak: number; value: T }> => {
  const t0 = performance.now();
  const { value, peak } = await withPeakMemory(run);
  return { seconds: (performance.now() - t0) / 1000, peak, value };
};
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const copy = await timed(() => ff(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', join(dir, 'copy.mp4')]));
const cold = process.env['WARM_ONLY']
  ? { seconds: 0, peak: 0, value: {} as Awaited<ReturnType<typeof stitch>> }
  : await timed(() => stitch(plan(files, 'dissolve', join(dir, 'cold.mp4')), { binaries, workDir: work, preset: PRESET }));
const stages: [string, number][] = [];
const onProgress = (_p: number, stage: string): void => {
  if (stages.at(-1)?.[0] !== stage) stages.push([stage, performance.now()]);
};
const warm = await timed(() => stitch(plan(files, 'wipeleft', join(dir, 'warm.mp4')), { binaries, workDir: work, preset: PRESET, onProgress }));
const end = performance.now();

console.log(`${SCENES} × ${SECONDS} s 720p24 scenes, ${cold.value.stats?.windows ?? 0} transitions, x264 preset ${PRESET}`);
console.log(`concat -c copy                         ${copy.seconds.toFixed(2)} s   peak ffmpeg ${mib(copy.peak)}`);
console.log(`stitch, cold (conform + windows + mix)  ${cold.seconds.toFixed(2)} s   peak ffmpeg ${mib(cold.peak)}   ${JSON.stringify(cold.value.stats)}`);
console.log(`stitch, transitions changed (reuse)     ${warm.seconds.toFixed(2)} s   peak ffmpeg ${mib(warm.peak)}   ${JSON.stringify(warm.value.stats)}`);
console.log(`  stages of the warm run: ${stages.map(([name, t], i) => `${name} ${(((stages[i + 1]?.[1] ?? end) - t) / 1000).toFixed(1)} s`).join(', ')}`);
console.log(`loudness ${JSON.stringify(warm.value.loudness)}`);
if (!process.env['KEEP']) await rm(work, { recursive: true, force: true });
