// What the privilege ladder elevates, and with what: pkexec and sudo only from root-owned system folders
// (never a PATH-planted fake that would get the helper, or sudo's password), the user-writable bundle only
// after an explicit yes, and an installer that refuses sources and a node it cannot trust and ends with the
// launcher's own audit. Real polkitd, pkexec, sudo and a real non-root user; run as root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { inspectInstalledHelper } from '../../helper-native/src/launch/installedHelper';
import {
  INSTALLED_DIR,
  REPO,
  TEST_PASSWORD,
  TEST_USER,
  launchAs,
  privilegeFixture,
  sleep,
  steps,
  withPolkitRule,
  withSudoers,
} from './support/polkit';

const HELPER = `${INSTALLED_DIR}/pidns-helper`;
let uid = -1;
privilegeFixture((u) => (uid = u));

/** A folder the test user owns with a fake `pkexec` and `sudo` that only leave a marker file behind. */
function plantFakeTools(t: { after: (fn: () => unknown) => void }): { dir: string; marker: string } {
  const dir = mkdtempSync('/tmp/pidns-fakebin-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, 'marker');
  for (const tool of ['pkexec', 'sudo']) {
    writeFileSync(join(dir, tool), `#!/bin/sh\necho "fake ${tool} ran: $*" >> ${marker}\nexit 1\n`, { mode: 0o755 });
    chownSync(join(dir, tool), uid, uid);
  }
  chownSync(dir, uid, uid);
  chmodSync(dir, 0o755);
  return { dir, marker };
}

test('a pkexec planted earlier in PATH is never run: the real /usr/bin/pkexec runs the installed helper', async (t) => {
  await withPolkitRule(t, 'YES');
  const fake = plantFakeTools(t);
  const r = await launchAs({ path: `${fake.dir}:/usr/bin:/bin` });
  assert.equal(existsSync(fake.marker), false, 'the fake pkexec ran');
  assert.deepEqual(steps(r.attempts), ['pkexec:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.hello?.via, 'pkexec');
  assert.equal(r.hello?.uid, 0);
  assert.equal(r.hello?.actingForUid, uid);
  assert.ok(
    r.logs.some((l) => l.includes(`/usr/bin/pkexec --disable-internal-agent ${HELPER}`)),
    r.logs.join('\n'),
  );
});

test('a sudo planted earlier in PATH never gets the password: the real sudo -S reads it', async (t) => {
  withSudoers(t, HELPER);
  const fake = plantFakeTools(t);
  const r = await launchAs({ mode: 'sudo', path: `${fake.dir}:/usr/bin:/bin`, password: TEST_PASSWORD });
  assert.equal(existsSync(fake.marker), false, 'the fake sudo ran (and would have read the password)');
  assert.deepEqual(steps(r.attempts), ['sudo-n:sudo-needs-password', 'sudo-password:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.hello?.via, 'sudo');
  assert.equal(r.hello?.actingForUid, uid);
  assert.ok(
    r.logs.some((l) => l.includes(`/usr/bin/sudo -S -k -p  -- ${HELPER}`)),
    r.logs.join('\n'),
  );
});

/** A polkit rule that would let the test user run ANY program as root through pkexec (the generic exec action). */
async function allowAnyPkexec(t: { after: (fn: () => unknown) => void }): Promise<void> {
  const file = `/etc/polkit-1/rules.d/10-pidns-elev-${process.pid}.rules`;
  t.after(() => rmSync(file, { force: true }));
  writeFileSync(
    file,
    `polkit.addRule(function (action, subject) {\n  if (action.id === "org.freedesktop.policykit.exec" && subject.user === "${TEST_USER}") return polkit.Result.YES;\n});\n`,
    { mode: 0o644 },
  );
  await sleep(300);
}

test('no installed helper: the user-writable bundle is elevated only after an explicit yes', async (t) => {
  // polkit would admit it: only the launcher's own rule stands between the bundle and root.
  await allowAnyPkexec(t);
  const noSystemHelper = '/nonexistent/pidns-explorer/pidns-helper';

  const declined = await launchAs({ installedHelper: noSystemHelper, confirm: 'cancel' });
  assert.equal(declined.confirmAsked.length, 1, 'asked once');
  assert.deepEqual(declined.confirmAsked[0].command.slice(1), [join(REPO, 'dist/pidns.js'), 'helper']);
  assert.equal(declined.confirmAsked[0].installedHelper, noSystemHelper);
  assert.deepEqual(steps(declined.attempts), ['pkexec:untrusted-helper-declined', 'unprivileged:ok'], JSON.stringify(declined, null, 1));
  assert.equal(declined.hello?.uid, uid, 'runs as the user');
  assert.ok(!declined.logs.some((l) => /trying (pkexec|sudo)/.test(l)), 'neither pkexec nor sudo was started');
  assert.match(declined.attempts[0].message, /writable by you and every other extension|Install the System Helper/);

  // A caller that gives no callback (the CLI without its flag) never elevates it either.
  const silent = await launchAs({ installedHelper: noSystemHelper });
  assert.deepEqual(steps(silent.attempts), ['pkexec:untrusted-helper-declined', 'unprivileged:ok'], JSON.stringify(silent, null, 1));
  assert.equal(silent.hello?.uid, uid);

  // Positive control: with a yes, the same launch does reach root through pkexec.
  const once = await launchAs({ installedHelper: noSystemHelper, confirm: 'run-once' });
  assert.deepEqual(steps(once.attempts), ['pkexec:ok'], JSON.stringify(once, null, 1));
  assert.equal(once.hello?.uid, 0);
  assert.equal(once.hello?.actingForUid, uid);
});

/** A root-owned copy of what the installer copies from, in a root-owned 0755 folder (not /tmp: world-writable). */
function makeSource(t: { after: (fn: () => unknown) => void }): string {
  const src = mkdtempSync('/var/lib/pidns-elev-src-');
  t.after(() => rmSync(src, { recursive: true, force: true }));
  chmodSync(src, 0o755);
  for (const f of [
    'scripts/install-system-helper.sh',
    'package.json',
    'dist/pidns.js',
    'dist/native/pidns-init',
    'node_modules/koffi',
    `node_modules/@koromix/koffi-linux-${process.arch}`,
    'media/org.pidns-explorer.helper.policy',
  ]) {
    mkdirSync(join(src, f, '..'), { recursive: true });
    cpSync(join(REPO, f), join(src, f), { recursive: true });
  }
  return src;
}

function runInstaller(src: string, ...args: string[]): { status: number | null; stderr: string } {
  return runInstallerEnv(src, {}, ...args);
}

/** extra: e.g. PKEXEC_UID, as pkexec sets it for the user who asked. */
function runInstallerEnv(src: string, extra: Record<string, string>, ...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('bash', [join(src, 'scripts/install-system-helper.sh'), ...args], {
    encoding: 'utf8',
    cwd: '/',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...extra },
  });
  return { status: r.status, stderr: r.stderr };
}

test('the installer refuses a symlinked source, a user-owned source, a missing koffi native package or init, and a node it cannot trust', (t) => {
  const src = makeSource(t);
  const before = inspectInstalledHelper(HELPER);
  assert.equal(before.state, 'safe');

  // The control: this copy installs (and passes the audit).
  const ok = runInstaller(src);
  assert.equal(ok.status, 0, ok.stderr);

  const bundle = join(src, 'dist/pidns.js');
  rmSync(bundle);
  symlinkSync(join(REPO, 'dist/pidns.js'), bundle);
  let r = runInstaller(src);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`refusing source ${src}/dist/pidns\\.js: it is a symlink`));
  rmSync(bundle);
  copyFileSync(join(REPO, 'dist/pidns.js'), bundle);

  // A symlink deeper in a copied folder is refused too (it could point at /etc/shadow).
  symlinkSync('/etc/shadow', join(src, 'node_modules/koffi/shadow.js'));
  r = runInstaller(src);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /refusing source .*node_modules\/koffi: it contains a symlink \(.*shadow\.js\)/);
  rmSync(join(src, 'node_modules/koffi/shadow.js'));

  chownSync(bundle, uid, uid);
  r = runInstaller(src);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`refusing source ${src}/dist/pidns\\.js: .*owned by uid ${uid}, not root`));
  // --allow-user-source (what the extension's command passes through pkexec): the asking user's own files
  // are accepted, and what lands in the system folder is root's...
  r = runInstallerEnv(src, { PKEXEC_UID: String(uid) }, '--allow-user-source');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(inspectInstalledHelper(HELPER).state, 'safe');
  // ...but not a third user's, and not without pkexec/sudo saying who asked.
  r = runInstallerEnv(src, { PKEXEC_UID: '1234' }, '--allow-user-source');
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`refusing source ${src}/dist/pidns\\.js: .*owned by uid ${uid}, not root`));
  r = runInstaller(src, '--allow-user-source');
  assert.match(r.stderr, /--allow-user-source needs PKEXEC_UID or SUDO_UID/);
  chownSync(bundle, 0, 0);
  // A user-owned file deep inside a copied folder.
  chownSync(join(src, 'node_modules/koffi/package.json'), uid, uid);
  r = runInstaller(src);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`refusing source ${src}/node_modules/koffi/package\\.json: owned by uid ${uid}, not root`));
  chownSync(join(src, 'node_modules/koffi/package.json'), 0, 0);

  const native = join(src, 'node_modules/@koromix');
  rmSync(native, { recursive: true });
  r = runInstaller(src);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`koffi's native package for linux-${process.arch} is required`));
  mkdirSync(native);
  cpSync(join(REPO, `node_modules/@koromix/koffi-linux-${process.arch}`), join(native, `koffi-linux-${process.arch}`), { recursive: true });

  rmSync(join(src, 'dist/native/pidns-init'));
  r = runInstaller(src);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /dist\/native\/pidns-init is missing: the native init is required/);
  copyFileSync(join(REPO, 'dist/native/pidns-init'), join(src, 'dist/native/pidns-init'));

  // A node the user owns (an ELF, so only its owner is wrong) and a root-owned node that is a script.
  const nodes = mkdtempSync('/var/lib/pidns-elev-node-');
  t.after(() => rmSync(nodes, { recursive: true, force: true }));
  chmodSync(nodes, 0o755);
  copyFileSync('/usr/bin/true', join(nodes, 'node'));
  chmodSync(join(nodes, 'node'), 0o755);
  chownSync(join(nodes, 'node'), uid, uid);
  r = runInstaller(src, '--node', join(nodes, 'node'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`refusing node ${nodes}/node: ${nodes}/node is owned by uid ${uid}, not root`));
  writeFileSync(join(nodes, 'script-node'), '#!/bin/sh\nexec /usr/bin/node "$@"\n', { mode: 0o755 });
  r = runInstaller(src, '--node', join(nodes, 'script-node'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /refusing node .*script-node: .* is not an ELF executable/);

  // Every refusal happened before anything was touched: the installed copy is the control's, still safe.
  assert.equal(inspectInstalledHelper(HELPER).state, 'safe');
  const again = runInstaller(src);
  assert.equal(again.status, 0, again.stderr);
});

