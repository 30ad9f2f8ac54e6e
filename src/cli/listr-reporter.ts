/**
 * The terminal view of a run: a listr2 task per node (and one for the stitch) whose line shows
 * the node's state, job id and progress. Used when standard error is a TTY.
 */
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { NodeState, RunEvent } from '../runner/events.js';
import { describeFailure } from './failure-text.js';
import { attemptNote, type Reporter } from './reporters.js';

interface Pending {
  resolve(): void;
  reject(error: Error): void;
  task?: ListrTaskWrapper<unknown, never, never>;
  title: string;
  /** How it ended (`cached`, `done`, the failure), shown after the title. */
  note?: string;
}

const FINAL: ReadonlySet<NodeState> = new Set<NodeState>(['ready', 'skipped', 'failed']);

/** Starts one listr2 task per node, each settled through its `pending` entry; resolves when all have ended. */
function startTasks(nodeIds: readonly string[], pending: Map<string, Pending>): Promise<unknown> {
  const tasks = nodeIds.map((id) => {
    let entry!: Pending;
    const done = new Promise<void>((resolve, reject) => {
      entry = { resolve, reject, title: id };
    });
    pending.set(id, entry);
    return {
      title: id,
      task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => {
        entry.task = task;
        try {
          await done;
        } finally {
          if (entry.note) task.title = `${entry.title} — ${entry.note}`;
        }
      },
    };
  });
  return new Listr(tasks as never, { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } } as never).run().catch(() => undefined);
}

/** A Reporter drawing listr2 tasks on standard error. */
export function listrReporter(): Reporter {
  const pending = new Map<string, Pending>();
  let running: Promise<unknown> | undefined;
  const settle = (id: string, ok: boolean, note?: string) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (note) p.note = note;
    if (p.task && note) p.task.title = `${p.title} — ${note}`;
    if (ok) p.resolve();
    else p.reject(new Error(note ?? 'failed'));
  };
  return {
    event(event: RunEvent) {
      if (event.type === 'run-start') {
        running = startTasks(event.nodeIds, pending);
        return;
      }
      if (event.type === 'node') {
        const p = pending.get(event.node);
        if (p?.task)
          p.task.output = [event.state, event.jobId, attemptNote(event.attempt), event.progress !== undefined ? `${Math.round(event.progress)}%` : undefined]
            .filter(Boolean)
            .join(' ');
        // An interruption is said once, at the end: its nodes end quietly, not as failures.
        if (event.failure?.reason === 'interrupted') settle(event.node, true, 'interrupted');
        else if (FINAL.has(event.state)) settle(event.node, event.state !== 'failed', event.failure ? describeFailure(event.failure) : (event.via ?? event.state));
        return;
      }
      if (event.type === 'stitch') {
        const p = pending.get('stitch');
        const rendition = event.rendition ? `${event.rendition}: ` : '';
        if (p?.task && event.progress !== undefined) p.task.output = `${rendition}${Math.round(event.progress)}% ${event.stage ?? ''}`;
        else if (p?.task && event.rendition) p.task.output = `${rendition}${event.state}`;
        // With several renditions the stitch ends with the run (run-end settles it), not with the first rendition.
        if ((event.state === 'done' || event.state === 'up-to-date') && !event.rendition) settle('stitch', true, event.state);
        if (event.state === 'failed') settle('stitch', false, event.failure ? describeFailure(event.failure) : 'failed');
        return;
      }
      if (event.type === 'run-end') {
        for (const id of [...pending.keys()]) settle(id, event.ok, event.ok ? undefined : 'not run');
      }
    },
    async close() {
      for (const id of [...pending.keys()]) settle(id, false, 'not run');
      await running;
    },
  };
}
