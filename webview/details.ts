// The details strip under the graph: the selected namespace or process in words, with the actions
// the sidebar offers. It doubles as the text alternative of the picture (aria-live), and its buttons
// only post requests: the host confirms and carries them out.

import type { GraphTarget, WebviewToHost } from '../shared/webviewProtocol';

import type { GraphModel } from './model';
import { nsTitle } from './cards';
import { nsKey, processKey } from '../shared/core/identity';

export function renderDetails(box: HTMLElement, model: GraphModel, target: GraphTarget | null, post: (m: WebviewToHost) => void): void {
  box.replaceChildren();
  if (!target) {
    box.append(line('Select a namespace or process (click, or arrow keys and Enter) to see it here.', 'hint'));
    return;
  }
  if (target.kind === 'namespace') {
    const key = nsKey(target.ns);
    const ns = model.namespaces.get(key);
    if (!ns) return void box.append(line(`${nsTitle(target.ns)} has gone.`, 'hint'));
    const chain = model
      .chain(key)
      .map((k) => nsTitle(model.namespaces.get(k)!))
      .join(' › ');
    box.append(line(`Namespace ${nsTitle(ns)}, level ${ns.level}: ${chain}`, 'what'));
    box.append(
      line(
        `${model.memberCount(key)} own processes, ${model.visibleCount(key)} visible in its /proc; init ${ns.init ?? 'none'} (${model.initComm(ns) ?? '?'})`,
        'sub',
      ),
    );
    box.append(
      buttons([
        ['Open terminal here', () => post({ type: 'openTerminal', ns: target.ns })],
        ['Kill init…', () => post({ type: 'killInit', ns: target.ns })],
      ]),
    );
    return;
  }
  const p = model.processes.get(processKey(target.proc));
  if (!p) return void box.append(line(`Process ${target.proc.pid} has exited.`, 'hint'));
  const chain = model.chain(nsKey({ dev: p.nsDev, inode: p.ns }));
  const levels = chain.map((k, i) => `L${i} ${nsTitle(model.namespaces.get(k)!)}: ${p.nspid[i]}`).join(' · ');
  box.append(line(`Process ${p.comm} (host PID ${p.pid}, state ${p.state}, uid ${p.uid})`, 'what'));
  box.append(line(`PID per level: ${levels}`, 'sub'));
  box.append(buttons([['Send signal…', () => post({ type: 'sendSignal', proc: { pid: p.pid, startTime: p.startTime } })]]));
}

function line(text: string, cls: string): HTMLElement {
  const div = document.createElement('div');
  div.className = cls;
  div.textContent = text;
  return div;
}

function buttons(specs: [string, () => void][]): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'actions';
  for (const [label, run] of specs) {
    const b = document.createElement('vscode-button');
    b.setAttribute('secondary', '');
    b.textContent = label;
    b.addEventListener('click', run);
    bar.append(b);
  }
  return bar;
}
