// Every open graph view of this window: the editor panel (at most one) and the view in the panel area, each
// with its GraphConnection. Created in activate and disposed with the extension; graphPanel.ts adds each view
// when it opens and removes it when it closes. "Show in Graph" asks it which view to use, "Show Namespace
// Graph" whether the panel is open. (The pattern of vscode-hexeditor's HexEditorRegistry.)
import type * as vscode from 'vscode';
import { holdHighlight, stillHeld, type GraphConnection, type HeldHighlight } from './graphConnection';
import type { Highlight } from '../../shared/webviewProtocol';

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
  /** A lesson step's highlight, for the views that open while it holds. */
  private highlighted: HeldHighlight | undefined;
  private lastAsked: Highlight | undefined;

  /**
   * The last highlight a lesson asked for (for tests and the log): what the views were told, whether or not one
   * was on screen and ready before it lapsed (each connection's lastHighlight says what reached its webview).
   */
  get lastRequested(): Highlight | undefined {
    return this.lastAsked;
  }

  /** Registers an opened view; disposing the result forgets it. */
  add(view: OpenGraphView): vscode.Disposable {
    this.open.add(view);
    // A lesson opens the graph and goes on at once: the view VS Code resolves a moment later still shows its step.
    const h = stillHeld(this.highlighted);
    if (h) view.connection.highlight(h);
    return { dispose: () => this.open.delete(view) };
  }

  get views(): OpenGraphView[] {
    return [...this.open];
  }

  get panel(): OpenGraphView | undefined {
    return this.views.find((v) => v.kind === 'panel');
  }

  /** Outline what a lesson's step names in every graph view, open now or opened while it holds (null clears). */
  highlight(h: Highlight | null): void {
    if (h) this.lastAsked = h;
    this.highlighted = holdHighlight(h);
    for (const v of this.open) v.connection.highlight(h);
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
