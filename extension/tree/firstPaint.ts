// The tree's first rows, one round trip sooner. VS Code's tree (AsyncDataTree) loads the children of a row that
// opens expanded before it draws that row. Our root row opens expanded, so the view's first answer cost a second
// round trip to the window before anything showed: 0.1-0.25 s as a window loads, when the window is busy
// (README "At load, against a floor"). So the rows of VS Code's first answer for the root are given collapsed,
// and opened by a reveal once drawn. VS Code says nothing when a row is drawn: a reveal that comes too early
// fails ("Data tree node not found") and is tried again a moment later.
import * as vscode from 'vscode';

/** Between tries of a reveal that came before the row was drawn (the first try usually does). */
const RETRY_MS = 20;
/** Tries before giving up (about 2 s): the row may be gone (a refresh replaced it), or the view closed. */
const TRIES = 100;

type Reveal<T> = (node: T) => Thenable<void>;

export class FirstPaint<T> implements vscode.Disposable {
  private state: 'before' | 'holding' | 'done' = 'before';
  private readonly held: T[] = [];
  private reveal: Reveal<T> | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** How rows are opened: the view's reveal (set once the view exists; the view needs the provider first). */
  attach(reveal: Reveal<T>): void {
    this.reveal = reveal;
  }

  /**
   * VS Code asks for the root's children. The first time, the items it asks for next are that answer's
   * (it calls getTreeItem for each child before the answer leaves); a timer runs after them.
   */
  rootAsked(): void {
    if (this.state !== 'before') return;
    this.state = 'holding';
    this.later(() => {
      this.state = 'done';
      for (const node of this.held.splice(0)) this.open(node, TRIES);
    }, 0);
  }

  /** An item for VS Code: while the first answer is made, an expanded row is given collapsed and opened later. */
  item(node: T, item: vscode.TreeItem): vscode.TreeItem {
    if (this.state === 'holding' && item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded) {
      item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
      this.held.push(node);
    }
    return item;
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.reveal = undefined;
  }

  private open(node: T, triesLeft: number): void {
    const reveal = this.reveal;
    if (!reveal) return;
    reveal(node).then(undefined, () => {
      if (triesLeft > 1) this.later(() => this.open(node, triesLeft - 1), RETRY_MS);
    });
  }

  private later(f: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
  }
}
