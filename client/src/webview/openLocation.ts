/** Opens a file of the workspace at a 1-based line range; refuses paths outside the workspace folders. */
import path from 'node:path';
import * as vscode from 'vscode';
import type { SourceRange } from '@daglens/protocol';
import { DOCUMENT_SELECTOR } from '../client';

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
    void vscode.window.showWarningMessage(
      `DagLens: ${r.file} is not in the workspace any more (deleted or moved?), so line ${r.startLine} cannot be shown.`,
    );
    return false;
  }
  await revealLines(uri, r.startLine - 1, r.endLine - 1, column);
  return true;
}

let highlight: vscode.TextEditorDecorationType | undefined;

/** Ranges longer than this many lines are marked by their first line only. */
const LONG_RANGE = 12;

/** How long a jump waits for the target's code lenses before it lands anyway. */
const LENS_WAIT_MS = 1200;

/** Jumps into documents whose code lenses have not come yet: document uri → what to do when they have. */
const awaitingLenses = new Map<string, () => void>();

/**
 * The editor was just given a document's code lenses (the client middleware calls this): a jump waiting for
 * them lands once they are drawn, right after.
 */
export function afterLenses(doc: vscode.TextDocument): void {
  const land = awaitingLenses.get(doc.uri.toString());
  if (!land) return;
  awaitingLenses.delete(doc.uri.toString());
  setTimeout(land, 30);
}

/**
 * Opens a document with the cursor at the start of 0-based lines `start`..`end` and those lines highlighted
 * until the cursor moves or the text changes. Not selected: one keystroke would replace them.
 *
 * A file not yet open gets its code lenses a moment after it is shown, and VS Code keeps the top line still
 * as they push the text below them down — the line we jumped to would slide away. So the jump lands once the
 * lenses are drawn (or after LENS_WAIT_MS): the line stays where it is put.
 */
export async function revealLines(
  uri: vscode.Uri,
  startLine: number,
  endLine: number,
  column?: vscode.ViewColumn,
): Promise<vscode.TextEditor> {
  // A document open before has had its lenses: VS Code draws them from its cache the moment it shows it again.
  const known = vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
  const doc = await vscode.workspace.openTextDocument(uri);
  const last = Math.max(0, doc.lineCount - 1);
  const start = Math.min(Math.max(0, startLine), last);
  const end = Math.min(Math.max(endLine, start), last);
  const range = new vscode.Range(start, 0, end, doc.lineAt(end).text.length);
  const at = new vscode.Selection(range.start, range.start);
  const shown = vscode.window.visibleTextEditors.some((e) => e.document === doc);
  const lensed =
    known || shown || vscode.languages.match(DOCUMENT_SELECTOR, doc) === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          awaitingLenses.set(doc.uri.toString(), resolve);
          setTimeout(() => {
            awaitingLenses.delete(doc.uri.toString());
            resolve();
          }, LENS_WAIT_MS);
        });
  const editor = await vscode.window.showTextDocument(doc, {
    viewColumn: column,
    preview: true,
    ...(known || shown ? { selection: at } : {}),
  });
  await lensed;
  editor.selection = at;
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  highlight ??= vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    isWholeLine: true,
  });
  const deco = highlight;
  // A whole model or file highlighted is no mark at all: a long range shows where it starts.
  editor.setDecorations(deco, [end - start < LONG_RANGE ? range : new vscode.Range(start, 0, start, 0)]);
  const subs = [
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor === editor && !e.selections[0]?.isEqual(at)) clear();
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === doc && e.contentChanges.length) clear();
    }),
  ];
  function clear(): void {
    editor.setDecorations(deco, []);
    for (const s of subs) s.dispose();
  }
  return editor;
}
