// The rooms keep to their jobs: the pure ones (vocabulary, manifest, plan, qc, captions) touch no disk, network
// or process, and what the API *is* comes from src/vocabulary, never from the client.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/project.js';

const SRC = join(ROOT, 'src');

/** Every .ts file under `dir`, with its value imports (type-only imports erase at compile time). */
function imports(dir: string): Array<{ file: string; specifiers: string[] }> {
  const out: Array<{ file: string; specifiers: string[] }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = readFileSync(path, 'utf8');
    const specifiers = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
    out.push({ file: relative(SRC, path), specifiers });
  }
  return out;
}

/** Node modules a pure room may use: computation only. */
const PURE_NODE = new Set(['node:crypto', 'node:path']);

test('the pure rooms import no disk, network or process module, and nothing from the rooms that do', () => {
  const offences: string[] = [];
  for (const room of ['vocabulary', 'manifest', 'plan', 'qc', 'captions']) {
    for (const { file, specifiers } of imports(join(SRC, room))) {
      if (file === join('manifest', 'read.ts')) continue; // the one stage that reads the disk
      for (const s of specifiers) {
        if (s.startsWith('node:') && !PURE_NODE.has(s)) offences.push(`${file} imports ${s}`);
        if (/^\.\.\/(api|local|runner|media|cli)\//.test(s)) offences.push(`${file} imports ${s}`);
        const pkg = s.split('/')[0]!;
        if (!s.startsWith('.') && !s.startsWith('node:') && !['yaml', 'ajv', 'canonicalize', 'leven'].includes(pkg)) offences.push(`${file} imports ${s}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});

test('plan limits, prices and the API vocabulary come from src/vocabulary, not from the client', () => {
  const offences: string[] = [];
  for (const room of ['vocabulary', 'manifest', 'plan', 'captions', 'local', 'media', 'util']) {
    for (const { file, specifiers } of imports(join(SRC, room))) {
      for (const s of specifiers) if (/(^|\/)api\//.test(s)) offences.push(`${file} imports ${s}`);
    }
  }
  assert.deepEqual(offences, []);
});

/**
 * Module-level state that is a deterministic memo of pure work (the compiled manifest schema)
 * is not a registry of things a composition root should own; each is named here with its reason.
 */
const MEMOS = new Set(['manifest/schema.ts: compiled']);

test('nothing keeps a process-wide registry of clients, limits or binaries', () => {
  const offences: string[] = [];
  for (const { file } of imports(SRC)) {
    const text = readFileSync(join(SRC, file), 'utf8');
    const found = [
      ...[...text.matchAll(/^(?:let|const)\s+(\w+)\s*(?::[^=]+)?=\s*new\s+(?:Map|WeakMap)\b[^(]*\(\)/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/^let\s+(\w+)/gm)].map((m) => m[1]!),
    ];
    for (const name of found) if (!MEMOS.has(`${file}: ${name}`)) offences.push(`${file}: ${name}`);
  }
  assert.deepEqual(offences, []);
});
