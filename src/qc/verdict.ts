/**
 * A QC verdict: one named check of a final cut, measured on the file, judged against a threshold.
 * Pure data; the checks (picture-checks.ts, sound-checks.ts, stream-checks.ts, caption-checks.ts)
 * make them, the runner carries them into events, summaries, reports, JUnit and the review page.
 */

/** How a check came out: `warn` never fails a production; `fail` does under `--qc fail`. */
export type QcStatus = 'pass' | 'warn' | 'fail';

/** The checks, by name (one name per kind of defect; see docs/qc.md). */
export type QcCheck =
  | 'decode'
  | 'sync'
  | 'length'
  | 'black'
  | 'freeze'
  | 'silence'
  | 'loudness'
  | 'true-peak'
  | 'caption-line-length'
  | 'caption-lines'
  | 'caption-reading-speed'
  | 'caption-overlap'
  | 'rendition-size'
  | 'colour-tags';

/** A stretch of the film, seconds from its start. */
export interface FilmSpan {
  readonly start: number;
  readonly end: number;
}

/** One judged check. */
export interface Verdict {
  readonly check: QcCheck;
  readonly status: QcStatus;
  /** What was measured (seconds, LUFS, characters…; see `unit`), or a text such as `bt709/bt709/bt709`. */
  readonly measured: number | string;
  /** The limit it was judged against, in the same unit. */
  readonly threshold: number | string;
  /** Unit of `measured` and `threshold`: `s`, `LUFS`, `LU`, `dBTP`, `chars`, `lines`, `cps`, `errors`, `px`, or '' for a text. */
  readonly unit: string;
  /** Where in the film, when the finding has a place. */
  readonly span?: FilmSpan;
  /** The scene that stretch falls in (its middle), when it has a place. */
  readonly scene?: string;
  /** The file measured, when a production has several (renditions); the final cut otherwise. */
  readonly file?: string;
  /** One line for people: what was found. */
  readonly message: string;
}

/** A production's QC outcome: the worst status and every verdict, in film order within each check. */
export interface QcSummary {
  readonly status: QcStatus;
  readonly verdicts: readonly Verdict[];
}

const RANK: Readonly<Record<QcStatus, number>> = { pass: 0, warn: 1, fail: 2 };

/** The worst of some statuses (`pass` for none). */
export function worstStatus(statuses: Iterable<QcStatus>): QcStatus {
  let worst: QcStatus = 'pass';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** Orders statuses worst first (fail, warn, pass): for lists a person scans. */
export function byStatusWorstFirst(a: QcStatus, b: QcStatus): number {
  return RANK[b] - RANK[a];
}

/** The summary of some verdicts. */
export function summarizeVerdicts(verdicts: readonly Verdict[]): QcSummary {
  return { status: worstStatus(verdicts.map((v) => v.status)), verdicts };
}

/** Counts of verdicts by status. */
export function countVerdicts(verdicts: readonly Verdict[]): Record<QcStatus, number> {
  const counts: Record<QcStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const v of verdicts) counts[v.status]++;
  return counts;
}

/** `12.50–13.50 s` for a span. */
export function formatSpan(span: FilmSpan): string {
  return `${span.start.toFixed(2)}–${span.end.toFixed(2)} s`;
}

/** A verdict in one line: `FAIL black 1.00 s (max 0.5 s) at 2.00–3.00 s in scene b: …`. */
export function formatVerdict(v: Verdict): string {
  const value = (x: number | string) => (typeof x === 'number' ? `${Math.round(x * 100) / 100}` : x);
  const where = v.span ? ` at ${formatSpan(v.span)}${v.scene ? ` in scene ${v.scene}` : ''}` : '';
  const unit = v.unit ? ` ${v.unit}` : '';
  return `${v.status.toUpperCase()} ${v.check} ${value(v.measured)}${unit} (limit ${value(v.threshold)}${unit})${where}: ${v.message}`;
}
