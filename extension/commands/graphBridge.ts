// The graph webview's requests (extension/graph/graphActions.ts) carried out by the same core functions as
// the tree's commands, asking the same questions (signalPolicy.ts), so both views behave alike. A namespace or
// process that has gone since the graph drew it is logged and dropped.
import type { GraphActions } from '../graph/graphActions';
import type { CommandContext } from './commandContext';
import { namespaceFromRef, processFromRef } from './commandContext';
import { openTerminal } from './openTerminal';
import { revealNamespaceInTree, revealProcessInTree } from './revealInTree';
import { askAndSendSignal, killInit } from './signalCommands';
import { liveView, refusedOnTrace } from './traceGuard';
import { nsName } from '../../shared/core/nsName';

export function graphActions(ctx: CommandContext): GraphActions {
  const gone = (what: string): void => ctx.log.info(`[graph] ${what} is no longer in the snapshot`);
  return {
    revealInTree: async (target) => {
      // The graph's refs are of the live model; the tree may be showing a trace.
      if (refusedOnTrace(ctx, 'Reveal in Tree')) return;
      const view = liveView(ctx);
      if (!view) return;
      if (target.kind === 'process') {
        const p = processFromRef(view, target.proc);
        if (p) await revealProcessInTree(ctx, p);
        else gone(`process ${target.proc.pid}`);
      } else {
        const ns = namespaceFromRef(view, target.ns);
        if (ns) await revealNamespaceInTree(ctx, ns);
        else gone(`${nsName(target.ns.inode)}`);
      }
    },
    openTerminal: (ref) => {
      const view = liveView(ctx);
      const ns = view && namespaceFromRef(view, ref);
      if (ns) openTerminal(ctx, ns);
      else gone(`${nsName(ref.inode)}`);
    },
    killInit: async (ref) => {
      const view = liveView(ctx);
      const ns = view && namespaceFromRef(view, ref);
      if (ns) await killInit(ctx, ns, { confirm: true });
      else gone(`${nsName(ref.inode)}`);
    },
    sendSignal: async (ref, signal) => {
      const view = liveView(ctx);
      const p = view && processFromRef(view, ref);
      if (p) await askAndSendSignal(ctx, p, signal);
      else gone(`process ${ref.pid}`);
    },
    createdInodes: () => ctx.session.createdInodes(),
    dismissHighlight: () => ctx.graphs.highlight(null),
    log: (level, message) => ctx.log[level](`[graph] ${message}`),
  };
}
