// Fuzzing the manifest loader: thousands of structurally mutated manifests (keys deleted and
// duplicated, values of the wrong type, extreme numbers, deep nesting, long and hostile strings,
// unknown references, anchors, aliases and merge keys, tabs, truncation, byte noise) must each
// come back as diagnostics that point into the text, never as an exception.
//
// The run is reproducible: a fixed seed, printed by fast-check with any counterexample.
// FUZZ_SEED and FUZZ_RUNS override the seed and the number of cases, for longer hunts;
// FUZZ_DUMP=<file> writes the last failing manifest there.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { Alias, isAlias, isMap, isSeq, Pair, parseDocument, Scalar, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';
import {
  compareDiagnostics,
  compileManifest,
  formatDiagnosticWithSource,
  hasErrors,
  loadManifest,
  sourceLines,
  type CompileOptions,
  type CompileResult,
  type Diagnostic,
} from '../../src/manifest/index.js';
import { ROOT } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261203);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);

// ---------------------------------------------------------------------------------------------
// Seeds: every valid manifest we ship, plus one with a matrix.

const MATRIX_SEED = `version: 1
title: "Night in \${{ matrix.city }}"
matrix:
  city: [tokyo, paris]
  n: [1, 2]
  exclude:
    - { city: paris, n: 2 }
  include:
    - { city: lima, n: 3 }
output: { path: "out/\${{ matrix.city }}-\${{ matrix.n }}.mp4" }
scenes:
  - id: rain
    prompt: "Rain over \${{ matrix.city }}, take \${{ matrix.n }}"
    duration: 5
    narration: "Welcome to \${{ matrix.city }}."
  - id: dawn
    prompt: Dawn
score:
  - { prompt: Piano, from: rain, to: dawn }
`;

function readSeeds(): Array<{ name: string; text: string }> {
  const seeds: Array<{ name: string; text: string }> = [];
  for (const dir of [join(ROOT, 'examples'), join(ROOT, 'test', 'fixtures', 'manifests', 'valid')]) {
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort())
      seeds.push({ name: f, text: readFileSync(join(dir, f), 'utf8') });
  }
  seeds.push({ name: 'matrix.yaml', text: MATRIX_SEED });
  return seeds;
}

const SEEDS = readSeeds();

// The pure compile path with a fake disk: the examples' footage exists, nothing else does.
const BASE_DIR = '/films/project';
const EXISTING = new Set([`${BASE_DIR}/footage/harbor-dawn.mp4`, `${BASE_DIR}/clip.mp4`]);
const baseOptions: CompileOptions = { baseDir: BASE_DIR, fileExists: (path) => EXISTING.has(path), realPath: (path) => path };

// ---------------------------------------------------------------------------------------------
// Values to put where they do not belong.

const KEYS = [
  'version',
  'title',
  'plan',
  'output',
  'path',
  'resolution',
  'fps',
  'loudness',
  'subtitles',
  'defaults',
  'style',
  'voice',
  'transition',
  'type',
  'duration',
  'matrix',
  'include',
  'exclude',
  'scenes',
  'score',
  'id',
  'prompt',
  'source',
  'narration',
  'text',
  'speed',
  'at',
  'from',
  'to',
  'bpm',
  'gain',
  'duck',
  'fade_in',
  'fade_out',
  '$schema',
  '<<',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'durtion',
  '',
  ' ',
  '0',
  'a/b',
  'a~b',
  'city',
  'n',
  'ünïcödé',
  '\u0000',
  '\u001b[2J',
  '\uFEFFversion',
  'version\u200b',
  'x'.repeat(300),
] as const;

