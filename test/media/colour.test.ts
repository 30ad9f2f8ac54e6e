import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { colourDecision, colourFilter, hdrTransfer } from '../../src/media/colour.js';

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
