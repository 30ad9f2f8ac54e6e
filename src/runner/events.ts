/**
 * What the runner reports while it works. Core code never writes to the terminal: it emits
 * these, and the CLI's reporters (listr2, plain lines, NDJSON) render them.
 */

/** The states a node goes through. */
export type NodeState = 'waiting' | 'cached' | 'refetching' | 'submitted' | 'resumed' | 'processing' | 'downloading' | 'done' | 'failed' | 'skipped';

/** One event of a run. */
export type RunEvent =
  | { readonly type: 'run-start'; readonly manifest: string; readonly api: string; readonly nodes: number; readonly nodeIds: readonly string[] }
  | {
      readonly type: 'node';
      readonly node: string;
      readonly state: NodeState;
      readonly jobId?: string;
      /** Which submission of the node's request the job is (1 = first); on `submitted`, `resumed` and `done`. */
      readonly attempt?: number;
      readonly progress?: number;
      readonly message?: string;
    }
  | { readonly type: 'retry'; readonly message: string; readonly delayMs: number }
  | { readonly type: 'stitch'; readonly state: 'started' | 'progress' | 'up-to-date' | 'done' | 'failed'; readonly progress?: number; readonly stage?: string; readonly message?: string }
  | { readonly type: 'run-end'; readonly ok: boolean; readonly summary: RunSummary };

/** The closing figures of a production. */
export interface RunSummary {
  readonly manifest: string;
  readonly ok: boolean;
  /** Assets made by new jobs in this run. */
  readonly generated: number;
  /** Assets found in the cache. */
  readonly cached: number;
  /** Assets fetched again from the Vault (cache lost, lock kept). */
  readonly refetched: number;
  /** HTTP requests sent to the API (and downloads). */
  readonly requests: number;
  /** Compute units charged by jobs this run submitted or resumed. */
  readonly computeUnits: number;
  /** Film length, seconds. */
  readonly length?: number;
  readonly output?: string;
  /** True when the final cut was up to date and not rendered again. */
  readonly cutUpToDate?: boolean;
  readonly error?: string;
}

/** A sink for events. */
export type EventSink = (event: RunEvent) => void;
