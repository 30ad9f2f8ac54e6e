// Captions through the real CLI, against MercaDream Local with real speech (flite; a tone the
// length of the text for Japanese, which flite cannot say): narrations of 1, 60 and 400 words,
// French with ligatures and quotes, and Japanese, cut within the guidelines' limits and parsed by
// independent SRT and WebVTT parsers; cue times checked against the pauses silencedetect finds
// in the speech asset; burned captions drawn in Latin, CJK and an emoji, and refused before any
// request when the installed fonts cannot draw them.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { parseSync, type NodeCue } from 'subtitle';
import webvtt from 'webvtt-parser';
import { createEngines, type Engines } from '../../src/local/engines/index.js';
import { locateFfmpeg } from '../../src/media/ffmpeg.js';
import { KEYS, startRig, type Rig } from '../helpers/api.js';
import { BIN } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';
import { createTestEngines } from '../helpers/test-engines.js';

const bounded = { timeout: 600_000 };
const FAST = ['--local-quality', 'fast', '--preset', 'ultrafast'];
const FPS = 24;
const FRAME = 1 / FPS;

const SIXTY =
  'The city wakes slowly, and the streets fill with light. Vendors open their shutters, one by one, while the trains hum below. ' +
  'A child runs past the bakery, laughing, and her father follows. By noon, the square is full of voices, music and bread. ' +
  'Nobody hurries here, and nobody is late. In the evening, the old lanterns glow again, softly.';
const FOUR_HUNDRED = `${Array.from({ length: 8 }, () => SIXTY)
  .join(' ')
  .split(' ')
  .slice(0, 399)
  .join(' ')
  .replace(/[,.]$/, '')} end.`;
const FRENCH = '« Le cœur de l’œuvre », disait Jean-Pierre Martin, « c’est la ﬁn qui ﬂotte. » Qu’en pensez-vous ? Les ﬂeurs fanent ; l’été s’achève, et l’on rêve déjà d’Œdipe.';
const JAPANESE = '東京の夜は眠らない。ネオンの光が雨に映り、人々は静かに家路を急ぐ。明日もまた、同じ街が目を覚ます。「おやすみ」と誰かが言った。';

/** A one-scene film with a narration (text written as a JSON string, which YAML reads as a double-quoted scalar). */
function film(name: string, text: string, extra: { speed?: number; subtitles?: string; captions?: string } = {}): string {
  const narration = `{ text: ${JSON.stringify(text)}${extra.speed ? `, speed: ${extra.speed}` : ''} }`;
  return `version: 1
title: ${name}
output: { path: out/${name}.mp4, resolution: 720p, fps: ${FPS}, subtitles: ${extra.subtitles ?? 'sidecar'}${extra.captions ? `, captions: ${extra.captions}` : ''} }
scenes:
  - id: ${name}
    prompt: A quiet street at dusk
    narration: ${narration}
`;
}

/** Grapheme count of a line, a full-width character counting two (as the guidelines count). */
function width(line: string): number {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(line)].reduce((n, s) => n + (/[\u3000-\u9fff\uff00-\uffef]/u.test(s.segment) ? 2 : 1), 0);
}

/** The cues of an SRT, parsed by the `subtitle` package (times in ms). */
function srtCues(text: string): NodeCue['data'][] {
  return parseSync(text)
    .filter((n): n is NodeCue => n.type === 'cue')
    .map((n) => n.data);
}

interface Silence {
  readonly start: number;
  readonly end: number;
}

