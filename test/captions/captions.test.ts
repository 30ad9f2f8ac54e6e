// Captions as pure logic: words, line breaks, cue cutting, timing from speech spans, and the ASS script that burns them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildAss } from '../../src/media/ass.js';
import { breakLines, buildCaptionTrack, CAPTION_DEFAULTS, charactersPerSecond, displayWidth, lineTexts, timeWords, tokenize, type CaptionCue } from '../../src/captions/index.js';

const FPS = 24;

/** Every limit of the defaults, for every cue of a track. */
function assertWithinLimits(cues: readonly CaptionCue[]): void {
  cues.forEach((cue, i) => {
    assert.ok(cue.lines.length >= 1 && cue.lines.length <= 2, `cue ${i} has ${cue.lines.length} lines`);
    for (const line of cue.lines) assert.ok(displayWidth(line) <= 42, `cue ${i} line "${line}" is ${displayWidth(line)} wide`);
    const length = cue.end - cue.start;
    assert.ok(length >= 5 / 6 - 1e-6 && length <= 7 + 1e-6, `cue ${i} lasts ${length} s`);
    const next = cues[i + 1];
    if (next) assert.ok(next.start - cue.end >= 2 / FPS - 1e-6, `cues ${i} and ${i + 1} are ${next.start - cue.end} s apart`);
    assert.ok(Number.isInteger(Math.round(cue.start * FPS * 1e6) / 1e6), 'cues start on frames');
  });
}

describe('words', () => {
  test('Latin text splits at spaces, punctuation stays with its word, French no-break spaces join', () => {
    assert.deepEqual(
      tokenize('« Bonjour », dit-il : quoi ?').map((t) => t.text),
      ['« Bonjour »,', 'dit-il :', 'quoi ?'],
    );
    assert.deepEqual(
      tokenize('Prix\u00a0: 5\u202f€').map((t) => t.text),
      ['Prix\u00a0:', '5\u202f€'],
    );
  });
  test('Japanese splits by characters, its punctuation with the character before it', () => {
    const words = tokenize('東京の夜。「雨」だ');
    assert.deepEqual(
      words.map((t) => t.text),
      ['東', '京', 'の', '夜。', '「雨」', 'だ'],
    );
    assert.ok(words.every((t, i) => i === 0 || !t.spaceBefore));
    assert.equal(words[3]!.after, 'sentence');
  });
  test('control characters never reach a word', () => {
    assert.deepEqual(
      tokenize('a\u0000b\u0085c\u0007').map((t) => t.text),
      ['a', 'b', 'c'],
    );
  });
});

describe('line breaks', () => {
  test('a cue that fits on one line stays on one line', () => {
    assert.deepEqual(lineTexts(breakLines(tokenize('The city never sleeps.'), 42, 2)!), ['The city never sleeps.']);
  });
  test('two lines break after punctuation rather than evenly', () => {
    const lines = lineTexts(breakLines(tokenize('Every stall sells the same promise: one more hour, every night.'), 42, 2)!);
    assert.deepEqual(lines, ['Every stall sells the same promise:', 'one more hour, every night.']);
  });
  test('a break goes before a conjunction, and never between the two words of a name when it can go elsewhere', () => {
    const lines = lineTexts(breakLines(tokenize('We waited for hours with Maria Lopez and her younger brother'), 42, 2)!);
    assert.ok(!lines[0]!.endsWith('Maria'), lines.join(' | '));
    assert.ok(lines.every((l) => displayWidth(l) <= 42));
  });
  test('nothing fits that is wider than the lines allow', () => {
    assert.equal(breakLines(tokenize('a '.repeat(60)), 42, 2), undefined);
  });
});

describe('timing from speech spans', () => {
  test('words are aligned to the pauses: each phrase gets the words of its clause', () => {
    const words = tokenize('The city never sleeps, it only changes its light.');
    const spans = [
      { start: 0.2, end: 1.5 },
      { start: 1.6, end: 3.3 },
    ];
    const timed = timeWords(words, 3.6, { spans });
    const sleeps = timed.find((w) => w.token.text === 'sleeps,')!;
    const it = timed.find((w) => w.token.text === 'it')!;
    assert.ok(Math.abs(sleeps.end - 1.5) < 1e-9, `sleeps ends at ${sleeps.end}`);
    assert.ok(Math.abs(it.start - 1.6) < 1e-9, `it starts at ${it.start}`);
    assert.ok(Math.abs(timed[0]!.start - 0.2) < 1e-9);
    assert.ok(Math.abs(timed.at(-1)!.end - 3.3) < 1e-9);
  });
  test('word timestamps from the API are used as they are', () => {
    const words = tokenize('one two');
    const timed = timeWords(words, 2, {
      words: [
        { start: 0.1, end: 0.4 },
        { start: 1.2, end: 1.9 },
      ],
    });
    assert.deepEqual(
      timed.map((w) => [w.start, w.end]),
      [
        [0.1, 0.4],
        [1.2, 1.9],
      ],
    );
  });
});

