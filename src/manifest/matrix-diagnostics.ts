/**
 * How the diagnostics of a matrix's combinations are told: a production's own failure names its
 * combination (`… [matrix: city=tokyo]`), while the list printed for the manifest says a problem
 * the combinations share once, naming every combination it applies to
 * (`… [matrix: city=tokyo; city=paris]`, or `[matrix: all 12 combinations]`), not once per
 * combination. Pure.
 */
import type { Diagnostic } from './diagnostic.js';
import { describeCombination, type Combination } from './matrix.js';

/** A diagnostic found while compiling one combination, not yet naming it. */
export interface CombinationDiagnostic {
  readonly diagnostic: Diagnostic;
  readonly combo: Combination;
}

/** `diagnostic` with `[matrix: <combination>]` after its message. */
export function tagCombination(diagnostic: Diagnostic, combo: Combination): Diagnostic {
  return { ...diagnostic, message: `${diagnostic.message} [matrix: ${describeCombination(combo)}]` };
}

/**
 * One diagnostic per problem: those of equal severity, code, place, message and hint are one,
 * tagged with the combinations they were found in, in the matrix's order (`total` is how many
 * combinations the matrix makes: a problem of every one of several says so instead of listing them).
 */
export function mergeCombinations(found: readonly CombinationDiagnostic[], total: number): Diagnostic[] {
  const groups = new Map<string, { diagnostic: Diagnostic; combos: Combination[] }>();
  for (const { diagnostic, combo } of found) {
    const { severity, code, file, line, column, pointer, message, hint } = diagnostic;
    const key = JSON.stringify([severity, code, file, line, column, pointer, message, hint ?? null]);
    const group = groups.get(key) ?? { diagnostic, combos: [] };
    group.combos.push(combo);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ diagnostic, combos }) => {
    const which = combos.length === total && total > 1 ? `all ${total} combinations` : combos.map(describeCombination).join('; ');
    return { ...diagnostic, message: `${diagnostic.message} [matrix: ${which}]` };
  });
}
