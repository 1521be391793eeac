// The `pidns tree` text: fits the width, no escape codes unless asked, shows the chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNspid, renderTree } from '../../shared/core/treeText';
import { fixtureSnapshot, loadFixture } from './support/procFixture';

const snap = fixtureSnapshot(loadFixture('multi_pidns5.json'));
const width = (line: string) => [...line].length;

test('plain text fits 80 columns, including a 32-deep chain, and has no escape codes', () => {
  const text = renderTree(snap);
  assert.ok(!text.includes('\x1b'));
  for (const line of text.split('\n')) assert.ok(width(line) <= 80, `too wide: ${line}`);
  assert.ok(
    snap.namespaces.some((n) => n.level === 32),
    'fixture has a 32-deep chain',
  );
});

test('each namespace is a node and the leaf sleep shows its PID at every level', () => {
  const text = renderTree(snap);
  for (const ns of snap.namespaces) assert.ok(text.includes(`pid:[${ns.inode}]`));
  const leaf = snap.processes.find((p) => p.comm === 'sleep' && p.nspid.length === 6);
  assert.ok(leaf);
  assert.match(text, new RegExp(`sleep +${leaf.pid} / 5 / 4 / 3 / 2 / 1$`, 'm'));
  assert.match(text, /hidden/);
  assert.match(text, /children→pid:\[\d+\]/);
});

test('colour only when asked, and the visible text is the same', () => {
  const coloured = renderTree(snap, { color: true });
  assert.ok(coloured.includes('\x1b['));
  // eslint-disable-next-line no-control-regex
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), renderTree(snap));
});

test('other widths are honoured', () => {
  for (const line of renderTree(snap, { width: 60 }).split('\n')) assert.ok(width(line) <= 60, line);
});

test('formatNspid elides the middle when it does not fit', () => {
  assert.equal(formatNspid([100, 5, 4, 3, 2, 1], 80), '100 / 5 / 4 / 3 / 2 / 1');
  const long = Array.from({ length: 33 }, (_, i) => 33 - i + (i === 0 ? 20000 : 0));
  const s = formatNspid(long, 30);
  assert.ok(s.length <= 30, s);
  assert.ok(s.startsWith('20033 / … / '));
  assert.ok(s.endsWith(' / 2 / 1'));
});
