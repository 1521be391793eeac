// The one wording for namespaces held by a mount or an open descriptor (shared/core/holders.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldByText, holderText, isHeldEmpty, persistentText } from '../../shared/core/holders';
import { checkNamespace } from '../../shared/core/traceShape';

test('holderText names a mount, a mount in another mount namespace and an fd', () => {
  assert.equal(holderText({ kind: 'mount', path: '/run/x' }), 'held by mount /run/x');
  assert.equal(holderText({ kind: 'mount', path: '/run/x', mountNs: 4026532200 }), 'held by mount /run/x (mount ns 4026532200)');
  assert.equal(holderText({ kind: 'fd', pid: 1234, fd: 5 }), 'held open by PID 1234 (fd 5)');
});

test('persistentText says "no processes" only when there are none, and names at most two holders', () => {
  const mount = { kind: 'mount', path: '/run/x' } as const;
  const fd = { kind: 'fd', pid: 1234, fd: 5 } as const;
  assert.equal(persistentText({ pids: [], heldBy: [mount] }), 'no processes · held by mount /run/x');
  assert.equal(persistentText({ pids: [7], heldBy: [fd] }), 'held open by PID 1234 (fd 5)');
  assert.equal(persistentText({ pids: [] }), null);
  assert.equal(persistentText({ pids: [], heldBy: [] }), null);
  assert.equal(
    heldByText({ heldBy: [mount, fd, { kind: 'fd', pid: 9, fd: 3 }] }),
    'held by mount /run/x, held open by PID 1234 (fd 5) and 1 more',
  );
  assert.equal(isHeldEmpty({ pids: [], heldBy: [fd] }), true);
  assert.equal(isHeldEmpty({ pids: [1], heldBy: [fd] }), false);
});

test('holderText shows control characters in a mount path as ?', () => {
  assert.equal(holderText({ kind: 'mount', path: '/run/a\nb\x1b[31m' }), 'held by mount /run/a?b?[31m');
});

test('heldByText says copies of one bind mount in several mount namespaces once, with their count', () => {
  const ns = {
    heldBy: [
      { kind: 'mount', path: '/run/x' },
      { kind: 'mount', path: '/run/x', mountNs: 4026532200 },
      { kind: 'mount', path: '/run/xy', mountNs: 4026532200 },
      { kind: 'mount', path: '/run/x', mountNs: 4026532300 },
    ],
  } as const;
  assert.equal(
    heldByText({ heldBy: [...ns.heldBy] }, 5),
    'held by mount /run/x (in 3 mount namespaces), held by mount /run/xy (mount ns 4026532200)',
  );
});

test('a trace checks heldBy where the replay renders it: a holder of the wrong shape names its field', () => {
  const ns = { inode: 5, dev: 4, parent: null, level: 0, init: null, pids: [] };
  checkNamespace(
    {
      ...ns,
      heldBy: [
        { kind: 'mount', path: '/run/x', mountNs: 7 },
        { kind: 'fd', pid: 3, fd: 4 },
      ],
    },
    'ns',
  );
  assert.throws(
    () => checkNamespace({ ...ns, heldBy: [{ kind: 'fd', pid: 3 }] }, 'ns'),
    /ns\.heldBy\[0\]\.fd: expected a non-negative integer/,
  );
  assert.throws(() => checkNamespace({ ...ns, heldBy: [{ kind: 'bind' }] }, 'ns'), /ns\.heldBy\[0\]\.kind: expected "mount" or "fd"/);
  assert.throws(() => checkNamespace({ ...ns, heldBy: { kind: 'fd' } }, 'ns'), /ns\.heldBy: expected an array/);
});
