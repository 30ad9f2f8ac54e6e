// The batch's compute-unit budget counts a job once, however many productions were handed it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Budget, BudgetError } from '../../src/runner/budget.js';

test('a job settled twice (two productions sharing one request) is charged once', () => {
  const budget = new Budget(4);
  budget.reserve(2, 'a.yaml clip:harbor').settle(2, 'job_shared');
  budget.reserve(2, 'b.yaml clip:harbor').settle(2, 'job_shared');
  assert.equal(budget.spent, 2);
  budget.reserve(2, 'b.yaml clip:own').settle(2, 'job_own');
  assert.equal(budget.spent, 4);
  assert.throws(() => budget.reserve(1, 'c.yaml clip:more'), BudgetError);
});

test('a reservation settles to what the API charged, or is released when nothing was submitted', () => {
  const budget = new Budget();
  budget.reserve(2, 'clip:one').settle(3, 'job_1');
  budget.reserve(5, 'clip:two').release();
  budget.reserve(1, 'clip:three').settle(undefined);
  assert.equal(budget.spent, 4);
});
