/**
 * Reports of a run for CI: `--report report.json` (schemas/report.schema.json) and
 * `--junit report.xml` (one <testcase> per production, a <failure> for a failed one, in the
 * common JUnit XML shape CI dashboards read), and the terminal table.
 */
import type { MatrixValue } from '../manifest/production.js';
import type { BatchResult } from '../runner/batch.js';
import { formatVerdict, type QcSummary } from '../qc/verdict.js';
import type { RunFailure } from '../runner/failure.js';
import type { RenditionSummary } from '../runner/events.js';
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
    /** Every rendition made, for a manifest with `outputs:` (src/runner/events.ts RenditionSummary). */
    renditions?: readonly RenditionSummary[];
    generated: number;
    cached: number;
    refetched: number;
    requests: number;
    computeUnits: number;
    /** Assets an earlier production of the batch already counted (see countEachAssetOnce in src/runner/batch.ts). */
    shared?: number;
    /** How long the production took, seconds. */
    seconds?: number;
    /** Quality control of the final cut: the worst status and every verdict (src/qc/verdict.ts). */
    qc?: QcSummary;
    /** The review page beside the cut. */
    review?: string;
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
      ...(s.renditions ? { renditions: s.renditions } : {}),
      generated: s.generated,
      cached: s.cached,
      refetched: s.refetched,
      requests: s.requests,
      computeUnits: s.computeUnits,
      ...(s.shared ? { shared: s.shared } : {}),
      ...(s.seconds !== undefined ? { seconds: s.seconds } : {}),
      ...(s.qc ? { qc: s.qc } : {}),
      ...(s.review ? { review: s.review } : {}),
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
    lines.push(`    <testcase name="${name}" classname="${classname}" time="${time}">`);
    if (p.status === 'failed') {
      // A QC failure's message names the failed checks; its body lists them one a line.
      const body = p.failure?.reason === 'qc' ? p.failure.verdicts.map(formatVerdict).join('\n') : (p.error ?? 'failed');
      lines.push(`      <failure message="${esc((p.error ?? 'failed').split('\n')[0]!.slice(0, 500))}" type="${esc(p.failure?.reason ?? 'failed')}">${esc(body)}</failure>`);
    }
    const out = [
      ...(p.status === 'done'
        ? [
            `final cut ${p.renditions ? p.renditions.map((r) => r.output).join(', ') : (p.output ?? '')}, ${p.length ?? 0} s; ${p.generated} generated, ${p.cached} cached${p.shared ? `, ${p.shared} shared with an earlier production` : ''}, ${p.computeUnits} compute units`,
          ]
        : []),
      ...(p.qc ? [`quality control: ${p.qc.status}`, ...p.qc.verdicts.map(formatVerdict)] : []),
      ...(p.review ? [`review page: ${p.review}`] : []),
    ];
    if (out.length > 0) lines.push(`      <system-out>${esc(out.join('\n'))}</system-out>`);
    lines.push('    </testcase>');
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
    p.qc ? p.qc.status : '-',
  ]);
  const head = ['status', 'production', 'generated', 'cached', 'shared', 'CU', 'length', 'QC'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `${report.totals.productions - report.totals.failed} of ${report.totals.productions} productions done, ${report.totals.computeUnits} compute units spent`,
  ];
}