describe('caption track', () => {
  const sentence = 'The night market opens at dusk, when the lanterns come on and the first cooks light their stoves. ';
  test('a long narration is cut into cues within every limit, ending at sentences where it can', () => {
    const text = sentence.repeat(8).trim();
    const track = buildCaptionTrack([{ sceneId: 'market', text, start: 1, duration: text.length / 15 }], CAPTION_DEFAULTS, FPS);
    assertWithinLimits(track.cues);
    assert.equal(track.cues.map((c) => c.lines.join(' ')).join(' '), text);
    assert.ok(track.cues.filter((c) => /\.$/.test(c.lines.at(-1)!)).length >= 8);
    assert.deepEqual(track.warnings, []);
  });
  test('one word still stays on screen for the minimum duration', () => {
    const track = buildCaptionTrack([{ sceneId: 'hi', text: 'Hello.', start: 0.5, duration: 0.4 }], CAPTION_DEFAULTS, FPS);
    assert.equal(track.cues.length, 1);
    assertWithinLimits(track.cues);
  });
  test('narration spoken too fast is a warning naming its scene; cues of different scenes keep their gap', () => {
    const text = sentence.repeat(3).trim();
    const track = buildCaptionTrack(
      [
        { sceneId: 'calm', text: 'A slow start.', start: 0.5, duration: 1.5 },
        { sceneId: 'rush', text, start: 2.05, duration: text.length / 32 },
      ],
      CAPTION_DEFAULTS,
      FPS,
    );
    assert.deepEqual(
      track.warnings.map((w) => w.sceneId),
      ['rush'],
    );
    assert.ok(track.warnings[0]!.charactersPerSecond > 20);
    assert.ok(track.cues.filter((c) => c.sceneId === 'rush').some((c) => charactersPerSecond(c) > 20));
    const calm = track.cues.find((c) => c.sceneId === 'calm')!;
    const rush = track.cues.find((c) => c.sceneId === 'rush')!;
    assert.ok(rush.start - calm.end >= 2 / FPS - 1e-9);
  });
  test('Japanese is cut by characters within the width of 42 (full-width characters count two)', () => {
    const text = '東京の夜は眠らない。ネオンの光が雨に映り、人々は静かに家路を急ぐ。明日もまた、同じ街が目を覚ます。';
    const track = buildCaptionTrack([{ sceneId: 'tokyo', text, start: 0, duration: 9 }], CAPTION_DEFAULTS, FPS);
    assertWithinLimits(track.cues);
    assert.equal(track.cues.map((c) => c.lines.join('')).join(''), text);
    assert.ok(track.cues.every((c) => c.lines.every((l) => !l.includes(' '))));
  });
  test('cue times are whole frames, and a cue never outlasts max_duration by part of one', () => {
    // 6.99 s at 30 fps is 209.7 frames: a cue may last 209 frames (6.9667 s), not 210 (7 s).
    // One word drawn out over 12 s: its cue is held as long as it may be.
    const text = 'Lanterns.';
    const settings = { ...CAPTION_DEFAULTS, maxDuration: 6.99 };
    for (const fps of [24, 30, 60]) {
      const track = buildCaptionTrack([{ sceneId: 's', text, start: 23 / fps, duration: 12 }], settings, fps);
      assert.ok(track.cues.length >= 1);
      for (const cue of track.cues) {
        for (const t of [cue.start, cue.end]) assert.ok(Math.abs(t * fps - Math.round(t * fps)) < 1e-6, `${t} s is not on a frame at ${fps} fps`);
        assert.ok(cue.end - cue.start <= 6.99 + 1e-9, `cue lasts ${cue.end - cue.start} s`);
      }
      assert.ok(
        track.cues.some((c) => Math.round((c.end - c.start) * fps) === Math.floor(6.99 * fps)),
        `a cue takes the longest whole frames at ${fps} fps`,
      );
    }
  });
  test('every word lies inside its cue', () => {
    const text = sentence.repeat(4).trim();
    const track = buildCaptionTrack([{ sceneId: 's', text, start: 2, duration: text.length / 16 }], CAPTION_DEFAULTS, FPS);
    for (const cue of track.cues) for (const w of cue.words) assert.ok(w.start >= cue.start - 1e-9 && w.end <= cue.end + 1e-9 && w.start <= w.end);
  });
});

describe('burned captions (ASS)', () => {
  const track = buildCaptionTrack([{ sceneId: 's', text: 'One {two} three\\N four five six seven.', start: 0, duration: 3 }], CAPTION_DEFAULTS, FPS);
  test('cues: one event per cue, braces and backslashes shown as text', () => {
    const ass = buildAss(track.cues, CAPTION_DEFAULTS, 1280, 720);
    const events = ass.split('\n').filter((l) => l.startsWith('Dialogue:'));
    assert.equal(events.length, track.cues.length);
    assert.ok(!/\{two\}/.test(ass) && ass.includes('｛two｝'));
    assert.ok(ass.includes('three\\\u2060N'), 'a backslash in the text is no escape');
    assert.match(ass, /^Style: Caption,DejaVu Sans,40,/m);
  });
  test('highlight: one event per word, exactly that word in yellow', () => {
    const ass = buildAss(track.cues, { ...CAPTION_DEFAULTS, style: 'highlight' }, 1280, 720);
    const events = ass.split('\n').filter((l) => l.startsWith('Dialogue:'));
    assert.equal(events.length, track.cues.flatMap((c) => c.words).length);
    for (const e of events) assert.equal(e.match(/\\c&H0000FFFF&/g)?.length, 1);
  });
  test('words: groups of three words, one line each', () => {
    const ass = buildAss(track.cues, { ...CAPTION_DEFAULTS, style: 'words' }, 1080, 1920);
    const events = ass.split('\n').filter((l) => l.startsWith('Dialogue:'));
    assert.equal(events.length, 3);
    assert.ok(events.every((e) => !e.includes('\\N{') && !/,\\N/.test(e)));
    assert.match(events[0]!, /,One ｛two｝ three\\\u2060N$/);
  });
});
