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

/**
 * At most `max` holders named, then "and N more"; null when nothing is known to hold it. Copies of one bind
 * mount in several mount namespaces (every mount namespace cloned after the mount has one) are said once:
 * "held by mount /run/x (in 3 mount namespaces)".
 */
export function heldByText(ns: Pick<NamespaceInfo, 'heldBy'>, max = 2): string | null {
  const list = ns.heldBy ?? [];
  if (list.length === 0) return null;
  // One entry per mount path (with its first copy and how many) or per fd, in the list's order.
  const entries: Array<{ holder: NsHolder; copies: number }> = [];
  const byPath = new Map<string, { holder: NsHolder; copies: number }>();
  for (const h of list) {
    const seen = h.kind === 'mount' ? byPath.get(h.path) : undefined;
    if (seen !== undefined) {
      seen.copies++;
      continue;
    }
    const entry = { holder: h, copies: 1 };
    entries.push(entry);
    if (h.kind === 'mount') byPath.set(h.path, entry);
  }
  const said = entries.map(({ holder, copies }) =>
    copies > 1 && holder.kind === 'mount'
      ? `${holderText({ kind: 'mount', path: holder.path })} (in ${copies} mount namespaces)`
      : holderText(holder),
  );
  const named = said.slice(0, max).join(', ');
  return said.length > max ? `${named} and ${said.length - max} more` : named;
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
