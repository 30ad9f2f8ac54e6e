/**
 * A batch's review index: one row per production, failures and warnings first, each linking to
 * its review page. Pure: rows in, a hast tree out.
 */
import type { Element, Root } from 'hast';
import { h } from 'hastscript';
import type { QcStatus } from '../qc/verdict.js';
import { countVerdicts } from '../qc/verdict.js';
import type { RunSummary } from '../runner/events.js';
import { badge, document } from './film-page.js';

/** One production of the batch. */
export interface IndexRow {
  readonly name: string;
  readonly summary: RunSummary;
  /** Its review page relative to the index, when it has one. */
  readonly href?: string;
  /** The failure in words, when it failed. */
  readonly error?: string;
}

/** `failed` (the production failed), else its QC status, else `none`. */
export function rowStatus(row: IndexRow): QcStatus | 'none' {
  if (!row.summary.ok || row.summary.qc?.status === 'fail') return 'fail';
  return row.summary.qc?.status ?? 'none';
}

const ORDER: Readonly<Record<QcStatus | 'none', number>> = { fail: 0, warn: 1, none: 2, pass: 3 };

/** The rows, failures first, then warnings, then the rest; by name within each. */
export function sortRows(rows: readonly IndexRow[]): IndexRow[] {
  return [...rows].sort((a, b) => ORDER[rowStatus(a)] - ORDER[rowStatus(b)] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The index page. */
export function batchIndex(title: string, rows: readonly IndexRow[]): Root {
  const sorted = sortRows(rows);
  const failed = sorted.filter((r) => rowStatus(r) === 'fail').length;
  const warned = sorted.filter((r) => rowStatus(r) === 'warn').length;
  const body: Element[] = [
    h('h1', title),
    h('p', { className: ['meta'] }, `${rows.length} productions: ${failed} failed, ${warned} with warnings`),
    h('table', { className: ['productions'] }, [
      h(
        'thead',
        h(
          'tr',
          ['', 'production', 'QC', 'length', 'compute units', 'generated / cached', 'note'].map((c) => h('th', c)),
        ),
      ),
      h('tbody', sorted.map(row)),
    ]),
  ];
  return document(title, body);
}

function row(r: IndexRow): Element {
  const status = rowStatus(r);
  const s = r.summary;
  const counts = s.qc ? countVerdicts(s.qc.verdicts) : undefined;
  const problems = s.qc?.verdicts.filter((v) => v.status !== 'pass').map((v) => `${v.check}${v.scene ? ` (${v.scene})` : ''}`) ?? [];
  return h('tr', { className: ['production', status] }, [
    h('td', badge(status)),
    h('td', r.href ? h('a', { href: r.href }, r.name) : r.name),
    h('td', counts ? `${counts.fail} failed, ${counts.warn} warnings, ${counts.pass} passed` : '—'),
    h('td', s.length !== undefined ? `${s.length.toFixed(1)} s` : '—'),
    h('td', String(s.computeUnits)),
    h('td', `${s.generated} / ${s.cached}`),
    h('td', r.error ?? problems.join(', ')),
  ]);
}
