/**
 * DAG → code commands: `DagLens: Map DAG to Code…` (the active plan/manifest, or one picked) and the
 * `daglens.openLocation` command the plan lenses run. The server maps; this asks, opens and summarises.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { mapDag, OPEN_LOCATION_COMMAND, OpenLocationArgsSchema } from '@daglens/protocol';
import type { Ctx } from './ctx';
import { dagGraphSource } from './graphs';

export function registerDagCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(OPEN_LOCATION_COMMAND, async (raw: unknown) => {
      const args = OpenLocationArgsSchema.safeParse(raw);
      if (!args.success) {
        ctx.output.warn(`openLocation: ignored malformed arguments ${JSON.stringify(raw).slice(0, 200)}`);
        return;
      }
      const { uri, startLine, endLine } = args.data;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      const end = Math.min(endLine, doc.lineCount - 1);
      const range = new vscode.Range(startLine, 0, end, doc.lineAt(end).text.length);
      await vscode.window.showTextDocument(doc, { selection: range, preview: true });
    }),
    vscode.commands.registerCommand('daglens.mapDag', async (arg?: unknown) => {
      const uri = arg instanceof vscode.Uri ? arg : await pickDag();
      const client = ctx.client;
      if (!uri) return;
      if (!client?.isRunning()) {
        void vscode.window.showErrorMessage('DagLens: the language server is not running.');
        return;
      }
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `DagLens: mapping ${path.basename(uri.fsPath)}`, cancellable: true },
        (_p, token) => client.sendRequest(mapDag, { uri: uri.toString() }, token),
      ).then((r) => r, (e: unknown) => {
        void vscode.window.showErrorMessage(`DagLens: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      });
      if (!result) return;
      const count = (s: string) => result.mappings.filter((m) => m.status === s).length;
      const problems = result.problems.length ? ` · ${result.problems.length} problem(s) reading it (see the DagLens output)` : '';
      for (const p of result.problems) ctx.output.warn(`${path.basename(uri.fsPath)}${p.line ? `:${p.line}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message}`);
      // Plan text gets lenses on every operator: show it beside the summary.
      if (result.dag.nodes.some((n) => n.line !== null)) await vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true });
      const pick = await vscode.window.showInformationMessage(
        `DagLens: ${result.dag.nodes.length} nodes — ${count('high')} high, ${count('low')} low, ${count('derived')} derived, ${count('unmapped')} unmapped${result.sources[0] ? ` · from ${result.sources[0].file}` : ''}${problems}`,
        'Show Graph',
      );
      if (pick) await ctx.graph.show(dagGraphSource(ctx, uri));
    }),
  ];
}

/** The active editor's file when it is a DAG candidate, else a file picked. */
async function pickDag(): Promise<vscode.Uri | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.uri.scheme === 'file' && (doc.languageId === 'sparkplan' || /\.(json|txt|sparkplan|plan|explain)$/i.test(doc.fileName))) return doc.uri;
  const picked = await vscode.window.showOpenDialog({
    title: 'DagLens: choose a DAG (Spark plan text, Spark plan JSON, dbt manifest.json, DAG JSON)',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'DAG files': ['sparkplan', 'txt', 'plan', 'explain', 'json'], 'All files': ['*'] },
  });
  return picked?.[0];
}
