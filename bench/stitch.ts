// Prints, in one run, what stitching a 12-scene 720p24 film (15 s clips joined by 0.5 s dissolves,
// one score cue) costs against baselines measured in the same run: a plain concat copy (the floor
// of any join), an editly-style single ffmpeg with an xfade + acrossfade chain (the naive way), and
// the transition windows encoded alone (the floor of any re-stitch). Then the product cold, after
// one transition changes, after all change, and with nothing changed; each with its ratio to the
// chain and to the window floor, and peak memory. The cold cut is checked against the chain's:
// same frame count and frame times, and SSIM.
//
// The source clips are MercaDream Local's own renders (engines at `full` quality, kept between
// runs in the bench folder), as a generated film's clips are.
//
// Run: npm run bench:stitch   (ROUNDS=2 rounds, medians; KEEP=1 keeps the work folders;
// REFERENCE=reencode also compares with the cut made by re-encoding every clip at `medium`, as
// the stitcher did before copies (REFERENCE_PRESET to change it): a few minutes more)
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import pLimit from 'p-limit';
import { createEngines } from '../src/local/engines/index.js';
import { locateFfmpeg } from '../src/media/ffmpeg.js';
import { conformTarget } from '../src/media/conform.js';
import { gopFrames, HOUSE_PRESET, houseVideoArgs, type HouseFormat } from '../src/media/house-format.js';
import { stitch } from '../src/media/stitch.js';
import { frameTimeline, planPieces, type WindowPiece } from '../src/media/stitch-timeline.js';
import type { StitchPlan, StitchResult } from '../src/media/stitch-types.js';
import { buildWindowArgs } from '../src/media/timeline-video.js';

const binaries = await locateFfmpeg();
const SCENES = 12;
const SECONDS = 15;
const TRANSITION = 0.5;
const FPS = 24;
const PRESET = process.env['PRESET'] ?? HOUSE_PRESET;
const FORMAT: HouseFormat = { width: 1280, height: 720, fps: FPS, preset: PRESET };
const dir = join(tmpdir(), 'mdp-bench-stitch');
const PROMPTS = ['a market at dawn', 'rain on a neon street', 'a forest in fog', 'waves on a pier', 'a desert road at noon', 'a city at night'];

/**
 * Peak memory while `run` runs, bytes: the largest single ffmpeg child (VmHWM, its peak RSS), and
 * everything at once: Σ PSS of the ffmpeg and ffprobe children plus this node process, which runs
 * the stitcher (PSS, not RSS: two ffmpeg processes share their libraries' pages, and summing RSS
 * would count those twice).
 */
async function withPeakMemory<T>(run: () => Promise<T>): Promise<{ value: T; single: number; together: number }> {
  let single = 0;
  let together = 0;
  const pss = async (pid: string): Promise<number> => Number(/^Pss:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''))?.[1] ?? 0) * 1024;
  const sample = async (): Promise<void> => {
    let sum = await pss('self');
    for (const pid of await readdir('/proc').catch(() => [])) {
      if (!/^\d+$/.test(pid)) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      if (!/^Name:\s+ff(mpeg|probe)$/m.test(status) || !new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status)) continue;
      single = Math.max(single, Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024);
      sum += await pss(pid);
    }
    together = Math.max(together, sum);
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  try {
    return { value: await run(), single, together };
  } finally {
    running = false;
    await loop;
  }
}

