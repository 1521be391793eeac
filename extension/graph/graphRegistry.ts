// Every open graph view of this window: the editor panel (at most one) and the view in the panel area, each
// with its GraphConnection. Created in activate and disposed with the extension; graphPanel.ts adds each view
// when it opens and removes it when it closes. "Show in Graph" asks it which view to use, "Show Namespace
// Graph" whether the panel is open. (The pattern of vscode-hexeditor's HexEditorRegistry.)
import type * as vscode from 'vscode';
import type { GraphConnection } from './graphConnection';

export type GraphViewKind = 'panel' | 'view';

export interface OpenGraphView {
  readonly kind: GraphViewKind;
  readonly connection: GraphConnection;
  /** On screen now. */
  readonly visible: boolean;
  /** Bring it on screen, leaving the keyboard focus where it is. */
  show(preserveFocus?: boolean): void;
  /** Close it (the panel) or let go of it (the panel-area view, which VS Code owns). */
  dispose(): void;
}

export class GraphRegistry implements vscode.Disposable {
  private readonly open = new Set<OpenGraphView>();

  /** Registers an opened view; disposing the result forgets it. */
  add(view: OpenGraphView): vscode.Disposable {
    this.open.add(view);
    return { dispose: () => this.open.delete(view) };
  }

  get views(): OpenGraphView[] {
    return [...this.open];
  }

  get panel(): OpenGraphView | undefined {
    return this.views.find((v) => v.kind === 'panel');
  }

  /** Where "Show in Graph" goes: a view on screen (the panel first), else the panel, else the panel-area view. */
  preferred(): OpenGraphView | undefined {
    const rank = (v: OpenGraphView): number => (v.visible ? 0 : 2) + (v.kind === 'panel' ? 0 : 1);
    return this.views.sort((a, b) => rank(a) - rank(b))[0];
  }

  /**
   * The extension is going away: stop every connection, but leave the panel open, so that after a window
   * reload VS Code restores it through the serializer.
   */
  dispose(): void {
    for (const v of this.views) v.connection.dispose();
    this.open.clear();
  }
}
