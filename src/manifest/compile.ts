/**
 * The manifest pipeline without the disk: text → parse → schema → (matrix) → normalize → rules.
 * Each stage stops the pipeline when it finds errors, since later stages assume its output.
 * A manifest with a `matrix:` compiles to one Production per combination; their diagnostics
 * point at the manifest's text and name the combination (a problem several combinations share
 * is listed once, naming them all: src/manifest/matrix-diagnostics.ts).
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostic.js';
import {
  combinationSlug,
  describeCombination,
  expandMatrix,
  interpolate,
  MAX_COMBINATIONS,
  repeatedCombination,
  repeatedValues,
  type Combination,
  type MatrixData,
} from './matrix.js';
import { mergeCombinations, tagCombination, type CombinationDiagnostic } from './matrix-diagnostics.js';
import { normalize, type ManifestData } from './normalize.js';
import { parseManifestText } from './parse.js';
import type { MatrixValue, PaidPlan, Production } from './production.js';
import { checkRules, type RuleEnvironment } from './rules.js';
import { checkSchema } from './schema.js';
import type { ManifestSource } from './source.js';

/** Inputs a manifest's meaning depends on besides its text. */
export interface CompileOptions extends RuleEnvironment {
  /** Absolute folder of the manifest; its relative paths resolve here. */
  readonly baseDir: string;
  /** Overrides the manifest's `plan` (command line, environment). */
  readonly plan?: PaidPlan;
}

