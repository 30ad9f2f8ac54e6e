// QC's judgement as data: detector logs in, verdicts out (no ffmpeg here; planted.test.ts measures real renders).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  blackVerdicts,
  captionVerdicts,
  freezeVerdicts,
  judge,
  loudnessVerdicts,
  parseCaptions,
  parseDetectorLog,
  posterMoments,
  resolveThresholds,
  sceneAt,
  silenceVerdicts,
  type QcFilm,
  type QcSettings,
} from '../../src/qc/index.js';

/** a 0–3 ─fadeblack 1 s─ b 2–5 ─cut─ c 5–8; narration in b at 2.5 for 2 s. */
function film(settings?: QcSettings): QcFilm {
  return {
    title: 't',
    scenes: [
      { id: 'a', start: 0, duration: 3, transition: { type: 'fadeblack', duration: 1 } },
      { id: 'b', start: 2, duration: 3, transition: { type: 'cut', duration: 0 } },
      { id: 'c', start: 5, duration: 3, transition: { type: 'cut', duration: 0 } },
    ],
    narration: [{ sceneId: 'b', start: 2.5, duration: 2 }],
    cues: [],
    length: 8,
    fps: 24,
    width: 1280,
    height: 720,
    loudness: -14,
    thresholds: resolveThresholds(settings),
  };
}

const LOG = `[Parsed_blackdetect_0 @ 0x1] [info] black_start:2.4 black_end:2.6 black_duration:0.2
[Parsed_blackdetect_0 @ 0x1] [info] black_start:6 black_end:7 black_duration:1
[Parsed_freezedetect_1 @ 0x2] [info] lavfi.freezedetect.freeze_start: 5.5
[Parsed_freezedetect_1 @ 0x2] [info] lavfi.freezedetect.freeze_duration: 2
[h264 @ 0x3] [error] corrupt macroblock 1 2
[Parsed_silencedetect_2 @ 0x4] [info] silence_start: 3
[Parsed_silencedetect_2 @ 0x4] [info] silence_end: 4.5 | silence_duration: 1.5
[Parsed_ebur128_3 @ 0x5] [info] t: 0.1  TARGET:-23 LUFS    M:-120.7 S:-120.7     I: -70.0 LUFS       LRA:   0.0 LU  FTPK: -16.1 dBFS  TPK: -16.1 dBFS
[Parsed_ebur128_3 @ 0x5] [info] t: 0.5  TARGET:-23 LUFS    M: -14.2 S:-15.0     I: -14.1 LUFS       LRA:   0.0 LU  FTPK: -3.0 dBFS  TPK: -2.0 dBFS
[Parsed_ebur128_3 @ 0x5] [info] Summary:

  Integrated loudness:
    I:         -14.3 LUFS
    Threshold: -24.3 LUFS

  True peak:
    Peak:       -1.6 dBFS
`;

describe('detector log', () => {
  const log = parseDetectorLog(LOG, 8);
  test('pairs marks into spans; a freeze still open at the end of the file ends with the film', () => {
    assert.deepEqual(log.black, [
      { start: 2.4, end: 2.6 },
      { start: 6, end: 7 },
    ]);
    assert.deepEqual(log.freeze, [{ start: 5.5, end: 8 }]);
    assert.deepEqual(log.silence, [{ start: 3, end: 4.5 }]);
  });
  test('reads ebur128 frames and its last summary, and the decoder errors by level', () => {
    assert.deepEqual(log.loudness[1], { t: 0.5, momentary: -14.2, shortTerm: -15 });
    assert.equal(log.integrated, -14.3);
    assert.equal(log.truePeak, -1.6);
    assert.equal(log.errors.length, 1);
  });
  test('judges every check of the cut, in order', () => {
    const facts = {
      file: 'f.mp4',
      width: 1280,
      height: 720,
      videoDuration: 8,
      audioDuration: 7.99,
      colour: { primaries: 'bt709', transfer: 'bt709', space: 'bt709', range: 'tv' },
    };
    const verdicts = judge(film(), { renditions: [{ facts, log }] });
    assert.deepEqual(
      verdicts.map((v) => `${v.check} ${v.status}`),
      ['decode fail', 'sync pass', 'length pass', 'black fail', 'freeze fail', 'silence fail', 'loudness pass', 'true-peak pass', 'rendition-size pass', 'colour-tags pass'],
    );
    const colourOf = (colour: typeof facts.colour) => judge(film(), { renditions: [{ facts: { ...facts, colour }, log }] }).find((v) => v.check === 'colour-tags');
    const sd = colourOf({ primaries: 'smpte170m', transfer: 'smpte170m', space: 'smpte170m', range: 'tv' });
    assert.equal(sd?.status, 'warn', 'tagged, but not BT.709');
    assert.match(sd?.message ?? '', /not BT\.709 limited range/);
    assert.equal(colourOf({ ...facts.colour, range: 'pc' })?.status, 'warn', 'full range');
    const untagged = colourOf({ primaries: 'unknown', transfer: '', space: 'unknown', range: 'unknown' });
    assert.equal(untagged?.status, 'warn');
    assert.match(untagged?.message ?? '', /colour not tagged/);
  });
});