const STRINGS = [
  '',
  ' ',
  'auto',
  'cut',
  'dissolve',
  'regular',
  'professional',
  '8k',
  '720p',
  'sidecar',
  'burn',
  'cinematic',
  'neural-narrator-f',
  'undefined',
  'null',
  '~',
  '.nan',
  '.inf',
  '1e999',
  '0x10',
  'NaN',
  '[object Object]',
  'true',
  'yes',
  'no',
  'arrival',
  'market',
  'rooftop',
  'canopy',
  'stream',
  'harbor',
  'opening',
  'rain',
  'dawn',
  'scene-1',
  'cue-1',
  'nowhere',
  'ARRIVAL',
  '${{ matrix.city }}',
  '${{ matrix.nope }}',
  '${{ matrix.toString }}',
  '${{ matrix.constructor }}',
  '${{ matrix.__proto__ }}',
  '${{matrix.n}}',
  'out/film.mp4',
  'out/${{ matrix.city }}.mp4',
  'film.avi',
  '../outside.mp4',
  '/etc/passwd.mp4',
  'C:\\films\\x.mp4',
  'footage\\harbor-dawn.mp4',
  'footage/harbor-dawn.mp4',
  'clip.mp4',
  './clip.mp4',
  'footage/../clip.mp4',
  'missing.mp4',
  '.',
  '..',
  '/',
  '__proto__',
  'constructor',
  'a'.repeat(64),
  'a'.repeat(65),
  '-leading-dash',
  'with space',
  'NUL\u0000inside',
  'esc\u001b[31mred',
  'bell\u0007',
  'cr\rcr',
  'line\nbreak',
  'tab\tin',
  'bom\uFEFFmid',
  'ls\u2028ps\u2029',
  'nel\u0085',
  'del\u007f',
  'c1\u009b',
  'rtl\u202eevil',
  'zw\u200bj',
  '東京',
  '🎬🎞️',
  'e\u0301',
  'lone\ud800surrogate',
  'low\udc00first',
] as const;

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  2,
  24,
  30,
  60,
  120,
  120.0001,
  121,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
  5e-324,
  1e-7,
  3.14159,
  999999999999,
  NaN,
  Infinity,
  -Infinity,
  60,
  200,
  201,
  59.5,
  -14,
  -40,
  -41,
  -5,
  -4.99,
  12,
  13,
] as const;

/** Raw YAML tokens put where a value was, as text (some have no JS value the generator could make). */
const RAW_TOKENS = [
  '.nan',
  '.NaN',
  '.inf',
  '-.inf',
  '+.inf',
  '1e999',
  '-1e999',
  '0x1F',
  '0o17',
  '0b101',
  '1_000',
  '+12',
  '012',
  '1:30',
  '.5',
  '5.',
  '-0',
  '~',
  'null',
  'Null',
  'NULL',
  'true',
  'False',
  'yes',
  'on',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '!!binary aGVsbG8=',
  '!!set { a, b }',
  '!!omap [ a: 1 ]',
  '!!timestamp 2001-12-14',
  '!!int 12',
  '!!int "x"',
  '!!float .nan',
  '!!str 5',
  '!!null',
  '!!bool yes',
  '!!map {}',
  '!!seq []',
  '!custom thing',
  '!<tag:yaml.org,2002:str> 5',
  '!!python/object:os.system ls',
  '*nope',
  '&a',
  '&a 5',
  '*a',
  '{',
  '[',
  '}',
  ']',
  '|',
  '>-',
  '|+9',
  '? x',
  '- x',
  '@x',
  '`x',
  '%x',
  '"\\u0000"',
  '"\\x1b[2J"',
  '"\\ud800"',
  '"unterminated',
  "'unterminated",
  '{a: 1, a: 2}',
  '[1, 2',
  '{[a]: 1}',
  '{{a: 1}: 2}',
  '"\\U0010FFFF"',
  "''''",
  '""',
  '#comment',
  '!!str',
  '&anchor',
  '!',
  '<<: *a',
  '*a\n*b',
  '&a [*a]',
  '&a {x: *a}',
] as const;

const NOISE = [
  '\u0000',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\uFEFF',
  '\u2028',
  '\u0085',
  '\u001b',
  '\u007f',
  '\ud800',
  '\udfff',
  '"',
  "'",
  ':',
  ': ',
  '- ',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  '{',
  '}',
  '[',
  ']',
  ',',
  '?',
  '%',
  '@',
  '`',
  '\\',
  '---',
  '...',
  '  ',
  '\t\t',
  'é',
  '東',
  '😀',
  '\u200b',
] as const;

