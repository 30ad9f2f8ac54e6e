/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A nightly batch as a user runs it, checked by its review pages in a real browser: three
 * productions through the CLI against MercaDream Local (embedded, fast engines) with `--qc fail`:
 * a clean 4-scene film, one with a black second and a 60-character caption line planted in it, and
 * a third with nothing to report. The clean film's `qc:` block holds its captions to 5 characters a
 * second, so its page and the index have a warning to show first. The planted one fails the run
 * (exit 1) with its verdicts in the report and its JUnit case; the others pass. Debian's Chromium
 * (driven by playwright-core, no browser download) opens the clean film's page and the batch index
 * from disk and the test asserts what a person scans: a still per scene, the lanes, the loudness
 * graph, the verdicts, the player with its caption track; no failed request, no console error.
 * Screenshots go to $REVIEW_SCREENSHOTS (else the test's folder).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { RunReport } from '../../src/cli/report.js';
import { BIN, ROOT } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const bounded = { timeout: 420_000 };
const TITLE = 'Canal <script>window.injected = 1</script> & "night"';

const footage = async (dir: string, name: string, filter = ''): Promise<void> => {
  await execa('ffmpeg', [
    ...['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=640x360:r=24:d=3${filter}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(dir, name)],
  ]);
};

/** One generated scene the three films share (made once: same request, same project). */
const SHARED = `  - id: canal
    prompt: Neon rain over a quiet canal at night
    duration: auto
`;

const CLEAN = `version: 1
title: '${TITLE}'
output: { resolution: 720p }
qc: { captions: { reading_speed: 5 } }
defaults: { transition: { type: dissolve, duration: 0.4 } }
scenes:
${SHARED}    narration: Rain on the canal.
  - id: bridge
    source: f1.mp4
    duration: 1.5
    transition: { type: fadeblack, duration: 0.4 }
  - id: lanterns
    source: f2.mp4
    duration: 1.5
  - id: dawn
    source: f3.mp4
    duration: auto
    narration: Then, slowly, morning.
score:
  - id: drift
    prompt: Slow ambient pads
`;

// Captions cut to 60 characters a line by the film's own settings; its qc: block holds them to 42.
const PLANTED = `version: 1
title: Planted
output: { resolution: 720p, captions: { max_line_chars: 60 } }
qc: { captions: { line_length: 42 } }
scenes:
${SHARED}    narration: A caption line of sixty characters that nobody reads in time
  - id: blackout
    source: black.mp4
    duration: 2.5
`;

const THIRD = `version: 1
title: Third
output: { resolution: 720p }
scenes:
${SHARED}    narration: Rain on the canal.
  - id: coda
    source: f1.mp4
    duration: 1.5
`;

interface Watched {
  readonly page: Page;
  readonly problems: string[];
}

describe('review pages of a batch, in Chromium', () => {
  let dir = '';
  let shots = '';
  let run: { code: number; stdout: string; stderr: string };
  let report: RunReport;
  let context: BrowserContext;

  before(async () => {
    dir = tempDir('mdp-review-');
    shots = process.env['REVIEW_SCREENSHOTS'] ?? dir;
    await Promise.all([
      footage(dir, 'f1.mp4'),
      footage(dir, 'f2.mp4', ',hue=h=90'),
      footage(dir, 'f3.mp4', ',hue=h=200'),
      footage(dir, 'black.mp4', ",drawbox=c=black:t=fill:enable='between(t,0.5,1.5)'"),
    ]);
    writeFileSync(join(dir, 'clean.yaml'), CLEAN);
    writeFileSync(join(dir, 'planted.yaml'), PLANTED);
    writeFileSync(join(dir, 'third.yaml'), THIRD);
    const argv = [BIN, 'run', 'clean.yaml', 'planted.yaml', 'third.yaml', '--qc', 'fail', '--json', '--report', 'report.json', '--junit', 'junit.xml'];
    const r = await execa(process.execPath, [...argv, '--local-quality', 'fast', '--preset', 'ultrafast'], {
      cwd: dir,
      reject: false,
      env: { PATH: process.env['PATH'] },
      extendEnv: false,
    });
    run = { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
    context = await chromium.launchPersistentContext(tempDir('mdp-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 900 },
    });
  });

  after(async () => {
    await context?.close();
  });

  /** Opens a page from disk, recording console errors, page errors and failed requests. */
  const open = async (file: string): Promise<Watched> => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, problems };
  };
  const production = (name: string) => report.productions.find((p) => p.name === name)!;

  test('--qc fail: the planted film fails the run with its verdicts; the others are delivered', bounded, () => {
    assert.equal(run.code, 1, run.stderr);
    const planted = production('planted.yaml');
    assert.equal(planted.status, 'failed');
    assert.equal(planted.failure?.reason, 'qc');
    const failed = planted.failure?.reason === 'qc' ? planted.failure.verdicts : [];
    const black = failed.find((v) => v.check === 'black');
    assert.equal(black?.scene, 'blackout');
    assert.ok(black?.span && Math.abs(black.span.start - (planted.length! - 2.5 + 0.5)) < 0.1, JSON.stringify(black));
    assert.equal(failed.find((v) => v.check === 'caption-line-length')?.measured, 60);
    assert.ok(existsSync(join(dir, 'out', 'planted.mp4')), 'the failed cut is still written, for review');
    assert.equal(production('clean.yaml').status, 'done');
    assert.deepEqual(
      production('clean.yaml')
        .qc?.verdicts.filter((v) => v.status !== 'pass')
        .map((v) => v.check),
      ['caption-reading-speed', 'caption-reading-speed'],
      'a warning per narration',
    );
    assert.equal(production('third.yaml').qc?.status, 'pass');
    const events = run.stdout.split('\n').filter((l) => l.includes('"type":"qc"') && l.includes('"state":"done"'));
    assert.equal(events.length, 3, 'a qc event with verdicts per production');
  });

  test('the report and JUnit carry the verdicts and keep to their schemas', bounded, async () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'report.schema.json'), 'utf8')) as object);
    assert.ok(validate(report), JSON.stringify(validate.errors));
    const lint = await execa('xmllint', ['--noout', '--schema', join(ROOT, 'schemas', 'junit.xsd'), join(dir, 'junit.xml')], { reject: false });
    assert.equal(lint.exitCode, 0, lint.stderr);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const planted = /<testcase name="planted.yaml"[\s\S]*?<\/testcase>/.exec(junit)?.[0] ?? '';
    assert.match(planted, /<failure message="the final cut failed quality control[^"]*" type="qc">[^<]*FAIL black 1/);
    assert.match(planted, /FAIL caption-line-length 60 chars/);
    const clean = /<testcase name="clean.yaml"[\s\S]*?<\/testcase>/.exec(junit)?.[0] ?? '';
    assert.doesNotMatch(clean, /<failure/);
    assert.match(clean, /PASS freeze/);
  });

  test("a 4-scene film's review page shows stills, lanes, loudness, verdicts and the player with captions", bounded, async () => {
    const file = production('clean.yaml').review!;
    assert.equal(file, join(dir, 'out', 'clean.review.html'));
    const { page, problems } = await open(file);
    try {
      const facts = await page.evaluate(() => {
        const video = document.querySelector('video');
        const track = video?.querySelector('track');
        return {
          title: document.querySelector('h1')?.textContent ?? '',
          injected: (window as unknown as { injected?: number }).injected,
          sceneStills: [...document.querySelectorAll('.sheet figure.scene img')].map((i) => (i as HTMLImageElement).naturalWidth),
          transitionStills: document.querySelectorAll('.sheet figure.transition img').length,
          lanes: {
            scenes: document.querySelectorAll('svg.lanes .scene rect').length,
            transitions: document.querySelectorAll('svg.lanes .transition rect').length,
            narration: document.querySelectorAll('svg.lanes .narration rect').length,
            cues: document.querySelectorAll('svg.lanes .cue rect').length,
            ducks: document.querySelectorAll('svg.lanes .duck rect').length,
          },
          loudness: (document.querySelector('svg.loudness polyline.short-term')?.getAttribute('points') ?? '').split(' ').length,
          target: document.querySelector('svg.loudness .target') !== null,
          verdicts: [...document.querySelectorAll('tr.verdict')].map((r) => r.className),
          videoSrc: video?.getAttribute('src'),
          track: { kind: track?.getAttribute('kind'), data: track?.getAttribute('src')?.startsWith('data:text/vtt') },
          cues: video?.textTracks[0]?.cues?.length,
        };
      });
      assert.equal(facts.title.includes('<script>window.injected = 1</script> & "night"'), true, facts.title);
      assert.equal(facts.injected, undefined, 'a title from the manifest is text, never markup');
      assert.equal(facts.sceneStills.length, 4);
      for (const width of facts.sceneStills) assert.ok(width > 0, 'every still decodes');
      assert.equal(facts.transitionStills, 3, 'dissolve, fadeblack, dissolve');
      assert.deepEqual(facts.lanes, { scenes: 4, transitions: 3, narration: 2, cues: 1, ducks: 2 });
      assert.ok(facts.loudness > 20, `${facts.loudness} points of short-term loudness`);
      assert.ok(facts.target);
      assert.equal(facts.verdicts.length, production('clean.yaml').qc?.verdicts.length);
      assert.equal(facts.verdicts[0], 'verdict warn', 'the warning first');
      assert.equal(facts.videoSrc, 'clean.mp4');
      assert.deepEqual(facts.track, { kind: 'captions', data: true });
      assert.equal(facts.cues, 2);
      await page.click('tr.verdict.warn + tr a[data-t], .sheet figure.scene:nth-of-type(3)');
      assert.ok((await page.evaluate(() => document.querySelector('video')!.currentTime)) > 0, 'a still seeks the player');
      await page.screenshot({ path: join(shots, 'review-film.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('the batch index lists failures first, then warnings, each linking to its page', bounded, async () => {
    const { page, problems } = await open(join(dir, 'out', 'review.html'));
    try {
      const rows = await page.evaluate(() =>
        [...document.querySelectorAll('tr.production')].map((r) => ({
          status: r.classList[1],
          name: r.querySelector('a')?.textContent,
          href: r.querySelector('a')?.getAttribute('href'),
        })),
      );
      assert.deepEqual(rows, [
        { status: 'fail', name: 'planted.yaml', href: 'planted.review.html' },
        { status: 'warn', name: 'clean.yaml', href: 'clean.review.html' },
        { status: 'pass', name: 'third.yaml', href: 'third.review.html' },
      ]);
      await page.screenshot({ path: join(shots, 'review-batch.png'), fullPage: true });
      await page.click('a[href="clean.review.html"]');
      assert.match(page.url(), /clean\.review\.html$/);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('a rerun with the cut unchanged reuses its verdicts instead of measuring the film again', bounded, async () => {
    const r = await execa(process.execPath, [BIN, 'run', 'clean.yaml', '--qc', 'fail', '--json', '--local-quality', 'fast', '--preset', 'ultrafast'], {
      cwd: dir,
      reject: false,
      env: { PATH: process.env['PATH'] },
      extendEnv: false,
    });
    assert.equal(r.exitCode, 0, String(r.stderr));
    const events = String(r.stdout)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; state?: string; cached?: boolean; qc?: { verdicts: unknown[] } });
    const done = events.find((e) => e.type === 'qc' && e.state === 'done');
    assert.equal(done?.cached, true);
    assert.deepEqual(done?.qc?.verdicts, production('clean.yaml').qc?.verdicts);
  });
});
