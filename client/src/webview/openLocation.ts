/** Opens a file of the workspace at a 1-based line range; refuses paths outside the workspace folders. */
import path from 'node:path';
import * as vscode from 'vscode';
import type { SourceRange } from '@daglens/protocol';

/** The file a range names, if it exists inside a workspace folder (relative paths are tried in each folder). */
export async function resolveWorkspaceFile(file: string): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const candidates = path.isAbsolute(file)
    ? [vscode.Uri.file(file)]
    : folders.map((f) => vscode.Uri.joinPath(f.uri, file));
  for (const uri of candidates) {
    const inside = folders.some((f) => {
      const rel = path.relative(f.uri.fsPath, uri.fsPath);
      return !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    if (!inside) continue;
    try {
      const st = await vscode.workspace.fs.stat(uri);
      if (st.type & vscode.FileType.File) return uri;
    } catch {
      // Not there (deleted or moved since it was cited): try the next folder.
    }
  }
  return undefined;
}

/** Opens the range; says clearly when the file is gone. Returns whether it opened. */
export async function openSourceRange(r: SourceRange, column?: vscode.ViewColumn): Promise<boolean> {
  const uri = await resolveWorkspaceFile(r.file);
  if (!uri) {
    void vscode.window.showWarningMessage(`DagLens: ${r.file} is not in the workspace any more (deleted or moved?), so line ${r.startLine} cannot be shown.`);
    return false;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const last = Math.max(0, doc.lineCount - 1);
  const start = Math.min(r.startLine - 1, last);
  const end = Math.min(Math.max(r.endLine - 1, start), last);
  const selection = new vscode.Range(start, 0, end, doc.lineAt(end).text.length);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Selection(selection.start, selection.start), viewColumn: column, preview: true });
  const editor = vscode.window.activeTextEditor;
  if (editor?.document === doc) {
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    // Anchor at the end, cursor at the start: the range is highlighted and the cursor sits where it begins.
    editor.selection = new vscode.Selection(selection.end, selection.start);
  }
  return true;
}
