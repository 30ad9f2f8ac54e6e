/**
 * Failures as values: every way a production can end badly, as one tagged union that a summary,
 * a report, an NDJSON event or another machine can carry as JSON. The runner produces them at
 * one choke point (`failureOf`); the CLI renders them and maps them to exit codes with one
 * exhaustive switch (src/cli/failure-text.ts).
 *
 * A failure names the reason a user acts on, not the layer it came from: a speech job that
 * failed is a `job-failed` of `speech:<scene>` with the speech job's id, and the clip waiting
 * on it is a `dependency-failed` naming the speech node.
 */
import { AuthError, JobFailedError, MercaApiError, NetworkError, PlanError, RateLimitError, ServerError, ValidationError } from '../api/errors.js';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Verdict } from '../qc/verdict.js';
import { FfmpegNotFoundError } from '../media/ffmpeg.js';
import { FfmpegError } from '../media/process.js';
import { BudgetError } from './budget.js';
import { LockFileError } from './lock.js';
import { RunInProgressError } from './run-lock.js';

/** The reasons a production fails, each one a thing the user does something different about. */
export type RunFailure =
  /** The manifest is invalid (found while loading, or once the narration was spoken). */
  | { readonly reason: 'manifest'; readonly diagnostics: readonly Diagnostic[] }
  /** The API refused the key (401) or the plan (403): nothing will work until that is fixed. */
  | { readonly reason: 'api-refused'; readonly status: number; readonly type: string; readonly message: string; readonly requestId?: string; readonly node?: string }
  /**
   * The API rejected one request as invalid (400, 404, 422): permanent for that request, so a
   * rerun does not retry it until the manifest changes. `diagnostic` points at the manifest
   * place the request came from, when known.
   */
  | {
      readonly reason: 'request-rejected';
      readonly node: string;
      readonly status: number;
      readonly type: string;
      readonly message: string;
      readonly param?: string;
      readonly requestId?: string;
      readonly diagnostic?: Diagnostic;
    }
  /** The API could not be reached, or kept answering 429/5xx after every retry. */
  | { readonly reason: 'api-unavailable'; readonly message: string; readonly status?: number; readonly requestId?: string; readonly node?: string }
  /** A job the API accepted ended `failed`; a rerun submits it again as the next attempt. */
  | { readonly reason: 'job-failed'; readonly node: string; readonly jobId: string; readonly message: string }
  /** A node was not run because a node it needs failed (`dependency` names that node). */
  | { readonly reason: 'dependency-failed'; readonly node: string; readonly dependency: string }
  /** `--frozen` and the lock file does not cover these nodes. */
  | { readonly reason: 'frozen'; readonly nodes: readonly string[] }
  /** The compute-unit budget (`--max-compute-units`) would be passed. */
  | { readonly reason: 'budget'; readonly message: string; readonly node?: string }
  /** Ctrl-C or SIGTERM: state was flushed and a rerun resumes. */
  | { readonly reason: 'interrupted' }
  /** ffmpeg/ffprobe is missing, or a run of it failed (argv and the tail of its stderr kept). */
  | {
      readonly reason: 'media-tool';
      readonly tool: string;
      readonly message: string;
      readonly argv?: readonly string[];
      readonly stderrTail?: readonly string[];
      readonly node?: string;
    }
  /** A file or folder the run must write cannot be written (`what`: final cut, report, lock file…). */
  | { readonly reason: 'not-writable'; readonly what: string; readonly path: string; readonly code: string }
  /** Another run is working on the same project. */
  | { readonly reason: 'busy'; readonly message: string }
  /** `--fail-fast`: another production of the batch failed, so this one was stopped (a rerun resumes it). */
  | { readonly reason: 'stopped'; readonly by: string }
  /** `--qc fail` and the final cut failed quality control: the cut is written, these checks failed on it. */
  | { readonly reason: 'qc'; readonly verdicts: readonly Verdict[] }
  /** The lock file exists but cannot be used (damaged, or another version's). */
  | { readonly reason: 'lock-file'; readonly path: string; readonly message: string }
  /** A bug: the message, and the stack for `--verbose`. */
  | { readonly reason: 'internal'; readonly message: string; readonly stack?: string; readonly node?: string };

/** The reason tags, for schemas and exhaustive tests. */
export type FailureReason = RunFailure['reason'];

