/**
 * Stage 3 of loading a manifest: the JSON Schema check (ajv), with ajv's errors turned into
 * Diagnostics that read like a compiler's: the dotted path, what was expected with its unit,
 * what was found, and a did-you-mean hint for unknown keys and enum values.
 */
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import leven from 'leven';
import { pointerSegment, pointerToPath, type Diagnostic } from './diagnostic.js';
import { FILM_SCHEMA, FILM_SCHEMA_ANNOTATIONS } from './film-schema.js';
import type { ManifestSource } from './source.js';

type SchemaNode = Record<string, unknown>;

let compiled: ValidateFunction | undefined;

/** The compiled validator, built once per process (compiling costs more than validating). */
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2019({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary([...FILM_SCHEMA_ANNOTATIONS]);
    compiled = ajv.compile(FILM_SCHEMA);
  }
  return compiled;
}

/** Checks `data` against schemas/film.schema.json; returns the problems, empty when it conforms. */
export function checkSchema(source: ManifestSource, data: unknown): Diagnostic[] {
  const validate = validator();
  if (validate(data)) return [];
  // A bad key name comes as the name's own error (with `propertyName`) and a `propertyNames` summary; the first says it all.
  const errors = pruneAlternatives(
    (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames'),
    data,
  );
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of errors) {
    const d = toDiagnostic(source, error, data);
    const key = `${d.pointer}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

/**
 * ajv reports every failed branch of an `anyOf`. Keep only what helps: the errors of the one
 * branch whose type fits the value (a narration mapping with a bad `speed`), or, when no branch
 * fits, a single "must be A or B" error on the `anyOf` itself.
 */
function pruneAlternatives(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  if (anyOfs.length === 0) return [...errors];
  const drop = new Set<ErrorObject>();
  for (const alt of anyOfs) {
    const branches = ((alt.parentSchema as SchemaNode | undefined)?.['anyOf'] as SchemaNode[] | undefined) ?? [];
    const value = valueAt(data, alt.instancePath);
    const fitting = branches.map((b, i) => (branchFits(b, value) && !isLiteral(b) ? i : -1)).filter((i) => i >= 0);
    const members = branches.map((b) => schemaObjectsWithin(b));
    const branchOf = (e: ErrorObject): number => members.findIndex((set) => set.has(e.parentSchema as object));
    const below = (e: ErrorObject) => e.instancePath === alt.instancePath || e.instancePath.startsWith(`${alt.instancePath}/`);
    const inside = errors.filter((e) => e !== alt && below(e) && branchOf(e) >= 0);
    if (fitting.length === 1) {
      drop.add(alt);
      for (const e of inside) if (branchOf(e) !== fitting[0]) drop.add(e);
    } else {
      for (const e of inside) drop.add(e);
    }
  }
  return errors.filter((e) => !drop.has(e));
}

/** Every schema object reachable from `node`, following `$ref`s into `$defs` (ajv's `parentSchema` is one of them). */
function schemaObjectsWithin(node: unknown, into: Set<object> = new Set()): Set<object> {
  if (node === null || typeof node !== 'object' || into.has(node)) return into;
  into.add(node);
  const ref = (node as SchemaNode)['$ref'];
  if (typeof ref === 'string') schemaObjectsWithin(resolveRef(node as SchemaNode), into);
  for (const value of Object.values(node)) schemaObjectsWithin(value, into);
  return into;
}

// Longer than most: one switch over ajv's keywords, each case a sentence of the message; split, the
// wording of the cases would no longer read side by side.
// eslint-disable-next-line max-lines-per-function
function toDiagnostic(source: ManifestSource, error: ErrorObject, data: unknown): Diagnostic {
  const pointer = error.instancePath;
  const path = pointerToPath(pointer);
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const unit = typeof schema['x-unit'] === 'string' ? ` (${schema['x-unit']})` : '';
  const params = error.params as Record<string, unknown>;
  const code = `schema-${error.keyword}`;
  const value = valueAt(data, pointer);
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    const said = typeof schema['patternErrorMessage'] === 'string' ? schema['patternErrorMessage'] : `is not allowed (${error.message ?? 'invalid'})`;
    return source.diagnostic(`${pointer}/${pointerSegment(propertyName)}`, code, `${pointer === '' ? 'the manifest' : path} name \`${propertyName}\` ${said}`, { part: 'key' });
  }
  switch (error.keyword) {
    case 'required': {
      const missing = String(params['missingProperty']);
      const where = pointer === '' ? 'the manifest' : path;
      const hint = missing === 'version' ? 'add `version: 1` at the top' : missing === 'scenes' ? 'add a `scenes:` list with at least one scene' : undefined;
      return source.diagnostic(pointer, code, `${where} is missing the required key \`${missing}\``, { hint, part: 'key' });
    }
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((schema['properties'] as SchemaNode | undefined) ?? {}).filter((k) => k !== '$schema');
      const where = pointer === '' ? 'the manifest' : path;
      const merge = key === '<<' ? 'merge keys (`<<`) are not part of YAML 1.2; write the keys out, or put an anchor on the whole mapping' : undefined;
      return source.diagnostic(`${pointer}/${pointerSegment(key)}`, code, `unknown key \`${key}\` in ${where}`, {
        hint: merge ?? didYouMean(key, allowed) ?? `allowed keys: ${allowed.join(', ')}`,
        part: 'key',
      });
    }
    case 'type': {
      const expected = String(params['type']);
      return source.diagnostic(pointer, code, `${path} must be ${describeType(expected)}${unit}, not ${describeValue(value)}`);
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      return source.diagnostic(pointer, code, `${path} must be one of ${allowed.join(', ')}, not ${describeValue(value)}`, { hint: enumHint(value, allowed) });
    }
    case 'const':
      return source.diagnostic(pointer, code, `${path} must be ${JSON.stringify(params['allowedValue'])}, not ${describeValue(value)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'greater than', exclusiveMaximum: 'less than' }[error.keyword];
      return source.diagnostic(pointer, code, `${path} must be ${words} ${String(params['limit'])}${unit}, not ${describeValue(value)}`);
    }
    case 'minLength':
      return source.diagnostic(pointer, code, Number(params['limit']) === 1 ? `${path} must not be empty` : `${path} must have at least ${String(params['limit'])} characters`);
    case 'maxLength':
      // Counted as ajv counts them: code points, so an emoji is one character, not two.
      return source.diagnostic(pointer, code, `${path} must have at most ${String(params['limit'])} characters, not ${typeof value === 'string' ? [...value].length : '?'}`);
    case 'minItems':
      return source.diagnostic(pointer, code, `${path} must have at least ${String(params['limit'])} ${Number(params['limit']) === 1 ? 'entry' : 'entries'}`);
    case 'maxItems':
      return source.diagnostic(pointer, code, `${path} must have at most ${String(params['limit'])} entries`);
    case 'pattern': {
      const said = typeof schema['patternErrorMessage'] === 'string' ? schema['patternErrorMessage'] : `must match ${String(params['pattern'])}`;
      return source.diagnostic(pointer, code, `${path} ${said}, not ${describeValue(value)}`);
    }
    case 'anyOf': {
      const branches = (schema['anyOf'] as SchemaNode[] | undefined) ?? [];
      const options = branches.map((b) => describeBranch(b, unit)).join(' or ');
      return source.diagnostic(pointer, code, `${path} must be ${options}, not ${describeValue(value)}`);
    }
    default:
      return source.diagnostic(pointer, code, `${path} ${error.message ?? 'is not valid'}`);
  }
}

/** The closest of `candidates` to `word` as a hint, when one is close enough to be a typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = leven(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Short words are close to everything: allow one edit up to 4 characters, more for longer words.
  const tolerance = word.length <= 4 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= tolerance ? `did you mean \`${best}\`?` : undefined;
}

