// Colour end to end: the real CLI offline against MercaDream Local (fast engines, 720p), a
// generated scene and three footage scenes made with ffmpeg — BT.601 SD, full-range HD, and PQ
// HDR. The cut is checked with ffprobe (tags and the mp4 `colr` atom) and signalstats (the flat
// colours' means against BT.709 limited-range values computed here from the formulas).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { execa } from 'execa';
import { BIN } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

const bounded = { timeout: 300_000 };

/** R'G'B' in [0, 1] of a known colour: 8-bit values / 255. */
type Rgb = readonly [number, number, number];
/** Luma coefficients Kr, Kb: ITU-R BT.601-7 §2.5.1 and BT.709-6 Part 2 §3.2. */
const BT601 = { kr: 0.299, kb: 0.114 };
const BT709 = { kr: 0.2126, kb: 0.0722 };

/** Y'CbCr code values (8 bits) of a colour: limited range 16 + 219·Y', 128 + 224·C (BT.709-6 §4.6), or full range 255·Y', 128 + 255·C. */
function ycbcr([r, g, b]: Rgb, { kr, kb }: { kr: number; kb: number }, full = false): [number, number, number] {
  const y = kr * r + (1 - kr - kb) * g + kb * b;
  const cb = (b - y) / (2 * (1 - kb));
  const cr = (r - y) / (2 * (1 - kr));
  return full ? [255 * y, 128 + 255 * cb, 128 + 255 * cr] : [16 + 219 * y, 128 + 224 * cb, 128 + 224 * cr];
}

const rgb = (hex: number): Rgb => [(hex >> 16) / 255, ((hex >> 8) & 0xff) / 255, (hex & 0xff) / 255];
/** A yellow and a blue whose BT.601 and full-range code values differ from BT.709 limited by more than the tolerance. */
const SD_COLOUR = rgb(0xb4b410);
const PHONE_COLOUR = rgb(0x2850c8);
const TOLERANCE = 2;

