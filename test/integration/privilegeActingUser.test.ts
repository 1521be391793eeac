// actingIdentity() against the real account database (NSS): the user a root helper acts for, with the
// same groups `id` reports, and a refusal of malformed or unknown uids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { actingIdentity, actingUid, identityOfUid } from '../../helper-native/src/identity/actingUser';
import { TEST_USER, ensureTestUser, withTestGroup } from './support/polkit';

test('as root with PKEXEC_UID or SUDO_UID: the test user, with the groups id -G reports', (t) => {
  const uid = ensureTestUser();
  const group = withTestGroup(t);
  const idGroups = execFileSync('id', ['-G', TEST_USER], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .map(Number)
    .sort((a, b) => a - b);
  assert.ok(idGroups.includes(group.gid));

  const viaPkexec = actingIdentity({ PKEXEC_UID: String(uid) });
  assert.equal(viaPkexec.uid, uid);
  assert.equal(viaPkexec.name, TEST_USER);
  assert.equal(viaPkexec.home, `/home/${TEST_USER}`);
  assert.equal(viaPkexec.source, 'PKEXEC_UID');
  assert.deepEqual(viaPkexec.groups, idGroups);

  const viaSudo = actingIdentity({ SUDO_UID: String(uid), SUDO_GID: String(viaPkexec.gid) });
  assert.equal(viaSudo.source, 'SUDO_UID');
  assert.deepEqual({ ...viaSudo, source: 'x' }, { ...viaPkexec, source: 'x' });
  assert.deepEqual(identityOfUid(uid), { ...viaPkexec, source: 'self' }, 'the same account looked up by uid alone');
  // pkexec's variable is the one to trust when both are present (pkexec clears the environment).
  assert.equal(actingIdentity({ PKEXEC_UID: String(uid), SUDO_UID: '0' }).uid, uid);
});

test('root without either variable acts as root; a non-root helper always acts as itself', () => {
  assert.deepEqual(actingUid({}, 0), { uid: 0, source: 'self' });
  assert.equal(actingIdentity({}).name, 'root');
  assert.deepEqual(
    actingUid({ PKEXEC_UID: '0' }, 1001),
    { uid: 1001, source: 'self' },
    'a user cannot claim another uid through the environment',
  );
});

test('malformed or unknown uids are refused, not guessed', () => {
  assert.throws(() => actingIdentity({ PKEXEC_UID: '1001; rm -rf /' }), /is not a uid/);
  assert.throws(() => actingIdentity({ PKEXEC_UID: '-1' }), /is not a uid/);
  assert.throws(() => actingIdentity({ SUDO_UID: '4294967295' }), /is not a uid/);
  assert.throws(() => actingIdentity({ PKEXEC_UID: '3999999' }), /has no passwd entry/);
  assert.throws(() => identityOfUid(3999999), /has no passwd entry/);
});