/** Values each key accepts, in range and just out of it, so rules (not only the schema) get exercised. */
const FIELDS: Readonly<Record<string, readonly unknown[]>> = {
  duration: [0.1, 0.5, 1, 5, 6, 120, 121, 'auto', 0.0001],
  at: [0, 0.5, 5, 100, 1e9],
  transition: [{ type: 'dissolve', duration: 3 }, { type: 'cut' }, { type: 'wipeleft', duration: 10 }, { duration: 0 }, { type: 'radial' }],
  narration: ['Hello', { text: 'Hi', at: 10 }, { text: 'x', voice: 'robot', speed: 2 }, { text: 'Hi', at: 0 }],
  from: ['arrival', 'rooftop', 'canopy', 'clearing', 'opening', 'closing', 'rain', 'dawn', 'scene-1', 'scene-3', 'nowhere'],
  to: ['arrival', 'market', 'canopy', 'stream', 'harbor', 'closing', 'rain', 'dawn', 'scene-2', 'nowhere'],
  id: ['arrival', 'market', 'canopy', 'harbor', 'rain', 'dawn', 'scene-1', 'scene-2', 'cue-1', 'pulse'],
  source: ['footage/harbor-dawn.mp4', 'clip.mp4', 'missing.mp4', '../x.mp4', '/abs/x.mp4', 'C:\\x.mp4', 'footage\\harbor-dawn.mp4', 'out/neon-tokyo.mp4', 'out/fuzz.mp4'],
  prompt: ['x', 'Rain over ${{ matrix.city }}'],
  path: ['out/a.mp4', '../a.mp4', 'footage/harbor-dawn.mp4', 'clip.mp4', '/tmp/x.mp4', 'out/${{ matrix.city }}.mp4', 'out/${{ matrix.n }}.mov'],
  resolution: ['8k', '4k', '1080p', '720p'],
  plan: ['regular', 'advanced', 'professional'],
  style: ['noir', 'nior', 'documentary', 'weird'],
  voice: ['neural-narrator-f', 'neural-narrator-x', 'robot'],
  fps: [24, 30, 60, 25],
  bpm: [60, 200, 92.5, 201],
  gain: [-60, 12, 0],
  duck: [-40, 0],
  fade_in: [0, 30],
  fade_out: [0, 30],
  speed: [0.5, 2, 3],
  loudness: [-14, -40, -5, 0],
  score: [
    [{ prompt: 'Piano' }],
    [{ prompt: 'Drums', from: 'nowhere', to: 'scene-1' }],
    [
      { id: 'a', prompt: 'x' },
      { id: 'a', prompt: 'y' },
    ],
    [],
  ],
  matrix: [{ city: ['tokyo', 'paris'] }, { city: ['a'], exclude: [{ city: 'a' }] }, { n: Array.from({ length: 100 }, (_, i) => i), m: [1, 2, 3] }, { city: [] }],
};

const ITEM_KEYS = new Set(['id', 'prompt', 'source', 'duration', 'style', 'narration', 'transition', 'from', 'to', 'bpm', 'gain', 'duck', 'fade_in', 'fade_out']);
const ROOT_KEYS = new Set(['plan', 'score', 'matrix']);

/** A value of any type, including the awkward ones. */
const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('a', 'é', '\u0000', '東', ' ', '\\', 'x\n'), fc.constantFrom(200, 1000, 1001, 5000, 5001, 30_000)).map(([c, n]) => c.repeat(n)),
  },
);

const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: leafValue },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }) },
  ),
})).value;

/**
 * A value nested `depth` lists or mappings deep, as YAML text (the library's own printer recurses
 * too deeply for the deepest): stands in for a placeholder once the document is printed.
 */
function deepText(depth: number, style: 'flow-list' | 'flow-map' | 'block-list'): string {
  switch (style) {
    case 'flow-list':
      return `${'['.repeat(depth)}bottom${']'.repeat(depth)}`;
    case 'flow-map':
      return `${'{scenes: '.repeat(depth)}bottom${'}'.repeat(depth)}`;
    case 'block-list':
      return `${'- '.repeat(depth)}bottom`;
  }
}
const DEEP = 'DEEP-PLACEHOLDER-';

