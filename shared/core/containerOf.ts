// Which container a process is in, from the text of /proc/PID/cgroup. Pure: no I/O.
//
// Every engine puts a container's processes in a cgroup whose path names the container; the forms
// (cgroup v1: one `N:controllers:/path` line per hierarchy; v2: one `0::/path` line):
//   docker      /docker/<64 hex>                          (cgroupfs driver)
//               /system.slice/docker-<64 hex>.scope       (systemd driver)
//   podman      /libpod_parent/libpod-<64 hex>            (cgroupfs)
//               /machine.slice/libpod-<64 hex>.scope[/container]  (systemd; rootless under user@UID.service)
//   containerd  /<namespace>/<id>                         (ctr, cgroupfs; id is any name)
//               /kubepods[/<qos>]/pod<uid>/<64 hex>       (Kubernetes CRI, cgroupfs)
//               /kubepods.slice/…-pod<uid>.slice/cri-containerd-<64 hex>.scope  (CRI, systemd)
//   cri-o       /kubepods.slice/…-pod<uid>.slice/crio-<64 hex>.scope  (systemd; cgroupfs: …/pod<uid>/crio-<id>)
//   lxc         /lxc/<name>, /lxc.payload/<name>, /lxc.payload.<name>  (LXC 1–3, 4.0, 4+ and Incus)
//   nspawn      /machine.slice/systemd-nspawn@<name>.service[/payload]  or /machine.slice/machine-<name>.scope
// Engines' own helpers (podman's and CRI-O's conmon in `*-conmon-<id>.scope`, LXC's monitor in
// `lxc.monitor.<name>`, nspawn's `…/supervisor`) are outside the container and match nothing.
// The first (outermost) match along the path wins: docker-in-docker's inner containers
// (`/docker/<outer>/docker/<inner>`) belong to the outer container, the one the host's engine knows.

import type { ContainerEngine } from './types';

export type { ContainerEngine };

export const CONTAINER_ENGINES: readonly ContainerEngine[] = ['docker', 'podman', 'containerd', 'cri-o', 'lxc', 'nspawn'];

