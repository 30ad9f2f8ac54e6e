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

/** Sorts a copy of `diagnostics` by position (see compareDiagnostics). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(compareDiagnostics);
}

/** True when any diagnostic is an error (warnings alone leave a manifest valid). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `film.yaml:12:7 error: message — hint: …`, one line. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? ` — hint: ${d.hint}` : '';
  return `${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}${hint}`;
}

/**
 * The diagnostic line followed by the offending source line with a squiggle under the range,
 * as compilers print it. `text` is the manifest's text; without it only the line is returned.
 */
export function formatDiagnosticWithSource(d: Diagnostic, text?: string): string {
  const head = formatDiagnostic(d);
  if (text === undefined) return head;
  const lines = text.split(/\r?\n/);
  const source = lines[d.line - 1];
  if (source === undefined || source.trim() === '') return head;
  const gutter = String(d.line);
  const start = Math.max(0, d.column - 1);
  const endColumn = d.end && d.end.line === d.line ? d.end.column : source.length + 1;
  const width = Math.max(1, Math.min(endColumn, source.length + 1) - 1 - start);
  const visible = source.replace(/\t/g, ' ');
  const pad = ' '.repeat(gutter.length);
  return `${head}\n ${gutter} | ${visible}\n ${pad} | ${' '.repeat(start)}${'~'.repeat(width)}`;
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
