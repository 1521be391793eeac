// Metadata from a runtime's on-disk OCI bundle: `config.json` annotations, as the CRI writes them for
// containerd (`io.kubernetes.cri.*`) and CRI-O (`io.kubernetes.pod.*`, `io.kubernetes.container.name`).
// Read asynchronously with a size cap; a missing or malformed file is "no metadata", never an error.
import { open } from 'node:fs/promises';
import type { ContainerMeta } from '../../../shared/core/containers';

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The file's text, or null if it is missing, unreadable or bigger than `max`. */
export async function readCapped(path: string, max = MAX_CONFIG_BYTES): Promise<string | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > max) return null;
    const buf = Buffer.alloc(Math.min(max + 1, st.size + 1));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead > max ? null : buf.toString('utf8', 0, bytesRead);
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 512 ? v : undefined;
}

/** Annotations of an OCI runtime config → metadata (the CRI's keys, then CRI-O's, then Kubernetes' labels). */
export function metaFromAnnotations(annotations: Record<string, unknown>): ContainerMeta {
  const a = (k: string): string | undefined => str(annotations[k]);
  const meta: ContainerMeta = {};
  const name = a('io.kubernetes.cri.container-name') ?? a('io.kubernetes.container.name') ?? a('io.kubernetes.cri-o.ContainerName');
  if (name !== undefined) meta.name = name;
  const image = a('io.kubernetes.cri.image-name') ?? a('io.kubernetes.cri-o.ImageName') ?? a('org.opencontainers.image.ref.name');
  if (image !== undefined) meta.image = image;
  const podName = a('io.kubernetes.cri.sandbox-name') ?? a('io.kubernetes.pod.name');
  const podNs = a('io.kubernetes.cri.sandbox-namespace') ?? a('io.kubernetes.pod.namespace');
  if (podName !== undefined && podNs !== undefined) meta.pod = { name: podName, namespace: podNs };
  return meta;
}

/** Metadata from `<dir>/config.json`, or null when there is no readable, well-formed one. */
export async function readBundleMeta(dir: string): Promise<ContainerMeta | null> {
  const text = await readCapped(`${dir}/config.json`);
  if (text === null) return null;
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null) return null;
    const ann = (json as Record<string, unknown>).annotations;
    return metaFromAnnotations(typeof ann === 'object' && ann !== null ? (ann as Record<string, unknown>) : {});
  } catch {
    return null;
  }
}

/**
 * containers/storage's `containers.json` (Podman's and CRI-O's documented state file): id → names.
 * Used for Podman when its API socket is not running.
 */
export async function readStorageNames(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await readCapped(path, 64 * 1024 * 1024);
  if (text === null) return out;
  try {
    const json = JSON.parse(text) as unknown;
    if (!Array.isArray(json)) return out;
    for (const item of json as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const c = item as Record<string, unknown>;
      const id = str(c.id);
      const name = Array.isArray(c.names) ? str(c.names[0]) : undefined;
      if (id !== undefined && name !== undefined) out.set(id, name);
    }
  } catch {
    // Malformed: no names.
  }
  return out;
}