// ---------------------------------------------------------------------------------------------
// Structural mutations on the YAML document.

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number; to: number; value?: unknown }
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'deep'; at: number; depth: number; style: 'flow-list' | 'flow-map' | 'block-list' }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'rename'; at: number; key: unknown }
  | { op: 'append'; at: number; value: unknown; clone: boolean }
  | { op: 'reference'; at: number; key: 'from' | 'to' | 'id'; value: string }
  | { op: 'field'; at: number; key: string; pick: number }
  | { op: 'alias'; from: number; to: number; merge: boolean; name: string }
  | { op: 'style'; at: number; flow: boolean; scalar: Scalar.Type; tag?: string; comment?: string };

const at = fc.nat();
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at, to: at, value: anyValue }, { requiredKeys: ['op', 'at', 'to'] }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: anyValue }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('deep' as const),
      at,
      depth: fc.constantFrom(20, 65, 300, 1500, 5000),
      style: fc.constantFrom('flow-list' as const, 'flow-map' as const, 'block-list' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), at, key: fc.constantFrom(...KEYS), value: anyValue }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('rename' as const), at, key: fc.oneof(fc.constantFrom<unknown>(...KEYS), fc.constantFrom<unknown>(1, null, true, 1.5, [1], { a: 1 })) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('append' as const), at, value: anyValue, clone: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('reference' as const), at, key: fc.constantFrom('from' as const, 'to' as const, 'id' as const), value: fc.constantFrom(...STRINGS) }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('field' as const), at, key: fc.constantFrom(...Object.keys(FIELDS)), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('alias' as const), from: at, to: at, merge: fc.boolean(), name: fc.constantFrom('a', 'base', 'x1', '東', 'a-b') }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        op: fc.constant('style' as const),
        at,
        flow: fc.boolean(),
        scalar: fc.constantFrom<Scalar.Type>('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
        tag: fc.constantFrom('!!str', '!!int', '!!float', '!!binary', '!!set', '!!omap', '!!timestamp', '!custom', 'tag:yaml.org,2002:bool'),
        comment: fc.constantFrom(' note', ' \u0000', ' a\nb: c'),
      },
      { requiredKeys: ['op', 'at', 'flow', 'scalar'] },
    ),
  },
);

type TextEdit =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'byte'; at: number; code: number }
  | { op: 'tab'; line: number; replace: boolean }
  | { op: 'newlines'; style: '\r\n' | '\r' | '\u2028' }
  | { op: 'bom'; at: number }
  | { op: 'line'; line: number; action: 'duplicate' | 'delete' | 'swap' | 'indent' | 'dedent' }
  | { op: 'token'; line: number; token: string }
  | { op: 'wrap'; before: string; after: string };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at, text: fc.oneof(fc.constantFrom(...NOISE), fc.string({ unit: 'binary', maxLength: 4 })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('byte' as const), at, code: fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tab' as const), line: at, replace: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('newlines' as const), style: fc.constantFrom('\r\n' as const, '\r' as const, '\u2028' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bom' as const), at }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('line' as const),
      line: at,
      action: fc.constantFrom('duplicate' as const, 'delete' as const, 'swap' as const, 'indent' as const, 'dedent' as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('token' as const), line: at, token: fc.constantFrom(...RAW_TOKENS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('wrap' as const),
      before: fc.constantFrom('', '%YAML 1.1\n---\n', '%YAML 1.2\n---\n', '%TAG ! tag:example.com,2000:\n---\n', '--- |\n', '---\n', '# c\n', '\uFEFF', '&top\n', '!!map\n', '? '),
      after: fc.constantFrom('', '\n---\nversion: 1\n', '\n...\n', '\n...\ngarbage: [', '\n#', '\u0000', '\nversion: 2\n', '\n\t'),
    }),
  },
);

/** Each place in the document a mutation can reach: a collection with one of its entries. */
interface Place {
  readonly parent: YAMLMap | YAMLSeq;
  readonly index: number;
}

function places(doc: Document): Place[] {
  const out: Place[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (isMap(node) || isSeq(node)) {
      node.items.forEach((item, index) => {
        out.push({ parent: node, index });
        walk(isMap(node) ? (item as Pair).value : item);
      });
    }
  };
  walk(doc.contents);
  return out;
}

