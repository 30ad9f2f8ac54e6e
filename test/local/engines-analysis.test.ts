/** Pure parts of the engines: prompt analysis, music theory, synth, argument builders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeVisual, choosePalette, hashText, tokenize } from '../../src/local/engines/prompt.js';
import { analyzeMusic, chooseGenre, clampBpm, prng } from '../../src/local/engines/music-plan.js';
import { composeScore, degreeSemitones, SCALES, triad } from '../../src/local/engines/music-score.js';
import { midiToHz, Synth, SYNTH_RATE, toS16le } from '../../src/local/engines/synth.js';
import { assertFilterSafePath, atempoChain, audioFormatArgs, BITEXACT_ARGS } from '../../src/local/engines/encode-args.js';
import { buildFliteSpeechArgs, fliteGraph, speakableText, VOICE_MODELS } from '../../src/local/engines/speech-args.js';
import { buildVideoArgs, videoFilterGraph } from '../../src/local/engines/video-args.js';
import { styleColour, styleFinish } from '../../src/local/engines/scene-graph.js';
import { buildMusicEncodeArgs } from '../../src/local/engines/music.js';
import { VOICES, STYLES } from '../../src/vocabulary/catalog.js';

test('tokenize lower-cases, strips accents and punctuation, joins lo fi', () => {
  assert.deepEqual(tokenize('NEON, rain… Café  lo fi!'), ['neon', 'rain', 'cafe', 'lo-fi']);
  assert.deepEqual(tokenize(''), []);
});

test('palette: the word named most wins, a tie goes to the first, dusk by default', () => {
  assert.equal(choosePalette(tokenize('Neon rain on Tokyo streets at midnight')).name, 'neon');
  assert.equal(choosePalette(tokenize('midnight under neon')).name, 'night');
  assert.equal(choosePalette(tokenize('a starry night, moon over neon')).name, 'night');
  assert.equal(choosePalette(tokenize('Golden sunset')).name, 'sunset');
  assert.equal(choosePalette(tokenize('deep forest')).name, 'forest');
  assert.equal(choosePalette(tokenize('waves on the ocean')).name, 'ocean');
  assert.equal(choosePalette(tokenize('desert dunes')).name, 'desert');
  assert.equal(choosePalette(tokenize('Snowy winter village')).name, 'snow');
  assert.equal(choosePalette(tokenize('burning fire')).name, 'fire');
  assert.equal(choosePalette(tokenize('a man walks his dog')).name, 'dusk');
});

test('motion, camera and ambience follow the words', () => {
  const neon = analyzeVisual('Neon rain on Tokyo streets at midnight');
  assert.deepEqual(neon.motion, ['rain']);
  assert.deepEqual(neon.ambience, ['rain', 'city']);
  assert.equal(neon.features.skyline, true);
  assert.equal(neon.features.moon, true);
  assert.equal(neon.camera, 'push-in');
  const sea = analyzeVisual('Slow pan across the ocean, waves under the stars');
  assert.equal(sea.camera, 'pan');
  assert.ok(sea.motion.includes('waves'));
  assert.ok(sea.motion.includes('stars'));
  assert.deepEqual(sea.ambience, ['surf']);
  const snow = analyzeVisual('Snow falling in a misty forest');
  assert.deepEqual(snow.motion, ['snow', 'fog']);
  assert.deepEqual(snow.ambience, ['wind']);
  assert.deepEqual(analyzeVisual('').ambience, ['room']);
  assert.ok(analyzeVisual('rain fog stars waves snow').motion.length <= 2);
});

test('hashText is stable and spreads', () => {
  assert.equal(hashText('abc'), hashText('abc'));
  assert.notEqual(hashText('abc'), hashText('abd'));
  assert.equal(hashText(''), 0x811c9dc5);
});

test('music plan: mood words pick the mode, genre words the arrangement, bpm wins when given', () => {
  const dark = analyzeMusic('Dark synthwave, slow pulse, analog pads');
  assert.equal(dark.genre, 'synthwave');
  assert.equal(dark.mode, 'minor');
  assert.equal(dark.bpm, 80); // 100 for synthwave, slowed by "slow"
  assert.equal(analyzeMusic('Dark synthwave', 120).bpm, 120);
  assert.equal(analyzeMusic('happy bright ukulele').mode, 'major');
  assert.equal(analyzeMusic('sad lofi beats').mode, 'minor');
  assert.equal(analyzeMusic('rock anthem at 140 bpm').bpm, 140);
  assert.equal(analyzeMusic('something').genre, 'orchestral');
  assert.equal(chooseGenre(tokenize('chill lo fi with jazz piano')), 'lofi');
  assert.equal(clampBpm(20), 60);
  assert.equal(clampBpm(400), 200);
  const plan = analyzeMusic('anything at all');
  assert.ok(plan.root >= 36 && plan.root <= 47);
});

test('prng is seeded: same seed same sequence, values in [0, 1)', () => {
  const a = prng(42);
  const b = prng(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, prng(43)));
});

test('scales and triads', () => {
  assert.deepEqual(triad(SCALES.minor, 0), [0, 3, 7]);
  assert.deepEqual(triad(SCALES.major, 0), [0, 4, 7]);
  assert.deepEqual(triad(SCALES.major, 5), [9, 12, 16]); // vi
  assert.equal(degreeSemitones(SCALES.major, 7), 12);
  assert.equal(degreeSemitones(SCALES.major, -1), -1);
  assert.ok(Math.abs(midiToHz(69) - 440) < 1e-9);
  assert.ok(Math.abs(midiToHz(81) - 880) < 1e-9);
});

test('score: a kick on every beat, notes inside the piece, in key', () => {
  const plan = { ...analyzeMusic('dark synthwave'), bpm: 120 };
  const notes = composeScore(plan, 15);
  const kicks = notes.filter((n) => n.instrument === 'kick').map((n) => n.start);
  assert.equal(kicks.length, 30);
  kicks.forEach((start, i) => assert.ok(Math.abs(start - i * 0.5) < 1e-9));
  assert.ok(notes.every((n) => n.start >= 0 && n.start < 15));
  const pitchClasses = new Set(SCALES.minor.map((s) => (plan.root + s) % 12));
  for (const n of notes.filter((x) => x.instrument === 'arp' || x.instrument === 'bass' || x.instrument === 'pad')) {
    assert.ok(pitchClasses.has(n.midi % 12), `${n.instrument} ${n.midi} is in the key`);
  }
  const ambient = composeScore(analyzeMusic('calm ambient drone'), 30);
  assert.ok(ambient.some((n) => n.instrument === 'lead'));
  assert.ok(!ambient.some((n) => n.instrument === 'snare'));
});

test('synth: chunks render the same samples whatever the chunk size', () => {
  const plan = { ...analyzeMusic('dark synthwave'), bpm: 120 };
  const synth = new Synth(composeScore(plan, 3), plan.seed);
  const whole = synth.render(0, 3 * SYNTH_RATE);
  const a = synth.render(0, 12345);
  const b = synth.render(12345, 3 * SYNTH_RATE - 12345);
  assert.deepEqual(Float32Array.from([...a.left, ...b.left]), whole.left);
  assert.deepEqual(Float32Array.from([...a.right, ...b.right]), whole.right);
  const peak = whole.left.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(peak > 0.2, `audible (peak ${peak})`);
  const pcm = toS16le(whole);
  assert.equal(pcm.length, 3 * SYNTH_RATE * 4);
});

test('atempoChain splits factors outside 0.5–2 into instances', () => {
  assert.deepEqual(atempoChain(1), []);
  assert.deepEqual(atempoChain(2), ['atempo=2']);
  assert.deepEqual(atempoChain(0.4), ['atempo=0.5', 'atempo=0.8']);
  assert.deepEqual(atempoChain(3), ['atempo=2', 'atempo=1.5']);
  assert.throws(() => atempoChain(0), RangeError);
});

test('filtergraph paths must be plain', () => {
  assert.equal(assertFilterSafePath('/tmp/mercadream-Ab12_x/text.txt'), '/tmp/mercadream-Ab12_x/text.txt');
  for (const bad of ["/tmp/it's.txt", '/tmp/a:b.txt', '/tmp/a b.txt', '/tmp/a\\b', '/tmp/a,b', '/tmp/[x]']) {
    assert.throws(() => assertFilterSafePath(bad), /not safe/);
  }
});

test('speech args: the text never enters the graph, only the file; every voice maps', () => {
  const args = buildFliteSpeechArgs({ textFile: '/tmp/mercadream-x/text.txt', voiceId: 'neural-narrator-f', speed: 2, format: 'mp3', outFile: '/out/a.partial' });
  const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
  assert.match(graph, /^flite=textfile=\/tmp\/mercadream-x\/text\.txt:v=slt,/);
  assert.match(graph, /atempo=2/);
  assert.ok(!graph.includes('asetrate'), 'no pitch change for this voice');
  for (const flag of BITEXACT_ARGS) assert.ok(args.includes(flag));
  assert.deepEqual(args.slice(-2), ['-y', '/out/a.partial']);
  for (const voice of VOICES) assert.match(fliteGraph('/t/x.txt', voice, 1, 'v'), /^flite=textfile=\/t\/x\.txt:v=(kal|kal16|awb|rms|slt),/);
  assert.notEqual(VOICE_MODELS['neural-narrator-m'].flite, VOICE_MODELS['neural-narrator-f'].flite);
  // f2 shares slt with f but is pitched up; its tempo is compensated so speed stays as asked.
  const f2 = fliteGraph('/t/x.txt', 'neural-narrator-f2', 1, 'v');
  assert.match(f2, /asetrate=17920,atempo=0\.892857/);
  assert.equal(speakableText('a\u0000b\nc'), 'a b\nc');
});

test('audio formats: codec and muxer per format', () => {
  assert.deepEqual(audioFormatArgs('wav', 2).slice(-4), ['-c:a', 'pcm_s16le', '-f', 'wav']);
  assert.ok(audioFormatArgs('mp3', 1).includes('libmp3lame'));
  assert.ok(audioFormatArgs('flac', 2).includes('flac'));
});

test('video args: exact size, rate, codecs and bitexact flags; narration only with a voice', () => {
  const request = { prompt: 'Neon rain on Tokyo streets', resolution: '1080p', duration: 15, style: 'cinematic', fps: 30 } as const;
  const args = buildVideoArgs(request, { quality: 'fast', outFile: '/o/x.partial' });
  const after = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
  assert.equal(after('-c:v'), 'libx264');
  assert.equal(after('-pix_fmt'), 'yuv420p');
  assert.equal(after('-r'), '30');
  assert.equal(after('-c:a'), 'aac');
  assert.equal(after('-ar'), '48000');
  assert.equal(after('-ac'), '2');
  assert.equal(after('-threads:v'), '2');
  for (const flag of BITEXACT_ARGS) assert.ok(args.includes(flag));
  const graph = after('-filter_complex') ?? '';
  assert.match(graph, /scale=1920:1080/);
  assert.match(graph, /trim=end_frame=450\[vout\]/);
  assert.match(graph, /atrim=end=15\.000\[aout\]/);
  assert.ok(!graph.includes('flite'));
  assert.ok(!graph.includes('Tokyo'), 'the prompt is not in the graph');
  const voiced = videoFilterGraph({ ...request, voiceId: 'neural-narrator-m' }, { quality: 'full', narrationFile: '/tmp/mercadream-a/n.txt', outFile: '/o/x' });
  assert.match(voiced, /flite=textfile=\/tmp\/mercadream-a\/n\.txt:v=rms/);
  assert.throws(() => videoFilterGraph({ ...request, voiceId: 'neural-narrator-m' }, { quality: 'fast', outFile: '/o/x' }), /narrationFile/);
});

test('styles: noir drains colour, cinematic letterboxes to 2.39:1', () => {
  const g = { width: 1280, height: 720, fps: 24, duration: 15, canvasWidth: 320, canvasHeight: 180, fast: true, seed: 1 };
  assert.ok(styleColour('noir', g).includes('hue=s=0'));
  assert.ok(
    styleColour('cinematic', { ...g, fast: false }).some((f) => f.startsWith('noise=')),
    'full quality has grain',
  );
  assert.ok(!styleColour('cinematic', g).some((f) => f.startsWith('noise=')), 'fast has none');
  assert.ok(styleFinish('noir', g).includes('hue=s=0'));
  assert.deepEqual(styleFinish('cinematic', g).slice(0, 2), ['crop=iw:ih-184:0:92', 'pad=iw:ih+184:0:92:black']);
  for (const style of STYLES) assert.equal(styleFinish(style, g).at(-1), 'setsar=1');
});

test('music encode args trim to the exact sample count and fade out', () => {
  const plan = analyzeMusic('calm ambient', 60);
  const args = buildMusicEncodeArgs('/tmp/m/raw', plan, 15, 'flac', '/o/m.partial');
  const filters = args[args.indexOf('-af') + 1] ?? '';
  assert.match(filters, /atrim=end_sample=720000/);
  assert.match(filters, /afade=t=out:st=13\.500:d=1\.500/);
  assert.match(filters, /aecho/);
  assert.deepEqual(args.slice(0, 8), ['-f', 's16le', '-ar', '48000', '-ac', '2', '-i', '/tmp/m/raw']);
});
