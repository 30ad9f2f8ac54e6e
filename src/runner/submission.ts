/**
 * What the project remembers of a request it sent to the API, in `.mercadream/jobs/<fingerprint>.json`
 * (one small JSON file per request, written atomically, removed once the asset is in the cache):
 *
 *   { "endpoint": "generate", "attempt": 2, "idempotency_key": "mdp-<fingerprint>-a2",
 *     "job_id": "job_…",                               once the POST has returned
 *     "failed": { "type": "…", "message": "…" },       the attempt's job failed: the API's words
 *     "refused": { "status": 400, "type": "…", "message": "…", "param": "style",
 *                  "request_id": "…", "request": "POST /v2/generate" } }   the API refused it
 *
 * `attempt` counts the submissions of one request: the first is 1; a job that failed makes the
 * next run submit attempt 2, under a new Idempotency-Key (the API would hand the failed job back
 * for the old one). The record names the attempt and its key *before* the POST goes out, so a
 * run that dies between sending and recording resends the same attempt with the same key, and
 * the API replays the job instead of making a second one.
 *
 * Files written before attempts were counted hold `{ "job_id", "endpoint" }`: they read as
 * attempt 1 with the key of that time, so such a job is resumed as before.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Endpoint, Fingerprint } from '../plan/fingerprint.js';
import { ValidationError } from '../api/errors.js';
import { writeJsonAtomic } from '../util/atomic-file.js';

/** The API's refusal of a request (a 400), as recorded: enough to rebuild the typed error. */
export interface RecordedRefusal {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  /** The parameter the API named, when it named one. */
  readonly param?: string;
  /** The X-Request-Id of the refused POST. */
  readonly request_id?: string;
  /** `POST /v2/generate`, say. */
  readonly request?: string;
}

/** How an attempt failed: its job (the record's `job_id`) ended `failed`, or the API would not take its key again. */
export interface RecordedFailure {
  /** The API's machine type of the failure (`render_failed`, …). */
  readonly type: string;
  /** The API's own message. */
  readonly message: string;
}

/** One request's record in `.mercadream/jobs/` (see the module docstring). */
export interface SubmissionRecord {
  readonly endpoint: Endpoint;
  /** Which submission of the request this is, from 1. */
  readonly attempt: number;
  /** The Idempotency-Key every POST of this attempt carries. */
  readonly idempotency_key: string;
  /** True when `--force` asked for the request: its attempts carry fresh random keys. */
  readonly forced?: boolean;
  /**
   * The `webhook_url` this attempt's POST carries (absent: none), recorded before the POST. The
   * URL is part of the request body the API compares under one Idempotency-Key, so a resend of
   * the attempt (a run that died before the answer, now with another `--webhook-url` or none)
   * sends the recorded one and is replayed instead of refused.
   */
  readonly webhook_url?: string;
  /** The job the API made for this attempt, once its POST returned. */
  readonly job_id?: string;
  /** The attempt is spent: its job failed. The next run submits attempt + 1. */
  readonly failed?: RecordedFailure;
  /** The API refused the request itself (400): later runs do not send it again unless forced. */
  readonly refused?: RecordedRefusal;
}

/**
 * The Idempotency-Key of attempt `attempt` of a request: the same request and attempt always
 * send the same key. Attempt 1 has the key runs have always sent (`mdp-<fingerprint prefix>`),
 * so jobs submitted before attempts were counted are replayed, not paid for again; attempt n > 1
 * adds `-a<n>`. A forced request gets a random key instead, so the API makes it anew.
 */
