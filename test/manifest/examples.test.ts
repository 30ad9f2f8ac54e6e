// Every example a newcomer may run is valid as it is, and the committed schema and README agree
// with the schema's one source of truth.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FILM_SCHEMA, loadManifest } from '../../src/manifest/index.js';
import { referenceRows, renderReference } from '../../src/manifest/reference.js';
import { ROOT } from '../helpers/project.js';

const examples = readdirSync(join(ROOT, 'examples')).filter((f) => /\.ya?ml$/.test(f));

test('examples/ holds the three documented films', () => {
  for (const name of ['neon-tokyo.yaml', 'documentary.yaml', 'mixed-footage.yaml']) assert.ok(examples.includes(name), name);
});

for (const name of examples) {
  test(`examples/${name} is valid, without warnings, and names its schema for editors`, async () => {
    const file = join(ROOT, 'examples', name);
    const result = await loadManifest(file);
    assert.deepEqual(result.diagnostics, []);
    assert.ok(result.production);
    assert.match(readFileSync(file, 'utf8').split('\n')[0]!, /^# yaml-language-server: \$schema=\.\.\/schemas\/film\.schema\.json$/);
  });
}

test('neon-tokyo has three narrated scenes with transitions and a score cue on the regular plan at 720p', async () => {
  const { production } = await loadManifest(join(ROOT, 'examples', 'neon-tokyo.yaml'));
  assert.ok(production);
  assert.equal(production.plan, 'regular');
  assert.equal(production.output.resolution, '720p');
  assert.equal(production.scenes.length, 3);
  assert.ok(production.scenes.every((s) => s.narration));
  assert.ok(production.scenes.slice(0, -1).every((s) => s.transition.type !== 'cut'));
  assert.equal(production.score.length, 1);
});

test('the documentary times scenes by narration and mixed-footage uses a committed clip', async () => {
  const doc = await loadManifest(join(ROOT, 'examples', 'documentary.yaml'));
  assert.ok(doc.production?.scenes.some((s) => s.duration === 'auto'));
  const mixed = await loadManifest(join(ROOT, 'examples', 'mixed-footage.yaml'));
  const footage = mixed.production?.scenes.filter((s) => s.kind === 'footage') ?? [];
  assert.equal(footage.length, 1);
  assert.ok(mixed.production?.scenes.some((s) => s.kind === 'generated'));
});

test('schemas/film.schema.json is the schema the tool enforces (npm run docs writes it)', () => {
  const committed = JSON.parse(readFileSync(join(ROOT, 'schemas', 'film.schema.json'), 'utf8')) as unknown;
  assert.deepEqual(committed, JSON.parse(JSON.stringify(FILM_SCHEMA)));
});

test('the README manifest reference matches the schema, key for key', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- reference:start');
  const end = readme.indexOf('<!-- reference:end -->');
  assert.ok(start >= 0 && end > start, 'README has the reference markers');
  const block = readme.slice(readme.indexOf('\n', start) + 1, end).trim();
  assert.equal(block, renderReference());
  const documented = [...block.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(
    documented,
    referenceRows().map((r) => r.key),
  );
  assert.ok(documented.includes('scenes[].narration.speed') && documented.includes('score[].duck'));
});

test('every property in the schema has a description, and numbers with units say so', () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    const properties = obj['properties'] as Record<string, Record<string, unknown>> | undefined;
    for (const [key, raw] of Object.entries(properties ?? {})) {
      const ref = raw['$ref'];
      const defs = FILM_SCHEMA.$defs as Record<string, Record<string, unknown>>;
      const child = typeof ref === 'string' ? { ...defs[ref.replace('#/$defs/', '')], ...raw } : raw;
      if (typeof child['description'] !== 'string' || child['description'].length < 10) missing.push(`${path}.${key}`);
      walk(child, `${path}.${key}`);
    }
    for (const [key, value] of Object.entries(obj)) if (key !== 'properties') walk(value, `${path}/${key}`);
  };
  walk(FILM_SCHEMA, '');
  assert.deepEqual(missing, []);
  for (const row of referenceRows().filter((r) => /^number/.test(r.accepts))) {
    assert.match(row.description, /seconds|dB|LUFS|\bLU\b|times normal|characters per second|fraction of full luma|fraction of the picture's width/, `${row.key} names its unit`);
  }
});

test('the version the tool reports is the package version', async () => {
  const { VERSION } = await import('../../src/version.js');
  assert.equal(VERSION, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
});
