/**
 * What travels between the coordinator and the workers through BullMQ, as JSON: one job per
 * production (matrix combinations included) naming the manifest and the combination, and
 * back, the production's RunSummary with its failure as a value (src/runner/failure.ts).
 * Progress travels as the runner's own events.
 */
import type { QcMode } from '../runner/qc-step.js';
import type { PaidPlan } from '../manifest/index.js';
import type { BatchSummary } from '../runner/batch.js';
import type { RunEvent } from '../runner/events.js';

/** The BullMQ queue every coordinator and worker of a Redis database shares (keys `mdp:productions:*`). */
export const PRODUCTIONS_QUEUE = 'productions';

/** One production to make, as the coordinator enqueues it. */
export interface ProductionJobData {
  /** The batch's id (one coordinator run): names its budget key. */
  readonly batch: string;
  /** Display name (`film.yaml`, `film.yaml [city=tokyo]`), as the coordinator's table shows it. */
  readonly name: string;
  /** Absolute path of the manifest, the same on every machine (the project folder is shared). */
  readonly manifest: string;
  /** The matrix combination's variant (`tokyo-noir`), for a production expanded from a matrix. */
  readonly variant?: string;
  /** `--plan`, when given. */
  readonly plan?: PaidPlan;
  /** The API the coordinator planned for (enters fingerprints); a worker talking to another API refuses the job. */
  readonly api: string;
  /** `--max-compute-units` of the whole batch. */
  readonly maxComputeUnits?: number;
  readonly frozen?: boolean;
  readonly force?: readonly string[];
  readonly concurrency?: number;
  readonly preset?: string;
  /** `--qc` of the coordinator: whether a failed quality check fails the production (default warn). */
  readonly qc?: QcMode;
}

/**
 * What a worker returns for a production: the run's summary with the production's name and the
 * seconds it took on the worker (from taking the job to its end), as a local batch's summary has.
 */
export type ProductionJobResult = BatchSummary;

/** A progress report of a production (BullMQ `updateProgress`). */
export interface ProductionProgress {
  readonly event: RunEvent;
}

/** The Redis key of a batch's compute-unit budget. */
export function budgetKey(batch: string): string {
  return `mdp:budget:${batch}`;
}
