/**
 * What the runner reports while it works. Core code never writes to the terminal: it emits
 * these, and the CLI's reporters (listr2, plain lines, NDJSON) render them.
 */
import type { QcSummary } from '../qc/verdict.js';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { RunFailure } from './failure.js';

/**
 * The states a node goes through, in order (src/runner/dag-executor.ts checks each move):
 *
 *   waiting ─▶ submitting ─▶ rendering ─▶ downloading ─▶ ready
 *      │            (each of these may end in failed)        ▲
 *      ├─▶ rendering (a job recorded by an earlier run)      │
 *      ├─▶ downloading (fetched again from the Vault) ───────┤
 *      ├─▶ ready (found in the cache) ────────────────────────┘
 *      └─▶ skipped (a node it needs failed, or the production already has)
 */
export type NodeState = 'waiting' | 'submitting' | 'rendering' | 'downloading' | 'ready' | 'failed' | 'skipped';

/** How a ready asset was obtained: the cache, the Vault, a job of an earlier run, or a new job. */
export type Provenance = 'cached' | 'refetched' | 'resumed' | 'generated';

/** One event of a run. */
export type RunEvent =
  | { readonly type: 'run-start'; readonly manifest: string; readonly api: string; readonly nodes: number; readonly nodeIds: readonly string[] }
  | {
      readonly type: 'node';
      readonly node: string;
      readonly state: NodeState;
      /** On `ready` (and `rendering` for a resumed job): where the asset came from. */
      readonly via?: Provenance;
      readonly jobId?: string;
      /** Percent, 0–100, while rendering. */
      readonly progress?: number;
      /** Which attempt of the request the job is (1 the first; a rerun after a failed job adds one). */
      readonly attempt?: number;
      /** On `failed` and `skipped`: why. */
      readonly failure?: RunFailure;
    }
  | { readonly type: 'retry'; readonly message: string; readonly delayMs: number }
  | {
      readonly type: 'stitch';
      readonly state: 'started' | 'progress' | 'up-to-date' | 'done' | 'failed';
      /** The rendition being stitched, for a manifest with `outputs:` (absent for a single `output:`). */
      readonly rendition?: string;
      readonly progress?: number;
      readonly stage?: string;
      readonly failure?: RunFailure;
    }
  | {
      /** Quality control of the final cut: `started`, then `done` with the verdicts (or `failed` when it could not measure). */
      readonly type: 'qc';
      readonly state: 'started' | 'done' | 'failed';
      readonly qc?: QcSummary;
      /** True when the cut was measured before, unchanged, and its outcome reused. */
      readonly cached?: boolean;
      readonly failure?: RunFailure;
    }
  /** The review page was written at `path` (or could not be: `error`, and `path` is empty). */
  | { readonly type: 'review'; readonly path: string; readonly error?: string }
  | { readonly type: 'run-end'; readonly ok: boolean; readonly summary: RunSummary };

/** One asset the production used, and how this run got it. */
export interface AssetUse {
  readonly node: string;
  readonly via: Provenance;
  readonly jobId: string;
  /** The attempt whose job made the asset (1 the first). */
  readonly attempt: number;
  /** Compute units the job charged, when this run made it (`generated` or `resumed`); 0 otherwise. */
  readonly computeUnits: number;
}

/** The closing figures of a production. `failure` is set exactly when `ok` is false. */
export interface RunSummary {
  readonly manifest: string;
  readonly ok: boolean;
  /**
   * Assets made by jobs in this run (new ones, or ones an earlier run submitted), each once
   * however many nodes use it. Cached, refetched and compute units count each asset once too.
   */
  readonly generated: number;
  /** Assets found in the cache. */
  readonly cached: number;
  /** Assets fetched again from the Vault (cache lost, lock kept). */
  readonly refetched: number;
  /**
   * In a batch: assets this production used that an earlier production of the batch (in the
   * order named) already counted, so that the batch counts each asset once, in that production's
   * generated, cached or refetched and compute units, as the API charged it once. Absent outside batches.
   */
  readonly shared?: number;
  /** HTTP requests sent to the API (and downloads). */
  readonly requests: number;
  /** Compute units charged by jobs this run submitted or resumed. */
  readonly computeUnits: number;
  /** Every asset the run obtained, sorted by node. */
  readonly assets?: readonly AssetUse[];
  /** Film length, seconds. */
  readonly length?: number;
  readonly output?: string;
  /** True when the final cut (every rendition) was up to date and not rendered again. */
  readonly cutUpToDate?: boolean;
  /** Every rendition made, for a manifest with `outputs:` (`output` is the first's path). */
  readonly renditions?: readonly RenditionSummary[];
  /** Quality control of the final cut: the worst status and every verdict (absent with `--qc off` or without a cut). */
  readonly qc?: QcSummary;
  /** The review page written beside the cut. */
  readonly review?: string;
  /** Warnings about the made film, at their manifest place (captions that read too fast). */
  readonly warnings?: readonly Diagnostic[];
  readonly failure?: RunFailure;
}

/** One rendition of a finished run. */
export interface RenditionSummary {
  readonly name: string;
  /** Absolute path of its file. */
  readonly output: string;
  /** Frame size, pixels. */
  readonly width: number;
  readonly height: number;
  /** True when it was up to date and not rendered again. */
  readonly cutUpToDate: boolean;
}

/** A sink for events. */
export type EventSink = (event: RunEvent) => void;
