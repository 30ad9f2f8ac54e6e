// The main job end to end: the real CLI in a temp folder, offline against MercaDream Local
// (fast engines, 720p, short scenes), the results checked with ffprobe and ebur128.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { MercaClient, type Job } from '../../src/api/index.js';
import { ensureKeysFile } from '../../src/local/keys-file.js';
import { startLocalServer } from '../../src/local/server.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { BIN, ROOT } from '../helpers/project.js';
import { createTestEngines } from '../helpers/test-engines.js';
import { tempDir } from '../helpers/temp.js';

const binaries = await locateFfmpeg();
const bounded = { timeout: 300_000 };
const FAST = ['--json', '--local-quality', 'fast', '--preset', 'ultrafast'];

interface RunOutput {
  code: number;
  events: Array<Record<string, unknown>>;
  summary: Record<string, unknown>;
  stderr: string;
}

async function run(dir: string, args: string[]): Promise<RunOutput> {
  const result = await execa(process.execPath, [BIN, 'run', ...args, ...FAST], { cwd: dir, reject: false, env: { MERCADREAM_API_KEY: '' } });
  const events = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = events.find((e) => e['type'] === 'summary') ?? {};
  return { code: result.exitCode ?? -1, events, summary, stderr: result.stderr };
}

const FILM = (prompt1: string, transition: string) => `version: 1
title: Test Film
plan: regular
output: { path: out/film.mp4, resolution: 720p, fps: 24, loudness: -16, subtitles: sidecar }
defaults:
  transition: ${transition}
scenes:
  - id: one
    prompt: ${prompt1}
    duration: 6
    narration: "Quotes \\"here\\", colons: 50% off \\\\ back — 東京"
  - id: two
    prompt: Snow over a quiet forest at night
    duration: 3
  - id: three
    prompt: Ocean waves at sunset
    duration: auto
    narration: { text: The end., at: 0.3 }
score:
  - prompt: Calm ambient pads, slow
    bpm: 80
`;

async function serverJobs(dir: string): Promise<Job[]> {
  const dataDir = join(dir, '.mercadream', 'local');
  const { specs } = await ensureKeysFile(dataDir);
  const server = await startLocalServer({ dataDir, engines: createTestEngines(), keys: specs, quality: 'fast' });
  const client = new MercaClient(specs.find((s) => s.plan === 'regular')!.key, { baseUrl: server.url, plan: 'professional' });
  try {
    const jobs: Job[] = [];
    for await (const job of client.jobs.list({ limit: 100 })) jobs.push(job);
    return jobs;
  } finally {
    await client.close();
    await server.close();
  }
}

async function loudness(file: string): Promise<{ integrated: number; truePeak: number }> {
  const r = await execa('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128=peak=true', '-f', 'null', '-'], { reject: false });
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  return { integrated: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]), truePeak: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]) };
}

function srtTimes(text: string): Array<[number, number]> {
  const seconds = (t: string) => {
    const [h, m, s] = t.replace(',', '.').split(':').map(Number);
    return h! * 3600 + m! * 60 + s!;
  };
  return [...text.matchAll(/(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)/g)].map((m) => [seconds(m[1]!), seconds(m[2]!)]);
}

/** The text of an SRT's cues, lines and cues joined by spaces. */
function srtText(text: string): string {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').slice(2).join(' '))
    .join(' ')
    .trim();
}