/** A compiled manifest: its productions when there are no errors, and every diagnostic, sorted. */
export interface CompileResult {
  /** The production, for a manifest without a matrix. */
  readonly production?: Production;
  /** Every production (one per matrix combination; one without a matrix). */
  readonly productions: readonly Production[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * For `run`, which makes what it can: the combinations of a matrix that are valid even when
   * others are not (for a manifest without a matrix: its production when it is valid).
   */
  readonly valid: readonly Production[];
  /** The combinations with errors, each with its own (for a manifest without a matrix: one entry). */
  readonly rejected: ReadonlyArray<{ readonly matrix?: Readonly<Record<string, MatrixValue>>; readonly diagnostics: readonly Diagnostic[] }>;
}

/**
 * Compiles the text of `file`. Never throws: problems come back as diagnostics, and so does a
 * failure of the environment (a `fileExists` that throws) or a bug in a stage, as one
 * `internal-error` that asks for a report instead of a stack trace.
 */
export function compileManifest(file: string, text: string, options: CompileOptions): CompileResult {
  try {
    return compileStages(file, text, options);
  } catch (error: unknown) {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const diagnostic: Diagnostic = {
      severity: 'error',
      code: 'internal-error',
      file,
      line: 1,
      column: 1,
      pointer: '',
      message: `the manifest could not be checked (${what})`,
      hint: 'this is a bug in mercadream-pipeline or a failure of the disk; please report it with the manifest',
    };
    return { productions: [], diagnostics: [diagnostic], valid: [], rejected: [{ diagnostics: [diagnostic] }] };
  }
}

/** The errors of one matrix combination (or of the whole manifest, without a matrix). */
type Rejection = { matrix?: Readonly<Record<string, MatrixValue>>; diagnostics: Diagnostic[] };

/** A result with no production: every error belongs to the manifest as a whole. */
function failed(diagnostics: readonly Diagnostic[]): CompileResult {
  const sorted = sortDiagnostics(diagnostics);
  return { productions: [], diagnostics: sorted, valid: [], rejected: [{ diagnostics: sorted.filter((d) => d.severity === 'error') }] };
}

function compileStages(file: string, text: string, options: CompileOptions): CompileResult {
  const parsed = parseManifestText(file, text);
  if (!parsed.source || parsed.data === undefined || hasErrors(parsed.diagnostics)) return failed(parsed.diagnostics);
  const source = parsed.source;
  const schemaProblems = checkSchema(source, parsed.data);
  if (hasErrors(schemaProblems)) return failed([...parsed.diagnostics, ...schemaProblems]);
  const matrix = parsed.data['matrix'] as MatrixData | undefined;
  const combos = matrix ? expandMatrix(matrix) : [undefined];
  const matrixProblems = checkCombinations(source, matrix, combos);
  if (matrixProblems.length > 0) return failed([...parsed.diagnostics, ...matrixProblems]);

  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const found: CombinationDiagnostic[] = [];
  const rejected: Rejection[] = [];
  const productions: Production[] = [];
  for (const combo of combos) {
    const one = compileCombination(source, parsed.data, combo, options);
    if (combo) found.push(...one.diagnostics.map((diagnostic) => ({ diagnostic, combo })));
    else diagnostics.push(...one.diagnostics);
    const tagged = combo ? one.diagnostics.map((d) => tagCombination(d, combo)) : one.diagnostics;
    if (one.production) productions.push(one.production);
    else rejected.push({ ...(combo ? { matrix: combo } : {}), diagnostics: errorsOf(tagged) });
  }
  diagnostics.push(...mergeCombinations(found, combos.length));
  const valid = distinctOutputs(source, productions, diagnostics, rejected);
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { productions: [], diagnostics: sorted, valid, rejected };
  return { productions, diagnostics: sorted, valid, rejected, ...(matrix ? {} : { production: productions[0]! }) };
}

/** Problems of the matrix as a whole: no combination, too many, a value or a combination listed twice. */
function checkCombinations(source: ManifestSource, matrix: MatrixData | undefined, combos: ReadonlyArray<Combination | undefined>): Diagnostic[] {
  if (combos.length === 0) return [source.diagnostic('/matrix', 'matrix-empty', 'matrix makes no combination (every one is excluded)')];
  if (combos.length > MAX_COMBINATIONS) {
    return [
      source.diagnostic('/matrix', 'matrix-too-large', `matrix makes ${combos.length} combinations; at most ${MAX_COMBINATIONS} are allowed`, {
        hint: 'split the manifest, or exclude combinations',
      }),
    ];
  }
  // A combination made twice would be two productions of one film; say why rather than that their outputs collide.
  const repeats = matrix ? repeatedValues(matrix) : [];
  if (repeats.length > 0) {
    return repeats.map((r) =>
      source.diagnostic(r.pointer, 'matrix-repeated', `matrix.${r.name} lists \`${String(r.value)}\` twice`, { hint: 'every value makes its own productions; remove the repeat' }),
    );
  }
  const twice = repeatedCombination(combos.filter((c) => c !== undefined));
  if (!twice) return [];
  const entry = (matrix?.include ?? []).map((e) => describeCombination(e)).lastIndexOf(describeCombination(twice));
  return [
    source.diagnostic(
      entry >= 0 ? `/matrix/include/${entry}` : '/matrix/include',
      'matrix-repeated',
      `matrix makes the combination [matrix: ${describeCombination(twice)}] twice`,
      { hint: 'an include entry repeats a combination the matrix already makes; remove it' },
    ),
  ];
}

/**
 * One production: the manifest with the combination's values put in (checked against the schema
 * again), normalized, and its rules run. Its diagnostics do not name the combination yet: the
 * caller tags them for the production, and merges them across combinations for the manifest.
 */
function compileCombination(
  source: ManifestSource,
  raw: Record<string, unknown>,
  combo: Combination | undefined,
  options: CompileOptions,
): { production?: Production; diagnostics: Diagnostic[] } {
  let data = raw;
  const found: Diagnostic[] = [];
  if (combo) {
    const expanded = interpolate(raw, combo, source);
    found.push(...expanded.diagnostics);
    if (hasErrors(expanded.diagnostics)) return { diagnostics: found };
    const again = checkSchema(source, expanded.data);
    found.push(...again);
    if (hasErrors(again)) return { diagnostics: found };
    data = expanded.data;
  }
  const manifest = data as unknown as ManifestData;
  const production = normalize(source, manifest, { baseDir: options.baseDir, ...(options.plan ? { plan: options.plan } : {}) });
  const withMatrix: Production = combo ? { ...production, matrix: combo, variant: combinationSlug(combo) } : production;
  const broken = checkRules(withMatrix, manifest, options);
  found.push(...broken);
  return hasErrors(broken) ? { diagnostics: found } : { production: withMatrix, diagnostics: found };
}

/** Each combination must write its own film: the first keeps an output path, a later one is rejected. */
function distinctOutputs(source: ManifestSource, productions: readonly Production[], diagnostics: Diagnostic[], rejected: Rejection[]): Production[] {
  const seen = new Map<string, Production>();
  const valid: Production[] = [];
  for (const p of productions) {
    // Every rendition's file counts (a manifest with `outputs:` writes several).
    const taken = p.renditions.find((r) => seen.has(r.path));
    const first = taken && seen.get(taken.path);
    if (!taken || !first) {
      for (const r of p.renditions) seen.set(r.path, p);
      valid.push(p);
      continue;
    }
    const clash = source.diagnostic(
      `${taken.pointer}/path`,
      'matrix-output-unique',
      `${taken.pointer === '/output' ? 'output.path' : `outputs[${taken.pointer.split('/').pop()}].path`} is the same for [matrix: ${describeCombination(first.matrix ?? {})}] and [matrix: ${describeCombination(p.matrix ?? {})}]`,
      {
        hint: 'put a matrix value in it, e.g. out/${{ matrix.city }}.mp4',
      },
    );
    diagnostics.push(clash);
    rejected.push({ ...(p.matrix ? { matrix: p.matrix } : {}), diagnostics: [clash] });
  }
  return valid;
}

function errorsOf(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return sortDiagnostics(diagnostics.filter((d) => d.severity === 'error'));
}