/** What ffmpeg's silencedetect finds in `file` (−35 dB, 80 ms), as a user would run it. */
async function silences(file: string, duration: number): Promise<Silence[]> {
  const r = await execa('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'silencedetect=noise=-35dB:d=0.08', '-f', 'null', '-']);
  const out: Silence[] = [];
  let open: number | undefined;
  for (const m of String(r.stderr).matchAll(/silence_(start|end): ([0-9.]+)/g)) {
    if (m[1] === 'start') open = Number(m[2]);
    else if (open !== undefined) {
      out.push({ start: open, end: Number(m[2]) });
      open = undefined;
    }
  }
  if (open !== undefined) out.push({ start: open, end: duration });
  return out;
}

describe('captions through the CLI', () => {
  let rig: Rig;
  const cli = async (cwd: string, args: readonly string[], env: Record<string, string | undefined> = {}) => {
    const r = await execa(process.execPath, [BIN, ...args], {
      cwd,
      reject: false,
      env: { MERCADREAM_API_KEY: KEYS.regular, MERCADREAM_BASE_URL: rig.server.url, PATH: process.env['PATH'], ...env },
      extendEnv: false,
    });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  before(async () => {
    const real = createEngines(await locateFfmpeg(process.env));
    const tone = createTestEngines();
    const engines: Engines = {
      ...tone,
      version: 'captions-test-1',
      renderSpeech: (request, outFile, render) =>
        /[\u3000-\u9fff]/u.test(request.text) ? tone.renderSpeech(request, outFile, render) : real.renderSpeech(request, outFile, render),
    };
    rig = await startRig({ engines });
  });
  after(async () => {
    await rig.close();
  });

  describe('sidecars of five narrations', () => {
    const dir = tempDir('mdp-captions-');
    const films = {
      one: film('one', 'Hello.'),
      sixty: film('sixty', SIXTY),
      long: film('long', FOUR_HUNDRED, { speed: 2 }),
      french: film('french', FRENCH),
      japanese: film('japanese', JAPANESE),
    };
    let run: { code: number; stdout: string; stderr: string };

    before(async () => {
      for (const [name, text] of Object.entries(films)) writeFileSync(join(dir, `${name}.yaml`), text);
      run = await cli(dir, ['run', '.', ...FAST]);
    }, bounded);

    test('the texts are what the tests claim', () => {
      assert.equal(SIXTY.split(' ').length, 60);
      assert.equal(FOUR_HUNDRED.split(' ').length, 400);
    });

    test('every film is made', () => {
      assert.equal(run.code, 0, run.stderr);
    });

    for (const name of ['one', 'sixty', 'long', 'french', 'japanese']) {
      test(`${name}: every cue keeps the line, line-count, duration and gap limits; both parsers accept the files`, () => {
        const srt = readFileSync(join(dir, 'out', `${name}.srt`), 'utf8');
        const vtt = readFileSync(join(dir, 'out', `${name}.vtt`), 'utf8');
        const cues = srtCues(srt);
        assert.ok(cues.length >= 1);
        const parsed = new webvtt.WebVTTParser().parse(vtt, 'metadata');
        assert.deepEqual(parsed.errors, []);
        assert.equal(parsed.cues.length, cues.length);
        cues.forEach((cue, i) => {
          const lines = cue.text.split('\n');
          assert.ok(lines.length <= 2, `${name} cue ${i}: ${lines.length} lines`);
          for (const line of lines) assert.ok(width(line) <= 42, `${name} cue ${i}: "${line}" is ${width(line)} wide`);
          const seconds = (cue.end - cue.start) / 1000;
          assert.ok(seconds >= 5 / 6 - 0.002 && seconds <= 7.001, `${name} cue ${i} lasts ${seconds} s`);
          const next = cues[i + 1];
          if (next) assert.ok((next.start - cue.end) / 1000 >= 2 * FRAME - 0.002, `${name} cues ${i}–${i + 1}: gap ${next.start - cue.end} ms`);
          assert.equal(parsed.cues[i]!.startTime, cue.start / 1000);
        });
        const shown = cues.map((c) => c.text.replace(/\n/g, name === 'japanese' ? '' : ' ')).join(name === 'japanese' ? '' : ' ');
        assert.equal(shown, { one: 'Hello.', sixty: SIXTY, long: FOUR_HUNDRED, french: FRENCH, japanese: JAPANESE }[name]);
        assert.doesNotMatch(srt + vtt, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
      });
    }

    test('the reading-speed warning names the scene spoken at twice the speed, and no other', () => {
      const warnings = run.stderr.split('\n').filter((l) => l.includes('caption') && l.includes('warning:'));
      assert.ok(
        warnings.some((l) => l.startsWith('long.yaml:') && l.includes('scene `long`') && /characters per second/.test(l)),
        run.stderr,
      );
      assert.ok(!warnings.some((l) => /scene `(one|sixty|french)`/.test(l)), warnings.join('\n'));
    });

    test('cue boundaries fall on the pauses silencedetect finds in the speech asset, and every word lies inside its cue', async () => {
      const lock = JSON.parse(readFileSync(join(dir, 'sixty.lock.json'), 'utf8')) as { assets: Record<string, { nodes: string[]; sha256: string; ext: string; duration: number }> };
      const speech = Object.values(lock.assets).find((a) => a.nodes.includes('speech:sixty'))!;
      const found = await silences(join(dir, '.mercadream', 'cache', 'assets', `${speech.sha256}.${speech.ext}`), speech.duration);
      assert.ok(found.length >= 8, `silencedetect found ${found.length} pauses`);
      const at = 0.5; // the narration starts 0.5 s into its scene, the first of the film
      const onsets = [0, ...found.map((s) => s.end)];
      const cues = srtCues(readFileSync(join(dir, 'out', 'sixty.srt'), 'utf8')).map((c) => ({ start: c.start / 1000 - at, end: c.end / 1000 - at }));
      assert.ok(cues.length >= 3);
      for (const cue of cues) {
        const nearest = Math.min(...onsets.map((o) => Math.abs(o - cue.start)));
        assert.ok(nearest <= 3 * FRAME + 0.001, `a cue starts at ${cue.start.toFixed(3)} s of speech, ${nearest.toFixed(3)} s from the nearest end of a pause`);
        const inPause = found.some((s) => cue.end >= s.start - 3 * FRAME - 0.001 && cue.end <= Math.max(s.end, s.start + 12 * FRAME) + 3 * FRAME + 0.001);
        assert.ok(inPause, `a cue ends at ${cue.end.toFixed(3)} s of speech, outside every pause`);
      }
      const words = JSON.parse(readFileSync(join(dir, 'out', 'sixty.words.json'), 'utf8')) as {
        words: Array<{ text: string; start: number; end: number; scene: string; cue: number }>;
      };
      assert.equal(words.words.length, 60);
      assert.equal(words.words.map((w) => w.text).join(' '), SIXTY);
      for (const w of words.words) {
        const cue = cues[w.cue]!;
        assert.equal(w.scene, 'sixty');
        assert.ok(w.start - at >= cue.start - 0.001 && w.end - at <= cue.end + 0.001 && w.start <= w.end, `${w.text} (${w.start}–${w.end}) outside cue ${w.cue}`);
      }
    });
  });

  describe('burned captions in Latin, Japanese and an emoji', () => {
    const dir = tempDir('mdp-burn-');
    const text = 'Tokyo at night: 東京の夜 😀 and the rain.';
    const burned = film('burned', text, { subtitles: 'burn', captions: '{ style: highlight }' });
    const plain = film('plain', text, { subtitles: 'none' });

    before(() => {
      writeFileSync(join(dir, 'burned.yaml'), burned);
      writeFileSync(join(dir, 'plain.yaml'), plain);
    });

    test('with a font config that lacks CJK, validate and run stop with the diagnostic before any request', bounded, async () => {
      const fonts = join(dir, 'latin-only');
      mkdirSync(fonts);
      writeFileSync(
        join(fonts, 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>/usr/share/fonts/truetype/dejavu</dir>\n  <cachedir>${join(fonts, 'cache')}</cachedir>\n</fontconfig>\n`,
      );
      const env = { FONTCONFIG_FILE: join(fonts, 'fonts.conf') };
      const validated = await cli(dir, ['validate', 'burned.yaml'], env);
      assert.equal(validated.code, 2, validated.stderr);
      assert.match(
        validated.stderr,
        /burned\.yaml:\d+:\d+ error: scenes\[0\]\.narration \(scene `burned`\) has characters no installed font can draw in burned captions: “東” \(U\+6771\)/,
      );
      assert.doesNotMatch(
        validated.stderr.split('\n').find((l) => l.includes(' error: '))!,
        /U\+1F600/,
        'DejaVu Sans draws the emoji in outline',
      );
      const before = rig.server.counters.snapshot().total;
      const ran = await cli(dir, ['run', 'burned.yaml', ...FAST], env);
      assert.equal(ran.code, 2, ran.stderr);
      assert.match(ran.stderr, /“東” \(U\+6771\)/);
      assert.equal(rig.server.counters.snapshot().total, before, 'no request reached the API');
      const fine = await cli(dir, ['validate', 'burned.yaml', 'plain.yaml']);
      assert.equal(fine.code, 0, fine.stderr);
    });

    test('with the fonts present, a frame shows the glyphs in the subtitle band and nothing else changes', bounded, async () => {
      const ran = await cli(dir, ['run', '.', ...FAST]);
      assert.equal(ran.code, 0, ran.stderr);
      const srtless = readFileSync(join(dir, 'burned.yaml'), 'utf8');
      assert.ok(srtless.includes('burn'));
      const frame = async (file: string) =>
        (
          await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-ss', '1.5', '-i', file, '-frames:v', '1', '-vf', 'format=gray', '-f', 'rawvideo', '-'], {
            encoding: 'buffer',
          })
        ).stdout;
      const [a, b] = await Promise.all([frame(join(dir, 'out', 'burned.mp4')), frame(join(dir, 'out', 'plain.mp4'))]);
      assert.equal(a.length, 1280 * 720);
      const diff = (y0: number, y1: number) => {
        let changed = 0;
        for (let y = y0; y < y1; y++) for (let x = 0; x < 1280; x++) if (Math.abs(a[y * 1280 + x]! - b[y * 1280 + x]!) > 40) changed++;
        return changed;
      };
      const band = diff(600, 720);
      assert.ok(band > 2000, `${band} pixels of the subtitle band changed`);
      assert.ok(diff(0, 480) < 50, 'the picture above the band is untouched');
    });
  });
});
