/** Command-palette actions. Each is a few lines over the Ctx. */
import * as vscode from 'vscode';
import { reindex } from '@daglens/protocol';
import type { Ctx } from './ctx';
import { dagGraphSource } from './graphs';
import { showMenu } from './menu';
import { contextFromArgs, contextFromEditor } from './webview/chatContext';

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('daglens.restartServer', async () => {
      await ctx.restart();
      void vscode.window.setStatusBarMessage('DagLens: server restarted', 3000);
    }),
    vscode.commands.registerCommand('daglens.showLogs', () => ctx.output.show(true)),
    vscode.commands.registerCommand('daglens.menu', () => showMenu(ctx.status.summary)),
    vscode.commands.registerCommand('daglens.ask', async (question?: unknown) => {
      const q = typeof question === 'string' && question.trim()
        ? question
        : await vscode.window.showInputBox({ title: 'Ask DagLens', prompt: 'A question about this workspace', ignoreFocusOut: true });
      if (q?.trim()) await ctx.chat.ask(q.trim());
    }),
    // From the editor context menu (no arguments: the selection or file) or a hover/lens link (a place).
    vscode.commands.registerCommand('daglens.askAbout', async (arg?: unknown) => {
      const fromArgs = arg === undefined || arg instanceof vscode.Uri ? undefined : contextFromArgs(arg);
      if (arg !== undefined && !(arg instanceof vscode.Uri) && !fromArgs) {
        ctx.output.warn(`askAbout: ignored malformed arguments ${JSON.stringify(arg).slice(0, 200)}`);
      }
      const editor = vscode.window.activeTextEditor;
      const c = fromArgs ?? (editor ? contextFromEditor(editor) : undefined);
      if (!c) {
        void vscode.window.showInformationMessage('DagLens: open a file or select some code to ask about it.');
        return;
      }
      await ctx.chat.addContext(c);
    }),
    vscode.commands.registerCommand('daglens.newChat', () => ctx.chat.newChat()),
    vscode.commands.registerCommand('daglens.indexWorkspace', () => runReindex(ctx, false)),
    vscode.commands.registerCommand('daglens.rebuildIndex', () => runReindex(ctx, true)),
    vscode.commands.registerCommand('daglens.showDagGraph', async (arg?: unknown) => {
      const uri = arg instanceof vscode.Uri ? arg : await pickDagFile();
      if (uri) await ctx.graph.show(dagGraphSource(ctx, uri));
    }),
  ];
}

/** The active editor's file (the server says if it is no DAG), else asked for. */
async function pickDagFile(): Promise<vscode.Uri | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.uri.scheme === 'file') return doc.uri;
  const picked = await vscode.window.showOpenDialog({
    title: 'DagLens: choose a DAG (Spark plan text, dbt manifest.json, DAG JSON)',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'DAG files': ['txt', 'plan', 'explain', 'json'], 'All files': ['*'] },
  });
  return picked?.[0];
}

/** Index Workspace / Rebuild Index: the server reports progress itself; this says how it ended. */
async function runReindex(ctx: Ctx, rebuild: boolean): Promise<void> {
  const client = ctx.client;
  if (!client?.isRunning()) {
    void vscode.window.showErrorMessage('DagLens: the server is not running. Restart it from the status bar menu.');
    return;
  }
  try {
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: rebuild ? 'DagLens: rebuilding the index' : 'DagLens: indexing' },
      () => client.sendRequest(reindex, { rebuild }),
    );
    const files = r.folders.reduce((n, f) => n + f.files, 0);
    const chunks = r.folders.reduce((n, f) => n + f.chunks, 0);
    void vscode.window.setStatusBarMessage(`DagLens: ${files} files, ${chunks} chunks indexed in ${r.seconds.toFixed(1)} s`, 5000);
  } catch (e) {
    void vscode.window.showErrorMessage(`DagLens: indexing failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
