// Every schema the package ships compiles in a strict validator, as other tools will use it:
// ajv with `strict: true` and only the two annotation keywords the schemas document registered.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { compileManifest, type Diagnostic } from '../../src/manifest/index.js';
import { ROOT } from '../helpers/project.js';

const shipped = readdirSync(join(ROOT, 'schemas')).filter((f) => f.endsWith('.schema.json'));

/** A strict ajv that knows nothing beyond JSON Schema 2019-09 but the annotations named here. */
function strictAjv(): Ajv2019 {
  // allowUnionTypes: `type: [string, number, boolean]` is plain JSON Schema; strict ajv only asks to be told it is meant.
  const ajv = new Ajv2019({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-unit', schemaType: 'string' });
  return ajv;
}

function schema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'schemas', name), 'utf8')) as Record<string, unknown>;
}

describe('shipped schemas', () => {
  test('film, report and lock schemas are all shipped', () => {
    assert.deepEqual(shipped.sort(), ['film.schema.json', 'lock.schema.json', 'report.schema.json']);
  });

  for (const name of shipped) {
    test(`${name} compiles under ajv strict mode, with a $id and no unknown keywords`, () => {
      const json = schema(name);
      assert.match(String(json['$id']), /^https:\/\/mercadream\.com\/schemas\/pipeline\/1\/[a-z]+\.schema\.json$/);
      assert.ok(String(json['$id']).endsWith(`/${name}`));
      assert.equal(json['$schema'], 'https://json-schema.org/draft/2019-09/schema');
      const ajv = strictAjv();
      assert.doesNotThrow(() => ajv.compile(json));
    });
  }

  test('a keyword strict tools do not know would be refused (the check above can fail)', () => {
    const lock = schema('lock.schema.json') as { properties: Record<string, object> };
    const json = { ...lock, properties: { ...lock.properties, api: { type: 'string', unit: 'seconds' } } };
    assert.throws(() => strictAjv().compile(json), /unknown keyword: "unit"/);
  });

  test('the $ids differ, so one tool can hold all three', () => {
    const ids = shipped.map((n) => schema(n)['$id']);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('friendly pattern messages come from patternErrorMessage', () => {
  const compile = (text: string): Diagnostic[] => [...compileManifest('film.yaml', text, { baseDir: '/films', fileExists: () => true }).diagnostics];

  test('an output path with the wrong extension says which ones are allowed', () => {
    const [d] = compile('version: 1\noutput: { path: out/film.avi }\nscenes:\n  - prompt: a\n');
    assert.equal(d?.message, 'output.path must end in .mp4, .mov or .mkv, not the string "out/film.avi"');
    assert.equal(`${d?.line}:${d?.column}`, '2:17');
  });

  test('a bad scene id says what an id may contain', () => {
    const [d] = compile('version: 1\nscenes:\n  - id: "my scene"\n    prompt: a\n');
    assert.match(d?.message ?? '', /^scenes\[0\]\.id must contain only letters, digits, '-' and '_'/);
  });

  test('the message shown is the one the shipped schema carries for editors', () => {
    const film = schema('film.schema.json') as { properties: { output: { properties: { path: { patternErrorMessage: string } } } } };
    const [d] = compile('version: 1\noutput: { path: out/film.avi }\nscenes:\n  - prompt: a\n');
    assert.ok(d?.message.includes(film.properties.output.properties.path.patternErrorMessage));
  });
});
