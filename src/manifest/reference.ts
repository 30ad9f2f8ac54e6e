/**
 * The README's manifest reference, rendered from the schema so the two cannot drift apart
 * (a test compares the README with this output; `npm run docs` rewrites it).
 */
import { FILM_SCHEMA } from './film-schema.js';

type SchemaNode = Record<string, unknown>;

/** One documented key: `scenes[].narration.speed`, its accepted values, and its description. */
export interface ReferenceRow {
  readonly key: string;
  readonly accepts: string;
  readonly description: string;
}

/** Every key of the manifest, depth first, in schema order. */
export function referenceRows(schema: SchemaNode = FILM_SCHEMA): ReferenceRow[] {
  const defs = (schema['$defs'] ?? {}) as Record<string, SchemaNode>;
  const resolve = (node: SchemaNode): SchemaNode => {
    const ref = node['$ref'];
    if (typeof ref !== 'string') return node;
    const target = defs[ref.replace('#/$defs/', '')] ?? {};
    const { $ref: _ignored, ...rest } = node;
    return { ...target, ...rest };
  };
  const rows: ReferenceRow[] = [];
  const walk = (node: SchemaNode, prefix: string): void => {
    const properties = (node['properties'] ?? {}) as Record<string, SchemaNode>;
    for (const [name, raw] of Object.entries(properties)) {
      if (name === '$schema') continue;
      const child = resolve(raw);
      const key = prefix ? `${prefix}.${name}` : name;
      rows.push({ key, accepts: accepts(child, resolve), description: text(child['description'], '') });
      if (child['type'] === 'object') walk(child, key);
      if (child['type'] === 'array' && child['items']) {
        const item = resolve(child['items'] as SchemaNode);
        if (item['type'] === 'object') walk(item, `${key}[]`);
      }
      for (const branch of (child['anyOf'] ?? []) as SchemaNode[]) {
        const resolved = resolve(branch);
        if (resolved['type'] === 'object') walk(resolved, key);
      }
    }
  };
  walk(schema, '');
  return rows;
}

/** A schema keyword's text (`type`, `description`), or `fallback` when the schema leaves it out. */
function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function accepts(node: SchemaNode, resolve: (n: SchemaNode) => SchemaNode): string {
  if (Array.isArray(node['enum'])) return (node['enum'] as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
  if ('const' in node) return `\`${String(node['const'])}\``;
  if (Array.isArray(node['anyOf'])) return (node['anyOf'] as SchemaNode[]).map((b) => accepts(resolve(b), resolve)).join(' or ');
  const type = text(node['type'], '');
  const bounds: string[] = [];
  const unit = typeof node['x-unit'] === 'string' ? ` ${node['x-unit']}` : '';
  if (typeof node['minimum'] === 'number') bounds.push(`≥ ${node['minimum']}`);
  if (typeof node['exclusiveMinimum'] === 'number') bounds.push(`> ${node['exclusiveMinimum']}`);
  if (typeof node['maximum'] === 'number') bounds.push(`≤ ${node['maximum']}`);
  if (typeof node['maxLength'] === 'number') bounds.push(`≤ ${node['maxLength']} chars`);
  if (type === 'array') {
    const item = resolve((node['items'] ?? {}) as SchemaNode);
    return `list of ${item['type'] === 'object' ? 'mappings' : text(item['type'], 'values')}`;
  }
  if (type === 'object') return 'mapping';
  return [type + (bounds.length ? ` (${bounds.join(', ')}${unit})` : unit ? ` (${unit.trim()})` : '')].join('');
}

/** The reference as a Markdown table. */
export function renderReference(rows: readonly ReferenceRow[] = referenceRows()): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| key | accepts | meaning |', '|---|---|---|'];
  for (const row of rows) lines.push(`| \`${row.key}\` | ${row.accepts} | ${escape(row.description)} |`);
  return lines.join('\n');
}
