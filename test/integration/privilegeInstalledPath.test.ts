// The launcher refuses an installed helper that anyone but root could change (it would be run as root).
// An integration test, not a unit test: it needs root to build root-owned trees (npm run test:fast runs without root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALLED_HELPER, inspectInstalledHelper, unsafePathProblem } from '../../helper-native/src/launch/installedHelper';

// /tmp is world-writable (and so refused), so build the tree under root-owned 0755 /var/lib instead. Needs root.
function makeTree(): string {
  const dir = mkdtempSync('/var/lib/pidns-explorer-test-');
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'pidns-helper'), '#!/bin/sh\n', { mode: 0o755 });
  mkdirSync(join(dir, 'dist'), { mode: 0o755 });
  writeFileSync(join(dir, 'dist', 'pidns.js'), '', { mode: 0o644 });
  return dir;
}

test('a root-owned tree with no group/other write is safe; absent is absent', (t) => {
  const dir = makeTree();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(inspectInstalledHelper(join(dir, 'pidns-helper')), { state: 'safe', path: join(dir, 'pidns-helper') });
  assert.deepEqual(inspectInstalledHelper(join(dir, 'nope')), { state: 'absent' });
});

test('a user-owned file, a group-writable file deep in the tree, a world-writable folder, a symlink into /tmp, a non-executable helper: each refused', (t) => {
  const dir = makeTree();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const helper = join(dir, 'pidns-helper');

  chownSync(helper, 1234, 0);
  assert.match(unsafeProblem(helper), /owned by uid 1234/);
  chownSync(helper, 0, 0);

  chmodSync(join(dir, 'dist', 'pidns.js'), 0o664);
  assert.match(unsafeProblem(helper), /pidns\.js is writable by its group/);
  chmodSync(join(dir, 'dist', 'pidns.js'), 0o644);

  chmodSync(dir, 0o777);
  assert.match(unsafeProblem(helper), /writable by others/);
  chmodSync(dir, 0o755);

  const tmpTarget = mkdtempSync('/tmp/pidns-node-');
  t.after(() => rmSync(tmpTarget, { recursive: true, force: true }));
  symlinkSync(tmpTarget, join(dir, 'node'));
  assert.match(unsafeProblem(helper), /node -> \/tmp is writable by others/);
  rmSync(join(dir, 'node'));

  chmodSync(helper, 0o644);
  assert.match(unsafeProblem(helper), /pidns-helper is not executable/);
  chmodSync(helper, 0o755);

  assert.equal(inspectInstalledHelper(helper).state, 'safe');
  assert.equal(unsafePathProblem('/usr/bin/node'), undefined);
});

function unsafeProblem(path: string): string {
  const s = inspectInstalledHelper(path);
  assert.equal(s.state, 'unsafe');
  return s.state === 'unsafe' ? s.problem : '';
}

test('the polkit action covers exactly the installed helper, and asks for an admin by default', () => {
  const xml = readFileSync(join(__dirname, '..', '..', '..', 'media', 'org.pidns-explorer.helper.policy'), 'utf8');
  assert.match(xml, /<action id="org\.pidns-explorer\.helper">/);
  const execPath = /<annotate key="org\.freedesktop\.policykit\.exec\.path">([^<]+)<\/annotate>/.exec(xml)?.[1];
  assert.equal(execPath, INSTALLED_HELPER);
  const defaults = [...xml.matchAll(/<allow_(any|inactive|active)>([^<]+)</g)].map((m) => m[2]);
  assert.deepEqual(defaults, ['auth_admin', 'auth_admin', 'auth_admin'], "pre-authorisation is the admin's choice, in rules.d");
});
