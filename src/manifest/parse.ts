/**
 * Stage 2 of loading a manifest: YAML text → data, with source positions kept.
 *
 * YAML 1.2 core schema (so `no`, `yes` and `on` stay strings), duplicate keys are errors, and
 * alias expansion is bounded so a billion-laughs document fails fast instead of eating memory.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type YAMLError } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { lineStartsOf, ManifestSource, positionAt } from './source.js';

/**
 * Bound on alias expansion (the yaml library's `maxAliasCount`, which weighs each alias by the
 * size of what it expands to). A film that reuses an anchor in every one of thousands of scenes
 * stays far below it; a billion-laughs document passes it within milliseconds.
 */
export const MAX_ALIAS_COUNT = 10_000;

/**
 * Deepest nesting of lists and mappings a manifest may have. A film needs four levels (scenes →
 * scene → narration → text; matrix → include → entry → value); the bound keeps the YAML library
 * and the stages after it, which recurse once per level, far from the end of the call stack.
 */
export const MAX_NESTING = 64;

const TOO_DEEP_HINT = 'a manifest needs only a few levels (scenes → scene → narration); look for a runaway `- - -` or brackets that are never closed';

/** The parse result: data and source when the text is a YAML mapping, diagnostics otherwise. */
export interface ParseResult {
  readonly source?: ManifestSource;
  readonly data?: Record<string, unknown>;
  readonly diagnostics: readonly Diagnostic[];
}

const YAML_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'each key may appear once in a mapping; remove or rename one of them',
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs for indentation',
  MULTIPLE_DOCS: 'a manifest is one YAML document; remove the `---` separator',
  BAD_INDENT: 'check that entries of the same mapping or list line up',
  MISSING_CHAR: 'check for an unclosed quote or bracket',
  BAD_DQ_ESCAPE: 'in double quotes a backslash starts an escape such as \\n, \\" or \\u00e9; write \\\\ for a backslash, or use single quotes',
};

/** Our wording where the YAML library's speaks of its own API. */
const YAML_MESSAGES: Readonly<Record<string, string>> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document',
};

/** A problem with the whole text, at its first character. */
function wholeFile(file: string, message: string, code: string, hint?: string): Diagnostic {
  return { severity: 'error', code, file, line: 1, column: 1, pointer: '', message, ...(hint ? { hint } : {}) };
}

/** A problem at a character offset of `text`. */
function atOffset(file: string, text: string, offset: number, code: string, message: string, hint: string): Diagnostic {
  const { line, column } = positionAt(text, lineStartsOf(text), offset);
  return { severity: 'error', code, file, line, column, pointer: '', message, hint };
}

/** Parses `text` (the content of `file`) into plain data. Never throws. */
export function parseManifestText(file: string, rawText: string): ParseResult {
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  let document: Document.Parsed;
  try {
    document = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false, merge: false, strict: true, logLevel: 'error' });
  } catch (error: unknown) {
    // The library's parser recurses once per level of nesting and runs out of stack first.
    if (error instanceof RangeError) return { diagnostics: [atOffset(file, text, deepestLineOffset(text), 'yaml-too-deep', 'values nest too deeply to be read', TOO_DEEP_HINT)] };
    return { diagnostics: [wholeFile(file, `the manifest could not be read as YAML (${error instanceof Error ? error.message : String(error)})`, 'yaml-invalid')] };
  }
  const source = new ManifestSource(file, text, document);
  // Running out of stack while composing is reported as an error of its own; the others then follow from it.
  const exhausted = document.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
  if (exhausted) return { diagnostics: [atOffset(file, text, exhausted.pos[0], 'yaml-too-deep', 'values nest too deeply to be read', TOO_DEEP_HINT)] };
  const problems = [...document.errors.map((e) => yamlDiagnostic(source, e, 'error')), ...document.warnings.map((e) => yamlDiagnostic(source, e, 'warning'))];
  if (document.errors.length > 0) return { diagnostics: problems };
  const refused = shapeProblem(source, document) ?? topLevelProblem(source, document);
  if (refused) return { diagnostics: [refused] };
  return toData(source, document, problems);
}

