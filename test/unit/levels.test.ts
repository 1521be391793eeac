// alignLevels: NSpid paired with the namespace chain from the innermost entry, so a missing ancestor never
// shifts the PIDs of the namespaces that are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignLevels } from '../../shared/core/levels';

test('a complete chain: one namespace per NSpid entry, outermost first', () => {
  assert.deepEqual(alignLevels(['host', 'L1', 'L2'], [900, 5, 1]), [
    { level: 0, ns: 'host', pid: 900 },
    { level: 1, ns: 'L1', pid: 5 },
    { level: 2, ns: 'L2', pid: 1 },
  ]);
});

test('an unreadable ancestor: the known namespaces keep their own PIDs and the top is unknown', () => {
  // L1 could not be read, so the chain is [L2, L3] while NSpid has four entries.
  assert.deepEqual(alignLevels(['L2', 'L3'], [900, 7, 3, 1]), [
    { level: 0, ns: undefined, pid: 900 },
    { level: 1, ns: undefined, pid: 7 },
    { level: 2, ns: 'L2', pid: 3 },
    { level: 3, ns: 'L3', pid: 1 },
  ]);
});

test('a chain longer than NSpid (a torn read): the innermost entries still pair with the innermost namespaces', () => {
  assert.deepEqual(alignLevels(['host', 'L1', 'L2'], [4, 1]), [
    { level: 0, ns: 'L1', pid: 4 },
    { level: 1, ns: 'L2', pid: 1 },
  ]);
});
