// The review pages as data: what is escaped, how the batch index orders, where the page goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHtml } from 'hast-util-to-html';
import { batchIndex, sortRows, type IndexRow } from '../../src/review/batch-index.js';
import { verdictTable } from '../../src/review/film-page.js';
import { relativeUrl, reviewPathOf } from '../../src/review/write.js';
import type { RunSummary } from '../../src/runner/events.js';

const summary = (ok: boolean, qc?: 'pass' | 'warn' | 'fail'): RunSummary => ({
  manifest: 'm.yaml',
  ok,
  generated: 0,
  cached: 0,
  refetched: 0,
  requests: 0,
  computeUnits: 0,
  ...(qc ? { qc: { status: qc, verdicts: [] } } : {}),
  ...(ok ? {} : { failure: { reason: 'interrupted' as const } }),
});

test('the batch index puts failed productions and failed QC first, then warnings, then the rest', () => {
  const rows: IndexRow[] = [
    { name: 'a', summary: summary(true, 'pass') },
    { name: 'b', summary: summary(true, 'warn') },
    { name: 'c', summary: summary(false) },
    { name: 'd', summary: summary(true, 'fail') },
    { name: 'e', summary: summary(true) },
  ];
  assert.deepEqual(
    sortRows(rows).map((r) => r.name),
    ['c', 'd', 'b', 'e', 'a'],
  );
});

test('every string from a manifest is escaped: names, messages, scene ids', () => {
  const html = toHtml(batchIndex('<b>batch</b>', [{ name: '<img src=x onerror=alert(1)>', summary: summary(true, 'pass'), href: 'x.html' }]));
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /&#x3C;img src=x onerror=alert\(1\)>/);
  const table = toHtml(verdictTable([{ check: 'black', status: 'fail', measured: 1, threshold: 0.5, unit: 's', span: { start: 1, end: 2 }, scene: '"><script>', message: '<i>' }]));
  assert.doesNotMatch(table, /<script>|<i>/);
});

test('the page sits beside the cut, and links to files by URL-safe names', () => {
  assert.equal(reviewPathOf('/films/out/night #1.mp4'), '/films/out/night #1.review.html');
  assert.equal(relativeUrl('night #1?.mp4'), 'night%20%231%3F.mp4');
});
