// Quick picks for commands run from the palette (no tree node given): choose a namespace or a process.
import * as vscode from 'vscode';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import type { ModelIndex } from '../../shared/core/modelIndex';

export async function pickNamespace(
  view: ModelIndex,
  title: string,
  filter: (ns: NamespaceInfo) => boolean,
): Promise<NamespaceInfo | undefined> {
  const items = view.snapshot.namespaces.filter(filter).map((ns) => ({
    label: `${'  '.repeat(ns.level)}pid:[${ns.inode}]`,
    description: `level ${ns.level} · ${view.initComm(ns) ?? 'no init'} · ${view.processes(ns).length} processes`,
    ns,
  }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`${title}: no namespace applies (only levels below the helper's own, with a running init).`);
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.ns;
}

export async function pickProcess(view: ModelIndex, title: string): Promise<ProcessInfo | undefined> {
  const items = view.snapshot.processes.map((p) => ({
    label: `${p.comm} ${view.ownPid(p)}`,
    description: `host ${p.pid} · level ${p.nspid.length - 1} · uid ${p.uid}`,
    p,
  }));
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.p;
}