/** Every reason, in the order the README's table lists them. */
export const FAILURE_REASONS: readonly FailureReason[] = [
  'manifest',
  'api-refused',
  'request-rejected',
  'api-unavailable',
  'job-failed',
  'dependency-failed',
  'frozen',
  'budget',
  'interrupted',
  'media-tool',
  'not-writable',
  'busy',
  'stopped',
  'qc',
  'lock-file',
  'internal',
];

/** An error that already carries its failure value (thrown across layers, caught by failureOf). */
export class FailureError extends Error {
  constructor(readonly failure: RunFailure) {
    super(failure.reason);
  }
}

/**
 * Thrown to refuse a node's submission because the production has already failed elsewhere: the
 * executor marks that node `skipped` with the production's failure, not `failed`.
 */
export class ProductionFailedError extends Error {
  constructor() {
    super('not submitted: the production has already failed');
  }
}

/** What failureOf knows about where an error happened. */
export interface FailureContext {
  /** The node being worked on, when there is one. */
  readonly node?: string;
  /**
   * The run's signal: an error after it aborted is an interruption, whatever its type — unless the
   * signal was aborted with a FailureError (`--fail-fast`), whose failure it then is.
   */
  readonly signal?: AbortSignal;
}

/**
 * The one choke point that turns a thrown error into a failure value. Expected errors keep their
 * typed details (status, request id, param, job id, argv); anything else is `internal`.
 */
export function failureOf(error: unknown, context: FailureContext = {}): RunFailure {
  const node = context.node === undefined ? {} : { node: context.node };
  if (error instanceof FailureError) return error.failure;
  if (context.signal?.aborted) return context.signal.reason instanceof FailureError ? context.signal.reason.failure : { reason: 'interrupted' };
  if (error instanceof JobFailedError) return { reason: 'job-failed', node: context.node ?? '', jobId: error.jobId, message: error.jobError.message };
  if (error instanceof AuthError || error instanceof PlanError) return { reason: 'api-refused', ...apiDetails(error), ...node };
  if (error instanceof RateLimitError || error instanceof ServerError || error instanceof NetworkError) return { reason: 'api-unavailable', ...apiDetails(error), ...node };
  // Only a request the API called invalid is permanent for that request; any other answer (a 404 of a
  // poll or a download, a 409) is the API not giving what was asked, which a rerun may get.
  if (error instanceof ValidationError) return { reason: 'request-rejected', node: context.node ?? '', ...apiDetails(error), ...(error.param ? { param: error.param } : {}) };
  if (error instanceof MercaApiError) return { reason: 'api-unavailable', ...apiDetails(error), ...node };
  if (error instanceof FfmpegNotFoundError) return { reason: 'media-tool', tool: error.binary, message: error.message, ...node };
  if (error instanceof FfmpegError) {
    if (error.reason === 'aborted') return { reason: 'interrupted' };
    return { reason: 'media-tool', tool: error.binary, message: error.message, argv: error.argv, stderrTail: error.stderrTail, ...node };
  }
  if (error instanceof BudgetError) return { reason: 'budget', message: error.message, ...node };
  if (error instanceof RunInProgressError) return { reason: 'busy', message: error.message };
  if (error instanceof LockFileError) return { reason: 'lock-file', path: error.path, message: error.message };
  if (isAbort(error)) return { reason: 'interrupted' };
  const fsError = fileSystemFailure(error);
  if (fsError) return fsError;
  const e = error instanceof Error ? error : new Error(String(error));
  return { reason: 'internal', message: e.message, ...(e.stack ? { stack: e.stack } : {}), ...node };
}

function apiDetails(error: MercaApiError): { status: number; type: string; message: string; requestId?: string } {
  return { status: error.status, type: error.type, message: error.message, ...(error.requestId ? { requestId: error.requestId } : {}) };
}

/** A file-system error on a path (permissions, a full disk, a missing folder) as the place that cannot be used. */
function fileSystemFailure(error: unknown): RunFailure | undefined {
  const e = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string' || typeof e.syscall !== 'string') return undefined;
  return { reason: 'not-writable', what: `file (${e.syscall})`, path: e.path, code: e.code };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as NodeJS.ErrnoException).code === 'ABORT_ERR');
}
