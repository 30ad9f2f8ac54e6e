// One 4-scene storyboard delivered as 16:9 720p, 9:16 and 1:1 through the real CLI against
// MercaDream Local: the first run makes the 16:9 rendition and every asset; adding the other two
// renditions costs no request and no compute unit. The three files have their sizes, the same
// length to the frame and the same loudness within 0.5 LU; the 9:16 file shows the blurred fill
// of a `fit` scene and the left part of a `crop` scene with focus 0.2, judged against the 16:9
// file's frames with ffmpeg's ssim; the lock keeps one entry per rendition and stays valid.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import { KEYS, startRig, type Rig } from '../helpers/api.js';
import { BIN, ROOT } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';
import { makeClip } from '../media/stitch-fixtures.js';
import { ebur128, ffprobeJson, frameAt, frameSimilarity, videoFrameCount } from '../media/stitch-measure.js';

const bounded = { timeout: 600_000 };
const FPS = 24;
/** Mid-frame times: scene `market` (fit) is 3–5 s, `stall` (crop, focus 0.2) 5–7 s; the film is 9 s. */
const AT = { fit: 4 + 0.5 / FPS, crop: 6 + 0.5 / FPS };
const LENGTH = 9;

type Frame = Awaited<ReturnType<typeof frameAt>>;

