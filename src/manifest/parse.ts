/**
 * Stage 2 of loading a manifest: YAML text → data, with source positions kept.
 *
 * YAML 1.2 core schema (so `no`, `yes` and `on` stay strings), duplicate keys are errors, and
 * alias expansion is bounded so a billion-laughs document fails fast instead of eating memory.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit, type YAMLError } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { ManifestSource } from './source.js';

/**
 * Bound on alias expansion (the yaml library's `maxAliasCount`, which weighs each alias by the
 * size of what it expands to). A film that reuses an anchor in every one of thousands of scenes
 * stays far below it; a billion-laughs document passes it within milliseconds.
 */
export const MAX_ALIAS_COUNT = 10_000;

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
};

/** Our wording where the YAML library's speaks of its own API. */
const YAML_MESSAGES: Readonly<Record<string, string>> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document',
};

/** Parses `text` (the content of `file`) into plain data. Never throws. */
export function parseManifestText(file: string, rawText: string): ParseResult {
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  const whole = (message: string, code: string, hint?: string): ParseResult => ({
    diagnostics: [
      { severity: 'error', code, file, line: 1, column: 1, pointer: '', message, ...(hint ? { hint } : {}) },
    ],
  });

  const document = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    uniqueKeys: true,
    prettyErrors: false,
    merge: false,
    strict: true,
    logLevel: 'error',
  });
  const source = new ManifestSource(file, text, document);

  const problems = [
    ...document.errors.map((e) => yamlDiagnostic(source, e, 'error')),
    ...document.warnings.map((e) => yamlDiagnostic(source, e, 'warning')),
  ];
  if (document.errors.length > 0) return { diagnostics: problems };

  const contents = document.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    return whole('the manifest is empty', 'manifest-empty', 'start with `version: 1` and a list of `scenes:`');
  }
  if (!isMap(contents)) {
    const what = isSeq(contents) ? 'a list' : 'a single value';
    const span = source.locate('');
    return {
      diagnostics: [
        {
          severity: 'error',
          code: 'manifest-not-mapping',
          file,
          line: span.start.line,
          column: span.start.column,
          pointer: '',
          message: `the manifest must be a mapping (version, title, scenes, …), not ${what}`,
          hint: isSeq(contents) ? 'put the scenes under a `scenes:` key and add `version: 1`' : 'start with `version: 1` and a list of `scenes:`',
        },
      ],
    };
  }

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT, mapAsMap: false });
  } catch (error: unknown) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      const offset = firstAliasOffset(document);
      const span = source.spanOfOffsets(offset, offset);
      return {
        diagnostics: [
          ...problems,
          {
            severity: 'error',
            code: 'yaml-alias-limit',
            file,
            line: span.start.line,
            column: span.start.column,
            pointer: '',
            message: 'aliases expand too much: this document would grow exponentially when read',
            hint: 'a manifest that expands aliases this far is refused to protect memory; write the values out',
          },
        ],
      };
    }
    return { diagnostics: [...problems, whole(`the manifest could not be read as YAML: ${String(error)}`, 'yaml-invalid').diagnostics[0]!] };
  }
  return { source, data: data as Record<string, unknown>, diagnostics: problems };
}

function yamlDiagnostic(source: ManifestSource, error: YAMLError, severity: 'error' | 'warning'): Diagnostic {
  const span = source.spanOfOffsets(error.pos[0], error.pos[1]);
  let message = YAML_MESSAGES[error.code] ?? error.message.split(/ at line \d+, column \d+/)[0]!.trim();
  if (error.code === 'DUPLICATE_KEY') {
    // The error's range covers the key's first character; the key runs to its `:`.
    const key = source.text.slice(error.pos[0], error.pos[0] + 200).split(/:\s|:$|\n/)[0]!.trim();
    if (key) message = `duplicate key \`${key}\`: a mapping may hold each key once`;
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

function firstAliasOffset(document: ReturnType<typeof parseDocument>): number {
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
