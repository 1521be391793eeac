// The mountinfo parser (shared/core/mountinfo.ts) on a host's mountinfo with nsfs bind mounts added in every
// form the kernel writes: optional fields, escaped paths, other namespace types, the same mount twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsfsMounts, parseMountinfo, parseMountinfoLine, unescapeMountPath } from '../../shared/core/mountinfo';

const fixture = readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'mountinfo', 'host-with-nsfs.txt'), 'utf8');

test('nsfsMounts finds the PID namespace bind mounts, once each, with unescaped paths', () => {
  assert.deepEqual(nsfsMounts(fixture), [
    { inode: 4026532778, path: '/run/pfx1' },
    { inode: 4026532401, path: '/run/my ns/held' },
    { inode: 4026532401, path: '/var/lib/other' },
  ]);
});

test('nsfsMounts by type: a network namespace mount is not a PID one', () => {
  assert.deepEqual(nsfsMounts(fixture, 'net'), [{ inode: 4026532300, path: '/run/netns/blue' }]);
  assert.deepEqual(nsfsMounts(fixture, 'mnt'), [{ inode: 4026532402, path: '/run/mnt-ns' }]);
});

test('parseMountinfo reads every well-formed line and skips the rest', () => {
  const all = parseMountinfo(fixture);
  assert.equal(all.length, 15, 'the garbage line and the line cut after "-" are skipped');
  const root = all.find((m) => m.mountPoint === '/');
  assert.deepEqual(root, { mountId: 27, parentId: 1, device: '254:0', root: '/', mountPoint: '/', fsType: 'ext4', source: '/dev/vda' });
  const shared = all.find((m) => m.mountId === 313);
  assert.equal(shared?.fsType, 'nsfs', 'two optional fields before the separator');
  assert.equal(shared?.root, 'pid:[4026532401]');
});

test('parseMountinfoLine refuses lines that are not mountinfo', () => {
  for (const line of [
    '',
    'garbage line',
    '1 2 3 4 5 6 - x y',
    'a b 0:4 / /x rw - nsfs nsfs rw',
    '1 2 0:4 / /x rw nsfs nsfs rw more fields',
  ]) {
    assert.equal(parseMountinfoLine(line), null, line);
  }
});

test('unescapeMountPath undoes \\040 \\011 \\012 \\134 and keeps other backslashes', () => {
  assert.equal(unescapeMountPath('/a\\040b\\011c\\012d\\134e'), '/a b\tc\nd\\e');
  assert.equal(unescapeMountPath('/plain'), '/plain');
  assert.equal(unescapeMountPath('/x\\y'), '/x\\y');
});
