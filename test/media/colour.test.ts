import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { colourDecision, colourFilter, hdrTransfer } from '../../src/media/colour.js';
import { burnChain } from '../../src/media/encode.js';
import { tempDir } from '../helpers/temp.js';

const tags = (primaries = '', transfer = '', space = '', range = '') => ({ primaries, transfer, space, range });
const stream = (height: number, pixFmt: string, colour = tags()) => ({ height, pixFmt, colour });

describe('colourDecision', () => {
  it('leaves BT.709 limited-range pictures alone, tagged or (HD) untagged', () => {
    assert.deepEqual(colourDecision(stream(720, 'yuv420p', tags('bt709', 'bt709', 'bt709', 'tv'))), { kind: 'house' });
    assert.deepEqual(colourDecision(stream(1080, 'yuv420p')), { kind: 'house' });
  });
  it('converts BT.601 matrices, tagged or guessed from an SD height', () => {
    assert.deepEqual(colourDecision(stream(480, 'yuv420p', tags('smpte170m', 'smpte170m', 'smpte170m', 'tv'))), {
      kind: 'convert',
      matrix: 'smpte170m',
      range: 'limited',
      wideGamut: false,
      assumed: false,
    });
    assert.equal((colourDecision(stream(1080, 'yuv420p', tags('', '', 'bt470bg'))) as { matrix: string }).matrix, 'bt470bg');
    assert.deepEqual(colourDecision(stream(576, 'yuv420p')), { kind: 'convert', matrix: 'smpte170m', range: 'limited', wideGamut: false, assumed: true });
    assert.deepEqual(colourDecision(stream(578, 'yuv420p')), { kind: 'house' }, 'taller than 576 lines is HD: BT.709');
  });
  it('takes a pc tag or a yuvj pixel format as full range', () => {
    assert.deepEqual(colourDecision(stream(1080, 'yuvj420p')), { kind: 'convert', matrix: 'bt709', range: 'full', wideGamut: false, assumed: true, relabel: 'yuv420p' });
    assert.equal((colourDecision(stream(1080, 'yuv420p', tags('bt709', 'bt709', 'bt709', 'pc'))) as { range: string }).range, 'full');
  });
  it('converts RGB pictures with the BT.709 matrix, and BT.2020 SDR primaries to BT.709', () => {
    assert.deepEqual(colourDecision(stream(1080, 'gbrp')), { kind: 'convert', matrix: 'gbr', range: 'full', wideGamut: false, assumed: false });
    assert.equal((colourDecision(stream(2160, 'yuv420p10le', tags('bt2020', 'bt2020-10', 'bt2020nc', 'tv'))) as { wideGamut: boolean }).wideGamut, true);
  });
  it('tone-maps PQ and HLG, defaulting to BT.2020 where untagged', () => {
    assert.deepEqual(colourDecision(stream(2160, 'yuv420p10le', tags('', 'smpte2084'))), {
      kind: 'tone-map',
      transfer: 'smpte2084',
      primaries: 'bt2020',
      matrix: 'bt2020nc',
      range: 'limited',
    });
    assert.equal(hdrTransfer(tags('bt2020', 'arib-std-b67')), 'arib-std-b67');
    assert.equal(hdrTransfer(tags('bt709', 'bt709')), undefined);
    assert.equal(hdrTransfer(tags('', 'toString')), undefined);
  });
});

describe('colourFilter', () => {
  it('is nothing for house colour, one zscale and yuv420p otherwise', () => {
    assert.deepEqual(colourFilter({ kind: 'house' }), []);
    const convert = colourFilter({ kind: 'convert', matrix: 'smpte170m', range: 'full', wideGamut: false, assumed: false });
    assert.deepEqual(convert, [
      'zscale=matrixin=smpte170m:rangein=full:primariesin=bt709:transferin=bt709:matrix=bt709:range=limited:primaries=bt709:transfer=bt709',
      'format=yuv420p',
    ]);
    assert.deepEqual(colourFilter({ kind: 'convert', matrix: 'bt709', range: 'full', wideGamut: false, assumed: true, relabel: 'yuv420p' }).slice(0, 1), ['format=yuv420p']);
    assert.match(colourFilter({ kind: 'convert', matrix: 'bt2020nc', range: 'limited', wideGamut: true, assumed: false })[0] ?? '', /primariesin=bt2020:.*:primaries=bt709/);
  });
  it('tone-maps through linear light and ends in BT.709 limited yuv420p', () => {
    const chain = colourFilter({ kind: 'tone-map', transfer: 'smpte2084', primaries: 'bt2020', matrix: 'bt2020nc', range: 'limited' });
    assert.match(chain[0] ?? '', /^zscale=transferin=smpte2084:primariesin=bt2020:matrixin=bt2020nc:rangein=limited:transfer=linear/);
    assert.ok(chain.some((f) => f.startsWith('tonemap=')));
    assert.deepEqual(chain.slice(-2), ['zscale=transfer=bt709:matrix=bt709:range=limited', 'format=yuv420p']);
  });
});

describe('burned captions on a BT.709 picture (real ffmpeg)', () => {
  it('draw a pure yellow as BT.709 says and leave the picture around them as it was', async () => {
    const dir = tempDir('mdp-burn-colour-');
    // A 100×100 yellow box (ASS colours are &HBBGGRR) in the top-left corner of a 320×240 script.
    const script = [
      '[Script Info]',
      'ScriptType: v4.00+',
      'PlayResX: 320',
      'PlayResY: 240',
      '',
      '[V4+ Styles]',
      'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
      'Style: Box,DejaVu Sans,20,&H0000FFFF,&H0000FFFF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,7,0,0,0,1',
      '',
      '[Events]',
      'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
      'Dialogue: 0,0:00:00.00,0:00:05.00,Box,,0,0,0,,{\\pos(0,0)\\p1}m 0 0 l 100 0 100 100 0 100{\\p0}',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'box.ass'), script);
    const background = [83, 185, 105]; // a blue, BT.709 limited code values
    const source = `color=c=black:s=320x240:r=24:d=1,format=yuv420p,geq=lum=${background[0]}:cb=${background[1]}:cr=${background[2]}`;
    const mean = async (crop: string): Promise<number[]> => {
      const r = await execa(
        'ffmpeg',
        [
          '-nostdin',
          '-v',
          'error',
          '-f',
          'lavfi',
          '-i',
          source,
          '-frames:v',
          '1',
          '-vf',
          `${burnChain('box.ass')},crop=${crop},signalstats,metadata=print:file=-`,
          '-f',
          'null',
          '-',
        ],
        { cwd: dir },
      );
      return ['YAVG', 'UAVG', 'VAVG'].map((key) => Number(new RegExp(`lavfi\\.signalstats\\.${key}=([0-9.]+)`).exec(r.stdout)?.[1]));
    };
    // Yellow (1, 1, 0) in BT.709 limited range: Y' = 16 + 219·(0.2126 + 0.7152), Cb = 128 − 224/2, Cr = 128 + 224·(1 − 0.9278)/1.5748.
    const yellow = [16 + 219 * 0.9278, 16, 128 + (224 * (1 - 0.9278)) / 1.5748];
    const box = await mean('40:40:30:30');
    box.forEach((v, k) => assert.ok(Math.abs(v - yellow[k]!) <= 2, `the box is ${box.join(', ')}, BT.709 yellow is ${yellow.map((x) => x.toFixed(1)).join(', ')}`));
    const rest = await mean('100:100:200:120');
    rest.forEach((v, k) => assert.ok(Math.abs(v - background[k]!) <= 1, `the picture is ${rest.join(', ')}, was ${background.join(', ')}`));
  });
});
