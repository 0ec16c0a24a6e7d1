/** Command-palette actions. Each is a few lines over the Ctx. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { reindex } from '@daglens/protocol';
import type { Ctx } from './ctx';
import { showMenu } from './menu';
import { registerServerCommands } from './serverCommand';
import { contextFromArgs, contextFromEditor } from './webview/chatContext';

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('daglens.restartServer', async () => {
      await ctx.restart();
      void vscode.window.setStatusBarMessage('DagLens: server restarted', 3000);
    }),
    vscode.commands.registerCommand('daglens.showLogs', () => ctx.output.show(true)),
    vscode.commands.registerCommand('daglens.menu', () => showMenu(ctx.status.summary, !!ctx.readyClient)),
    vscode.commands.registerCommand('daglens.ask', async (question?: unknown) => {
      const q =
        typeof question === 'string' && question.trim()
          ? question
          : await vscode.window.showInputBox({
              title: 'Ask DagLens',
              prompt: 'A question about this workspace',
              ignoreFocusOut: true,
            });
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
    ...registerServerCommands(ctx, {
      'daglens.indexWorkspace': { enabled: (client) => () => runReindex(client, false) },
      'daglens.rebuildIndex': { enabled: (client) => () => runReindex(client, true) },
    }),
  ];
}

/** Index Workspace / Rebuild Index: the server reports progress itself; this says how it ended. */
async function runReindex(client: LanguageClient, rebuild: boolean): Promise<void> {
  try {
    const r = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Window,
        title: rebuild ? 'DagLens: rebuilding the index' : 'DagLens: indexing',
      },
      () => client.sendRequest(reindex, { rebuild }),
    );
    const files = r.folders.reduce((n, f) => n + f.files, 0);
    const chunks = r.folders.reduce((n, f) => n + f.chunks, 0);
    void vscode.window.setStatusBarMessage(
      `DagLens: ${files} files, ${chunks} chunks indexed in ${r.seconds.toFixed(1)} s`,
      5000,
    );
  } catch (e) {
    void vscode.window.showErrorMessage(`DagLens: indexing failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
