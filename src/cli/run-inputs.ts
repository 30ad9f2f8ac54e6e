/**
 * What `run` was asked to make: every manifest named, and every `*.yaml` of every folder named,
 * loaded and checked. A manifest that is invalid (or a matrix whose combination is) does not stop
 * the others: it becomes a failed production carrying its diagnostics, for the summary, the
 * report and JUnit.
 */
import { failedSummary } from '../runner/batch.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadManifest, type Diagnostic, type MatrixValue, type PaidPlan, type Production } from '../manifest/index.js';
import { productionName } from '../manifest/matrix.js';
import type { RunSummary } from '../runner/events.js';

/** A production to make, with its display name (`film.yaml`, `film.yaml [city=tokyo]`). */
export interface NamedProduction {
  readonly name: string;
  production: Production;
}

/** The outcome of loading: what can run, what cannot, and every diagnostic to print. */
export interface LoadedInputs {
  readonly files: readonly string[];
  readonly productions: NamedProduction[];
  /** One failed summary per invalid manifest, in file order. */
  readonly invalid: ReadonlyArray<RunSummary & { readonly name: string }>;
  /** The matrix values of each production by name (expanded productions only, valid or not). */
  readonly matrices: ReadonlyMap<string, Readonly<Record<string, MatrixValue>>>;
  /** Each file's diagnostics (warnings included) with its text, for printing with the source line. */
  readonly diagnostics: ReadonlyArray<{ readonly text: string | undefined; readonly diagnostics: readonly Diagnostic[] }>;
}

/** Manifest files named directly, and the *.yaml/*.yml files of named folders (sorted). */
export async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(input).catch(() => [] as string[])).filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort();
      out.push(...names.map((n) => join(input, n)));
    } else out.push(input);
  }
  return out;
}

/** Loads every file; never throws for a bad manifest. */
export async function loadInputs(inputs: readonly string[], plan: PaidPlan | undefined): Promise<LoadedInputs> {
  const files = await expandInputs(inputs);
  const productions: NamedProduction[] = [];
  const invalid: Array<RunSummary & { name: string }> = [];
  const diagnostics: Array<{ text: string | undefined; diagnostics: readonly Diagnostic[] }> = [];
  const matrices = new Map<string, Readonly<Record<string, MatrixValue>>>();
  for (const file of files) {
    const loaded = await loadManifest(file, plan ? { plan } : {});
    if (loaded.diagnostics.length > 0) diagnostics.push({ text: loaded.text, diagnostics: loaded.diagnostics });
    for (const { matrix, diagnostics: errors } of loaded.rejected) {
      if (matrix) matrices.set(productionName(file, matrix), matrix);
      invalid.push(failedSummary(productionName(file, matrix), file, { reason: 'manifest', diagnostics: errors }));
    }
    for (const production of loaded.valid) {
      const name = productionName(file, production.matrix);
      if (production.matrix) matrices.set(name, production.matrix);
      productions.push({ name, production });
    }
  }
  return { files, productions, invalid, matrices, diagnostics };
}
