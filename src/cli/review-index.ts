/**
 * Where a batch's review index goes, and writing it: `--review-index <file>`, else `review.html`
 * in the deepest folder that holds every production's review page.
 */
import { dirname, join, resolve, sep } from 'node:path';
import { writeBatchIndex } from '../review/write.js';
import type { BatchResult } from '../runner/batch.js';
import { failureOf, type RunFailure } from '../runner/failure.js';
import { describeFailure } from './failure-text.js';

/** Pure: the deepest folder holding every one of `files` (absolute paths). */
export function commonFolder(files: readonly string[]): string | undefined {
  const split = files.map((f) => dirname(resolve(f)).split(sep));
  const first = split[0];
  if (!first) return undefined;
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

/** Pure: the index's path; undefined when no page was written and no path was asked for. */
export function reviewIndexPath(result: BatchResult, asked: string | undefined): string | undefined {
  if (asked) return resolve(asked);
  const folder = commonFolder(result.summaries.flatMap((s) => (s.review ? [s.review] : [])));
  return folder === undefined ? undefined : join(folder, 'review.html');
}

/** Writes a batch's index; resolves with its path, or a failure when it cannot be written. */
export async function writeReviewIndex(result: BatchResult, asked: string | undefined): Promise<{ path?: string; failure?: RunFailure }> {
  const path = reviewIndexPath(result, asked);
  if (!path) return {};
  try {
    const summaries = result.summaries.map((s) => ({ ...s, ...(s.failure ? { error: describeFailure(s.failure) } : {}) }));
    return { path: await writeBatchIndex(path, summaries) };
  } catch (error: unknown) {
    return { failure: failureOf(error) };
  }
}