describe('verdicts', () => {
  test('black inside a fadeblack transition passes; outside it fails, with its scene', () => {
    const [v, ...rest] = blackVerdicts(film(), [
      { start: 2.4, end: 2.6 },
      { start: 6, end: 7 },
    ]);
    assert.equal(rest.length, 0);
    assert.deepEqual([v?.status, v?.scene, v?.span], ['fail', 'c', { start: 6, end: 7 }]);
  });
  test('a freeze inside a held scene passes', () => {
    assert.equal(freezeVerdicts(film({ freeze: { held: ['c'] } }), [{ start: 5.5, end: 8 }])[0]?.status, 'pass');
    assert.equal(freezeVerdicts(film(), [{ start: 5.5, end: 8 }])[0]?.scene, 'c');
  });
  test('silence counts only where narration is placed, and only as long as the limit', () => {
    assert.equal(silenceVerdicts(film(), [{ start: 0, end: 2.5 }])[0]?.status, 'pass');
    const [v] = silenceVerdicts(film(), [{ start: 4, end: 6 }]);
    assert.deepEqual([v?.status, v?.span], ['pass', undefined], 'half a second inside the slot');
    assert.equal(silenceVerdicts(film({ silence: { max: 0.4 } }), [{ start: 4, end: 6 }])[0]?.status, 'fail');
  });
  test('captions: line length, lines, reading speed (warn over 17, fail over 20 cps) and overlaps', () => {
    const captions = parseCaptions(
      'WEBVTT\n\n00:00.000 --> 00:02.000\nFish &amp; chips\n\n00:01.500 --> 00:03.000\none\ntwo\nthree\n\n00:05.000 --> 00:06.000\nEighteen chars ok.\n\n00:06.000 --> 00:07.000\nTwenty-one characters\n',
    );
    assert.equal(captions[0]?.lines[0], 'Fish & chips');
    const v = captionVerdicts(film(), captions);
    const of = (check: string) => v.filter((x) => x.check === check).map((x) => `${x.status} ${x.scene ?? ''}`);
    assert.deepEqual(of('caption-lines'), ['fail b']);
    assert.deepEqual(of('caption-overlap'), ['fail a']);
    assert.deepEqual(of('caption-reading-speed'), ['warn c', 'fail c']);
    assert.deepEqual(of('caption-line-length'), ['pass ']);
  });
  test('a scene is the one that has started by then (the incoming one inside a transition)', () => {
    assert.equal(sceneAt(film(), 2.5), 'b');
    assert.equal(sceneAt(film(), 1.9), 'a');
  });
  test('stills: one per scene in its own part, one per transition at its middle', () => {
    assert.deepEqual(
      posterMoments(film()).map((m) => `${m.label}@${m.t}`),
      ['a@1', 'a → b@2.5', 'b@4', 'c@6.5'],
    );
  });
});

describe('caption limits', () => {
  test("start from the film's own caption settings; a qc: limit still wins", () => {
    const film = { maxLineChars: 60, maxLines: 3, readingSpeed: 15, readingSpeedWarning: 18 };
    assert.deepEqual(resolveThresholds(undefined, film).captions, { lineLength: 60, lines: 3, readingSpeed: 15, maxReadingSpeed: 18 });
    assert.equal(resolveThresholds({ captions: { lineLength: 42 } }, film).captions.lineLength, 42);
    assert.equal(resolveThresholds(undefined).captions.lineLength, 42, 'without the film: the Netflix defaults');
  });

  test("the file's last cue ends in a newline, which is not a line of it", () => {
    const [cue] = parseCaptions('1\n00:00:00,667 --> 00:00:05,333\nA caption line\nthat ends here\n');
    assert.deepEqual(cue?.lines, ['A caption line', 'that ends here']);
  });
});

describe('loudness of a silent film', () => {
  test('a film with no narration and no score that measures silence is a warning; with narration it fails', () => {
    const silent = { ...film(), narration: [] };
    const [loudness, peak] = loudnessVerdicts(silent, { integrated: -70, truePeak: -99 });
    assert.equal(loudness?.status, 'warn');
    assert.match(loudness?.message ?? '', /the film is silent/);
    assert.equal(peak?.status, 'pass');
    assert.equal(loudnessVerdicts(film(), { integrated: -70, truePeak: -99 })[0]?.status, 'fail', 'its narration should have been heard');
    assert.equal(loudnessVerdicts(silent, { integrated: -40, truePeak: -20 })[0]?.status, 'fail', 'a quiet film is not a silent one');
  });
});
