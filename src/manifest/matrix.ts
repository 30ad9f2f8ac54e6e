/**
 * `matrix:`: one manifest, several productions, with CI-matrix semantics (GitHub Actions'
 * `strategy.matrix`): the cartesian product of the listed values, minus `exclude` matches,
 * plus `include` entries (added to every combination they fit without overwriting an original
 * value, or as a new combination when they fit none). `${{ matrix.<name> }}` in any string is
 * replaced by the combination's value. Pure.
 */
import { pointerSegment, type Diagnostic } from './diagnostic.js';
import type { MatrixValue } from './production.js';
import type { ManifestSource } from './source.js';

/** One combination of values. */
export type Combination = Readonly<Record<string, MatrixValue>>;

/** The matrix block as the schema accepts it. */
export interface MatrixData {
  include?: Array<Record<string, MatrixValue>>;
  exclude?: Array<Record<string, MatrixValue>>;
  [name: string]: MatrixValue[] | Array<Record<string, MatrixValue>> | undefined;
}

/** Most productions one manifest may expand into. */
export const MAX_COMBINATIONS = 256;

/** The combinations of `matrix`, in order: product first (first key slowest), then new includes. */
export function expandMatrix(matrix: MatrixData): Combination[] {
  const keys = Object.keys(matrix).filter((k) => k !== 'include' && k !== 'exclude');
  let product: Array<Record<string, MatrixValue>> = keys.length > 0 ? [{}] : [];
  for (const key of keys) {
    const values = matrix[key] as MatrixValue[];
    product = product.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
    if (product.length > MAX_COMBINATIONS * 4) break;
  }
  // Own keys only: a matrix may name a value `constructor` or `__proto__` like any other.
  const matches = (combo: Record<string, MatrixValue>, entry: Record<string, MatrixValue>) => Object.entries(entry).every(([k, v]) => Object.hasOwn(combo, k) && combo[k] === v);
  product = product.filter((combo) => !(matrix.exclude ?? []).some((entry) => matches(combo, entry)));
  const originals = product.map((combo) => ({ ...combo }));
  const extra: Array<Record<string, MatrixValue>> = [];
  for (const entry of matrix.include ?? []) {
    let fitted = false;
    product.forEach((combo, i) => {
      const original = originals[i]!;
      // It fits when every key it shares with the original combination has the same value.
      if (Object.entries(entry).every(([k, v]) => !Object.hasOwn(original, k) || original[k] === v)) {
        for (const [k, v] of Object.entries(entry)) Object.defineProperty(combo, k, { value: v, enumerable: true, writable: true, configurable: true });
        fitted = true;
      }
    });
    if (!fitted) extra.push({ ...entry });
  }
  return [...product, ...extra];
}

/** A matrix list value that repeats an earlier one (as text: `1` and `"1"` make the same production). */
export interface RepeatedValue {
  readonly pointer: string;
  readonly name: string;
  readonly value: MatrixValue;
}

/** Every value of a matrix list that repeats an earlier value of the same list. */
export function repeatedValues(matrix: MatrixData): RepeatedValue[] {
  const out: RepeatedValue[] = [];
  for (const name of Object.keys(matrix).filter((k) => k !== 'include' && k !== 'exclude')) {
    const seen = new Set<string>();
    (matrix[name] as MatrixValue[]).forEach((value, i) => {
      if (seen.has(String(value))) out.push({ pointer: `/matrix/${pointerSegment(name)}/${i}`, name, value });
      seen.add(String(value));
    });
  }
  return out;
}

/** The first combination that appears twice (an include entry repeating one), if any. */
export function repeatedCombination(combos: readonly Combination[]): Combination | undefined {
  const seen = new Set<string>();
  for (const combo of combos) {
    const key = describeCombination(combo);
    if (seen.has(key)) return combo;
    seen.add(key);
  }
  return undefined;
}

const REFERENCE = /\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;

/**
 * A copy of `data` (without `matrix`) with every `${{ matrix.<name> }}` replaced. A name the
 * combination lacks is a diagnostic at the string that uses it.
 */
export function interpolate(data: Record<string, unknown>, combo: Combination, source: ManifestSource): { data: Record<string, unknown>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const walk = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') {
      return value.replace(REFERENCE, (whole, name: string) => {
        if (Object.hasOwn(combo, name)) return String(combo[name]);
        diagnostics.push(
          source.diagnostic(pointer, 'matrix-reference', `${whole} names no matrix value (this combination has ${Object.keys(combo).join(', ') || 'none'})`, {
            hint: 'add the name to `matrix:`, or fix its spelling',
          }),
        );
        return whole;
      });
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${pointer}/${i}`));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${pointer}/${pointerSegment(k)}`)]));
    }
    return value;
  };
  const { matrix: _matrix, ...rest } = data;
  return { data: walk(rest, '') as Record<string, unknown>, diagnostics };
}

/** `city=tokyo, style=noir`: how diagnostics and reports name a combination. */
export function describeCombination(combo: Combination): string {
  return Object.entries(combo)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

/** `tokyo-noir`: a file-name-safe name of a combination. */
export function combinationSlug(combo: Combination): string {
  return (
    Object.values(combo)
      .map((v) => String(v).replace(/[^A-Za-z0-9_-]+/g, '_'))
      .join('-')
      .slice(0, 80) || 'default'
  );
}

/** How runs and reports name a production: the manifest, and its combination when it has one. */
export function productionName(file: string, combo: Combination | undefined): string {
  return combo ? `${file} [${describeCombination(combo)}]` : file;
}