function collections(doc: Document): Array<YAMLMap | YAMLSeq> {
  const out: Array<YAMLMap | YAMLSeq> = [];
  if (isMap(doc.contents) || isSeq(doc.contents)) out.push(doc.contents);
  for (const p of places(doc)) {
    const value = valueOf(p);
    if (isMap(value) || isSeq(value)) out.push(value);
  }
  return out;
}

function valueOf(p: Place): unknown {
  const item = p.parent.items[p.index];
  return isMap(p.parent) ? (item as Pair | undefined)?.value : item;
}

function setValue(doc: Document, p: Place, value: unknown): void {
  const node = isAlias(value) || value instanceof Scalar || isMap(value) || isSeq(value) ? value : doc.createNode(value);
  if (isMap(p.parent)) {
    const pair = p.parent.items[p.index];
    if (pair) pair.value = node;
  } else {
    p.parent.items[p.index] = node;
  }
}

function pick<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

function mutate(doc: Document, m: Mutation): void {
  switch (m.op) {
    case 'delete': {
      const p = pick(places(doc), m.at);
      if (p) p.parent.items.splice(p.index, 1);
      return;
    }
    case 'duplicate': {
      const p = pick(places(doc), m.at);
      if (!p) return;
      const item = p.parent.items[p.index];
      const copy =
        isMap(p.parent) && item instanceof Pair ? new Pair((item.key as Node).clone?.() ?? item.key, m.value === undefined ? item.value : doc.createNode(m.value)) : item;
      p.parent.items.splice(m.to % (p.parent.items.length + 1), 0, copy as never);
      return;
    }
    case 'replace': {
      const p = pick(places(doc), m.at);
      if (p) setValue(doc, p, m.value);
      return;
    }
    case 'deep': {
      const p = pick(places(doc), m.at);
      if (p) setValue(doc, p, new Scalar(`${DEEP}${m.depth}-${m.style}`));
      return;
    }
    case 'add': {
      const maps = collections(doc).filter(isMap);
      const target = pick(maps, m.at);
      if (target) target.items.push(new Pair(doc.createNode(m.key), doc.createNode(m.value)));
      return;
    }
    case 'rename': {
      const mapPlaces = places(doc).filter((p) => isMap(p.parent));
      const p = pick(mapPlaces, m.at);
      const pair = p?.parent.items[p.index];
      if (pair instanceof Pair) pair.key = doc.createNode(m.key);
      return;
    }
    case 'append': {
      const seqs = collections(doc).filter(isSeq);
      const target = pick(seqs, m.at);
      if (!target) return;
      const existing = target.items[m.at % Math.max(1, target.items.length)];
      target.items.push(m.clone && existing && typeof (existing as Node).clone === 'function' ? (existing as Node).clone() : doc.createNode(m.value));
      return;
    }
    case 'reference': {
      const maps = collections(doc).filter(isMap);
      const target = pick(maps, m.at);
      if (target) target.set(m.key, m.value);
      return;
    }
    case 'field': {
      // Where the key belongs: a mapping that has it, or a scene or cue for theirs; else anywhere.
      const maps = collections(doc).filter(isMap);
      const own = (map: YAMLMap) => map.has(m.key) || ((map.has('prompt') || map.has('source')) && ITEM_KEYS.has(m.key)) || (map === doc.contents && ROOT_KEYS.has(m.key));
      const target = pick(maps.filter(own), m.at) ?? pick(maps, m.at);
      if (target) target.set(m.key, doc.createNode(pick(FIELDS[m.key] ?? [], m.pick)));
      return;
    }
    case 'alias': {
      const all = places(doc);
      const source = pick(all, m.from);
      const target = pick(all, m.to);
      const node = source && valueOf(source);
      if (!source || !target || !node || isAlias(node) || !(node instanceof Scalar || isMap(node) || isSeq(node))) return;
      node.anchor = m.name;
      const alias = new Alias(m.name);
      if (m.merge) {
        const maps = collections(doc).filter(isMap);
        pick(maps, m.to)?.items.push(new Pair(new Scalar('<<'), alias));
      } else {
        setValue(doc, target, alias);
      }
      return;
    }
    case 'style': {
      const p = pick(places(doc), m.at);
      const node = p && valueOf(p);
      if (isMap(node) || isSeq(node)) node.flow = m.flow;
      if (node instanceof Scalar) node.type = m.scalar;
      if ((node instanceof Scalar || isMap(node) || isSeq(node)) && m.tag !== undefined) node.tag = m.tag;
      if ((node instanceof Scalar || isMap(node) || isSeq(node)) && m.comment !== undefined) node.comment = m.comment;
      return;
    }
  }
}

