/**
 * Renderers of the runner's events: NDJSON for machines (`--json`), plain lines for CI and
 * pipes, and listr2 tasks on a terminal. Only this folder writes to the terminal.
 */
import { countVerdicts, formatVerdict, type QcSummary } from '../qc/verdict.js';
import { formatDiagnostic } from '../manifest/diagnostic.js';
import type { RunEvent, RunSummary } from '../runner/events.js';
import type { RunFailure } from '../runner/failure.js';
import { describeFailure } from './failure-text.js';
import type { Terminal } from './terminal.js';

/** Receives events (in a batch, with the name of the production they belong to); `close()` after the last one. */
export interface Reporter {
  event(event: RunEvent, production?: string): void;
  close(): Promise<void>;
}

/**
 * One JSON object per line on standard output, each with its `time` (ISO 8601) and, in a batch,
 * its `production`. Each thing is said once: `run-end` says how the production ended, and its
 * figures come once, in the `summary` line the command prints when the batch is over (with
 * each asset counted once in the batch, which a production's own `run-end` cannot know yet).
 */
export function ndjsonReporter(terminal: Terminal): Reporter {
  return {
    event: (event, production) => {
      const said = event.type === 'run-end' ? { type: event.type, ok: event.ok } : event;
      terminal.out(JSON.stringify({ ...said, ...(production === undefined ? {} : { production }), time: new Date().toISOString() }));
    },
    close: async () => undefined,
  };
}

/** Plain lines on standard error: state changes, and progress at most every 10 %. */
export function plainReporter(terminal: Terminal): Reporter {
  const lastProgress = new Map<string, number>();
  return {
    event(event) {
      switch (event.type) {
        case 'run-start':
          terminal.error(`${event.manifest}: ${event.nodes} nodes, via ${event.api}`);
          return;
        case 'node': {
          // An interruption is said once, at the end, not once per node.
          if (event.failure?.reason === 'interrupted') return;
          if (event.state === 'rendering' && event.progress !== undefined) {
            const p = Math.floor(event.progress / 10) * 10;
            if ((lastProgress.get(event.node) ?? -1) >= p) return;
            lastProgress.set(event.node, p);
          }
          const how = event.state === 'ready' && event.via ? `(${event.via})` : undefined;
          const detail = [
            how,
            event.jobId,
            attemptNote(event.attempt),
            event.progress !== undefined ? `${Math.round(event.progress)}%` : undefined,
            nodeWhy(event.node, event.failure),
          ]
            .filter(Boolean)
            .join(' ');
          terminal.error(`  ${event.node.padEnd(24)} ${event.state}${detail ? ` ${detail}` : ''}`);
          return;
        }
        case 'retry':
          terminal.error(`  retrying in ${(event.delayMs / 1000).toFixed(1)} s: ${event.message}`);
          return;
        case 'stitch': {
          const line = stitchLine(event, lastProgress);
          if (line) terminal.error(line);
          return;
        }
        case 'qc':
          if (event.state === 'done' && event.qc)
            terminal.error(`  ${'qc'.padEnd(24)} ${event.qc.status} (${qcCounts(event.qc)})${event.cached ? ' (cut unchanged: verdicts reused)' : ''}`);
          else if (event.state === 'failed' && event.failure && event.failure.reason !== 'interrupted')
            terminal.error(`  ${'qc'.padEnd(24)} could not measure: ${describeFailure(event.failure)}`);
          else if (event.state === 'started') terminal.error(`  ${'qc'.padEnd(24)} measuring`);
          return;
        case 'review':
          terminal.error(`  ${'review'.padEnd(24)} ${event.error ? `not written: ${event.error}` : event.path}`);
          return;
        case 'run-end':
          return;
      }
    },
    close: async () => undefined,
  };
}