/**
 * A did-you-mean for a value outside an enum, as unknown keys get one: a typo (`disolve`), a
 * number missing its suffix (`1080` for `1080p`), or the start of several names (`wipe` →
 * `wipeleft`, `wiperight`, …). A number in a list of numbers (`fps: 25`) gets none: the message
 * already lists them, and the nearest is not necessarily meant.
 */
export function enumHint(value: unknown, allowed: readonly string[]): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (typeof value === 'number' && allowed.every((a) => a.trim() !== '' && Number.isFinite(Number(a)))) return undefined;
  const word = String(value);
  const close = didYouMean(word, allowed);
  if (close !== undefined) return close;
  const starting = allowed.filter((a) => a.toLowerCase().startsWith(word.toLowerCase()));
  return word.length >= 2 && starting.length > 1 ? `did you mean one of ${starting.map((a) => `\`${a}\``).join(', ')}?` : undefined;
}

function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  // ajv takes .nan and .inf for no number at all; so does the choice of an anyOf branch.
  if (typeof value === 'number') return !Number.isFinite(value) ? 'non-finite' : Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function resolveRef(branch: SchemaNode): SchemaNode {
  const ref = branch['$ref'];
  if (typeof ref !== 'string') return branch;
  const name = ref.replace('#/$defs/', '');
  return ((FILM_SCHEMA.$defs as Record<string, unknown>)[name] as SchemaNode | undefined) ?? branch;
}

function branchFits(branch: SchemaNode, value: unknown): boolean {
  const resolved = resolveRef(branch);
  if ('const' in resolved) return jsonType(resolved['const']) === jsonType(value) || typeof resolved['const'] === typeof value;
  const type = resolved['type'];
  if (typeof type !== 'string') return true;
  const actual = jsonType(value);
  return type === actual || (type === 'number' && actual === 'integer');
}

/** A branch that is one literal value (`const: auto`): its own error says less than "A or B". */
function isLiteral(branch: SchemaNode): boolean {
  return 'const' in resolveRef(branch);
}

function describeBranch(branch: SchemaNode, unit: string): string {
  const resolved = resolveRef(branch);
  if ('const' in resolved) return `\`${String(resolved['const'])}\``;
  const type = resolved['type'];
  return describeType(typeof type === 'string' ? type : 'value') + unit;
}

/** `string` → `a string`; a union (`string,number,boolean`, as ajv gives it) → `a string, a number, true or false`. */
function describeType(type: string): string {
  if (type.includes(',')) {
    const words = type.split(',').flatMap((t) => (t === 'boolean' ? ['true', 'false'] : [describeType(t)]));
    return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
  }
  switch (type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    default:
      return type;
  }
}

/**
 * How a found value is named in a message: `the string "ten"`, `a list`, `nothing`. A number that
 * is not finite is named as YAML writes it (`.nan`, `.inf`), not as JavaScript prints it.
 */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') {
    // Cut between characters, never inside an emoji's surrogate pair.
    const chars = [...value];
    const shown = chars.length > 40 ? `${chars.slice(0, 37).join('')}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}
