// The privilege ladder on the real thing: polkitd on a real system bus, the real setuid pkexec and sudo,
// the root-owned installed helper, a real non-root user. Each polkit rule and sudoers entry lives for
// one test only. Run as root (it creates rules, sudoers entries and the installed helper).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchHelper, LaunchError } from '../../helper-native/src/launch/launchHelper';
import { HelperClient } from '../../helper-native/src/launch/helperClient';
import type { FailureReason, LaunchAttempt } from '../../helper-native/src/launch/privilegeTypes';
import {
  INSTALLED_DIR,
  REPO,
  TEST_PASSWORD,
  launchAs,
  type LaunchAsResult,
  privilegeFixture,
  sleep,
  steps,
  launchAsWatched,
  withPolkitRule,
  withSudoers,
  withTestGroup,
} from './support/polkit';

const HELPER = `${INSTALLED_DIR}/pidns-helper`;
const GROUP_RULES = '/etc/polkit-1/rules.d/50-pidns-explorer.rules';
let uid = -1;
privilegeFixture((u) => (uid = u));

/** The time each rung took, in the test output (the report's figures come from here). */
function timings(t: { diagnostic: (m: string) => void }, r: LaunchAsResult): void {
  t.diagnostic(
    `${r.attempts.map((a) => `${a.step} ${a.ok ? 'ok' : a.reason} ${a.ms} ms`).join(', ')}; launch ${r.launchMs ?? '-'} ms, snapshot ${r.snapshotMs ?? '-'} ms, dispose ${r.disposeMs ?? '-'} ms`,
  );
}

function reasonOf(attempts: LaunchAttempt[], reason: FailureReason): LaunchAttempt {
  const a = attempts.find((x) => x.reason === reason);
  assert.ok(a, `no attempt failed with ${reason}: ${JSON.stringify(attempts)}`);
  return a;
}

test('root: the helper runs directly as root', async (t) => {
  const launched = await launchHelper({ pidnsJs: join(REPO, 'dist/pidns.js') });
  const client = new HelperClient(launched);
  t.after(() => client.dispose());
  assert.equal(launched.mode, 'root');
  assert.deepEqual(steps(launched.attempts), ['direct:ok']);
  assert.equal(launched.hello.uid, 0);
  assert.equal(launched.hello.via, 'direct');
  assert.ok((await client.request('snapshot', {})).namespaces.length >= 1);
});

