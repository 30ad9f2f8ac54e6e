// Prints how long QC of a 12-scene 720p film takes against the stitch of the same film, both
// measured in this run: QC (one ffprobe and one shared ffmpeg pass: blackdetect, freezedetect,
// silencedetect, ebur128 and the stills) should add at most 25 % to the stitch.
// Run: npm run bench:qc   (PRESET=veryfast by default; KEEP=1 keeps the generated clips)
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { locateFfmpeg } from '../src/media/ffmpeg.js';
import { checkCut } from '../src/media/qc/check-cut.js';
import { stitch } from '../src/media/stitch.js';
import type { StitchPlan } from '../src/media/stitch-types.js';
import type { Production } from '../src/manifest/production.js';
import { countVerdicts } from '../src/qc/verdict.js';
import { qcFilmOf } from '../src/runner/qc-step.js';

const binaries = await locateFfmpeg();
const SCENES = 12;
const SECONDS = 15;
const PRESET = process.env['PRESET'] ?? 'veryfast';
const dir = join(tmpdir(), 'mdp-bench-qc');

async function ff(args: string[]): Promise<void> {
  await execa(binaries.ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** Twelve moving 15 s clips with a tone each, a voice and a score (kept between runs in the temp folder). */
async function inputs(): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < SCENES; i++) {
    const file = join(dir, `scene-${i}.mp4`);
    const have = await readFile(file).then(
      () => true,
      () => false,
    );
    const picture = `testsrc2=s=1280x720:r=24:d=${SECONDS}`;
    const sound = `sine=f=${200 + 40 * i}:r=48000:d=${SECONDS},volume=-18dB`;
    if (!have)
      await ff([
        '-f',
        'lavfi',
        '-i',
        picture,
        '-f',
        'lavfi',
        '-i',
        sound,
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
    files.push(file);
  }
  await ff(['-f', 'lavfi', '-i', 'anoisesrc=c=pink:r=48000:a=0.3:d=6', '-af', 'highpass=f=200,lowpass=f=4000', join(dir, 'voice.wav')]);
  await ff(['-f', 'lavfi', '-i', `sine=f=220:r=44100:d=${SCENES * SECONDS}`, join(dir, 'music.wav')]);
  return files;
}

function plan(files: string[]): StitchPlan {
  let start = 0;
  const clips = files.map((file, i) => {
    // Every other join a 1 s dissolve, the rest cuts: a typical storyboard.
    const t = i < files.length - 1 && i % 2 === 0 ? 1 : 0;
    const clip = { id: `scene-${i}`, file, inPoint: 0, duration: SECONDS, start, transition: { type: t > 0 ? 'dissolve' : 'cut', duration: t } };
    start += SECONDS - t;
    return clip;
  });
  return {
    output: { path: join(dir, 'film.mp4'), width: 1280, height: 720, fps: 24, loudness: -16, subtitles: 'sidecar', title: 'Bench' },
    clips,
    narration: [0, 1, 2, 3].map((k) => ({ id: `scene-${k * 3}`, file: join(dir, 'voice.wav'), start: 5 + k * 40, duration: 6, text: `Line ${k} of the narration.` })),
    cues: [{ id: 'score', file: join(dir, 'music.wav'), start: 0, duration: start, inPoint: 0, gain: -8, duck: -10, fadeIn: 2, fadeOut: 3 }],
    length: start,
  };
}

const files = await inputs();
const work = join(dir, 'work');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const film = plan(files);
const t0 = performance.now();
const cut = await stitch(film, { binaries, workDir: work, preset: PRESET });
const t1 = performance.now();
const production = { title: 'Bench', output: { subtitles: 'sidecar' } } as unknown as Production;
const outcome = await checkCut(qcFilmOf(film, production), { cut: cut.path, ...(cut.srt ? { captions: cut.srt } : {}) }, { binaries, workDir: work });
const t2 = performance.now();

const stitchSeconds = (t1 - t0) / 1000;
const qcSeconds = (t2 - t1) / 1000;
const counts = countVerdicts(outcome.summary.verdicts);
console.log(`${SCENES} × ${SECONDS} s 720p24 scenes (${film.length} s film), x264 preset ${PRESET}`);
console.log(`stitch (cold)        ${stitchSeconds.toFixed(2)} s`);
console.log(
  `QC (probe + 1 pass)  ${qcSeconds.toFixed(2)} s   ${counts.fail} failed, ${counts.warn} warnings, ${counts.pass} passed; ${outcome.posters.length} stills, ${outcome.loudness.length} loudness readings`,
);
console.log(`QC adds ${((qcSeconds / stitchSeconds) * 100).toFixed(1)} % to the stitch (target: at most 25 %)`);
if (!process.env['KEEP']) await rm(dir, { recursive: true, force: true });
