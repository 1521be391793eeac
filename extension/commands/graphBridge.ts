// The graph webview's requests (extension/graph/graphActions.ts) carried out by the same code as the tree's
// commands, so both views behave alike. The graph has already confirmed kill-init and chosen the signal.
import type { GraphActions } from '../graph/graphActions';
import type { CommandContext } from './commandContext';
import { killInit, sendSignal } from './signalCommands';
import { openTerminal } from './openTerminal';
import { revealInTree, revealNode } from './revealInTree';

export function graphActions(ctx: CommandContext): GraphActions {
  const nsNode = (dev: number, inode: number) => ({ kind: 'namespace', key: `${dev}:${inode}` });
  return {
    revealInTree: async (target) => {
      if (target.kind === 'process') {
        await revealInTree(ctx, target.proc.pid, target.proc.startTime);
        return;
      }
      const ns = ctx.tree.currentView()?.namespace(`${target.ns.dev}:${target.ns.inode}`);
      if (ns) await revealNode(ctx, ctx.tree.namespaceNode(ns), true, true);
    },
    openTerminal: async (ns) => {
      await openTerminal(ctx, nsNode(ns.dev, ns.inode));
    },
    killInit: async (ns) => {
      await killInit(ctx, { ...nsNode(ns.dev, ns.inode), force: true });
    },
    sendSignal: async (proc, signal) => {
      const p = ctx.tree.currentView()?.process(proc.pid);
      if (p && p.startTime === proc.startTime) await sendSignal(ctx, p, signal, 'ancestor');
    },
    createdInodes: () => ctx.session.createdInodes(),
    log: (level, message) => ctx.log[level](`[graph] ${message}`),
  };
}
