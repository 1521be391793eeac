// pkexec and sudo are found only in root-owned system folders, never through PATH, and a candidate that
// anyone but root could change is refused with the reason. Needs root (it makes root- and user-owned files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findElevationTool, SYSTEM_TOOL_DIRS } from '../../helper-native/src/launch/elevationTools';

function rootDir(t: { after: (fn: () => unknown) => void }): string {
  // /var/lib is root-owned 0755; /tmp is world-writable and so refused by design.
  const dir = mkdtempSync('/var/lib/pidns-elev-tools-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  return dir;
}

function tool(dir: string, name: string, mode = 0o755): string {
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\nexit 0\n', { mode });
  chmodSync(p, mode);
  return p;
}

test('the system pkexec and sudo are found in the fixed folders, whatever PATH says', () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.deepEqual(findElevationTool('pkexec'), { state: 'found', path: '/usr/bin/pkexec' });
    assert.deepEqual(findElevationTool('sudo'), { state: 'found', path: '/usr/bin/sudo' });
  } finally {
    process.env.PATH = saved;
  }
  assert.deepEqual(SYSTEM_TOOL_DIRS, ['/usr/bin', '/bin', '/usr/sbin', '/sbin']);
});

test('missing, relative folders ignored, and each unsafe candidate refused with its reason', (t) => {
  assert.deepEqual(findElevationTool('pkexec', ['/nonexistent']), { state: 'missing' });
  assert.deepEqual(findElevationTool('pkexec', ['usr/bin', '.']), { state: 'missing' }, 'a relative folder is PATH lookup by another name');

  const dir = rootDir(t);
  const p = tool(dir, 'pkexec');
  assert.deepEqual(findElevationTool('pkexec', [dir]), { state: 'found', path: p });

  chownSync(p, 1234, 1234);
  const owned = findElevationTool('pkexec', [dir]);
  assert.equal(owned.state, 'unsafe');
  assert.match(owned.state === 'unsafe' ? owned.problem : '', /pkexec is owned by uid 1234, not root/);
  chownSync(p, 0, 0);

  chmodSync(p, 0o775);
  const writable = findElevationTool('pkexec', [dir]);
  assert.match(writable.state === 'unsafe' ? writable.problem : '', /pkexec is writable by its group/);
  chmodSync(p, 0o644);
  const notExec = findElevationTool('pkexec', [dir]);
  assert.match(notExec.state === 'unsafe' ? notExec.problem : '', /pkexec is not executable/);
  chmodSync(p, 0o755);

  // A root-owned link into a world-writable folder: the target is what would run.
  const tmp = mkdtempSync('/tmp/pidns-elev-tool-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  tool(tmp, 'sudo');
  symlinkSync(join(tmp, 'sudo'), join(dir, 'sudo'));
  const linked = findElevationTool('sudo', [dir]);
  assert.match(linked.state === 'unsafe' ? linked.problem : '', /\/tmp is writable by others/);

  // An unsafe candidate does not hide a safe one in a later folder; the first safe one wins.
  const good = rootDir(t);
  const goodSudo = tool(good, 'sudo');
  assert.deepEqual(findElevationTool('sudo', [dir, good]), { state: 'found', path: goodSudo });
  assert.deepEqual(findElevationTool('sudo', [tmp, good]), { state: 'found', path: goodSudo });
});
