/**
 * Reports of a run for CI: `--report report.json` (schemas/report.schema.json) and
 * `--junit report.xml` (one <testcase> per production, a <failure> for a failed one, in the
 * common JUnit XML shape CI dashboards read), and the terminal table.
 */
import type { MatrixValue } from '../manifest/production.js';
import type { BatchResult } from '../runner/batch.js';
import type { RunFailure } from '../runner/failure.js';
import { describeFailure } from './failure-text.js';

/** The JSON report (see schemas/report.schema.json). */
export interface RunReport {
  readonly version: 1;
  readonly ok: boolean;
  readonly api?: string;
  readonly budget?: { readonly planned: number; readonly max?: number; readonly refused?: string };
  readonly totals: { productions: number; failed: number; generated: number; cached: number; computeUnits: number; requests?: number };
  readonly productions: ReadonlyArray<{
    name: string;
    manifest: string;
    matrix?: Readonly<Record<string, MatrixValue>>;
    status: 'done' | 'failed';
    output?: string;
    length?: number;
    generated: number;
    cached: number;
    refetched: number;
    requests: number;
    computeUnits: number;
    /** Assets an earlier production of the batch already counted (see countEachAssetOnce in src/runner/batch.ts). */
    shared?: number;
    /** How long the production took, seconds. */
    seconds?: number;
    /** Why it failed, as a value (src/runner/failure.ts). */
    failure?: RunFailure;
    /** The same in words, as the terminal shows it. */
    error?: string;
  }>;
}

/**
 * Builds the JSON report. Each asset is counted once in the batch (the summaries say which
 * production counted it), so the totals are the sums of the rows and equal what the API made
 * and charged.
 */
export function buildReport(
  result: BatchResult,
  extra: { api?: string; max?: number; requests?: number; matrix?: ReadonlyMap<string, Readonly<Record<string, MatrixValue>>> },
): RunReport {
  const productions = result.summaries.map((s) => {
    const matrix = extra.matrix?.get(s.name);
    return {
      name: s.name,
      manifest: s.manifest,
      ...(matrix ? { matrix } : {}),
      status: s.ok ? ('done' as const) : ('failed' as const),
      ...(s.output ? { output: s.output } : {}),
      ...(s.length !== undefined ? { length: Math.round(s.length * 1000) / 1000 } : {}),
      generated: s.generated,
      cached: s.cached,
      refetched: s.refetched,
      requests: s.requests,
      computeUnits: s.computeUnits,
      ...(s.shared ? { shared: s.shared } : {}),
      ...(s.seconds !== undefined ? { seconds: s.seconds } : {}),
      ...(s.failure ? { failure: s.failure, error: describeFailure(s.failure) } : {}),
    };
  });
  return {
    version: 1,
    ok: productions.every((p) => p.status === 'done'),
    ...(extra.api ? { api: extra.api } : {}),
    budget: { planned: result.plannedComputeUnits, ...(extra.max !== undefined ? { max: extra.max } : {}), ...(result.refused ? { refused: result.refused } : {}) },
    totals: {
      productions: productions.length,
      failed: productions.filter((p) => p.status === 'failed').length,
      generated: productions.reduce((a, p) => a + p.generated, 0),
      cached: productions.reduce((a, p) => a + p.cached, 0),
      computeUnits: productions.reduce((a, p) => a + p.computeUnits, 0),
      ...(extra.requests !== undefined ? { requests: extra.requests } : {}),
    },
    productions,
  };
}

/**
 * The report as JUnit XML (schemas/junit.xsd): a <testsuites> with one <testsuite> of one
 * <testcase> per production, whose `time` is the production's seconds; `seconds` is the whole
 * run's (productions run side by side, so the suite's time is not the sum of its cases).
 */
export function toJUnit(report: RunReport, seconds: number): string {
  const esc = (text: string) =>
    text
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  const failures = report.totals.failed;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mercadream-pipeline" tests="${report.productions.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="productions" tests="${report.productions.length}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}">`,
  ];
  for (const p of report.productions) {
    const name = esc(p.name);
    const classname = esc(p.manifest.replace(/\.(ya?ml)$/i, '').replace(/[\\/]/g, '.'));
    const time = (p.seconds ?? 0).toFixed(3);
    if (p.status === 'done') {
      const shared = p.shared ? `, ${p.shared} shared with an earlier production` : '';
      lines.push(`    <testcase name="${name}" classname="${classname}" time="${time}">`);
      lines.push(
        `      <system-out>${esc(`final cut ${p.output ?? ''}, ${p.length ?? 0} s; ${p.generated} generated, ${p.cached} cached${shared}, ${p.computeUnits} compute units`)}</system-out>`,
      );
      lines.push('    </testcase>');
    } else {
      lines.push(`    <testcase name="${name}" classname="${classname}" time="${time}">`);
      lines.push(
        `      <failure message="${esc((p.error ?? 'failed').split('\n')[0]!.slice(0, 500))}" type="${esc(p.failure?.reason ?? 'failed')}">${esc(p.error ?? 'failed')}</failure>`,
      );
      lines.push('    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** The closing table of a batch: one row per production; `shared` assets are counted in an earlier row. */
export function formatTable(report: RunReport): string[] {
  const rows = report.productions.map((p) => [
    p.status === 'done' ? 'done' : 'FAILED',
    p.name,
    String(p.generated),
    String(p.cached),
    String(p.shared ?? 0),
    String(p.computeUnits),
    p.length !== undefined ? `${p.length.toFixed(1)} s` : '-',
  ]);
  const head = ['status', 'production', 'generated', 'cached', 'shared', 'CU', 'length'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `${report.totals.productions - report.totals.failed} of ${report.totals.productions} productions done, ${report.totals.computeUnits} compute units spent`,
  ];
}