function editText(text: string, e: TextEdit): string {
  const offset = (n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
  const lines = () => text.split('\n');
  switch (e.op) {
    case 'truncate':
      return text.slice(0, offset(e.at));
    case 'insert':
      return text.slice(0, offset(e.at)) + e.text + text.slice(offset(e.at));
    case 'delete':
      return text.slice(0, offset(e.at)) + text.slice(offset(e.at) + e.length);
    case 'byte':
      return text.slice(0, offset(e.at)) + String.fromCharCode(e.code) + text.slice(offset(e.at) + 1);
    case 'tab': {
      const ls = lines();
      const i = e.line % ls.length;
      ls[i] = e.replace ? ls[i]!.replace(/^ +/, (s) => '\t'.repeat(Math.max(1, s.length >> 1))) : `\t${ls[i]}`;
      return ls.join('\n');
    }
    case 'newlines':
      return text.replace(/\n/g, e.style);
    case 'bom':
      return text.slice(0, offset(e.at)) + '\uFEFF' + text.slice(offset(e.at));
    case 'line': {
      const ls = lines();
      const i = e.line % ls.length;
      if (e.action === 'duplicate') ls.splice(i, 0, ls[i]!);
      else if (e.action === 'delete') ls.splice(i, 1);
      else if (e.action === 'swap' && i + 1 < ls.length) [ls[i], ls[i + 1]] = [ls[i + 1]!, ls[i]!];
      else if (e.action === 'indent') ls[i] = ` ${ls[i]}`;
      else if (e.action === 'dedent') ls[i] = ls[i]!.replace(/^ /, '');
      return ls.join('\n');
    }
    case 'token': {
      // Replace the value after a `key:` or `- ` on some line that has one.
      const ls = lines();
      const candidates = ls.map((l, i) => (/(:\s|-\s)\S/.test(l) ? i : -1)).filter((i) => i >= 0);
      const i = pick(candidates, e.line);
      if (i === undefined) return text;
      ls[i] = ls[i]!.replace(/((?::|-)\s+)\S.*$/, `$1${e.token}`);
      return ls.join('\n');
    }
    case 'wrap':
      return e.before + text + e.after;
  }
}

interface Case {
  readonly seed: number;
  readonly mutations: readonly Mutation[];
  readonly edits: readonly TextEdit[];
  readonly plan?: 'regular' | 'advanced' | 'professional';
  readonly allowOutsidePaths: boolean;
}

function buildText(c: Case): string {
  const seed = SEEDS[c.seed % SEEDS.length]!;
  let text = seed.text;
  if (c.mutations.length > 0) {
    const doc = parseDocument(seed.text, { version: '1.2', uniqueKeys: false });
    for (const m of c.mutations) mutate(doc, m);
    try {
      text = doc.toString({ lineWidth: 0 }).replace(new RegExp(`${DEEP}(\\d+)-([a-z-]+)`, 'g'), (_, depth: string, style: string) => deepText(Number(depth), style as 'flow-list'));
    } catch {
      // Some mutations make documents the library will not print (an alias whose anchor went away):
      // the text edits still apply to the seed.
    }
  }
  for (const e of c.edits) text = editText(text, e);
  return text;
}

// ---------------------------------------------------------------------------------------------
// What every result must satisfy.

const BAD_WORDS = ['undefined', '[object Object]', 'NaN', 'native code'] as const;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkDiagnostic(d: Diagnostic, file: string, text: string, where: string): void {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  assert.equal(d.file, file, `${where}: file`);
  assert.notEqual(d.code, 'internal-error', `${where}: a stage failed: ${d.message}`);
  assert.ok(d.severity === 'error' || d.severity === 'warning', `${where}: severity ${String(d.severity)}`);
  assert.ok(typeof d.code === 'string' && d.code.length > 0, `${where}: code`);
  assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length, `${where}: line ${d.line} of ${lines.length}`);
  const lineLength = lines[d.line - 1]!.length;
  assert.ok(Number.isInteger(d.column) && d.column >= 1 && d.column <= lineLength + 1, `${where}: column ${d.column} of a ${lineLength}-character line`);
  if (d.end) {
    assert.ok(Number.isInteger(d.end.line) && d.end.line >= d.line && d.end.line <= lines.length, `${where}: end line ${d.end.line}`);
    assert.ok(Number.isInteger(d.end.column) && d.end.column >= 1 && d.end.column <= lines[d.end.line - 1]!.length + 1, `${where}: end column ${d.end.column}`);
    assert.ok(d.end.line > d.line || d.end.column >= d.column, `${where}: end before start`);
  }
  assert.ok(typeof d.pointer === 'string' && (d.pointer === '' || d.pointer.startsWith('/')), `${where}: pointer ${d.pointer}`);
  assert.ok(typeof d.message === 'string' && d.message.trim().length > 0, `${where}: empty message`);
  for (const [what, said] of [
    ['message', d.message],
    ['hint', d.hint],
  ] as const) {
    if (said === undefined) continue;
    assert.ok(said.trim().length > 0, `${where}: empty ${what}`);
    for (const word of BAD_WORDS) assert.ok(!said.includes(word) || text.includes(word), `${where}: ${what} says ${JSON.stringify(word)}: ${said}`);
    // Half an emoji, raw or escaped, where the manifest had none.
    assert.ok(
      !(LONE_SURROGATE.test(said) || /\\ud[89a-f]/i.test(said)) || LONE_SURROGATE.test(text) || /\\ud[89a-f]/i.test(text),
      `${where}: ${what} splits a character: ${JSON.stringify(said)}`,
    );
  }
  for (const [i, r] of (d.related ?? []).entries()) checkDiagnostic(r, file, text, `${where}.related[${i}]`);
}

