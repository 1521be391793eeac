// Editor hover for any text file: a number under the cursor that is a live (host-level) PID shows which
// process it is and its PID at every level, with links that reveal it in the tree and in the graph. Useful on
// log lines and saved `ps` output.
import * as vscode from 'vscode';
import type { ModelIndex } from '../../shared/core/modelIndex';
import { pidHoverMarkdown, type HoverCommands } from './tooltipMarkdown';

/** Largest PID the kernel hands out (pid_max is at most 2^22). */
const PID_MAX_LIMIT = 4_194_304;

export class PidHoverProvider implements vscode.HoverProvider {
  constructor(
    /** A view over a snapshot that is recent enough for a hover (fetches one when polling is off). */
    private readonly freshView: () => Promise<ModelIndex | undefined>,
    private readonly commands: HoverCommands,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    // A PID is a whole number token: not part of an identifier, a version or a hex literal.
    const range = document.getWordRangeAtPosition(position, /(?<![\w.])\d{1,7}(?![\w.])/);
    if (!range) return undefined;
    const pid = Number(document.getText(range));
    if (!Number.isInteger(pid) || pid < 1 || pid > PID_MAX_LIMIT) return undefined;
    const view = await this.freshView();
    const p = view?.process(pid);
    if (!view || !p) return undefined;
    const md = new vscode.MarkdownString(pidHoverMarkdown(view, p, this.commands));
    // Only our own commands may run from these links; the hover shows untrusted text (comm).
    md.isTrusted = { enabledCommands: [this.commands.revealInTree, this.commands.showInGraph] };
    return new vscode.Hover(md, range);
  }
}
