/**
 * The manifest pipeline without the disk: text → parse → schema → normalize → rules.
 * Each stage stops the pipeline when it finds errors, since later stages assume its output.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { normalize, type ManifestData } from './normalize.js';
import { parseManifestText } from './parse.js';
import type { Production, ProductionPlan } from './production.js';
import { checkRules, type RuleEnvironment } from './rules.js';
import { checkSchema } from './schema.js';

/** Inputs a manifest's meaning depends on besides its text. */
export interface CompileOptions extends RuleEnvironment {
  /** Absolute folder of the manifest; its relative paths resolve here. */
  readonly baseDir: string;
  /** Overrides the manifest's `plan` (command line, environment). */
  readonly plan?: ProductionPlan;
}

/** A compiled manifest: the Production when there are no errors, and every diagnostic, sorted. */
export interface CompileResult {
  readonly production?: Production;
  readonly diagnostics: readonly Diagnostic[];
}

/** Compiles the text of `file`. Never throws for bad input: problems come back as diagnostics. */
export function compileManifest(file: string, text: string, options: CompileOptions): CompileResult {
  const parsed = parseManifestText(file, text);
  if (!parsed.source || parsed.data === undefined || hasErrors(parsed.diagnostics)) {
    return { diagnostics: sortDiagnostics(parsed.diagnostics) };
  }
  const schemaProblems = checkSchema(parsed.source, parsed.data);
  if (hasErrors(schemaProblems)) return { diagnostics: sortDiagnostics([...parsed.diagnostics, ...schemaProblems]) };

  const data = parsed.data as unknown as ManifestData;
  const production = normalize(parsed.source, data, { baseDir: options.baseDir, ...(options.plan ? { plan: options.plan } : {}) });
  const diagnostics = sortDiagnostics([...parsed.diagnostics, ...checkRules(production, data, options)]);
  return hasErrors(diagnostics) ? { diagnostics } : { production, diagnostics };
}
