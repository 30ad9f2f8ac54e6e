// The DAG executor's state machine: checked moves, one event per move, the first failure as the
// run's, dependents skipped naming what failed, nothing new started after a failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobFailedError } from '../../src/api/errors.js';
import { DagExecutor, IllegalMoveError, type DagNode } from '../../src/runner/dag-executor.js';
import type { RunEvent } from '../../src/runner/events.js';

const nodes: DagNode[] = [
  { id: 'speech:a', dependsOn: [] },
  { id: 'clip:a', dependsOn: ['speech:a'] },
  { id: 'music:m', dependsOn: ['speech:a'] },
  { id: 'clip:b', dependsOn: [] },
];

function executor(concurrency = 1) {
  const events: Extract<RunEvent, { type: 'node' }>[] = [];
  const dag = new DagExecutor(nodes, { concurrency, emit: (e) => e.type === 'node' && events.push(e) });
  return { dag, events };
}

test('every node ends ready through allowed moves, dependencies first', async () => {
  const { dag, events } = executor(2);
  const failure = await dag.run(async (node, move) => {
    move('submitting');
    move('rendering', { jobId: `job_${node.id}` });
    move('rendering', { progress: 50 });
    move('downloading');
    await Promise.resolve();
  });
  assert.equal(failure, undefined);
  for (const n of nodes) assert.equal(dag.state(n.id), 'ready');
  const order = events.filter((e) => e.state === 'ready').map((e) => e.node);
  assert.ok(order.indexOf('speech:a') < order.indexOf('clip:a') && order.indexOf('speech:a') < order.indexOf('music:m'));
  assert.deepEqual(
    events.filter((e) => e.node === 'clip:b').map((e) => e.state),
    ['submitting', 'rendering', 'rendering', 'downloading', 'ready'],
  );
});

test('a move the machine forbids is a bug, reported as an internal failure of that node', async () => {
  const { dag } = executor();
  assert.throws(() => dag.move('clip:a', 'waiting'), IllegalMoveError);
  const failure = await dag.run(async (node, move) => {
    if (node.id === 'clip:b') {
      move('submitting');
      move('ready'); // a job was submitted: it must render before it is ready
    }
    await Promise.resolve();
  });
  assert.equal(failure?.reason, 'internal');
  assert.match(failure?.reason === 'internal' ? failure.message : '', /clip:b: submitting → ready is not a move/);
  assert.equal(dag.state('clip:b'), 'failed');
});

test('a failed speech job fails its own node with its job id; what needs it is skipped naming it', async () => {
  const { dag, events } = executor();
  const failure = await dag.run(async (node, move) => {
    if (node.id === 'speech:a') {
      move('submitting');
      move('rendering', { jobId: 'job_speech' });
      throw new JobFailedError('job_speech', { type: 'render_failed', message: 'the voice broke' });
    }
    await Promise.resolve();
  });
  assert.deepEqual(failure, { reason: 'job-failed', node: 'speech:a', jobId: 'job_speech', message: failure?.reason === 'job-failed' ? failure.message : '' });
  assert.match(failure?.reason === 'job-failed' ? failure.message : '', /the voice broke/);
  const end = (id: string) => events.filter((e) => e.node === id).at(-1)!;
  assert.equal(end('speech:a').state, 'failed');
  assert.deepEqual([end('clip:a').state, end('clip:a').failure], ['skipped', { reason: 'dependency-failed', node: 'clip:a', dependency: 'speech:a' }]);
  assert.equal(end('music:m').state, 'skipped');
  // With one worker, clip:b waited behind the failure and was not started.
  assert.deepEqual([end('clip:b').state, end('clip:b').failure], ['skipped', failure]);
});

test('an error after the run was aborted is an interruption, whatever the error says', async () => {
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const dag = new DagExecutor(nodes.slice(3), { concurrency: 1, emit: (e) => events.push(e), signal: controller.signal });
  const failure = await dag.run(async () => {
    controller.abort(new Error('interrupted by SIGINT'));
    await Promise.resolve();
    throw new Error('socket hang up');
  });
  assert.deepEqual(failure, { reason: 'interrupted' });
});