test('pkexec with a polkit rule allowing the user: root helper acting for the user', async (t) => {
  await withPolkitRule(t, 'YES');
  const r = await launchAs({});
  timings(t, r);
  assert.equal(r.error, undefined);
  assert.equal(r.mode, 'pkexec');
  assert.deepEqual(steps(r.attempts), ['pkexec:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.hello?.uid, 0);
  assert.equal(r.hello?.via, 'pkexec');
  assert.equal(r.hello?.actingForUid, uid);
  assert.ok(
    r.logs.some((l) => l.includes(`/usr/bin/pkexec --disable-internal-agent ${HELPER}`)),
    'used the installed copy',
  );
});

test('explicit modes: pkexec alone does not go on to sudo; none as root is still root and says so', async (t) => {
  const r = await launchAs({ mode: 'pkexec' });
  timings(t, r);
  assert.deepEqual(steps(r.attempts), ['pkexec:no-polkit-agent', 'unprivileged:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.mode, 'none');
  const launched = await launchHelper({ mode: 'none', pidnsJs: join(REPO, 'dist/pidns.js') });
  const client = new HelperClient(launched);
  t.after(() => client.dispose());
  assert.deepEqual(steps(launched.attempts), ['unprivileged:ok']);
  assert.equal(launched.mode, 'root');
});

test('pkexec denied by a rule: "not authorized", no sudo, unprivileged helper as the user', async (t) => {
  await withPolkitRule(t, 'NO');
  const r = await launchAs({});
  timings(t, r);
  assert.equal(r.mode, 'none');
  assert.deepEqual(steps(r.attempts), ['pkexec:polkit-not-authorized', 'unprivileged:ok'], JSON.stringify(r, null, 1));
  assert.match(reasonOf(r.attempts, 'polkit-not-authorized').message, /did not authorize/);
  assert.equal(r.hello?.uid, uid);
  assert.equal(r.hello?.actingForUid, null);
  assert.match(
    r.attempts[r.attempts.length - 1].message,
    /sees only this user's processes/,
    'the unprivileged mode says what it cannot show',
  );
});

test('no rule, no agent, no sudo rights: each failure named, then unprivileged', async (t) => {
  const { r, seen } = await launchAsWatched({ password: TEST_PASSWORD }, TEST_PASSWORD);
  timings(t, r);
  t.diagnostic(`/proc scanned ${seen.scans} times, ${seen.scansWhileSudo} while sudo ran`);
  assert.deepEqual(seen.hits, [], "the password is in no process's command line or environment");
  // sudo -S lives ~100 ms here (it checks the password, then its policy): the launch froze it for a pass.
  assert.equal(seen.scansWhileSudo, 1, `looked while sudo ran (${seen.scansWhileSudo} passes)`);
  assert.deepEqual(
    steps(r.attempts),
    ['pkexec:no-polkit-agent', 'sudo-n:sudo-needs-password', 'sudo-password:sudo-not-in-sudoers', 'unprivileged:ok'],
    JSON.stringify(r, null, 1),
  );
  assert.match(reasonOf(r.attempts, 'no-polkit-agent').detail ?? '', /No authentication agent found/);
  assert.match(reasonOf(r.attempts, 'no-polkit-agent').message, /Remote-SSH/);
  assert.equal(r.mode, 'none');
  assert.equal(r.hello?.uid, uid);
  assert.ok(!JSON.stringify(r).includes(TEST_PASSWORD), 'the password appears in no log or message');
});

test('no system bus: pkexec cannot reach polkit, recognised, then sudo', async (t) => {
  const r = await launchAs({ hideSystemBus: true });
  timings(t, r);
  assert.deepEqual(
    steps(r.attempts),
    ['pkexec:no-polkit-authority', 'sudo-n:sudo-needs-password', 'sudo-password:sudo-password-cancelled', 'unprivileged:ok'],
    JSON.stringify(r, null, 1),
  );
  assert.match(reasonOf(r.attempts, 'no-polkit-authority').detail ?? '', /Error getting authority/);
  assert.equal(r.mode, 'none');
});

test('pre-authorising a group with install-system-helper.sh --group: local active sessions only, unless --any-session', async (t) => {
  const group = withTestGroup(t);
  // scripts/run-product.sh may have pre-authorised a group already: put its rule back afterwards.
  const previous = existsSync(GROUP_RULES) ? readFileSync(GROUP_RULES) : undefined;
  t.after(() => (previous ? writeFileSync(GROUP_RULES, previous, { mode: 0o644 }) : rmSync(GROUP_RULES, { force: true })));
  // The default rule: runuser gives no local, active (seat) session, as over SSH: polkit does not admit it.
  execFileSync('bash', [join(REPO, 'scripts/install-system-helper.sh'), '--group', group.name], { stdio: 'pipe', cwd: REPO });
  assert.match(readFileSync(GROUP_RULES, 'utf8'), /subject\.local && subject\.active && subject\.isInGroup\(/);
  await sleep(300);
  const local = await launchAs({ mode: 'pkexec' });
  timings(t, local);
  assert.deepEqual(steps(local.attempts), ['pkexec:no-polkit-agent', 'unprivileged:ok'], JSON.stringify(local, null, 1));
  // The administrator's explicit choice: any session (what a Remote-SSH host needs).
  execFileSync('bash', [join(REPO, 'scripts/install-system-helper.sh'), '--group', group.name, '--any-session'], {
    stdio: 'pipe',
    cwd: REPO,
  });
  assert.doesNotMatch(readFileSync(GROUP_RULES, 'utf8'), /subject\.local/);
  await sleep(300);
  const r = await launchAs({});
  timings(t, r);
  assert.equal(r.error, undefined);
  assert.deepEqual(steps(r.attempts), ['pkexec:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.hello?.actingForUid, uid);
});

test('pkexec and sudo are not looked up in PATH: an empty PATH changes nothing; absent from the system folders, both are missing', async (t) => {
  await withPolkitRule(t, 'YES');
  const viaPath = await launchAs({ path: '/nonexistent' });
  timings(t, viaPath);
  assert.deepEqual(steps(viaPath.attempts), ['pkexec:ok'], JSON.stringify(viaPath, null, 1));
  assert.ok(
    viaPath.logs.some((l) => l.includes(`/usr/bin/pkexec --disable-internal-agent ${HELPER}`)),
    'ran /usr/bin/pkexec by absolute path',
  );
  const r = await launchAs({ toolDirs: ['/nonexistent'] });
  timings(t, r);
  assert.deepEqual(steps(r.attempts), ['pkexec:pkexec-missing', 'sudo-n:sudo-missing', 'unprivileged:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.mode, 'none');
});

test('sudo -n with a NOPASSWD entry: mode sudo, acting for the user', async (t) => {
  withSudoers(t, `NOPASSWD: ${HELPER}`);
  const r = await launchAs({});
  timings(t, r);
  assert.deepEqual(steps(r.attempts), ['pkexec:no-polkit-agent', 'sudo-n:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.mode, 'sudo');
  assert.equal(r.hello?.uid, 0);
  assert.equal(r.hello?.via, 'sudo');
  assert.equal(r.hello?.actingForUid, uid);
});

test('sudo with a password: the right one from askPassword works, and is in no /proc/*/cmdline or environ while sudo runs', async (t) => {
  withSudoers(t, HELPER);
  // holdMs: sudo and the root helper it started stay up a second after the snapshot, under watch.
  const { r, seen } = await launchAsWatched({ password: TEST_PASSWORD, mode: 'sudo', holdMs: 1000 }, TEST_PASSWORD);
  timings(t, r);
  t.diagnostic(`/proc scanned ${seen.scans} times, ${seen.scansWhileSudo} while sudo ran`);
  assert.deepEqual(seen.hits, [], "the password is in no process's command line or environment");
  assert.equal(seen.scansWhileSudo, 1, `looked while sudo -S had the password (${seen.scansWhileSudo} passes)`);
  assert.ok(seen.scans >= 3, `and while the helper sudo started ran (${seen.scans} passes in all)`);
  assert.deepEqual(steps(r.attempts), ['sudo-n:sudo-needs-password', 'sudo-password:ok'], JSON.stringify(r, null, 1));
  assert.equal(r.mode, 'sudo');
  assert.equal(r.hello?.actingForUid, uid);
  assert.ok((r.namespaces ?? 0) >= 1, 'the helper answers after the password line (sudo did not pass it on)');
  assert.ok(!JSON.stringify(r).includes(TEST_PASSWORD));
});

test('sudo with a wrong password: clear message, no hang, unprivileged; the password is in no /proc/*/cmdline or environ', async (t) => {
  withSudoers(t, HELPER);
  const { r, seen } = await launchAsWatched({ password: 'not-the-password' }, 'not-the-password');
  timings(t, r);
  t.diagnostic(`/proc scanned ${seen.scans} times, ${seen.scansWhileSudo} while sudo ran`);
  assert.deepEqual(seen.hits, [], "the password is in no process's command line or environment");
  assert.equal(seen.scansWhileSudo, 1, `looked while sudo -S had the password (${seen.scansWhileSudo} passes)`);
  assert.deepEqual(
    steps(r.attempts),
    ['pkexec:no-polkit-agent', 'sudo-n:sudo-needs-password', 'sudo-password:sudo-wrong-password', 'unprivileged:ok'],
    JSON.stringify(r, null, 1),
  );
  assert.match(reasonOf(r.attempts, 'sudo-wrong-password').message, /password was wrong/);
  assert.ok(reasonOf(r.attempts, 'sudo-wrong-password').ms < 10_000, 'stopped after the first "Sorry, try again."');
  assert.equal(r.mode, 'none');
  assert.ok(!JSON.stringify(r).includes('not-the-password'));
});

test('a pre-authorised installed helper that the user owns is refused, even with an allowing rule', async (t) => {
  await withPolkitRule(t, 'YES');
  chownSync(HELPER, uid, uid);
  t.after(() => chownSync(HELPER, 0, 0));
  const r = await launchAs({});
  timings(t, r);
  const refusal = reasonOf(r.attempts, 'unsafe-installed-helper');
  assert.match(refusal.message, new RegExp(`${HELPER} is owned by uid ${uid}, not root`));
  // The bundled copy falls under pkexec's generic action (auth_admin), which cannot ask here.
  assert.notEqual(r.mode, 'pkexec');
  assert.ok(!r.logs.some((l) => l.includes(`pkexec --disable-internal-agent ${HELPER}`)), 'never ran the unsafe copy');
});

test('the helper crashes after pkexec made it root: reported as a helper crash with its stderr, not as a polkit failure', async (t) => {
  await withPolkitRule(t, 'YES');
  const bundle = `${INSTALLED_DIR}/dist/pidns.js`;
  t.after(() => copyFileSync(join(REPO, 'dist/pidns.js'), bundle));
  writeFileSync(bundle, "console.error('helper boom: cannot start'); process.exit(3);\n");
  const r = await launchAs({});
  timings(t, r);
  const crash = reasonOf(r.attempts, 'helper-crashed');
  assert.equal(crash.step, 'pkexec');
  assert.equal(crash.exitCode, 3);
  assert.match(crash.detail ?? '', /helper boom: cannot start/);
  assert.equal(r.mode, 'none', 'a crash is not a reason to try sudo: the same helper would crash there too');
  assert.deepEqual(steps(r.attempts), ['pkexec:helper-crashed', 'unprivileged:ok'], JSON.stringify(r, null, 1));
});

test('helper bundle missing: "helper crashed" at every rung, then a LaunchError naming it', async () => {
  await assert.rejects(launchHelper({ mode: 'root', pidnsJs: '/nonexistent/pidns.js', helloTimeoutMs: 10_000 }), (e: unknown) => {
    assert.ok(e instanceof LaunchError);
    assert.deepEqual(steps(e.attempts), ['direct:helper-crashed', 'unprivileged:helper-crashed']);
    assert.match(e.attempts[0].detail ?? '', /Cannot find module/);
    return true;
  });
});