export function idempotencyKey(fingerprint: Fingerprint, attempt = 1, forced = false): string {
  if (forced) return `mdp-${fingerprint.slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  return attempt === 1 ? `mdp-${fingerprint.slice(0, 48)}` : `mdp-${fingerprint.slice(0, 48)}-a${attempt}`;
}

/** The record's file. */
export function submissionPath(jobsDir: string, fingerprint: Fingerprint): string {
  return join(jobsDir, `${fingerprint}.json`);
}

/**
 * The record of `fingerprint` (whose request goes to `endpoint`), or undefined when there is
 * none or it cannot be read (a file this program did not write: the request then starts again
 * from attempt 1, whose key the API replays, so nothing is paid twice).
 */
export async function readSubmission(jobsDir: string, fingerprint: Fingerprint, endpoint: Endpoint): Promise<SubmissionRecord | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(submissionPath(jobsDir, fingerprint), 'utf8'));
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const attempt = typeof r['attempt'] === 'number' && Number.isInteger(r['attempt']) && r['attempt'] >= 1 ? r['attempt'] : 1;
  const forced = r['forced'] === true;
  const key = typeof r['idempotency_key'] === 'string' && r['idempotency_key'] ? r['idempotency_key'] : undefined;
  if (forced && !key) return undefined; // a forced attempt without its random key cannot be resent as the same POST
  const failed = r['failed'] && typeof r['failed'] === 'object' ? (r['failed'] as RecordedFailure) : undefined;
  const refused = r['refused'] && typeof r['refused'] === 'object' ? (r['refused'] as RecordedRefusal) : undefined;
  return {
    endpoint,
    attempt,
    idempotency_key: key ?? idempotencyKey(fingerprint, attempt),
    ...(forced ? { forced } : {}),
    ...(typeof r['webhook_url'] === 'string' && r['webhook_url'] ? { webhook_url: r['webhook_url'] } : {}),
    ...(typeof r['job_id'] === 'string' && r['job_id'] ? { job_id: r['job_id'] } : {}),
    ...(failed && typeof failed.message === 'string' ? { failed } : {}),
    ...(refused && typeof refused.status === 'number' && typeof refused.message === 'string' ? { refused } : {}),
  };
}

/** Writes the record of `fingerprint` atomically (temp file, then rename). */
export async function writeSubmission(jobsDir: string, fingerprint: Fingerprint, record: SubmissionRecord): Promise<void> {
  await mkdir(jobsDir, { recursive: true });
  await writeJsonAtomic(submissionPath(jobsDir, fingerprint), record, 0o644);
}

/** Forgets the record of `fingerprint` (its asset is in the cache). */
export async function removeSubmission(jobsDir: string, fingerprint: Fingerprint): Promise<void> {
  await rm(submissionPath(jobsDir, fingerprint), { force: true });
}

/**
 * The attempt to submit after `previous` (undefined: none yet): the same attempt again when it
 * was never answered or its job is unknown to the API, the next one when it failed. Forced
 * requests stay forced, with a new random key for each attempt. The same attempt again keeps
 * the recorded `webhook_url` (the same body under the same key); a new attempt carries
 * `webhookUrl`, this run's (undefined: none).
 */
export function nextAttempt(fingerprint: Fingerprint, endpoint: Endpoint, previous: SubmissionRecord | undefined, force: boolean, webhookUrl?: string): SubmissionRecord {
  const fresh = webhookUrl ? { webhook_url: webhookUrl } : {};
  if (!previous) return { endpoint, attempt: 1, idempotency_key: idempotencyKey(fingerprint, 1, force), ...(force ? { forced: true } : {}), ...fresh };
  if (!previous.failed) {
    const webhook = previous.webhook_url ? { webhook_url: previous.webhook_url } : {};
    return { endpoint, attempt: previous.attempt, idempotency_key: previous.idempotency_key, ...(previous.forced ? { forced: true } : {}), ...webhook };
  }
  const attempt = previous.attempt + 1;
  return { endpoint, attempt, idempotency_key: idempotencyKey(fingerprint, attempt, previous.forced === true), ...(previous.forced ? { forced: true } : {}), ...fresh };
}

/** The recorded refusal as the typed error the API gave: a ValidationError with its param, status and request id. */
export function refusalError(refused: RecordedRefusal): ValidationError {
  return new ValidationError({
    status: refused.status,
    type: refused.type,
    message: refused.message,
    ...(refused.param ? { param: refused.param } : {}),
    ...(refused.request_id ? { requestId: refused.request_id } : {}),
    ...(refused.request ? { request: refused.request } : {}),
  });
}

/** What to record of a ValidationError (see {@link refusalError}). */
export function recordRefusal(error: ValidationError): RecordedRefusal {
  return {
    status: error.status,
    type: error.type,
    message: error.message,
    ...(error.param ? { param: error.param } : {}),
    ...(error.requestId ? { request_id: error.requestId } : {}),
    ...(error.request ? { request: error.request } : {}),
  };
}

/**
 * True when the API refused the request itself, so sending it again cannot succeed until the
 * manifest changes: a 400/422 validation error. Not a refused Idempotency-Key (that says the
 * key was spent on another body, and the next attempt's key is fresh).
 */
export function isPermanentRefusal(error: unknown): error is ValidationError {
  return error instanceof ValidationError && error.type !== 'idempotency_key_reused' && error.param !== 'Idempotency-Key';
}
