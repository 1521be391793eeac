// How a namespace held by a bind mount or an open descriptor is said, in one place: the tree row and its
// tooltip, the graph card and `pidns tree` all use these words.
import type { NamespaceInfo, NsHolder } from './types';

/** "held by mount /run/x", "held by mount /run/x (mount ns 4026532200)", "held open by PID 1234 (fd 5)". */
export function holderText(h: NsHolder): string {
  if (h.kind === 'fd') return `held open by PID ${h.pid} (fd ${h.fd})`;
  // A mount path is anyone's bytes: control characters (a newline would break a row or a table) show as '?'.
  // eslint-disable-next-line no-control-regex
  const path = h.path.replace(/[\x00-\x1f\x7f]/g, '?');
  return `held by mount ${path}${h.mountNs === undefined ? '' : ` (mount ns ${h.mountNs})`}`;
}

/** At most `max` holders named, then "and N more"; null when nothing is known to hold it. */
export function heldByText(ns: Pick<NamespaceInfo, 'heldBy'>, max = 2): string | null {
  const list = ns.heldBy ?? [];
  if (list.length === 0) return null;
  const named = list.slice(0, max).map(holderText).join(', ');
  return list.length > max ? `${named} and ${list.length - max} more` : named;
}

/** True when the namespace has no member process and a mount or descriptor is what keeps it alive. */
export function isHeldEmpty(ns: Pick<NamespaceInfo, 'heldBy' | 'pids'>): boolean {
  return ns.pids.length === 0 && (ns.heldBy?.length ?? 0) > 0;
}

/** The words for a row or card: "no processes · held by mount /run/x"; null for a namespace not held this way. */
export function persistentText(ns: Pick<NamespaceInfo, 'heldBy' | 'pids'>, max = 2): string | null {
  const held = heldByText(ns, max);
  if (held === null) return null;
  return ns.pids.length === 0 ? `no processes · ${held}` : held;
}
