/**
 * QC outcomes kept by what they describe, so a rerun whose cut is up to date does not decode the
 * whole film again: the key is the cut's SHA-256 (from the lock), the caption sidecar's content,
 * the film as QC sees it (timeline and limits) and the QC version. Stored as JSON in
 * `<stateDir>/qc/<key>.json` (stills as base64), written atomically; an unreadable entry is a miss.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hashFile } from '../api/download.js';
import type { QcOutcome } from '../media/qc/check-cut.js';
import { hashJson } from '../plan/index.js';
import type { QcFilm } from '../qc/film.js';
import { writeJsonAtomic } from '../util/atomic-file.js';

/** Changes whenever the checks or what they store change, so old outcomes are not reused. */
export const QC_VERSION = 2;

/** An outcome as stored. */
interface StoredOutcome {
  readonly version: number;
  readonly summary: QcOutcome['summary'];
  readonly loudness: QcOutcome['loudness'];
  readonly posters: Array<Omit<QcOutcome['posters'][number], 'jpeg'> & { jpeg: string }>;
}

/** The entry's path for a cut with SHA-256 `cutSha256`. */
export async function qcCachePath(stateDir: string, cutSha256: string, film: QcFilm, captions: string | undefined): Promise<string> {
  const captionsHash = captions ? await hashFile(captions).catch(() => 'none') : 'none';
  return join(stateDir, 'qc', `${hashJson({ version: QC_VERSION, cut: cutSha256, captions: captionsHash, film })}.json`);
}

/** The stored outcome, or undefined. */
export async function readQcCache(path: string): Promise<QcOutcome | undefined> {
  try {
    const stored = JSON.parse(await readFile(path, 'utf8')) as StoredOutcome;
    if (stored.version !== QC_VERSION) return undefined;
    return { summary: stored.summary, loudness: stored.loudness, posters: stored.posters.map((p) => ({ ...p, jpeg: Buffer.from(p.jpeg, 'base64') })) };
  } catch {
    return undefined;
  }
}

/** Stores an outcome (a failure to store costs only the next rerun's measurement). */
export async function writeQcCache(path: string, outcome: QcOutcome): Promise<void> {
  const stored: StoredOutcome = {
    version: QC_VERSION,
    summary: outcome.summary,
    loudness: outcome.loudness,
    posters: outcome.posters.map((p) => ({ ...p, jpeg: p.jpeg.toString('base64') })),
  };
  await mkdir(dirname(path), { recursive: true })
    .then(() => writeJsonAtomic(path, stored, 0o644))
    .catch(() => undefined);
}
