/**
 * Writes review pages: a production's page beside its final cut (`<cut stem>.review.html`), and a
 * batch's index. Stills and the caption track are inlined as `data:` URLs, so each page is one
 * self-contained file that opens from disk without a server or network; the cut itself is
 * referenced beside the page. Written to a temp file and renamed.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, sep } from 'node:path';
import { toHtml } from 'hast-util-to-html';
import type { ReviewInput } from '../runner/qc-step.js';
import type { RunSummary } from '../runner/events.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { batchIndex, type IndexRow } from './batch-index.js';
import { filmPage } from './film-page.js';

/** Pure: the review page's path for a cut (`out/film.mp4` → `out/film.review.html`). */
export function reviewPathOf(cut: string): string {
  return `${cut.replace(/\.[^./\\]*$/, '')}.review.html`;
}

/** Pure: a file name as a relative URL (`#`, `?`, spaces and non-ASCII are percent-encoded). */
export function relativeUrl(path: string): string {
  return path.split(sep).map(encodeURIComponent).join('/');
}

/** Writes the page of one production; resolves with its path. */
export async function writeReview(input: ReviewInput): Promise<string> {
  const page = reviewPathOf(input.files.cut);
  const vtt = input.files.vtt ? await readFile(input.files.vtt).catch(() => undefined) : undefined;
  const stills = (input.outcome?.posters ?? []).map((p) => ({ kind: p.kind, label: p.label, t: p.t, src: `data:image/jpeg;base64,${p.jpeg.toString('base64')}` }));
  const tree = filmPage({
    name: input.name,
    film: input.film,
    summary: input.summary,
    video: relativeUrl(basename(input.files.cut)),
    ...(vtt ? { captions: `data:text/vtt;base64,${vtt.toString('base64')}` } : {}),
    ...(input.outcome ? { qc: input.outcome.summary } : {}),
    stills,
    loudness: input.outcome?.loudness ?? [],
  });
  await writeTextAtomic(page, toHtml(tree));
  return page;
}

/** Writes a batch's index at `path`, linking each production's page relative to it. */
export async function writeBatchIndex(path: string, summaries: ReadonlyArray<RunSummary & { readonly name: string; readonly error?: string }>): Promise<string> {
  const rows: IndexRow[] = summaries.map((s) => ({
    name: s.name,
    summary: s,
    ...(s.review ? { href: relativeUrl(relative(dirname(path), s.review)) } : {}),
    ...(s.error ? { error: s.error } : {}),
  }));
  await writeTextAtomic(path, toHtml(batchIndex('Review of the batch', rows)));
  return path;
}
