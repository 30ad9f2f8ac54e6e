/**
 * Where things are in a manifest's text. Keeps the YAML document and its line counter after
 * parsing so every later stage (schema, rules, the planner) can point a Diagnostic at the text
 * behind a JSON pointer.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
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
  /** Offset of each line's first character; lines end at `\n`, as the YAML library counts them. */
  private lineStarts: number[] | undefined;

  constructor(
    /** The path as the user gave it. */
    readonly file: string,
    /** The text after BOM removal. */
    readonly text: string,
    private readonly document: Document.Parsed,
  ) {}

  /**
   * The 1-based position of a character offset, clamped to the text. Counted here rather than by
   * the YAML library's LineCounter, which misses line starts after some malformed tokens (a NUL
   * in a flow key) and places errors at the end of a truncated text past its last character.
   */
  position(offset: number): Position {
    return positionAt(this.text, (this.lineStarts ??= lineStartsOf(this.text)), offset);
  }

  /** The span of a character offset range in the text. */
  spanOfOffsets(startOffset: number, endOffset: number): Span {
    return { start: this.position(startOffset), end: this.position(Math.max(startOffset, endOffset)) };
  }

  /**
   * The span of the text behind `pointer` (RFC 6901). With `part: 'key'`, the mapping key of the
   * last segment. Falls back to the nearest ancestor that exists, then to the document start.
   */
  locate(pointer: string, part: Part = 'value'): Span {
    const range = this.range(pointer, part);
    if (!range) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    return this.spanOfOffsets(range[0], range[1]);
  }

  /** The character offsets [start, end) of the text behind `pointer` (as locate finds it); undefined when nothing is found. */
  range(pointer: string, part: Part = 'value'): readonly [number, number] | undefined {
    const segments =
      pointer === ''
        ? []
        : pointer
            .slice(1)
            .split('/')
            .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = this.document.contents;
    let pair: Pair | undefined;
    let best: Node | undefined = node && isNodeWithRange(node) ? node : undefined;
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
    return range ? [range[0], range[1]] : undefined;
  }

  /** A Diagnostic at `pointer` (or, with `at`, at those character offsets of the text). */
  diagnostic(
    pointer: string,
    code: string,
    message: string,
    options: { hint?: string | undefined; part?: Part; severity?: Severity; related?: readonly Diagnostic[]; at?: readonly [number, number] } = {},
  ): Diagnostic {
    const span = options.at ? this.spanOfOffsets(options.at[0], options.at[1]) : this.locate(pointer, options.part ?? 'value');
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

/** Offset of each line's first character in `text`; lines end at `\n`. */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based position of `offset` in `text` (clamped to it), given the text's line starts. */
export function positionAt(text: string, lineStarts: readonly number[], offset: number): Position {
  const at = Math.min(Math.max(0, Number.isFinite(offset) ? Math.floor(offset) : 0), text.length);
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= at) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: at - lineStarts[low]! + 1 };
}

function isNodeWithRange(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray((value as Node).range);
}
