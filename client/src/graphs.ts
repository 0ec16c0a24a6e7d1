/** Graph sources for the graph panel: a mapped DAG (daglens/mapDag) and, per editor, what to follow. */
import path from 'node:path';
import * as vscode from 'vscode';
import { mapDag } from '@daglens/protocol';
import type { Ctx } from './ctx';
import { graphFromDagMapping } from './webview/dagGraph';
import { lineageSource } from './lineage';
import type { GraphSource } from './webview/graphPanel';

function relativeName(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

export function dagGraphSource(ctx: Ctx, uri: vscode.Uri): GraphSource {
  const title = `DAG ${path.basename(uri.fsPath)}`;
  return {
    title,
    async load(token) {
      const client = ctx.requireClient();
      const result = await client.sendRequest(mapDag, { uri: uri.toString() }, token);
      const g = graphFromDagMapping(result, `${title} → code`, uri.fsPath);
      if (result.problems.length)
        g.title += ` (${result.problems.length} problem${result.problems.length > 1 ? 's' : ''} reading ${relativeName(uri)})`;
      return g;
    },
  };
}

/** The graph to show for an editor when the panel follows the active editor. */
export function followSource(ctx: Ctx, editor: vscode.TextEditor): GraphSource | undefined {
  if (editor.document.uri.scheme !== 'file') return undefined;
  if (editor.document.languageId === 'sparkplan') return dagGraphSource(ctx, editor.document.uri);
  return lineageSource(ctx, {
    uri: editor.document.uri.toString(),
    position: { line: editor.selection.active.line, character: editor.selection.active.character },
  });
}