function checkResult(result: CompileResult, file: string, text: string): void {
  const { diagnostics, productions } = result;
  diagnostics.forEach((d, i) => checkDiagnostic(d, file, text, `diagnostics[${i}] ${JSON.stringify(d.message)}`));
  assert.equal(hasErrors(diagnostics), productions.length === 0, 'errors exactly when there are no productions');
  for (let i = 1; i < diagnostics.length; i++) assert.ok(compareDiagnostics(diagnostics[i - 1]!, diagnostics[i]!) <= 0, 'diagnostics are sorted by position');
  if (result.production) assert.equal(productions.length, 1);
  // What validate prints: one line each, no raw control characters reaching the terminal.
  const lines = sourceLines(text);
  for (const d of diagnostics) {
    const printed = formatDiagnosticWithSource(d, lines);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(printed), `printed diagnostic has a control character: ${JSON.stringify(printed)}`);
  }
  JSON.stringify(diagnostics);
  for (const p of productions) {
    const strings = [
      p.title,
      p.output.path,
      ...p.scenes.flatMap((s) => [s.id, s.kind === 'generated' ? s.prompt : s.source, s.narration?.text ?? '']),
      ...p.score.map((c) => c.prompt),
    ];
    for (const s of strings) for (const word of BAD_WORDS) assert.ok(!s.includes(word) || text.includes(word), `production holds ${JSON.stringify(word)}: ${s.slice(0, 80)}`);
  }
}

