/** The status bar's quick pick: index state on top, then every DagLens command that applies now. */
import * as vscode from 'vscode';

interface Entry extends vscode.QuickPickItem {
  command?: string;
}

/** `needsServer`: hidden while the language server is not ready (as the palette does with daglens.serverReady). */
const ENTRIES: Array<{ command: string; label: string; detail: string; needsEditor?: boolean; needsServer?: boolean }> =
  [
    {
      command: 'daglens.ask',
      label: '$(comment-discussion) Ask DagLens',
      detail: 'Ask a question about this workspace in the chat',
    },
    {
      command: 'daglens.showLineage',
      label: '$(type-hierarchy-sub) Show Lineage',
      detail: 'Upstream and downstream of the current file or symbol',
      needsEditor: true,
      needsServer: true,
    },
    {
      command: 'daglens.showImpact',
      label: '$(warning) Show Impact of Current Symbol',
      detail: 'Everything downstream of what the cursor is on',
      needsEditor: true,
      needsServer: true,
    },
    {
      command: 'daglens.mapDag',
      label: '$(type-hierarchy) Map DAG to Code…',
      detail: 'Map a Spark plan, dbt manifest or Airflow DAG to the code that made it',
      needsServer: true,
    },
    {
      command: 'daglens.showDagGraph',
      label: '$(graph) Show DAG Graph',
      detail: 'Draw a mapped DAG, each node coloured by mapping status',
      needsServer: true,
    },
    {
      command: 'daglens.indexWorkspace',
      label: '$(database) Index Workspace',
      detail: 'Bring the index up to date with the files on disk',
      needsServer: true,
    },
    {
      command: 'daglens.rebuildIndex',
      label: '$(refresh) Rebuild Index',
      detail: 'Throw the index away and build it again',
      needsServer: true,
    },
    {
      command: 'daglens.setApiKey',
      label: '$(key) Set API Key',
      detail: 'Stored in VS Code SecretStorage, never in settings',
    },
    {
      command: 'daglens.clearAiCache',
      label: '$(trash) Clear AI Cache',
      detail: 'Forget cached model replies and explanations',
      needsServer: true,
    },
    { command: 'daglens.showLogs', label: '$(output) Show Logs', detail: 'The DagLens output channel' },
    {
      command: 'daglens.restartServer',
      label: '$(debug-restart) Restart Server',
      detail: 'Stop and start the language server',
    },
  ];

export async function showMenu(state: string, serverReady: boolean): Promise<void> {
  const known = new Set(await vscode.commands.getCommands(true));
  const hasEditor = !!vscode.window.activeTextEditor;
  const items: Entry[] = [
    { label: state, kind: vscode.QuickPickItemKind.Separator },
    ...ENTRIES.filter(
      (e) => known.has(e.command) && (!e.needsEditor || hasEditor) && (!e.needsServer || serverReady),
    ).map((e) => ({ label: e.label, detail: e.detail, command: e.command })),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'DagLens',
    placeHolder: 'Run a DagLens command',
    matchOnDetail: true,
  });
  if (pick?.command) await vscode.commands.executeCommand(pick.command);
}
