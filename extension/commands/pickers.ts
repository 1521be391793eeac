// Quick picks for commands run from the palette (no tree node given): choose a namespace or a process.
import * as vscode from 'vscode';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import type { ModelIndex } from '../../shared/core/modelIndex';
import { namespacePickText, processPickText } from './pickText';

export async function pickNamespace(
  view: ModelIndex,
  title: string,
  filter: (ns: NamespaceInfo) => boolean,
): Promise<NamespaceInfo | undefined> {
  const items = view.snapshot.namespaces.filter(filter).map((ns) => ({ ...namespacePickText(view, ns), ns }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`${title}: no namespace applies (only levels below the helper's own, with a running init).`);
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.ns;
}

export async function pickProcess(view: ModelIndex, title: string): Promise<ProcessInfo | undefined> {
  const items = view.snapshot.processes.map((p) => ({ ...processPickText(view, p), p }));
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.p;
}
