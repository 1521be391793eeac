// containerOf on /proc/PID/cgroup fixtures of every engine's form (test/fixtures/cgroup/*.txt), v1 and v2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPaths, containerOf, shortId, type CgroupContainer } from '../../shared/core/containerOf';

const dir = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'cgroup');
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
const ID = '3f4e5d6c7b8a99001122334455667788990011223344556677889900aabbccdd';
const POD = '0c1d2e3f-1111-2222-3333-444455556666';

const expected: Record<string, CgroupContainer | null> = {
  'docker-cgroupfs-v1.txt': { engine: 'docker', id: ID },
  'docker-systemd-v2.txt': { engine: 'docker', id: ID },
  'docker-hybrid-unified.txt': { engine: 'docker', id: ID },
  'podman-cgroupfs-v1.txt': { engine: 'podman', id: ID },
  'podman-systemd-v2.txt': { engine: 'podman', id: ID },
  'podman-rootless-v2.txt': { engine: 'podman', id: ID },
  'podman-conmon-v2.txt': null,
  'containerd-ctr-v1.txt': { engine: 'containerd', id: 'web-1', namespace: 'k8s.io' },
  'containerd-default-v1.txt': { engine: 'containerd', id: ID, namespace: 'default' },
  'kubepods-cgroupfs-v1.txt': { engine: 'containerd', id: ID, namespace: 'k8s.io', podUid: POD },
  'kubepods-containerd-systemd-v2.txt': { engine: 'containerd', id: ID, namespace: 'k8s.io', podUid: POD },
  'crio-systemd-v2.txt': { engine: 'cri-o', id: ID, podUid: POD },
  'crio-cgroupfs-v1.txt': { engine: 'cri-o', id: ID, podUid: POD },
  'crio-conmon-v2.txt': null,
  'lxc-v1.txt': { engine: 'lxc', id: 'web' },
  'lxc40-v1.txt': { engine: 'lxc', id: 'web' },
  'lxc4-v2.txt': { engine: 'lxc', id: 'web' },
  'lxc-monitor-v2.txt': null,
  'nspawn-v2.txt': { engine: 'nspawn', id: 'my-box' },
  'nspawn-machine-v2.txt': { engine: 'nspawn', id: 'my-box' },
  'nspawn-supervisor-v2.txt': null,
  // docker-in-docker: the outer container, the one the host's engine knows.
  'dind-v1.txt': { engine: 'docker', id: ID },
  'host-v1.txt': null,
  'host-systemd-v2.txt': null,
  'host-session-v2.txt': null,
  'host-containerd-service-v2.txt': null,
  'in-cgroupns-v2.txt': null,
  'libvirt-vm-v2.txt': null,
};

for (const [file, want] of Object.entries(expected)) {
  test(`containerOf ${file}`, () => {
    assert.deepEqual(containerOf(read(file)), want);
  });
}

test('every fixture has an expectation', async () => {
  const { readdirSync } = await import('node:fs');
  assert.deepEqual(readdirSync(dir).sort(), Object.keys(expected).sort());
});

test('cgroupPaths: the v2 line first, then the v1 lines; junk lines ignored', () => {
  assert.deepEqual(cgroupPaths('4:memory:/a\n0::/b\n\ngarbage\n2:cpu,cpuacct:/c:d\n'), ['/b', '/a', '/c:d']);
  assert.equal(containerOf(''), null);
  assert.equal(containerOf('\u0000\u0001 not a cgroup file'), null);
});

test('near misses are not containers', () => {
  assert.equal(containerOf('0::/docker/abc\n'), null, 'docker needs a 64-hex id');
  assert.equal(containerOf('0::/mygroup/child\n'), null, 'an arbitrary two-level cgroup is not a containerd namespace');
  assert.equal(containerOf(`0::/system.slice/docker-${ID}.scope.bak\n`), null);
  assert.equal(
    containerOf(`0::/pod${POD}/${ID}\n`)?.engine,
    'containerd',
    'a 64-hex id under a top-level group is ctr in a custom namespace',
  );
});

test('shortId: 12 hex digits, names whole', () => {
  assert.equal(shortId(ID), '3f4e5d6c7b8a');
  assert.equal(shortId('web-1'), 'web-1');
});