async function ff(args: string[]): Promise<void> {
  await execa('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
}

/** A flat picture whose Y'CbCr code values are exactly `code` (rounded), 2 s at 24 fps, with encoder `tags`. */
async function flatClip(file: string, size: string, code: readonly number[], pixFmt: string, tags: string[]): Promise<void> {
  const [y, cb, cr] = code.map((v) => Math.round(v));
  const picture = `color=c=black:s=${size}:r=24:d=2,format=${pixFmt},geq=lum=${y}:cb=${cb}:cr=${cr}`;
  await ff(['-f', 'lavfi', '-i', picture, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', pixFmt, ...tags, file]);
}

/** Mean Y, U, V of a centred 200×200 crop of the frame at `time` seconds. */
async function meanYuv(file: string, time: number): Promise<[number, number, number]> {
  const r = await execa('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-ss',
    String(time),
    '-i',
    file,
    '-frames:v',
    '1',
    '-vf',
    'crop=200:200:(iw-200)/2:(ih-200)/2,signalstats,metadata=print:file=-',
    '-f',
    'null',
    '-',
  ]);
  const mean = (key: string): number => Number(new RegExp(`lavfi\\.signalstats\\.${key}=([0-9.]+)`).exec(r.stdout)?.[1] ?? Number.NaN);
  return [mean('YAVG'), mean('UAVG'), mean('VAVG')];
}

/** The `colr` atom of an mp4 (type nclx): primaries, transfer, matrix code points and the full-range flag. */
function colrAtom(file: string): { primaries: number; transfer: number; matrix: number; fullRange: boolean } | undefined {
  const bytes = readFileSync(file);
  const at = bytes.indexOf('colrnclx');
  if (at < 0) return undefined;
  const body = at + 8;
  return { primaries: bytes.readUInt16BE(body), transfer: bytes.readUInt16BE(body + 2), matrix: bytes.readUInt16BE(body + 4), fullRange: (bytes[body + 6]! & 0x80) !== 0 };
}

function near(actual: readonly number[], expected: readonly number[], what: string): void {
  actual.forEach((a, k) =>
    assert.ok(Math.abs(a - expected[k]!) <= TOLERANCE, `${what}: Y'CbCr ${actual.join(', ')} is not within ${TOLERANCE} of ${expected.map((e) => e.toFixed(1)).join(', ')}`),
  );
}

/** `run film.yaml` in `dir`, offline; its exit code, summary and stderr. */
async function runFilm(dir: string): Promise<{ summary: Record<string, unknown>; code: number; stderr: string }> {
  const r = await execa(process.execPath, [BIN, 'run', 'film.yaml', '--json', '--local-quality', 'fast', '--preset', 'ultrafast'], {
    cwd: dir,
    reject: false,
    env: { MERCADREAM_API_KEY: '' },
  });
  const events = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { summary: events.find((e) => e['type'] === 'summary') ?? {}, code: r.exitCode ?? -1, stderr: r.stderr };
}

describe('colour of the cut', () => {
  const dir = tempDir('mdp-colour-');
  let summary: Record<string, unknown> = {};
  let code = -1;
  let stderr = '';
  const cut = join(dir, 'out', 'film.mp4');

  before(async () => {
    mkdirSync(join(dir, 'footage'), { recursive: true });
    const bt601 = ['-color_primaries', 'smpte170m', '-color_trc', 'smpte170m', '-colorspace', 'smpte170m', '-color_range', 'tv'];
    const phone = ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'pc'];
    const pq = ['-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc', '-color_range', 'tv'];
    await Promise.all([
      flatClip(join(dir, 'footage', 'sd.mp4'), '640x480', ycbcr(SD_COLOUR, BT601), 'yuv420p', bt601),
      flatClip(join(dir, 'footage', 'phone.mp4'), '1280x720', ycbcr(PHONE_COLOUR, BT709, true), 'yuvj420p', phone),
      ff(['-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=24:d=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', ...pq, join(dir, 'footage', 'hdr.mp4')]),
    ]);
    writeFileSync(
      join(dir, 'film.yaml'),
      `version: 1
output: { path: out/film.mp4, resolution: 720p, fps: 24 }
defaults: { transition: { type: cut } }
scenes:
  - { id: made, prompt: Neon rain on a quiet street, duration: 2 }
  - { id: sd, source: footage/sd.mp4, duration: 2 }
  - { id: phone, source: footage/phone.mp4, duration: 2 }
  - id: hdr
    source: footage/hdr.mp4
    duration: 2
`,
    );
    ({ summary, code, stderr } = await runFilm(dir));
  });

  test('the cut is tagged BT.709 limited range, in its H.264 stream and its colr atom, and QC passes its colour', bounded, async () => {
    assert.equal(code, 0, `${stderr}\n${JSON.stringify(summary)}`);
    const probe = await execa('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=color_primaries,color_transfer,color_space,color_range',
      '-of',
      'json',
      cut,
    ]);
    const stream = (JSON.parse(probe.stdout) as { streams: Record<string, string>[] }).streams[0];
    assert.deepEqual(stream, { color_range: 'tv', color_space: 'bt709', color_transfer: 'bt709', color_primaries: 'bt709' });
    // ISO/IEC 23001-8 (H.273) code points: 1 = BT.709 for all three.
    assert.deepEqual(colrAtom(cut), { primaries: 1, transfer: 1, matrix: 1, fullRange: false });
    const verdicts = (summary['qc'] as { verdicts: { check: string; status: string }[] }).verdicts;
    assert.equal(verdicts.find((v) => v.check === 'colour-tags')?.status, 'pass');
  });

  test('a BT.601 SD source keeps its colour: converted to BT.709 limited-range code values', bounded, async () => {
    const expected = ycbcr(SD_COLOUR, BT709);
    const unconverted = ycbcr(SD_COLOUR, BT601);
    assert.ok(Math.abs(expected[0] - unconverted[0]) > TOLERANCE, 'the test tells a conversion from none');
    near(await meanYuv(cut, 3), expected, 'BT.601 yellow');
  });

  test('a full-range (yuvj420p, pc-tagged) source keeps its colour', bounded, async () => {
    const expected = ycbcr(PHONE_COLOUR, BT709);
    assert.ok(Math.abs(expected[1] - ycbcr(PHONE_COLOUR, BT709, true)[1]) > TOLERANCE, 'the test tells a conversion from none');
    near(await meanYuv(cut, 5), expected, 'full-range blue');
  });

  test('a PQ source is tone-mapped, with a warning at its source line', bounded, async () => {
    const warnings = (summary['warnings'] ?? []) as { code: string; severity: string; line: number; message: string }[];
    assert.deepEqual(
      warnings.map((w) => [w.code, w.severity, w.line]),
      [['footage-hdr', 'warning', 9]],
    );
    assert.match(warnings[0]?.message ?? '', /scenes\[3\]\.source is HDR \(PQ/);
    const [y] = await meanYuv(cut, 7);
    assert.ok(y > 40 && y < 200, `the tone-mapped picture is neither black nor blown out (mean Y ${y})`);
  });

  test('a rerun with nothing changed finds the cut up to date and still warns of the HDR footage', bounded, async () => {
    const again = await runFilm(dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.summary['cutUpToDate'], true);
    assert.deepEqual(
      ((again.summary['warnings'] ?? []) as { code: string }[]).map((w) => w.code),
      ['footage-hdr'],
    );
  });
});
