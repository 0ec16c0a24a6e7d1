/**
 * DAG → code commands: `DagLens: Map DAG to Code…` and `DagLens: Show DAG Graph` (the active plan/manifest, or
 * one picked) and the `daglens.openLocation` command the plan lenses run. The server maps; this asks, opens and
 * summarises.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { mapDag, OPEN_LOCATION_COMMAND, OpenLocationArgsSchema } from '@daglens/protocol';
import type { Ctx } from './ctx';
import { DAG_FILE_EXTENSIONS, isDagCandidate } from './dagFiles';
import { dagGraphSource } from './graphs';
import { registerServerCommands } from './serverCommand';
import { revealLines } from './webview/openLocation';

export function registerDagCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(OPEN_LOCATION_COMMAND, async (raw: unknown) => {
      const args = OpenLocationArgsSchema.safeParse(raw);
      if (!args.success) {
        ctx.output.warn(`openLocation: ignored malformed arguments ${JSON.stringify(raw).slice(0, 200)}`);
        return;
      }
      const { uri, startLine, endLine } = args.data;
      await revealLines(vscode.Uri.parse(uri), startLine, endLine);
    }),
    ...registerServerCommands(ctx, {
      'daglens.mapDag': { enabled: (client) => (arg) => mapDagFile(ctx, client, arg) },
      'daglens.showDagGraph': {
        enabled: () => async (arg) => {
          const uri = arg instanceof vscode.Uri ? arg : await pickDagFile();
          if (uri) await ctx.graph.show(dagGraphSource(ctx, uri));
        },
      },
    }),
  ];
}

/** Maps the DAG (the argument, the active file or one picked), says how it went, offers its graph. */
async function mapDagFile(ctx: Ctx, client: LanguageClient, arg: unknown): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : await pickDagFile();
  if (!uri) return;
  const result = await vscode.window
    .withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `DagLens: mapping ${path.basename(uri.fsPath)}`,
        cancellable: true,
      },
      (_p, token) => client.sendRequest(mapDag, { uri: uri.toString() }, token),
    )
    .then(
      (r) => r,
      (e: unknown) => {
        void vscode.window.showErrorMessage(`DagLens: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      },
    );
  if (!result) return;
  const name = path.basename(uri.fsPath);
  // Nothing read as a DAG node: one error that says why, not a count of zero with a graph to show.
  if (!result.dag.nodes.length) {
    void vscode.window.showErrorMessage(
      `DagLens: ${name} is not a DAG DagLens can map: ${problemSummary(result.problems)}. It reads Spark plans (text or JSON), dbt manifests, JSON DAGs {nodes, edges} and Airflow DAG files.`,
    );
    return;
  }
  const count = (s: string) => result.mappings.filter((m) => m.status === s).length;
  const problems = result.problems.length
    ? ` · ${result.problems.length} problem(s) reading it (see the DagLens output)`
    : '';
  // One line in the log: the first problem and how many more.
  if (result.problems.length) ctx.output.warn(`${name}: ${problemSummary(result.problems)}`);
  // Plan text gets lenses on every operator: show it beside the summary.
  if (result.dag.nodes.some((n) => n.line !== null))
    await vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true });
  const pick = await vscode.window.showInformationMessage(
    `DagLens: ${result.dag.kind === 'airflow' ? `Airflow DAG ${name}: ${result.dag.nodes.length} tasks` : `${result.dag.nodes.length} nodes`} — ${count('high')} high, ${count('low')} low, ${count('derived')} derived, ${count('unmapped')} unmapped${result.sources[0] ? ` · from ${result.sources[0].file}` : ''}${problems}`,
    'Show Graph',
  );
  if (pick) await ctx.graph.show(dagGraphSource(ctx, uri));
}

/** The active editor's file when it is a DAG candidate (dagFiles.ts), else a file picked. */
async function pickDagFile(): Promise<vscode.Uri | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.uri.scheme === 'file' && isDagCandidate(doc)) return doc.uri;
  const picked = await vscode.window.showOpenDialog({
    title: 'DagLens: choose a DAG (Spark plan text or JSON, dbt manifest.json, DAG JSON, Airflow DAG file)',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'DAG files': DAG_FILE_EXTENSIONS, 'All files': ['*'] },
  });
  return picked?.[0];
}

/** The first problem (with its line or field) and how many more: one line for a user, not twenty. */
export function problemSummary(problems: Array<{ line?: number; field?: string; message: string }>): string {
  const p = problems[0];
  if (!p) return 'nothing in it reads as a DAG node';
  const at = p.line ? `line ${p.line}: ` : p.field && !p.message.includes(p.field) ? `${p.field}: ` : '';
  return `${at}${p.message.replace(/[.;]\s*$/, '')}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`;
}