/** Aliases without anchors, aliases inside what they repeat, and nesting past MAX_NESTING. */
function shapeProblem(source: ManifestSource, document: Document.Parsed): Diagnostic | undefined {
  const { file, text } = source;
  const shape = checkShape(document);
  if (!shape) return undefined;
  if (shape.kind === 'unknown-alias') {
    return atOffset(
      file,
      text,
      shape.offset,
      'yaml-unknown-alias',
      `the alias \`*${shape.alias}\` has no anchor \`&${shape.alias}\` before it`,
      'an alias repeats a value marked with `&name` earlier in the file; mark the value, or write it out',
    );
  }
  if (shape.kind === 'cycle') {
    return atOffset(
      file,
      text,
      shape.offset,
      'yaml-alias-cycle',
      `the alias \`*${shape.alias}\` repeats a value that contains it, so it would never end`,
      'an alias may repeat a value written before it, not one it is part of',
    );
  }
  return atOffset(file, text, shape.offset, 'yaml-too-deep', `values nest more than ${MAX_NESTING} levels deep`, TOO_DEEP_HINT);
}

/** An empty document, or one that is a list or a single value rather than a mapping. */
function topLevelProblem(source: ManifestSource, document: Document.Parsed): Diagnostic | undefined {
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    return wholeFile(source.file, 'the manifest is empty', 'manifest-empty', 'start with `version: 1` and a list of `scenes:`');
  }
  if (isMap(contents)) return undefined;
  const what = isSeq(contents) ? 'a list' : 'a single value';
  const span = source.locate('');
  return {
    severity: 'error',
    code: 'manifest-not-mapping',
    file: source.file,
    line: span.start.line,
    column: span.start.column,
    pointer: '',
    message: `the manifest must be a mapping (version, title, scenes, …), not ${what}`,
    hint: isSeq(contents) ? 'put the scenes under a `scenes:` key and add `version: 1`' : 'start with `version: 1` and a list of `scenes:`',
  };
}

/** The document as plain data, with alias expansion bounded (a "billion laughs" document is refused). */
function toData(source: ManifestSource, document: Document.Parsed, problems: Diagnostic[]): ParseResult {
  try {
    const data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT, mapAsMap: false }) as Record<string, unknown>;
    return { source, data, diagnostics: problems };
  } catch (error: unknown) {
    if (!(error instanceof ReferenceError && /excessive alias count/i.test(error.message))) {
      return { diagnostics: [...problems, wholeFile(source.file, `the manifest could not be read as YAML: ${String(error)}`, 'yaml-invalid')] };
    }
    const offset = firstAliasOffset(document);
    const span = source.spanOfOffsets(offset, offset);
    const limit: Diagnostic = {
      severity: 'error',
      code: 'yaml-alias-limit',
      file: source.file,
      line: span.start.line,
      column: span.start.column,
      pointer: '',
      message: 'aliases expand too much: this document would grow exponentially when read',
      hint: 'a manifest that expands aliases this far is refused to protect memory; write the values out',
    };
    return { diagnostics: [...problems, limit] };
  }
}

function yamlDiagnostic(source: ManifestSource, error: YAMLError, severity: 'error' | 'warning'): Diagnostic {
  const span = source.spanOfOffsets(error.pos[0], error.pos[1]);
  let message = YAML_MESSAGES[error.code] ?? error.message.split(/ at line \d+, column \d+/)[0]!.trim();
  if (error.code === 'DUPLICATE_KEY') {
    // The error's range covers the key's first character; the key runs to its `:`.
    const key = source.text
      .slice(error.pos[0], error.pos[0] + 200)
      .split(/:\s|:$|\n/)[0]!
      .trim();
    if (key) message = `duplicate key \`${key}\`: a mapping may hold each key once`;
  }
  if (error.code === 'BAD_DQ_ESCAPE') {
    // The library quotes the backslash and one UTF-16 unit after it: half of an emoji, or a closing quote.
    const escape = /^\\(?:x[0-9A-Fa-f]{0,2}|u[0-9A-Fa-f]{0,4}|U[0-9A-Fa-f]{0,8}|.)/su.exec(source.text.slice(error.pos[0], error.pos[0] + 12))?.[0];
    if (escape) message = `invalid escape sequence \`${escape}\` in a double-quoted string`;
  }
  const hint = YAML_HINTS[error.code];
  return {
    severity,
    code: `yaml-${error.code.toLowerCase().replace(/_/g, '-')}`,
    file: source.file,
    line: span.start.line,
    column: span.start.column,
    end: span.end,
    pointer: '',
    message: lowerFirst(message),
    ...(hint ? { hint } : {}),
  };
}

