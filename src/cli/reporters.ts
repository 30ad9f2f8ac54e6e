/**
 * Renderers of the runner's events: NDJSON for machines (`--json`), plain lines for CI and
 * pipes, and listr2 tasks on a terminal. Only this folder writes to the terminal.
 */
import type { RunEvent, RunSummary } from '../runner/events.js';
import type { Terminal } from './terminal.js';

/** Receives events; `close()` after the last one. */
export interface Reporter {
  event(event: RunEvent): void;
  close(): Promise<void>;
}

/** One JSON object per line on standard output. */
export function ndjsonReporter(terminal: Terminal): Reporter {
  return {
    event: (event) => terminal.out(JSON.stringify({ ...event, time: new Date().toISOString() })),
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
          if (event.state === 'processing') {
            const p = Math.floor((event.progress ?? 0) / 10) * 10;
            if ((lastProgress.get(event.node) ?? -1) >= p) return;
            lastProgress.set(event.node, p);
          }
          const detail = [event.jobId, attemptNote(event.attempt), event.progress !== undefined ? `${Math.round(event.progress)}%` : undefined, event.message].filter(Boolean).join(' ');
          terminal.error(`  ${event.node.padEnd(24)} ${event.state}${detail ? ` ${detail}` : ''}`);
          return;
        }
        case 'retry':
          terminal.error(`  retrying in ${(event.delayMs / 1000).toFixed(1)} s: ${event.message}`);
          return;
        case 'stitch': {
          if (event.state === 'progress') {
            const p = Math.floor((event.progress ?? 0) / 10) * 10;
            if ((lastProgress.get('stitch') ?? -1) >= p) return;
            lastProgress.set('stitch', p);
            terminal.error(`  ${'stitch'.padEnd(24)} ${p}%${event.stage ? ` (${event.stage})` : ''}`);
            return;
          }
          terminal.error(`  ${'stitch'.padEnd(24)} ${event.state}${event.message ? ` ${event.message}` : ''}`);
          return;
        }
        case 'run-end':
          return;
      }
    },
    close: async () => undefined,
  };
}

/** The closing summary, one block per production. */
export function formatSummary(summary: RunSummary): string[] {
  const lines = [
    `${summary.ok ? 'done' : 'FAILED'}: ${summary.manifest}`,
    `  assets: ${summary.generated} generated, ${summary.cached} cached${summary.refetched ? `, ${summary.refetched} fetched again from the Vault` : ''}`,
    `  API requests: ${summary.requests}   compute units spent: ${summary.computeUnits}`,
  ];
  if (summary.length !== undefined) lines.push(`  film length: ${summary.length.toFixed(2)} s`);
  if (summary.output) lines.push(`  final cut: ${summary.output}${summary.cutUpToDate ? ' (up to date, not rendered again)' : ''}`);
  // Diagnostics already say `file:line:col error:`; other failures get the word here.
  if (summary.error) lines.push(/^\S+:\d+:\d+ (error|warning):/.test(summary.error) ? summary.error : `  error: ${summary.error}`);
  return lines;
}

/** `(attempt 2)` for a job that is not the request's first submission; nothing for the first. */
export function attemptNote(attempt: number | undefined): string | undefined {
  return attempt !== undefined && attempt > 1 ? `(attempt ${attempt})` : undefined;
}