describe('mercadream-pipeline run', () => {
  const dir = tempDir('mdp-run-');
  const manifest = join(dir, 'film.yaml');
  const lockPath = join(dir, 'film.lock.json');
  const out = join(dir, 'out', 'film.mp4');
  let firstLock: { assets: Record<string, { sha256: string }>; final_cut: { length: number; sha256: string } } | undefined;

  test('makes the final cut: format, length, loudness and subtitles as the manifest says', bounded, async () => {
    writeFileSync(manifest, FILM('Neon rain on Tokyo streets at midnight', '{ type: dissolve, duration: 0.5 }'));
    const r = await run(dir, ['film.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.summary['generated'], 6);
    const p = await probe(out, { ffprobePath: binaries.ffprobe });
    assert.equal(p.video?.width, 1280);
    assert.equal(p.video?.height, 720);
    assert.equal(p.video?.fps, 24);
    assert.equal(p.video?.codec, 'h264');
    assert.equal(p.audio?.sampleRate, 48000);
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { final_cut: { length: number }; assets: Record<string, { nodes: string[]; duration: number }> };
    const speechOf = (node: string) => Object.values(lock.assets).find((a) => a.nodes.includes(node))!.duration;
    // Timeline: one 6 s, two 3 s, three = auto; dissolves of 0.5 s between.
    const threeLength = Math.ceil((0.3 + speechOf('speech:three') + 0.5) * 24 - 1e-9) / 24;
    const length = 6 + 3 + threeLength - 1;
    assert.ok(Math.abs(lock.final_cut.length - length) < 1e-3);
    assert.ok(Math.abs(p.duration - length) <= 1 / 24 + 1e-3, `duration ${p.duration} vs timeline ${length}`);
    const l = await loudness(out);
    assert.ok(Math.abs(l.integrated - -16) <= 1, `integrated ${l.integrated} LUFS`);
    const srt = readFileSync(join(dir, 'out', 'film.srt'), 'utf8');
    assert.ok(srtText(srt).includes('Quotes "here", colons: 50% off \\ back — 東京'));
    // Cues start with the first word — after the voice's lead-in silence, not before the narration —
    // and end at most 12 frames after the speech (Netflix's tolerance).
    const times = srtTimes(srt);
    assert.equal(times.length, 2);
    for (const [[start], at] of [
      [times[0]!, 0.5],
      [times[1]!, 8.3],
    ] as const) {
      assert.ok(start >= at - 1 / 48 && start <= at + 0.4, `cue starts at ${start}, its narration at ${at}`);
    }
    for (const [[, end], speechEnd] of [
      [times[0]!, 0.5 + speechOf('speech:one')],
      [times[1]!, 8.3 + speechOf('speech:three')],
    ] as const) {
      // The asset ends with a short silence after its last word: the cue may end inside it.
      assert.ok(end >= speechEnd - 0.5 && end <= speechEnd + 12 / 24 + 0.002, `cue ends at ${end}, speech at ${speechEnd}`);
    }
    assert.match(readFileSync(join(dir, 'out', 'film.vtt'), 'utf8'), /^WEBVTT/);
    firstLock = JSON.parse(readFileSync(lockPath, 'utf8')) as typeof firstLock;
  });

  test('a second run makes no request, leaves the lock byte-identical and does not render again', bounded, async () => {
    const lockBefore = readFileSync(lockPath);
    const cutBefore = statSync(out).mtimeMs;
    const r = await run(dir, ['film.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.summary['generated'], 0);
    assert.equal(r.summary['requests'], 0);
    assert.equal(r.summary['cutUpToDate'], true);
    assert.deepEqual(readFileSync(lockPath), lockBefore);
    assert.equal(statSync(out).mtimeMs, cutBefore);
  });

  test('a run that fails against another API leaves the lock alone, and a second run at once is refused', bounded, async () => {
    const lockBefore = readFileSync(lockPath);
    const r = await execa(process.execPath, [BIN, 'run', 'film.yaml', ...FAST], {
      cwd: dir,
      reject: false,
      env: { MERCADREAM_API_KEY: 'mk_live_not_a_key', MERCADREAM_BASE_URL: 'https://api.nonexistent.invalid/v2' },
    });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stdout, /ENOTFOUND/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('mk_live_not_a_key'), 'the key is never printed');
    assert.deepEqual(readFileSync(lockPath), lockBefore);
    writeFileSync(join(dir, '.mercadream', 'run.pid'), `${process.pid}\n`);
    try {
      const busy = await run(dir, ['film.yaml']);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, new RegExp(`another run \\(process ${process.pid}\\) is working on this project`));
    } finally {
      rmSync(join(dir, '.mercadream', 'run.pid'), { force: true });
    }
  });

  test('changing a transition regenerates nothing and re-stitches; changing a prompt regenerates exactly that clip', bounded, async () => {
    writeFileSync(manifest, FILM('Neon rain on Tokyo streets at midnight', '{ type: wipeleft, duration: 1 }'));
    const t = await run(dir, ['film.yaml']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.summary['generated'], 0);
    assert.equal(t.summary['cutUpToDate'], false);
    writeFileSync(manifest, FILM('Neon rain on Osaka streets at dawn', '{ type: wipeleft, duration: 1 }'));
    const p = await run(dir, ['film.yaml']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.summary['generated'], 1);
    const submitted = p.events.filter((e) => e['type'] === 'node' && e['state'] === 'submitting').map((e) => e['node']);
    assert.deepEqual(submitted, ['clip:one']);
  });

  test('--frozen refuses to spend when the lock does not cover the manifest', bounded, async () => {
    writeFileSync(manifest, FILM('A brand new prompt nobody rendered', '{ type: wipeleft, duration: 1 }'));
    const r = await run(dir, ['film.yaml', '--frozen']);
    assert.notEqual(r.code, 0);
    const jobs = await serverJobs(dir);
    assert.ok(!jobs.some((j) => j.prompt === 'A brand new prompt nobody rendered'));
  });

  test('SIGKILL while jobs are in flight, then a rerun: no second job for any asset, the same final cut', bounded, async () => {
    const killDir = tempDir('mdp-kill-');
    writeFileSync(join(killDir, 'film.yaml'), FILM('Neon rain on Tokyo streets at midnight', '{ type: dissolve, duration: 0.5 }'));
    const child = spawn(process.execPath, [BIN, 'run', 'film.yaml', ...FAST], { cwd: killDir, env: { ...process.env, MERCADREAM_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => {
      let buffer = '';
      let submitted = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        // A node moves to rendering with its job id once the API has accepted the job.
        submitted = new Set([...buffer.matchAll(/"node":"([^"]+)","state":"rendering","jobId"/g)].map((m) => m[1])).size;
        if (submitted >= 2) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    // What a killed run leaves: a partial download and a half-written work file.
    mkdirSync(join(killDir, '.mercadream', 'cache', 'incoming'), { recursive: true });
    mkdirSync(join(killDir, '.mercadream', 'work'), { recursive: true });
    writeFileSync(join(killDir, '.mercadream', 'cache', 'incoming', 'partial.0a1b2c3d.mp4'), Buffer.alloc(1024));
    writeFileSync(join(killDir, '.mercadream', 'work', 'mix-0a1b2c3d.wav'), Buffer.alloc(1024));
    const again = await run(killDir, ['film.yaml']);
    assert.deepEqual(readdirSync(join(killDir, '.mercadream', 'cache', 'incoming')), [], 'partial downloads swept');
    assert.deepEqual(
      readdirSync(join(killDir, '.mercadream', 'work')).filter((f) => f.includes('.tmp') || f.startsWith('mix-')),
      [],
      'work litter swept',
    );
    assert.equal(again.code, 0, again.stderr);
    const jobs = await serverJobs(killDir);
    const perRequest = new Map<string, number>();
    for (const j of jobs) {
      const key = JSON.stringify([j.type, j.prompt ?? j.text, j.duration]);
      perRequest.set(key, (perRequest.get(key) ?? 0) + 1);
    }
    assert.equal(jobs.length, 6, `jobs: ${[...perRequest.keys()].join(' | ')}`);
    assert.ok([...perRequest.values()].every((n) => n === 1));
    // The same film as the uninterrupted run of the first test: the same assets, byte for byte, and the same cut.
    const resumed = JSON.parse(readFileSync(join(killDir, 'film.lock.json'), 'utf8')) as NonNullable<typeof firstLock>;
    assert.ok(firstLock, 'the first test ran');
    assert.deepEqual(
      Object.fromEntries(Object.entries(resumed.assets).map(([k, v]) => [k, v.sha256])),
      Object.fromEntries(Object.entries(firstLock.assets).map(([k, v]) => [k, v.sha256])),
    );
    assert.equal(resumed.final_cut.length, firstLock.final_cut.length);
    assert.equal(resumed.final_cut.sha256, firstLock.final_cut.sha256);
  });

  test('mixed footage: no audio track, 30 fps in a 24 fps film, 4:3 in 16:9, a portrait phone clip with rotation', bounded, async () => {
    const mixDir = tempDir('mdp-mixed-');
    mkdirSync(join(mixDir, 'footage'));
    const ff = (args: string[]) => execa('ffmpeg', ['-v', 'error', '-y', ...args]);
    await ff(['-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=24:d=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(mixDir, 'footage', 'silent.mp4')]);
    await ff([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=640x360:r=30:d=5',
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:d=5',
      '-shortest',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      join(mixDir, 'footage', 'thirty.mp4'),
    ]);
    await ff(['-f', 'lavfi', '-i', 'testsrc2=s=640x480:r=24:d=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(mixDir, 'footage', 'four-three.mp4')]);
    await ff(['-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=24:d=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(mixDir, 'footage', 'landscape.mp4')]);
    await ff(['-i', join(mixDir, 'footage', 'landscape.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', join(mixDir, 'footage', 'portrait.mp4')]);
    copyFileSync(join(ROOT, 'examples', 'footage', 'harbor-dawn.mp4'), join(mixDir, 'footage', 'harbor.mp4'));
    writeFileSync(
      join(mixDir, 'mixed.yaml'),
      `version: 1
output: { path: out/mixed.mp4, resolution: 720p, fps: 24 }
defaults: { transition: { type: dissolve, duration: 0.25 } }
scenes:
  - { source: footage/silent.mp4, duration: 2 }
  - { source: footage/thirty.mp4, duration: 2 }
  - { source: footage/four-three.mp4, duration: 5, narration: "Ünïcödé: «ça va?» 100% — 日本語 \\\\ end" }
  - { source: footage/portrait.mp4, duration: 2 }
  - { source: footage/harbor.mp4, duration: 2 }
`,
    );
    const r = await run(mixDir, ['mixed.yaml']);
    assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(r.summary)}`);
    const p = await probe(join(mixDir, 'out', 'mixed.mp4'), { ffprobePath: binaries.ffprobe });
    assert.equal(p.video?.width, 1280);
    assert.equal(p.video?.height, 720);
    assert.equal(p.video?.fps, 24);
    assert.ok(p.audio, 'a soundtrack even though some footage has none');
    assert.ok(Math.abs(p.duration - (13 - 4 * 0.25)) <= 1 / 24 + 1e-3, `duration ${p.duration}`);
    assert.match(srtText(readFileSync(join(mixDir, 'out', 'mixed.srt'), 'utf8')), /Ünïcödé: «ça va\?» 100% — 日本語 \\ end/);
  });
});
