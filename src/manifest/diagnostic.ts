/**
 * The one type for every user-facing problem with a manifest, and its compiler-style rendering:
 *
 *   film.yaml:12:7 error: scenes[2].duration must be at most 120 (seconds) — hint: split the scene
 */

export type Severity = 'error' | 'warning';

/** A position in a manifest: 1-based line and column (columns count UTF-16 code units, as editors do). */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A problem with a manifest, pointing at the text that causes it. */
export interface Diagnostic {
  readonly severity: Severity;
  /** Stable machine name of the check that found it (`yaml-duplicate-key`, `schema-maximum`, `unique-scene-ids`, …). */
  readonly code: string;
  /** The manifest's path as the user gave it. */
  readonly file: string;
  /** 1-based line of the offending text (1 when the whole file is at fault). */
  readonly line: number;
  /** 1-based column of the offending text. */
  readonly column: number;
  /** Where the offending text ends, when known (for squiggles). */
  readonly end?: Position;
  /** JSON pointer (RFC 6901) into the manifest's data, `""` for the whole document. */
  readonly pointer: string;
  /** What is wrong, beginning with the dotted path of the value (`scenes[2].duration must be …`). */
  readonly message: string;
  /** How to fix it, when there is something useful to say. */
  readonly hint?: string;
  /** Other places involved (the first of two duplicate ids, say). */
  readonly related?: readonly Diagnostic[];
}

/** Orders diagnostics by file, then position, then message, so output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Sorts a copy of `diagnostics` by position (see compareDiagnostics), dropping exact repeats. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...diagnostics].sort(compareDiagnostics).filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** True when any diagnostic is an error (warnings alone leave a manifest valid). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `film.yaml:12:7 error: message — hint: …`, one line, with control characters made visible. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? ` — hint: ${d.hint}` : '';
  return visible(`${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}${hint}`);
}

/** Columns of source shown around the offending place; longer lines are cut with `…`. */
const EXCERPT_WIDTH = 100;

/**
 * The manifest's text as lines, split once and handed to formatDiagnosticWithSource for each
 * diagnostic. Lines end at `\n` (or `\r\n`), as the YAML library and diagnostic positions count
 * them; a lone `\r` stays inside its line and is shown escaped.
 */
export function sourceLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * The diagnostic line followed by the offending source line with a squiggle under the range,
 * as compilers print it. Long lines are cut to a window around the column; control characters
 * are shown as `\xNN` so a manifest cannot drive the terminal.
 */
export function formatDiagnosticWithSource(d: Diagnostic, lines?: readonly string[]): string {
  const head = formatDiagnostic(d);
  const source = lines?.[d.line - 1];
  if (source === undefined || source.trim() === '') return head;
  const startIndex = Math.max(0, d.column - 1);
  const endIndex = Math.max(startIndex + 1, d.end && d.end.line === d.line ? d.end.column - 1 : source.length);
  const from = Math.max(0, Math.min(startIndex - 20, source.length - EXCERPT_WIDTH));
  const to = Math.min(source.length, from + EXCERPT_WIDTH);
  const shown = (from > 0 ? '…' : '') + visible(source.slice(from, to).replace(/\t/g, ' ')) + (to < source.length ? '…' : '');
  const lead = (from > 0 ? 1 : 0) + visible(source.slice(from, startIndex).replace(/\t/g, ' ')).length;
  const width = Math.max(1, Math.min(endIndex, to) - startIndex);
  const gutter = String(d.line);
  const pad = ' '.repeat(gutter.length);
  return `${head}\n ${gutter} | ${shown}\n ${pad} | ${' '.repeat(lead)}${'~'.repeat(width)}`;
}

/** Replaces C0/C1 control characters (but not tab) with `\xNN`. */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `/scenes/2/duration` → `scenes[2].duration`; `""` → `(document)`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '(document)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}