test("pidns audit-install: the launcher's audit as a command lists every writable file and folder; a clean tree is ok", (t) => {
  const dir = mkdtempSync('/var/lib/pidns-elev-audit-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'pidns-helper'), '#!/bin/sh\n', { mode: 0o755 });
  mkdirSync(join(dir, 'dist'), { mode: 0o755 });
  writeFileSync(join(dir, 'dist', 'pidns.js'), '', { mode: 0o644 });
  writeFileSync(join(dir, 'package.json'), '{}', { mode: 0o644 });
  const audit = (): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [join(REPO, 'dist/pidns.js'), 'audit-install', join(dir, 'pidns-helper')], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const clean = audit();
  assert.equal(clean.status, 0, clean.stderr);
  assert.match(clean.stdout, /^ok: /);

  chmodSync(join(dir, 'dist', 'pidns.js'), 0o664);
  chmodSync(join(dir, 'package.json'), 0o646);
  const dirty = audit();
  assert.equal(dirty.status, 1);
  assert.match(dirty.stderr, new RegExp(`${dir}/dist/pidns\\.js is writable by its group`));
  assert.match(dirty.stderr, new RegExp(`${dir}/package\\.json is writable by others`));
  assert.equal(dirty.stderr.trim().split('\n').length, 2, dirty.stderr);

  const missing = spawnSync(process.execPath, [join(REPO, 'dist/pidns.js'), 'audit-install', join(dir, 'nope')], { encoding: 'utf8' });
  assert.equal(missing.status, 1, 'an absent helper is a finding');
  execFileSync('true');
});
