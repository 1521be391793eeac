// The bench's floor for "view opened → first row" (bench/e2e.ts): a tree view with one leaf row, made as the
// module loads and answered at once. Any extension's first row comes after this one's: what is left above it
// is VS Code's (its extension host starting, the other extensions it activates, the renderer's round trip).
const vscode = require('vscode');
const row = { label: 'pid:[4026531836]' };
vscode.window.createTreeView('treeFloor.tree', {
  treeDataProvider: { getTreeItem: (e) => e, getChildren: (e) => (e ? [] : [row]) },
});
exports.activate = () => undefined;