function compileChecked(file: string, text: string, options: CompileOptions): void {
  let result: CompileResult;
  try {
    result = compileManifest(file, text, options);
  } catch (error: unknown) {
    if (process.env['FUZZ_DUMP']) writeFileSync(process.env['FUZZ_DUMP'], text);
    assert.fail(`compileManifest threw for ${JSON.stringify(text.slice(0, 400))}: ${error instanceof Error ? error.stack : String(error)}`);
  }
  try {
    checkResult(result, file, text);
  } catch (error: unknown) {
    if (process.env['FUZZ_DUMP']) writeFileSync(process.env['FUZZ_DUMP'], text);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n    for the text ${JSON.stringify(text.length > 1000 ? `${text.slice(0, 1000)}…` : text)}`, { cause: error });
  }
}

/** Changes that keep the YAML and mostly the schema intact, so the later stages see them. */
const semanticMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('field' as const), at, key: fc.constantFrom(...Object.keys(FIELDS)), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('append' as const), at, value: fc.constant(null), clone: fc.constant(true) }) },
);

const plan = fc.constantFrom('regular' as const, 'advanced' as const, 'professional' as const);

const caseArbitrary: fc.Arbitrary<Case> = fc.oneof(
  // Anything goes: structure, types, text.
  {
    weight: 3,
    arbitrary: fc.record(
      {
        seed: fc.nat(),
        mutations: fc.array(mutation, { minLength: 0, maxLength: 5 }),
        edits: fc.oneof({ weight: 3, arbitrary: fc.constant([] as TextEdit[]) }, { weight: 2, arbitrary: fc.array(textEdit, { minLength: 1, maxLength: 3 }) }),
        plan,
        allowOutsidePaths: fc.boolean(),
      },
      { requiredKeys: ['seed', 'mutations', 'edits', 'allowOutsidePaths'] },
    ),
  },
  // Plausible values in the wrong combination: references, durations, paths, plans.
  {
    weight: 1,
    arbitrary: fc.record(
      { seed: fc.nat(), mutations: fc.array(semanticMutation, { minLength: 1, maxLength: 4 }), edits: fc.constant([] as TextEdit[]), plan, allowOutsidePaths: fc.boolean() },
      { requiredKeys: ['seed', 'mutations', 'edits', 'allowOutsidePaths'] },
    ),
  },
);

describe('fuzz: mutated manifests never crash the loader and every diagnostic points into the text', () => {
  test('the seeds are valid manifests', () => {
    assert.ok(SEEDS.length >= 4);
    for (const seed of SEEDS) {
      const result = compileManifest(seed.name, seed.text, baseOptions);
      assert.deepEqual(
        result.diagnostics.filter((d) => d.severity === 'error'),
        [],
        seed.name,
      );
      assert.ok(result.productions.length > 0, seed.name);
    }
  });

  test(`${RUNS} structural and textual mutations (seed ${SEED})`, (t) => {
    const started = Date.now();
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const text = buildText(c);
        const options: CompileOptions = { ...baseOptions, ...(c.plan ? { plan: c.plan } : {}), ...(c.allowOutsidePaths ? { allowOutsidePaths: true } : {}) };
        compileChecked('films/fuzz.yaml', text, options);
      }),
      { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
    );
    t.diagnostic(`${RUNS} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});

describe('fuzz: bytes from the disk', () => {
  const dir = tempDir('mdp-fuzz-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bytesRuns = Math.max(50, Math.floor(RUNS / 15));

  test(`${bytesRuns} manifests with random bytes (invalid UTF-8, NUL, BOMs) load through loadManifest`, async () => {
    const seedBytes = SEEDS.map((s) => Buffer.from(s.text, 'utf8'));
    const byteEdit = fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }), replace: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(byteEdit, { minLength: 1, maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }), async (seed, edits, cut) => {
        let bytes = seedBytes[seed % seedBytes.length]!;
        for (const e of edits) {
          const i = e.at % (bytes.length + 1);
          bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(e.bytes), bytes.subarray(e.replace ? i + e.bytes.length : i)]);
        }
        if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        const file = join(dir, 'fuzz.yaml');
        writeFileSync(file, bytes);
        let result;
        try {
          result = await loadManifest(file);
        } catch (error: unknown) {
          assert.fail(`loadManifest threw for ${bytes.toString('hex').slice(0, 400)}: ${error instanceof Error ? error.stack : String(error)}`);
        }
        // The diagnostics point into the text as decoded (lenient for a file that is not UTF-8).
        const text = result.text ?? new TextDecoder('utf-8').decode(bytes);
        checkResult(result, file, text);
      }),
      { seed: SEED, numRuns: bytesRuns, includeErrorInReport: true },
    );
  });
});
