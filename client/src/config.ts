/** Typed access to the `daglens.*` settings the client itself reads. The server reads its own. */
import * as vscode from 'vscode';

export function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('daglens');
}

export function traceServer(): boolean {
  return config().get<string>('trace.server', 'off') !== 'off';
}