async function ff(args: string[]): Promise<void> {
  await execa(binaries.ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** The source clips (MercaDream Local renders) and the score cue, made once and kept in `dir`. */
async function sources(): Promise<{ clips: string[]; music: string }> {
  await mkdir(dir, { recursive: true });
  const engines = createEngines(binaries);
  const clips: string[] = [];
  for (let i = 0; i < SCENES; i++) {
    const file = join(dir, `scene-${i}-${engines.version.replace(/\W/g, '')}.mp4`);
    const prompt = `${PROMPTS[i % PROMPTS.length]}, shot ${i}`;
    const have = await readFile(file).then(
      () => true,
      () => false,
    );
    if (!have) await engines.renderVideo({ prompt, resolution: '720p', duration: SECONDS, style: 'cinematic', fps: FPS }, file, { quality: 'full' });
    clips.push(file);
  }
  const music = join(dir, 'music.wav');
  await ff(['-f', 'lavfi', '-i', `sine=f=220:r=48000:d=${SCENES * SECONDS},volume=-6dB`, '-ac', '2', music]);
  return { clips, music };
}

/** The bench film: every join a `transition` (one may differ), one score cue under it all. */
function plan(clips: string[], music: string, out: string, transition: (k: number) => string): StitchPlan {
  let start = 0;
  const list = clips.map((file, i) => {
    const last = i === clips.length - 1;
    const clip = { id: `scene-${i}`, file, inPoint: 0, duration: SECONDS, start, transition: last ? { type: 'cut', duration: 0 } : { type: transition(i), duration: TRANSITION } };
    start += SECONDS - (last ? 0 : TRANSITION);
    return clip;
  });
  return {
    output: { path: out, width: FORMAT.width, height: FORMAT.height, fps: FPS, loudness: -16, subtitles: 'none', title: 'Bench' },
    clips: list,
    narration: [],
    cues: [{ id: 'score', file: music, start: 0, duration: start, inPoint: 0, gain: -8, duck: 0, fadeIn: 2, fadeOut: 3 }],
    length: start,
  };
}

/** The editly-style chain: one ffmpeg, every clip decoded, xfade + acrossfade chains, the cue mixed in, one encode. */
async function xfadeChain(clips: string[], music: string, out: string): Promise<void> {
  const graph: string[] = [];
  let v = '0:v';
  let a = '0:a';
  for (let k = 1; k < clips.length; k++) {
    const offset = k * (SECONDS - TRANSITION);
    graph.push(`[${v}][${k}:v]xfade=transition=fade:duration=${TRANSITION}:offset=${offset}[v${k}]`);
    graph.push(`[${a}][${k}:a]acrossfade=d=${TRANSITION}[a${k}]`);
    v = `v${k}`;
    a = `a${k}`;
  }
  const length = clips.length * SECONDS - (clips.length - 1) * TRANSITION;
  graph.push(`[${clips.length}:a]atrim=end=${length},volume=-8dB,afade=t=in:d=2,afade=t=out:st=${length - 3}:d=3[m]`);
  graph.push(`[${a}][m]amix=inputs=2:normalize=0:duration=first,loudnorm=I=-16:TP=-1.5[aout]`);
  await ff([
    ...clips.flatMap((c) => ['-i', c]),
    '-i',
    music,
    '-filter_complex',
    graph.join(';'),
    '-map',
    `[v${clips.length - 1}]`,
    '-map',
    '[aout]',
    ...houseVideoArgs(FORMAT),
    '-c:a',
    'aac',
    '-b:a',
    '192k',
    '-ar',
    '48000',
    out,
  ]);
}

/** The window floor: only the transition windows of `film`, encoded as the stitcher encodes them (same pool of cores), into a scratch folder. */
async function windowFloor(film: StitchPlan, work: string): Promise<number> {
  const scratch = join(dir, 'floor');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const videos = await Promise.all(
    frameTimeline(film).clips.map(async (clip) => {
      const source = film.clips[clip.index]!;
      return (await conformTarget({ file: source.file, inPoint: 0, frames: clip.frames, format: FORMAT }, work, true)).video;
    }),
  );
  const windows = planPieces(frameTimeline(film), gopFrames(FORMAT)).filter((p): p is WindowPiece => p.kind === 'window');
  const cores = availableParallelism();
  const limit = pLimit(cores);
  // As the stitcher runs them: as many processes as cores, one x264 thread each.
  await Promise.all(windows.map((w, k) => limit(() => ff(buildWindowArgs(w, videos, FORMAT, join(scratch, `w${k}.mp4`), 1)))));
  await rm(scratch, { recursive: true, force: true });
  return windows.length;
}

/** Frame times (s) of a file's video, in order. */
async function frameTimes(file: string): Promise<number[]> {
  const { stdout } = await execa(binaries.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number)
    .sort((x, y) => x - y);
}

/** SSIM (All) of `file` against `reference`, frame by frame. */
async function ssim(file: string, reference: string): Promise<number> {
  const { stderr } = await execa(binaries.ffmpeg, ['-nostdin', '-hide_banner', '-i', file, '-i', reference, '-lavfi', '[0:v][1:v]ssim', '-f', 'null', '-']);
  return Number(/All:([\d.]+)/.exec(stderr)?.[1] ?? Number.NaN);
}

/** Same frame count and frame times (to the microsecond), SSIM, of `file` against `reference`. */
async function compare(file: string, reference: string): Promise<string> {
  const [a, b] = await Promise.all([frameTimes(file), frameTimes(reference)]);
  const sameTimes = a.length === b.length && a.every((t, k) => Math.abs(t - b[k]!) < 1e-6);
  return `${a.length} vs ${b.length} frames, frame times ${sameTimes ? 'identical' : 'DIFFER'}, SSIM ${(await ssim(file, reference)).toFixed(4)}`;
}

interface Run {
  readonly seconds: number;
  readonly single: number;
  readonly together: number;
  readonly note: string;
}

const timed = async (run: () => Promise<string>): Promise<Run> => {
  const t0 = performance.now();
  const { value, single, together } = await withPeakMemory(run);
  return { seconds: (performance.now() - t0) / 1000, single, together, note: value };
};
const stats = (r: StitchResult): string => JSON.stringify(r.stats);
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const ROUNDS = Number(process.env['ROUNDS'] ?? 2);
const TYPES = ['wipeleft', 'wiperight', 'wipeup', 'wipedown', 'slideleft', 'slideright', 'circleopen', 'circleclose', 'radial', 'fadeblack', 'fadewhite', 'pixelize'];
const CASES = ['copy', 'chain', 'cold', 'one', 'all', 'floor', 'noop'] as const;
type Case = (typeof CASES)[number];
const NAMES: Record<Case, string> = {
  copy: 'concat -c copy (floor of any join)',
  chain: 'xfade + acrossfade chain, one ffmpeg',
  cold: 'product, cold',
  one: 'product, one transition changed',
  all: 'product, all transitions changed',
  floor: 'window floor (windows alone)',
  noop: 'product, nothing changed',
};

const { clips, music } = await sources();
const list = join(dir, 'list.txt');
await writeFile(list, clips.map((f) => `file '${f}'`).join('\n'));
const out = (name: string): string => join(dir, `${name}.mp4`);
const runs = new Map<Case, Run[]>(CASES.map((c) => [c, []]));
let cold: StitchResult | undefined;

/** One round, the cases side by side in this order; each round its own work folder and transition types, so nothing of an earlier round is reused. */
async function round(r: number): Promise<void> {
  const work = join(dir, `work-${r}`);
  await rm(work, { recursive: true, force: true });
  const type = (k: number): string => TYPES[(3 * r + k) % TYPES.length]!;
  const [one, floor, all] = [type(0), type(1), type(2)];
  const options = { binaries, workDir: work, preset: PRESET };
  const add = async (c: Case, run: () => Promise<string>): Promise<void> => void runs.get(c)!.push(await timed(run));
  await add('copy', () => ff(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', out('copy')]).then(() => ''));
  await add('chain', () => xfadeChain(clips, music, out('chain')).then(() => ''));
  await add('cold', async () =>
    stats(
      (cold = await stitch(
        plan(clips, music, out('cold'), () => 'dissolve'),
        options,
      )),
    ),
  );
  await add('one', async () =>
    stats(
      await stitch(
        plan(clips, music, out('one'), (k) => (k === 5 ? one : 'dissolve')),
        options,
      ),
    ),
  );
  await add(
    'floor',
    async () =>
      `${await windowFloor(
        plan(clips, music, out('floor'), () => floor),
        work,
      )} windows`,
  );
  const allChanged = plan(clips, music, out('all'), () => all);
  await add('all', async () => stats(await stitch(allChanged, options)));
  await add('noop', async () => stats(await stitch(allChanged, options)));
  if (!process.env['KEEP']) await rm(work, { recursive: true, force: true });
}

for (let r = 0; r < ROUNDS; r++) await round(r);

const ratio = (a: Case, b: Case): number => median(runs.get(a)!.map((x, k) => x.seconds / runs.get(b)![k]!.seconds));
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)}`.padStart(5);
console.log(
  `${SCENES} × ${SECONDS} s 720p${FPS} clips (MercaDream Local renders), ${SCENES - 1} × ${TRANSITION} s transitions, one score cue; ` +
    `x264 preset ${PRESET}; ${availableParallelism()} cores; medians of ${ROUNDS} rounds (ratios taken within each round)`,
);
console.log(`${'case'.padEnd(38)} ${'seconds'.padStart(8)} ${'÷chain'.padStart(7)} ${'÷floor'.padStart(7)}  peak MiB (one ffmpeg RSS / all at once PSS, node included)`);
for (const c of ['copy', 'chain', 'cold', 'one', 'all', 'floor', 'noop'] as const) {
  const rs = runs.get(c)!;
  const peak = (f: (x: Run) => number): number => Math.max(...rs.map(f));
  const row = `${NAMES[c].padEnd(38)} ${median(rs.map((x) => x.seconds))
    .toFixed(2)
    .padStart(8)} ${ratio(c, 'chain').toFixed(3).padStart(7)} ${ratio(c, 'floor').toFixed(2).padStart(7)}`;
  console.log(`${row}  ${mib(peak((x) => x.single))} / ${mib(peak((x) => x.together))}   ${rs.at(-1)!.note}`);
}
console.log(
  `targets: cold ÷ chain ${ratio('cold', 'chain').toFixed(3)} (≤ 0.25); all changed ÷ floor ${ratio('all', 'floor').toFixed(2)} (≤ 1.5); ` +
    `one ÷ all ${ratio('one', 'all').toFixed(3)} (≤ 0.2); no-op ${median(runs.get('noop')!.map((x) => x.seconds)).toFixed(2)} s (≤ 1); ` +
    `peak ${mib(Math.max(...['cold', 'one', 'all', 'noop'].map((c) => Math.max(...runs.get(c as Case)!.map((x) => x.together)))))} MiB at once, node and ffmpeg (≤ 300)`,
);
console.log(`loudness of the cold cut: ${JSON.stringify(cold?.loudness)}`);
console.log(`cold cut against the xfade chain: ${await compare(out('cold'), out('chain'))}`);
if (process.env['REFERENCE'] === 'reencode') {
  // As main stitched: every clip re-encoded, at main's default preset.
  const preset = process.env['REFERENCE_PRESET'] ?? 'medium';
  const reference = await stitch(
    plan(clips, music, out('reencoded'), () => 'dissolve'),
    { binaries, workDir: join(dir, 'work-reencode'), preset, reencodeAll: true },
  );
  console.log(`cold cut against every clip re-encoded at ${preset} (the stitcher before copies): ${await compare(out('cold'), reference.path)}`);
  await rm(join(dir, 'work-reencode'), { recursive: true, force: true });
}
