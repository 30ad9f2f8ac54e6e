/**
 * Where things are in a manifest's text. Keeps the YAML document and its line counter after
 * parsing so every later stage (schema, rules, the planner) can point a Diagnostic at the text
 * behind a JSON pointer.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { Diagnostic, Position, Severity } from './diagnostic.js';

/** A located range: start and end positions, 1-based. */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

/** Which part of a mapping entry to point at: the key (`durtion:`) or its value. */
export type Part = 'key' | 'value';

/** The manifest's text with its parse tree, able to locate JSON pointers. */
export class ManifestSource {
  constructor(
    /** The path as the user gave it. */
    readonly file: string,
    /** The text after BOM removal. */
    readonly text: string,
    private readonly document: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  /** The span of a character offset range in the text. */
  spanOfOffsets(startOffset: number, endOffset: number): Span {
    const start = this.lineCounter.linePos(startOffset);
    const end = this.lineCounter.linePos(Math.max(startOffset, endOffset));
    return { start: { line: start.line, column: start.col }, end: { line: end.line, column: end.col } };
  }

  /**
   * The span of the text behind `pointer` (RFC 6901). With `part: 'key'`, the mapping key of the
   * last segment. Falls back to the nearest ancestor that exists, then to the document start.
   */
  locate(pointer: string, part: Part = 'value'): Span {
    const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = this.document.contents;
    let pair: Pair | undefined;
    let best: Node | undefined =
      node && isNodeWithRange(node) ? node : undefined;
    for (const segment of segments) {
      pair = undefined;
      if (isMap(node)) {
        const found = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment);
        if (!found) break;
        pair = found;
        node = found.value;
      } else if (isSeq(node)) {
        const index = Number(segment);
        node = Number.isInteger(index) ? node.items[index] : undefined;
      } else {
        break;
      }
      if (node && isNodeWithRange(node)) best = node;
      else if (pair && isNodeWithRange(pair.key)) best = pair.key;
    }
    if (part === 'key' && pair && isNodeWithRange(pair.key)) best = pair.key;
    const range = best?.range;
    if (!range) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    return this.spanOfOffsets(range[0], range[1]);
  }

  /** A Diagnostic at `pointer`. */
  diagnostic(
    pointer: string,
    code: string,
    message: string,
    options: { hint?: string | undefined; part?: Part; severity?: Severity; related?: readonly Diagnostic[] } = {},
  ): Diagnostic {
    const span = this.locate(pointer, options.part ?? 'value');
    return {
      severity: options.severity ?? 'error',
      code,
      file: this.file,
      line: span.start.line,
      column: span.start.column,
      end: span.end,
      pointer,
      message,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.related === undefined ? {} : { related: options.related }),
    };
  }
}

function isNodeWithRange(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray((value as Node).range);
}
