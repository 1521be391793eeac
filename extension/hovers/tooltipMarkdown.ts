// Markdown for tooltips and editor hovers, as plain strings (no vscode) so that unit tests can check the
// exact per-level PID table. The tree and the editor hover wrap these in MarkdownString.
import { containerLabel, podLabel } from '../../shared/core/containers';
import type { ContainerInfo, NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import type { ModelIndex } from '../../shared/core/modelIndex';
import { INFERRED_NOTE, nsName } from '../../shared/core/nsName';
import { persistentText } from '../../shared/core/holders';

/** Escape what Markdown would interpret in a command name (comm is user-controlled: `*`, `|`, `<` …). */
export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

const STATE_NAMES: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk sleep',
  Z: 'zombie',
  T: 'stopped',
  t: 'tracing stop',
  I: 'idle',
  X: 'dead',
};

/** Table of level | namespace | PID, outermost first: the same process as each level's /proc sees it. */
export function levelTable(view: ModelIndex, p: ProcessInfo): string {
  const rows = view.levels(p).map((l) => `| ${l.level} | ${l.nsInode === null ? '?' : nsName(l.nsInode)} | ${l.pid} |`);
  return ['| Level | Namespace | PID |', '|---:|---|---:|', ...rows].join('\n');
}

/** `web (docker)`, with the pod when there is one: `web in pod shop/web-0 (containerd)`. */
export function containerText(c: ContainerInfo): string {
  return `${escapeMd(containerLabel(c))}${c.pod === undefined ? '' : ` in pod ${escapeMd(podLabel(c.pod))}`} (${c.engine})`;
}

export function processTooltip(view: ModelIndex, p: ProcessInfo): string {
  const state = STATE_NAMES[p.state] ? `${p.state} (${STATE_NAMES[p.state]})` : p.state;
  const c = view.containerOf(p);
  // In a container: "PID 1 in web (docker) · host 27416", the PID as the container's own /proc shows it.
  const headline =
    c === undefined
      ? `PID ${view.ownPid(p)} in its own namespace, ${p.pid} on the host`
      : `PID ${view.ownPid(p)} in ${containerText(c)} · host ${p.pid}`;
  const lines = [
    `**${escapeMd(p.comm)}** — ${headline}`,
    '',
    levelTable(view, p),
    '',
    `PPID ${p.ppid === 0 ? '0 (parent outside this view)' : p.ppid} · uid ${p.uid} · state ${state}`,
  ];
  if (p.pendingNs !== undefined) lines.push('', `Its next child goes to ${nsName(p.pendingNs)} (pid_for_children)`);
  return lines.join('\n');
}

export function namespaceTooltip(view: ModelIndex, ns: NamespaceInfo): string {
  const procs = view.processes(ns).length;
  const children = view.children(ns).length;
  const below = view.subtree(ns).reduce((n, s) => n + view.processes(s).length, 0);
  const init = ns.init === null ? 'none' : `${escapeMd(view.initComm(ns) ?? '?')} (host PID ${ns.init})`;
  const rows: Array<[string, string]> = [
    ['Level', String(ns.level)],
    ['Parent', ns.parent === null ? 'none visible' : nsName(ns.parent)],
    ['Owner uid', ns.ownerUid == null ? 'unknown' : String(ns.ownerUid)],
    ['Init (PID 1)', init],
    ['Processes', `${procs} here, ${below} including nested namespaces`],
    ['Child namespaces', String(children)],
  ];
  for (const c of view.containersOf(ns))
    rows.unshift(['Container', `${containerText(c)}${c.image === undefined ? '' : ` · image ${escapeMd(c.image)}`}`]);
  if (ns.inferred) rows.push(['Inferred', INFERRED_NOTE.replace(/^inferred: /, '')]);
  const held = persistentText(ns, 5);
  if (held !== null) rows.push(['Kept alive', escapeMd(held)]);
  else if (ns.hidden) rows.push(['Hidden', 'no member process (kept alive by a child namespace or an open reference)']);
  const table = ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  return [`**PID namespace ${nsName(ns.inode)}**`, '', table].join('\n');
}

/** A container's row (grouped by container): what the engine said, where its PID namespace is, its first process. */
export function containerTooltip(view: ModelIndex, c: ContainerInfo): string {
  const ns = view.namespaceWithInode(c.pidNs);
  const members = view.snapshot.processes.filter(
    (p) => p.container !== undefined && p.container.engine === c.engine && p.container.id === c.id,
  ).length;
  const first = c.initPid === undefined ? undefined : view.process(c.initPid);
  const rows: Array<[string, string]> = [
    ['Engine', c.engine],
    ['Id', escapeMd(c.id)],
  ];
  if (c.image !== undefined) rows.push(['Image', escapeMd(c.image)]);
  if (c.pod !== undefined) rows.push(['Pod', escapeMd(podLabel(c.pod))]);
  rows.push(['PID namespace', `${nsName(c.pidNs)}${ns ? `, level ${ns.level}` : ''}`]);
  const sharing = ns ? view.containersOf(ns).filter((o) => o.engine !== c.engine || o.id !== c.id) : [];
  if (sharing.length > 0) rows.push(['Shared with', sharing.map((o) => containerText(o)).join(', ')]);
  if (first) rows.push(['First process', `${escapeMd(first.comm)}, PID ${view.ownPid(first)} inside, host ${first.pid}`]);
  rows.push(['Processes', String(members)]);
  const table = ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  return [`**Container ${containerText(c)}**`, '', table].join('\n');
}

/** The row of a parent PID missing from the snapshot: why its children are listed under it. */
export function unseenTooltip(pid: number): string {
  return [
    `**PID ${pid} (host), not readable**`,
    '',
    `The processes below have PID ${pid} as their parent, which the helper could not read: no permission to its /proc entry (PID 1 of a sandbox, another user's process when unprivileged), or it exited a moment ago.`,
  ].join('\n');
}

/** The commands an editor hover links to; both take (pid, startTime). */
export interface HoverCommands {
  revealInTree: string;
  showInGraph: string;
}

/** Editor hover for a live PID: which process, its PIDs at every level, and command links to the tree and the graph. */
export function pidHoverMarkdown(view: ModelIndex, p: ProcessInfo, commands: HoverCommands): string {
  const args = encodeURIComponent(JSON.stringify([p.pid, p.startTime]));
  const links = `[Reveal in PID Namespaces tree](command:${commands.revealInTree}?${args}) · [Show in Graph](command:${commands.showInGraph}?${args})`;
  return [processTooltip(view, p), '', links].join('\n');
}