/** The plain line of a stitch event (naming its rendition when there are several), or none: progress only every 10 %, an interruption not at all. */
function stitchLine(event: Extract<RunEvent, { type: 'stitch' }>, lastProgress: Map<string, number>): string | undefined {
  const label = event.rendition ? `stitch ${event.rendition}` : 'stitch';
  if (event.state === 'progress') {
    const p = Math.floor((event.progress ?? 0) / 10) * 10;
    if ((lastProgress.get(label) ?? -1) >= p) return undefined;
    lastProgress.set(label, p);
    return `  ${label.padEnd(24)} ${p}%${event.stage ? ` (${event.stage})` : ''}`;
  }
  if (event.failure?.reason === 'interrupted') return undefined;
  return `  ${label.padEnd(24)} ${event.state}${event.failure ? ` ${describeFailure(event.failure)}` : ''}`;
}

/** The closing summary, one block per production. */
export function formatSummary(summary: RunSummary, verbose = false): string[] {
  const lines = [
    `${summary.ok ? 'done' : 'FAILED'}: ${summary.manifest}`,
    `  assets: ${summary.generated} generated, ${summary.cached} cached${summary.refetched ? `, ${summary.refetched} fetched again from the Vault` : ''}`,
    `  API requests: ${summary.requests}   compute units spent: ${summary.computeUnits}`,
  ];
  if (summary.length !== undefined) lines.push(`  film length: ${summary.length.toFixed(2)} s`);
  const retried = summary.assets?.filter((a) => a.attempt > 1) ?? [];
  if (retried.length > 0) lines.push(`  made again after a failed job: ${retried.map((a) => `${a.node} (attempt ${a.attempt})`).join(', ')}`);
  if (summary.renditions) {
    for (const r of summary.renditions) lines.push(`  rendition ${r.name} (${r.width}x${r.height}): ${r.output}${r.cutUpToDate ? ' (up to date, not rendered again)' : ''}`);
  } else if (summary.output) lines.push(`  final cut: ${summary.output}${summary.cutUpToDate ? ' (up to date, not rendered again)' : ''}`);
  if (summary.qc) {
    lines.push(`  quality control: ${summary.qc.status} (${qcCounts(summary.qc)})`);
    // The QC failure's own line lists the failed checks; the others are listed here.
    const shown = summary.failure?.reason === 'qc' ? ['warn'] : ['warn', 'fail'];
    for (const v of summary.qc.verdicts) if (shown.includes(v.status)) lines.push(`    ${formatVerdict(v)}`);
  }
  if (summary.review) lines.push(`  review page: ${summary.review}`);
  for (const warning of summary.warnings ?? []) lines.push(formatDiagnostic(warning));
  if (summary.failure) lines.push(failureLine(summary.failure, verbose));
  return lines;
}

/** A failure as the summary's last line(s): diagnostics already say `file:line:col error:`. */
export function failureLine(failure: RunFailure, verbose = false): string {
  const text = describeFailure(failure, { verbose });
  return failure.reason === 'manifest' || (failure.reason === 'request-rejected' && failure.diagnostic) ? text : `  error: ${text}`;
}

/** What a failed or skipped node line adds: the reason, unless it is the production's failure told elsewhere. */
function nodeWhy(node: string, failure: RunFailure | undefined): string | undefined {
  if (!failure) return undefined;
  if (failure.reason === 'dependency-failed' && failure.node === node) return `(${failure.dependency} failed)`;
  return 'node' in failure && failure.node === node ? describeFailure(failure) : undefined;
}

/** `1 failed, 2 warnings, 11 passed`. */
function qcCounts(qc: QcSummary): string {
  const c = countVerdicts(qc.verdicts);
  return `${c.fail} failed, ${c.warn} warnings, ${c.pass} passed`;
}

/** `(attempt 2)` for a job that is not the request's first submission; nothing for the first. */
export function attemptNote(attempt: number | undefined): string | undefined {
  return attempt !== undefined && attempt > 1 ? `(attempt ${attempt})` : undefined;
}
