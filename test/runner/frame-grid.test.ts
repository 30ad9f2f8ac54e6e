// One frame grid for the whole film, measured in the file: 30 scenes of 1.01 s at 24 fps (24.24
// frames each, the case where rounding each scene on its own drifted by 7 frames), the real CLI
// offline against MercaDream Local, real ffmpeg. The footage is black and the last scene white,
// so blackdetect finds the last scene's first frame (the flash); the footage is silent and there
// is no score, so silencedetect finds where the last scene's narration is first heard (the beep).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { BIN } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';
import { makeClip } from '../media/stitch-fixtures.js';

const FPS = 24;
const SCENES = 30;
const SECONDS = 1.01;
/** The last scene's narration starts this long after the scene (seconds). */
const AT = 0.2;
const FRAME = 1 / FPS;

async function ffmpeg(args: string[]): Promise<string> {
  const r = await execa('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', ...args], { reject: false });
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stderr;
}

/** Where sound is first heard in `file` (the end of the silence it starts with), seconds; 0 when it starts with sound. */
async function firstSound(file: string): Promise<number> {
  const log = await ffmpeg(['-i', file, '-map', '0:a:0', '-af', 'silencedetect=n=-45dB:d=0.02', '-f', 'null', '-']);
  const starts = [...log.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...log.matchAll(/silence_end: ([\d.]+)/g)].map((m) => Number(m[1]));
  return starts[0] !== undefined && starts[0] <= 0.001 && ends[0] !== undefined ? ends[0] : 0;
}

/** The first frame of `file` that is not black (the end of the black it starts with), seconds. */
async function firstLight(file: string): Promise<number> {
  const log = await ffmpeg(['-i', file, '-map', '0:v:0', '-vf', 'blackdetect=d=0:pix_th=0.1', '-f', 'null', '-']);
  const end = /black_start:0 black_end:([\d.]+)/.exec(log);
  assert.ok(end, log.slice(-2000));
  return Number(end[1]);
}

/** ffprobe's length of the file's picture stream (seconds) and its frame count. */
async function picture(file: string): Promise<{ duration: number; frames: number }> {
  const r = await execa('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=duration,nb_read_packets', '-of', 'json', file]);
  const stream = (JSON.parse(r.stdout) as { streams: Array<{ duration: string; nb_read_packets: string }> }).streams[0]!;
  return { duration: Number(stream.duration), frames: Number(stream.nb_read_packets) };
}

const MANIFEST = [
  'version: 1',
  'title: Frame grid',
  `output: { path: out/grid.mp4, resolution: 720p, fps: ${FPS}, subtitles: none }`,
  'scenes:',
  ...Array.from({ length: SCENES }, (_, i) =>
    i === SCENES - 1
      ? `  - { id: s${i}, source: white.mp4, duration: ${SECONDS}, narration: { text: "Go.", at: ${AT}, speed: 2 } }`
      : `  - { id: s${i}, source: black.mp4, duration: ${SECONDS} }`,
  ),
  '',
].join('\n');

describe('one frame grid for the whole timeline', () => {
  test(
    `${SCENES} scenes of ${SECONDS} s at ${FPS} fps: file, summary and lock agree on the length, and the last narration starts with its scene + at`,
    { timeout: 300_000 },
    async () => {
      const dir = tempDir('mdp-grid-');
      // Silent clips of one colour, 2 s (longer than their scenes: the cut trims them).
      await makeClip(dir, 'black.mp4', { seconds: 2, color: 'black', audio: false });
      await makeClip(dir, 'white.mp4', { seconds: 2, color: 'white', audio: false });
      writeFileSync(join(dir, 'film.yaml'), MANIFEST);
      const r = await execa(process.execPath, [BIN, 'run', 'film.yaml', '--json', '--local-quality', 'fast', '--preset', 'ultrafast', '--qc', 'off'], {
        cwd: dir,
        reject: false,
        env: { MERCADREAM_API_KEY: '' },
      });
      assert.equal(r.exitCode, 0, r.stderr);
      const summary = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e['type'] === 'summary')!;
      const lock = JSON.parse(readFileSync(join(dir, 'film.lock.json'), 'utf8')) as {
        final_cut: { length: number };
        assets: Record<string, { nodes: string[]; sha256: string; ext: string }>;
      };
      const cut = join(dir, 'out', 'grid.mp4');

      // The length: 30 × 1.01 s = 30.3 s is 727.2 frames, so 727 frames, in the file, the summary and the lock.
      const exactLength = SCENES * SECONDS;
      const file = await picture(cut);
      assert.equal(file.frames, Math.round(exactLength * FPS));
      const length = summary['length'] as number;
      assert.ok(Math.abs(file.duration - length) <= FRAME, `file ${file.duration} s, summary ${length} s`);
      assert.ok(Math.abs(lock.final_cut.length - length) <= FRAME, `lock ${lock.final_cut.length} s, summary ${length} s`);
      assert.ok(Math.abs(length - exactLength) <= FRAME / 2, `summary ${length} s for ${exactLength} s of scenes`);

      // The flash: the last scene's first frame is where its exact start, 29 × 1.01 s, falls on the grid.
      const lastStart = await firstLight(cut);
      const exactLastStart = (SCENES - 1) * SECONDS;
      assert.ok(Math.abs(lastStart - exactLastStart) <= FRAME / 2 + 1e-3, `the last scene starts at ${lastStart} s, exactly ${exactLastStart} s`);

      // The beep: where the narration is first heard, less the lead-in silence of its own speech file.
      const speech = Object.values(lock.assets).find((a) => a.nodes.includes(`speech:s${SCENES - 1}`))!;
      const leadIn = await firstSound(join(dir, '.mercadream', 'cache', 'assets', `${speech.sha256}.${speech.ext}`));
      const narrationStart = (await firstSound(cut)) - leadIn;
      assert.ok(Math.abs(narrationStart - (lastStart + AT)) <= FRAME, `the narration starts at ${narrationStart} s, its scene at ${lastStart} s + ${AT} s`);
    },
  );
});