/** A process's container as its cgroup path names it. */
export interface CgroupContainer {
  engine: ContainerEngine;
  /** The engine's id: 64 hex digits for docker/podman/CRI, the name for containerd via ctr, lxc and nspawn. */
  id: string;
  /** containerd namespace (`default`, `k8s.io`, …) when the path names it; `k8s.io` under kubepods. */
  namespace?: string;
  /** Kubernetes pod UID (with dashes) when the container runs in a pod. */
  podUid?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** containerd namespaces a plain `/<ns>/<id>` path is accepted under; any other needs a 64-hex id. */
const CONTAINERD_NAMESPACES = new Set(['default', 'k8s.io', 'moby', 'buildkit']);
/** Top-level cgroups that are never a containerd namespace. */
const NOT_A_NAMESPACE =
  /^(docker|lxc|lxc\.payload|kubepods|libpod_parent|machine|system|user|init\.scope|.*\.(slice|scope|service|mount|swap))$/;

/** The cgroup paths of the text, the v2 (`0::`) one first: on hybrid hosts it is the one engines manage with systemd. */
export function cgroupPaths(text: string): string[] {
  const paths: string[] = [];
  const add = (path: string): boolean => {
    paths.push(path);
    return false;
  };
  eachPath(text, true, add);
  eachPath(text, false, add);
  return paths;
}

/**
 * The container a cgroup file names, or null (host process, engine helper, or not a known form): the first of
 * cgroupPaths' paths that names one, without building the list, and a path that repeats the one before is
 * not parsed again (on a v1 host the ten hierarchies usually name one path: one parse, not ten).
 */
export function containerOf(cgroupText: string): CgroupContainer | null {
  let last = '';
  let found: CgroupContainer | null = null;
  const visit = (path: string): boolean => {
    if (path === last) return false;
    last = path;
    found = containerOfPath(path);
    return found !== null;
  };
  if (!eachPath(cgroupText, true, visit)) eachPath(cgroupText, false, visit);
  return found;
}

/**
 * Calls `visit` with the path of each v2 (`v2`) or each v1 line, in order, until it returns true; returns
 * whether it did. A line is `hierarchy-id:controller-list:path`, the v2 one `0::path`; the path itself may
 * contain ':' (rare, but legal), and a line whose path is not absolute is skipped.
 */
function eachPath(text: string, v2: boolean, visit: (path: string) => boolean): boolean {
  for (let at = 0; at < text.length;) {
    let eol = text.indexOf('\n', at);
    if (eol < 0) eol = text.length;
    const line = at;
    at = eol + 1;
    const a = text.indexOf(':', line);
    const b = a < 0 || a >= eol ? -1 : text.indexOf(':', a + 1);
    if (b < 0 || b >= eol) continue;
    if ((a === line + 1 && text.charCodeAt(line) === 0x30 && b === a + 1) !== v2) continue;
    const path = text.slice(b + 1, eol).trim();
    if (path.startsWith('/') && visit(path)) return true;
  }
  return false;
}

/** `machine-foo\x2dbar.scope` → `foo-bar`: systemd escapes unit names this way. */
function unescapeUnit(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Pod UID from `pod<uid>` (cgroupfs) or `kubepods-<qos>-pod<uid_with_underscores>.slice` (systemd). */
function podUidOf(part: string): string | undefined {
  const m = /^(?:kubepods(?:-[a-z]+)*-)?pod([0-9a-fA-F_-]{8,})(?:\.slice)?$/.exec(part);
  return m === null ? undefined : m[1].replace(/_/g, '-');
}

export function containerOfPath(path: string): CgroupContainer | null {
  const parts = path.split('/').filter((p) => p.length > 0);
  let podUid: string | undefined;
  let inKube = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next = parts[i + 1];
    if (part === 'kubepods' || part.startsWith('kubepods.') || part.startsWith('kubepods-')) inKube = true;
    const pod = inKube ? podUidOf(part) : undefined;
    if (pod !== undefined) {
      podUid = pod;
      continue;
    }
    const withPod = <T extends CgroupContainer>(c: T): T => (podUid === undefined ? c : { ...c, podUid });
    let m: RegExpExecArray | null;
    // Systemd-driver scopes: `<prefix>-<64 hex>.scope` (cgroupfs CRI-O and podman drop the `.scope`).
    if ((m = /^(docker|libpod|cri-containerd|crio)-([0-9a-f]{64})(?:\.scope)?$/.exec(part)) !== null) {
      const engine: ContainerEngine =
        m[1] === 'docker' ? 'docker' : m[1] === 'libpod' ? 'podman' : m[1] === 'crio' ? 'cri-o' : 'containerd';
      return withPod(engine === 'containerd' ? { engine, id: m[2], namespace: 'k8s.io' } : { engine, id: m[2] });
    }
    // A bare 64-hex id inside a pod: the CRI's cgroupfs form (containerd by default).
    if (inKube && podUid !== undefined && HEX64.test(part)) return withPod({ engine: 'containerd', id: part, namespace: 'k8s.io' });
    if (part === 'docker' && next !== undefined && HEX64.test(next)) return { engine: 'docker', id: next };
    if (part === 'libpod_parent' && next !== undefined && (m = /^libpod-([0-9a-f]{64})$/.exec(next)) !== null)
      return { engine: 'podman', id: m[1] };
    if ((part === 'lxc' || part === 'lxc.payload') && next !== undefined && !next.startsWith('lxc.monitor'))
      return { engine: 'lxc', id: next };
    if ((m = /^lxc\.payload\.(.+)$/.exec(part)) !== null) return { engine: 'lxc', id: m[1] };
    if ((m = /^systemd-nspawn@(.+)\.service$/.exec(part)) !== null) {
      // The nspawn process itself waits in `…/supervisor`, outside its container.
      return next === 'supervisor' ? null : { engine: 'nspawn', id: unescapeUnit(m[1]) };
    }
    // machinectl/nspawn registration scope; libvirt's VMs (`machine-qemu…`) run in the host's PID namespace anyway.
    if (part === 'machine.slice' || parts[i - 1] === 'machine.slice') {
      if ((m = /^machine-(.+)\.scope$/.exec(part)) !== null && !/^(qemu|lxc)\\x2d/.test(m[1]))
        return { engine: 'nspawn', id: unescapeUnit(m[1]) };
    }
    // ctr's default: `/<namespace>/<id>` at the top.
    if (
      i === 0 &&
      parts.length >= 2 &&
      !NOT_A_NAMESPACE.test(part) &&
      next !== undefined &&
      (CONTAINERD_NAMESPACES.has(part) || HEX64.test(next))
    ) {
      return { engine: 'containerd', id: next, namespace: part };
    }
  }
  return null;
}

/** The first 12 characters of a hex id, as `docker ps` shows it; a name is kept whole. */
export function shortId(id: string): string {
  return HEX64.test(id) ? id.slice(0, 12) : id;
}
