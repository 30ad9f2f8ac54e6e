/**
 * The one place a failure value becomes words and an exit code: an exhaustive switch over
 * RunFailure (src/runner/failure.ts). Messages are one line (a manifest's diagnostics keep their
 * compiler form, one per line) and never contain a secret: failures carry none.
 */
import { formatDiagnostic } from '../manifest/diagnostic.js';
import { formatVerdict } from '../qc/verdict.js';
import type { RunFailure } from '../runner/failure.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** How much to say. */
export interface FailureTextOptions {
  /** Add the stack of an internal error and the argv and stderr tail of a media tool. */
  readonly verbose?: boolean;
}

/** The failure in words: one line, or a manifest's diagnostics one per line. */
export function describeFailure(failure: RunFailure, options: FailureTextOptions = {}): string {
  const request = (id?: string) => (id ? ` (request ${id})` : '');
  switch (failure.reason) {
    case 'manifest':
      return failure.diagnostics.map(formatDiagnostic).join('\n');
    case 'api-refused':
      return failure.status === 401
        ? `the API refused the key (401 ${failure.type}): ${failure.message}${request(failure.requestId)} — check MERCADREAM_API_KEY or --api-key-file`
        : `the API refused the plan (${failure.status} ${failure.type}): ${failure.message}${request(failure.requestId)} — check the key's plan, or --plan`;
    case 'request-rejected':
      if (failure.diagnostic) return `${formatDiagnostic(failure.diagnostic)}${request(failure.requestId)}`;
      return `the API rejected ${failure.node}${failure.param ? ` (parameter \`${failure.param}\`)` : ''}: ${failure.message}${request(failure.requestId)}`;
    case 'api-unavailable':
      return `the API did not answer usefully${failure.node ? ` for ${failure.node}` : ''}: ${failure.message}${request(failure.requestId)} — rerun later to resume`;
    case 'job-failed':
      return `${failure.node}: job ${failure.jobId} failed: ${failure.message} — a rerun submits it again`;
    case 'dependency-failed':
      return `${failure.node}: not run, because ${failure.dependency} failed`;
    case 'frozen':
      return `--frozen: the lock file does not cover ${failure.nodes.join(', ')}; run without --frozen to generate them`;
    case 'budget':
      return failure.message;
    case 'interrupted':
      return 'interrupted — rerun to resume';
    case 'media-tool':
      return `${failure.message.startsWith(failure.tool) ? '' : `${failure.tool}: `}${failure.message}${failure.node ? ` (${failure.node})` : ''}${options.verbose ? mediaDetail(failure) : ''}`;
    case 'not-writable':
      return `cannot write the ${failure.what} in ${failure.path} (${failure.code}); nothing was spent`;
    case 'busy':
      return failure.message;
    case 'stopped':
      return `stopped by --fail-fast: ${failure.by} failed — a rerun resumes it`;
    case 'qc':
      return `the final cut failed quality control (${failure.verdicts.length} ${failure.verdicts.length === 1 ? 'check' : 'checks'}): ${failure.verdicts.map(formatVerdict).join('; ')}`;
    case 'lock-file':
      return failure.message;
    case 'internal':
      return options.verbose && failure.stack ? `internal error: ${failure.stack}` : `internal error: ${failure.message} (a bug; --verbose shows where)`;
    default:
      return unreachable(failure);
  }
}

/** The exit code of one failure (README "Exit codes"). */
export function exitCodeOf(failure: RunFailure): ExitCode {
  switch (failure.reason) {
    case 'manifest':
      return EXIT.usage;
    case 'api-refused':
      return EXIT.auth;
    case 'interrupted':
      return EXIT.interrupted;
    case 'request-rejected':
    case 'api-unavailable':
    case 'job-failed':
    case 'dependency-failed':
    case 'frozen':
    case 'budget':
    case 'media-tool':
    case 'not-writable':
    case 'busy':
    case 'stopped':
    case 'qc':
    case 'lock-file':
    case 'internal':
      return EXIT.failed;
    default:
      return unreachable(failure);
  }
}

/**
 * The exit code of a run of several productions: 0 when none failed; 130 when interrupted; 3 when
 * every failure is the API refusing the key or plan; 2 when every production failed on its
 * manifest (nothing could be planned); else 1.
 */
export function batchExitCode(failures: readonly (RunFailure | undefined)[]): ExitCode {
  const failed = failures.filter((f): f is RunFailure => f !== undefined);
  if (failed.length === 0) return EXIT.ok;
  if (failed.some((f) => f.reason === 'interrupted')) return EXIT.interrupted;
  const codes = new Set(failed.map(exitCodeOf));
  if (codes.size === 1 && codes.has(EXIT.auth)) return EXIT.auth;
  if (codes.size === 1 && codes.has(EXIT.usage) && failed.length === failures.length) return EXIT.usage;
  return EXIT.failed;
}

function mediaDetail(failure: Extract<RunFailure, { reason: 'media-tool' }>): string {
  const argv = failure.argv ? `\n  argv: ${JSON.stringify(failure.argv)}` : '';
  const tail = failure.stderrTail?.length ? `\n  stderr:\n    ${failure.stderrTail.join('\n    ')}` : '';
  return argv + tail;
}

function unreachable(value: never): never {
  throw new Error(`unhandled failure ${JSON.stringify(value)}`);
}