/** Mean BT.709 luma of a region and its sharpest edge: the largest luma step to the next pixel on the right. */
function lumaStats(frame: Frame, region: { x: [number, number]; y: [number, number] }): { mean: number; edge: number } {
  const luma = (x: number, y: number) => {
    const [r, g, b] = frame.rgb(x, y);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let sum = 0;
  let edge = 0;
  let n = 0;
  for (let y = region.y[0]; y <= region.y[1]; y++) {
    for (let x = region.x[0]; x < region.x[1]; x++) {
      const here = luma(x, y);
      sum += here;
      edge = Math.max(edge, Math.abs(luma(x + 1, y) - here));
      n++;
    }
  }
  return { mean: sum / n, edge };
}

const WIDE = '  - { path: out/market.mp4, resolution: 720p }\n';
const OTHERS = '  - { path: out/market-vertical.mp4, aspect: "9:16", resolution: 720p, subtitles: burn }\n  - { path: out/market-square.mp4, aspect: "1:1", resolution: 720p }\n';

function manifest(outputs: string): string {
  return `version: 1
title: Market
output: { fps: ${FPS}, loudness: -16 }
outputs:
${outputs}scenes:
  - id: open
    prompt: A market square at dawn
    duration: 3
    narration: Fresh figs.
  - id: market
    source: footage/market.mp4
    duration: 2
    reframe: fit
  - id: stall
    source: footage/stall.mp4
    duration: 2
    reframe: crop
    focus: 0.2
  - id: close
    prompt: Lanterns at night
    duration: 2
score:
  - prompt: calm strings
`;
}

interface Report {
  productions: Array<{
    status: string;
    requests: number;
    computeUnits: number;
    generated: number;
    renditions?: Array<{ name: string; width: number; height: number; cutUpToDate: boolean }>;
  }>;
}

describe('renditions through the CLI', () => {
  let rig: Rig;
  const dir = tempDir('mdp-renditions-cli-');
  const file = (name: string) => join(dir, 'out', name);
  const runs: Report[] = [];
  const requests: number[] = [];

  const run = async (outputs: string): Promise<Report> => {
    writeFileSync(join(dir, 'market.yaml'), manifest(outputs));
    const r = await execa(process.execPath, [BIN, 'run', 'market.yaml', '--local-quality', 'fast', '--preset', 'ultrafast', '--report', 'report.json'], {
      cwd: dir,
      reject: false,
      env: { MERCADREAM_API_KEY: KEYS.regular, MERCADREAM_BASE_URL: rig.server.url, PATH: process.env['PATH'] },
      extendEnv: false,
    });
    assert.equal(r.exitCode, 0, `run failed:\n${String(r.stderr)}`);
    requests.push(rig.server.counters.snapshot().total);
    return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  };

  before(async () => {
    rig = await startRig();
    mkdirSync(join(dir, 'footage'));
    await makeClip(join(dir, 'footage'), 'market.mp4', { seconds: 3, freq: 500 });
    await makeClip(join(dir, 'footage'), 'stall.mp4', { seconds: 3, freq: 700 });
    runs.push(await run(WIDE));
    runs.push(await run(WIDE + OTHERS));
    runs.push(await run(WIDE + OTHERS));
  }, bounded);
  after(async () => {
    await rig.close();
  });

  test('the first rendition makes every asset; the other two cost no request and no compute unit', () => {
    const [first, second, third] = runs.map((r) => r.productions[0]!);
    assert.ok(first!.generated > 0 && first!.computeUnits > 0 && requests[0]! > 0, `first run: ${JSON.stringify(first)}`);
    assert.equal(requests[1], requests[0], 'the server counted no request while the 9:16 and 1:1 renditions were made');
    assert.deepEqual([second!.requests, second!.computeUnits, second!.generated], [0, 0, 0]);
    assert.deepEqual(
      second!.renditions?.map((r) => [r.name, r.width, r.height, r.cutUpToDate]),
      [
        ['16x9', 1280, 720, true],
        ['9x16', 720, 1280, false],
        ['1x1', 720, 720, false],
      ],
    );
    assert.equal(requests[2], requests[0]);
    assert.ok(
      third!.renditions?.every((r) => r.cutUpToDate),
      'a rerun renders nothing',
    );
  });

  test('the three files have their sizes, the same length to the frame and the same loudness within 0.5 LU', async (t) => {
    const names = ['market.mp4', 'market-vertical.mp4', 'market-square.mp4'];
    const sizes = await Promise.all(
      names.map(async (name) => {
        const video = (await ffprobeJson(file(name))).streams.find((s) => s.codec_type === 'video')!;
        return `${Number(video['width'])}x${Number(video['height'])}`;
      }),
    );
    assert.deepEqual(sizes, ['1280x720', '720x1280', '720x720']);
    const frames = await Promise.all(names.map((name) => videoFrameCount(file(name))));
    assert.deepEqual(frames, [LENGTH * FPS, LENGTH * FPS, LENGTH * FPS]);
    const loudness = await Promise.all(names.map(async (name) => (await ebur128(file(name))).integrated));
    t.diagnostic(`frames ${frames.join(', ')}; integrated loudness ${loudness.join(', ')} LUFS`);
    assert.ok(Math.max(...loudness) - Math.min(...loudness) <= 0.5, `integrated loudness ${loudness.join(', ')} LUFS`);
  });

  test('a fit scene in the 9:16 file: the bands around the picture are a blurred fill, not black and not a sharp crop', async (t) => {
    const tall = file('market-vertical.mp4');
    const wide = file('market.mp4');
    const frame = await frameAt(tall, AT.fit);
    // The 16:9 picture fitted into 720 wide is 720x405, rows 437–842; the fill is above and below, edge to edge.
    for (const y of [40, 200, 400, 880, 1080, 1240]) {
      for (const x of [1, 718]) assert.ok(Math.max(...frame.rgb(x, y)) > 24, `fill at ${x},${y} is ${frame.rgb(x, y).join(',')}`);
    }
    const fitted = await frameSimilarity({ file: tall, time: AT.fit, filter: 'crop=720:404:0:438' }, { file: wide, time: AT.fit, filter: 'scale=720:404' });
    assert.ok(fitted.ssim > 0.85, `fitted picture SSIM ${fitted.ssim}`);
    // The fill is the centre of the picture scaled to cover, blurred and darkened. The footage's
    // centre (x 437–842, rows 0–225 of the 16:9 frame) holds the sharp edge between two colour
    // bars; in the fill that edge is smeared over many pixels, and the whole band is darker.
    const wideFrame = await frameAt(wide, AT.fit);
    const fill = lumaStats(frame, { x: [0, 719], y: [0, 399] });
    const sharp = lumaStats(wideFrame, { x: [437, 841], y: [0, 224] });
    t.diagnostic(
      `fitted picture SSIM ${fitted.ssim}; top band: sharpest edge ${fill.edge.toFixed(1)} vs ${sharp.edge.toFixed(1)} in the picture, mean luma ${fill.mean.toFixed(1)} vs ${sharp.mean.toFixed(1)}`,
    );
    assert.ok(sharp.edge > 40, `the picture's centre has an edge to blur (${sharp.edge})`);
    assert.ok(fill.edge < 0.25 * sharp.edge, `the fill's sharpest edge ${fill.edge} against the picture's ${sharp.edge}: not blurred`);
    assert.ok(fill.mean < sharp.mean - 5, `the fill's mean luma ${fill.mean} is not below the picture's ${sharp.mean}: not darkened`);
  });

  test('a crop scene with focus 0.2 keeps the left part of the 16:9 picture', async (t) => {
    const tall = file('market-vertical.mp4');
    const wide = file('market.mp4');
    // A 9:16 window on 1280x720 is 405 px wide, centred at 0.2 × 1280 = 256: x 53.5–458.5.
    const left = await frameSimilarity({ file: tall, time: AT.crop, filter: '' }, { file: wide, time: AT.crop, filter: 'crop=405:720:54:0,scale=720:1280' });
    const centre = await frameSimilarity({ file: tall, time: AT.crop, filter: '' }, { file: wide, time: AT.crop, filter: 'crop=405:720:437:0,scale=720:1280' });
    t.diagnostic(`SSIM against the left crop ${left.ssim}, against the centre crop ${centre.ssim}`);
    assert.ok(left.ssim > 0.8, `left crop SSIM ${left.ssim}`);
    assert.ok(left.ssim > centre.ssim + 0.1, `left ${left.ssim} vs centre ${centre.ssim}`);
  });

  test('the lock keeps one cut per rendition, final_cut the first, and is valid against its schema', () => {
    const lock = JSON.parse(readFileSync(join(dir, 'market.lock.json'), 'utf8')) as { final_cut: { path: string }; renditions: Record<string, { path: string }> };
    assert.deepEqual(
      Object.entries(lock.renditions).map(([name, cut]) => [name, cut.path]),
      [
        ['16x9', 'out/market.mp4'],
        ['1x1', 'out/market-square.mp4'],
        ['9x16', 'out/market-vertical.mp4'],
      ],
    );
    assert.deepEqual(lock.final_cut, lock.renditions['16x9']);
    const ajv = new Ajv2019({ strict: true, allowUnionTypes: true, allErrors: true });
    ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-unit', schemaType: 'string' });
    for (const [schema, value] of [
      ['lock.schema.json', lock],
      ['report.schema.json', runs[1]],
    ] as const) {
      const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', schema), 'utf8')) as object);
      assert.ok(validate(value), `${schema}: ${JSON.stringify(validate.errors)}`);
    }
  });
});
