/**
 * Runs a DAG's nodes, each as soon as the nodes it needs are ready, at most `concurrency` at a
 * time (p-limit; the plan's job limit is kept by the client on top). Every node's state lives
 * here and changes through one method, `move`, that checks the move is allowed (events.ts draws
 * the machine) and emits the event. The first failure is the run's failure: nodes under way
 * finish (and stay cached), nothing new starts, and every node not run says why it was skipped.
 */
import pLimit from 'p-limit';
import type { NodeState, RunEvent } from './events.js';
import { failureOf, ProductionFailedError, type RunFailure } from './failure.js';

/** What the executor needs of a node. */
export interface DagNode {
  readonly id: string;
  /** Ids of the nodes that must be ready first (all among the executor's nodes). */
  readonly dependsOn: readonly string[];
}

/** Details carried by a node event besides its state. */
export type NodeDetail = Omit<Extract<RunEvent, { type: 'node' }>, 'type' | 'node' | 'state'>;

/** The moves each state allows. A final state (ready, failed, skipped) allows none. */
const MOVES: Readonly<Record<NodeState, readonly NodeState[]>> = {
  waiting: ['submitting', 'rendering', 'downloading', 'ready', 'failed', 'skipped'],
  submitting: ['rendering', 'failed', 'skipped'],
  // A job recorded by an earlier run that failed is submitted again as the next attempt.
  rendering: ['rendering', 'submitting', 'downloading', 'failed', 'skipped'],
  // Fetching again from the Vault can find the asset gone or changed: then a job makes it.
  downloading: ['downloading', 'submitting', 'rendering', 'ready', 'failed', 'skipped'],
  ready: [],
  failed: [],
  skipped: [],
};

/** A move the state machine does not allow: a bug in the runner, reported as `internal`. */
export class IllegalMoveError extends Error {}

/** The work of one node: obtain its asset, reporting progress through `move`. */
export type NodeWork<N extends DagNode> = (node: N, move: (state: NodeState, detail?: NodeDetail) => void) => Promise<void>;

/** Executes nodes of type N; one executor per production run. */
export class DagExecutor<N extends DagNode> {
  readonly #nodes: ReadonlyMap<string, N>;
  readonly #states = new Map<string, NodeState>();
  readonly #emit: (event: RunEvent) => void;
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #signal: AbortSignal | undefined;
  #failure: RunFailure | undefined;

  /**
   * @param nodes in any order; every `dependsOn` id must name one of them
   * @param options.concurrency nodes worked on at once (≥ 1)
   */
  constructor(nodes: readonly N[], options: { concurrency: number; emit: (event: RunEvent) => void; signal?: AbortSignal | undefined }) {
    this.#nodes = new Map(nodes.map((n) => [n.id, n]));
    for (const n of nodes) this.#states.set(n.id, 'waiting');
    this.#emit = options.emit;
    this.#limit = pLimit(options.concurrency);
    this.#signal = options.signal;
  }

  /** The state of node `id`. */
  state(id: string): NodeState | undefined {
    return this.#states.get(id);
  }

  /** The run's failure so far (the first node that failed), if any. */
  get failure(): RunFailure | undefined {
    return this.#failure;
  }

  /** Moves node `id` to `to`, emitting the event. @throws IllegalMoveError when the machine forbids it */
  move(id: string, to: NodeState, detail: NodeDetail = {}): void {
    const from = this.#states.get(id);
    if (from === undefined) throw new IllegalMoveError(`no node ${id}`);
    const again = from === to && (to === 'rendering' || to === 'downloading');
    if (!again && !MOVES[from].includes(to)) throw new IllegalMoveError(`${id}: ${from} → ${to} is not a move a node can make`);
    this.#states.set(id, to);
    this.#emit({ type: 'node', node: id, state: to, ...detail });
  }

  /**
   * Runs every node with `work`; resolves (never rejects) once every node is final, to the run's
   * failure or undefined. A node whose work resolves without reaching `ready` is moved there.
   */
  async run(work: NodeWork<N>): Promise<RunFailure | undefined> {
    const started = new Map<string, Promise<boolean>>();
    const start = (node: N): Promise<boolean> => {
      let promise = started.get(node.id);
      if (!promise) {
        promise = this.#runNode(node, work, start);
        started.set(node.id, promise);
      }
      return promise;
    };
    await Promise.all([...this.#nodes.values()].map(start));
    return this.#failure;
  }

  /** Resolves true when the node ended ready. */
  async #runNode(node: N, work: NodeWork<N>, start: (node: N) => Promise<boolean>): Promise<boolean> {
    const needs = node.dependsOn.map((id) => this.#nodes.get(id)).filter((n): n is N => n !== undefined);
    const ready = await Promise.all(needs.map(start));
    const broken = needs.find((_, i) => !ready[i]);
    if (broken) {
      const own: RunFailure = { reason: 'dependency-failed', node: node.id, dependency: broken.id };
      return this.#skip(node, this.#states.get(broken.id) === 'failed' ? own : (this.#failure ?? own));
    }
    return this.#limit(async () => {
      if (this.#failure) return this.#skip(node, this.#failure);
      try {
        await work(node, (state, detail) => this.move(node.id, state, detail));
        if (this.#states.get(node.id) !== 'ready') this.move(node.id, 'ready');
        return true;
      } catch (error: unknown) {
        // Refused because the production had already failed elsewhere: skipped, not failed.
        if (error instanceof ProductionFailedError && this.#failure) return this.#skip(node, this.#failure);
        const failure = failureOf(error, { node: node.id, ...(this.#signal ? { signal: this.#signal } : {}) });
        this.#failure ??= failure;
        this.move(node.id, 'failed', { failure });
        return false;
      }
    });
  }

  /** Marks a node skipped, saying why (the production's failure, or the dependency that failed). */
  #skip(node: N, why: RunFailure): false {
    this.move(node.id, 'skipped', { failure: why });
    return false;
  }
}