/**
 * A problem with the document's shape that the YAML library leaves to reading it: an alias
 * without an anchor, an alias inside the value it repeats (which becomes data that contains
 * itself), or nesting past MAX_NESTING once aliases are expanded.
 */
interface ShapeProblem {
  readonly kind: 'unknown-alias' | 'cycle' | 'too-deep';
  readonly offset: number;
  readonly alias?: string;
}

/**
 * Finds the first shape problem of the document. Iterative, since the document may be far too
 * deep for recursion, and linear in the size of the text: each node is measured once, however
 * often aliases repeat it.
 */
function checkShape(document: Document.Parsed): ShapeProblem | undefined {
  // An alias repeats the last node with its anchor before it, in document order.
  const targets = new Map<Alias, unknown>();
  const anchors = new Map<string, unknown>();
  const order: unknown[] = [document.contents];
  while (order.length > 0) {
    const node = order.pop();
    if (isAlias(node)) {
      if (!anchors.has(node.source)) return { kind: 'unknown-alias', offset: offsetOf(node), alias: node.source };
      targets.set(node, anchors.get(node.source));
      continue;
    }
    if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
    const children = childrenOf(node, targets);
    for (let i = children.length - 1; i >= 0; i--) order.push(children[i]);
  }

  // Height of every node (lists and mappings count one level, aliases none), post-order.
  const level = (node: unknown) => (isMap(node) || isSeq(node) ? 1 : 0);
  const height = new Map<unknown, number>();
  const open = new Set<unknown>();
  const work: Array<{ node: unknown; children: unknown[]; next: number; tallest: number }> = [];
  const enter = (node: unknown) => {
    open.add(node);
    work.push({ node, children: childrenOf(node, targets), next: 0, tallest: 0 });
  };
  enter(document.contents);
  while (work.length > 0) {
    const top = work[work.length - 1]!;
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      const known = height.get(child);
      if (known !== undefined) top.tallest = Math.max(top.tallest, known);
      else if (open.has(child)) return { kind: 'cycle', offset: offsetOf(top.node), alias: isAlias(top.node) ? top.node.source : '' };
      else enter(child);
      continue;
    }
    work.pop();
    open.delete(top.node);
    const own = level(top.node) + top.tallest;
    height.set(top.node, own);
    const parent = work[work.length - 1];
    if (parent) parent.tallest = Math.max(parent.tallest, own);
  }
  if ((height.get(document.contents) ?? 0) <= MAX_NESTING) return undefined;

  // Walk down the tallest branch to the first node past the limit; past an alias, its place in the text.
  let node: unknown = document.contents;
  let depth = level(node);
  let alias: Alias | undefined;
  while (depth <= MAX_NESTING) {
    const need = (height.get(node) ?? 0) - level(node);
    const next = childrenOf(node, targets).find((c) => height.get(c) === need);
    if (next === undefined) break;
    if (isAlias(node)) alias ??= node;
    node = next;
    depth += level(node);
  }
  return { kind: 'too-deep', offset: offsetOf(alias ?? node) };
}

function childrenOf(node: unknown, targets: ReadonlyMap<Alias, unknown>): unknown[] {
  if (isAlias(node)) return targets.has(node) ? [targets.get(node)] : [];
  if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value]).filter((n) => isNode(n));
  if (isSeq(node)) return node.items.filter((n) => isNode(n));
  return [];
}

function offsetOf(node: unknown): number {
  return isNode(node) && node.range ? node.range[0] : 0;
}

/** The start of the line that looks most deeply nested (indentation, `- ` and open brackets), where the parser gave up. */
function deepestLineOffset(text: string): number {
  let best = 0;
  let bestDepth = -1;
  let brackets = 0;
  let offset = 0;
  for (const line of text.split('\n')) {
    const indicators = line.match(/(?:^|\s)[-?:](?=\s|$)/g)?.length ?? 0;
    const depth = line.length - line.trimStart().length + indicators + brackets;
    if (depth > bestDepth) {
      bestDepth = depth;
      best = offset + line.length - line.trimStart().length;
    }
    for (const c of line) brackets += c === '[' || c === '{' ? 1 : c === ']' || c === '}' ? -1 : 0;
    brackets = Math.max(0, brackets);
    offset += line.length + 1;
  }
  return best;
}

function firstAliasOffset(document: Document.Parsed): number {
  let offset = 0;
  visit(document, {
    Alias(_key, node) {
      if (isAlias(node) && node.range) {
        offset = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}
