// What a lesson's step points at in the graph: its caption (the step's `highlight` in shared/core/lessons.ts,
// the one source of the lessons' text) with the namespaces and processes of the live model that the step is
// about, sent to every graph view. A view that opens (GraphRegistry) or is shown again (GraphConnection) later gets it too.
import type { Highlight, NsRef, ProcRef } from '../../shared/webviewProtocol';
import { lessonByName } from '../../shared/core/lessons';
import type { ModelIndex } from '../../shared/core/modelIndex';
import type { CommandContext } from '../commands/commandContext';

export interface StepTargets {
  namespaces?: NsRef[];
  processes?: ProcRef[];
  arrow?: Highlight['arrow'];
  /** How long the outline stays if the lesson does not clear it first. */
  untilMs: number;
}

/** The caption of a lesson's step; a step the lessons do not caption is a bug here, not a runtime condition. */
export function stepCaption(lesson: string, step: number): string {
  const caption = lessonByName(lesson)?.steps[step]?.highlight;
  if (!caption) throw new Error(`lesson ${lesson} step ${step + 1} has no highlight caption`);
  return caption;
}

export function showStep(ctx: CommandContext, lesson: string, step: number, t: StepTargets): void {
  send(ctx, {
    caption: stepCaption(lesson, step),
    namespaces: t.namespaces ?? [],
    processes: t.processes ?? [],
    ...(t.arrow ? { arrow: t.arrow } : {}),
    untilMs: t.untilMs,
  });
}

export function clearStep(ctx: CommandContext): void {
  send(ctx, null);
}

function send(ctx: CommandContext, h: Highlight | null): void {
  ctx.graphs.highlight(h);
}

/** The (dev, inode) of the namespaces with these inodes that the model has. */
export function nsRefs(view: ModelIndex, inodes: number[]): NsRef[] {
  return inodes.flatMap((inode) => {
    const ns = view.namespaceWithInode(inode);
    return ns ? [{ dev: ns.dev, inode: ns.inode }] : [];
  });
}

/** The (pid, start time) of the processes with these host PIDs that the model has. */
export function procRefs(view: ModelIndex, pids: number[]): ProcRef[] {
  return pids.flatMap((pid) => {
    const p = view.process(pid);
    return p ? [{ pid: p.pid, startTime: p.startTime }] : [];
  });
}
