// Parsers on recorded and hand-made /proc texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNsLink, parseStat, parseStatus, toProcessInfo } from '../../shared/core/procStatus';
import { loadFixture } from './support/procFixture';

const edge = loadFixture('edge-cases.json');
const recorded = loadFixture('multi_pidns5.json');
const rec = (pid: number) => {
  const r = edge.procs.find((p) => p.pid === pid);
  assert.ok(r, `fixture has pid ${pid}`);
  return r;
};

test('every recorded status and stat parses, and Pid: equals the first NSpid entry', () => {
  for (const r of recorded.procs) {
    const st = parseStatus(r.status);
    const sa = parseStat(r.stat);
    assert.ok(st && sa, `pid ${r.pid} parses`);
    assert.equal(st.pid, r.pid);
    assert.equal(st.nspid[0], r.pid);
    assert.equal(st.ppid, sa.ppid);
  }
});

test('the leaf sleep of multi_pidns 5 has six NSpid entries ending in 5 4 3 2 1', () => {
  const leaf = recorded.procs.map((r) => parseStatus(r.status)).find((s) => s?.name === 'sleep' && s.nspid.length === 6);
  assert.ok(leaf);
  assert.deepEqual(leaf.nspid.slice(1), [5, 4, 3, 2, 1]);
});

test('comm with spaces and parentheses: stat fields are counted from the last parenthesis', () => {
  const s = parseStat(rec(300).stat);
  assert.deepEqual(s, { comm: 'my prog) (x', state: 'S', ppid: 1, startTime: 900 });
  assert.equal(parseStatus(rec(300).status)?.name, 'my prog) (x');
});

test('an escaped newline in Name: is unescaped', () => {
  assert.equal(parseStatus(rec(302).status)?.name, 'line\nbreak');
});

test('zombie and kernel threads', () => {
  assert.equal(parseStatus(rec(301).status)?.state, 'Z');
  const kthreadd = parseStatus(rec(2).status);
  assert.equal(kthreadd?.ppid, 0);
  assert.equal(parseStatus(rec(40).status)?.state, 'I');
});

test('no NSpid line (kernel before 4.1): nspid is just the pid', () => {
  assert.deepEqual(parseStatus(rec(330).status)?.nspid, [330]);
});

test('truncated or malformed texts are rejected, not half-parsed', () => {
  const full = rec(300).status;
  assert.equal(parseStatus(full.slice(0, full.indexOf('PPid'))), null);
  assert.equal(parseStatus(''), null);
  assert.equal(parseStatus(full.replace(/NSpid:.*\n/, 'NSpid:\t300\tx\n')), null);
  assert.equal(parseStatus(full.replace(/NSpid:.*\n/, 'NSpid:\t999\t1\n')), null, 'NSpid must start with Pid');
  assert.equal(parseStat('1234 (sleep S 1'), null);
  assert.equal(parseStat('1234 (sleep) S 1 2 3'), null, 'no start time');
  assert.equal(parseStat(''), null);
});

test('parseNsLink', () => {
  assert.equal(parseNsLink('pid:[4026531836]'), 4026531836);
  assert.equal(parseNsLink('mnt:[4026531836]'), null);
  assert.equal(parseNsLink('pid:[]'), null);
});

test('toProcessInfo omits pendingNs when it equals the own namespace', () => {
  const st = parseStatus(rec(311).status);
  const sa = parseStat(rec(311).stat);
  assert.ok(st && sa);
  const info = toProcessInfo(st, sa, rec(311).ns, rec(311).ns.inode);
  assert.equal('pendingNs' in info, false);
  assert.equal(toProcessInfo(st, sa, rec(311).ns, 42).pendingNs, 42);
});
