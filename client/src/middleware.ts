/**
 * Client-side shaping of the server's lenses and hovers: the `daglens.codeLens.*` / `daglens.hover.*`
 * settings turn each kind off, and DagLens hovers get "Show lineage · Impact · Ask" command links.
 */
import * as vscode from 'vscode';
import { CodeLensRequest, type LanguageClient, type Middleware } from 'vscode-languageclient/node';
import { SHOW_RUN_EXECUTION_COMMAND } from '@daglens/protocol';
import { config } from './config';
import { isPlanDocument } from './dagFiles';
import { afterLenses } from './webview/openLocation';

/** The only commands hover links may run (the hover markdown is trusted for these alone). */
export const HOVER_COMMANDS = ['daglens.showLineage', 'daglens.showImpact', 'daglens.askAbout'];

/** Lineage lenses are resolved lazily and carry the process they belong to. */
function isLineageLens(lens: vscode.CodeLens): boolean {
  const data = (lens as { data?: unknown }).data;
  return !!data && typeof data === 'object' && 'process' in data;
}

/** Run lenses open an execution's graph; every other server lens is a DAG-mapping lens. */
const isRunLens = (lens: vscode.CodeLens) => lens.command?.command === SHOW_RUN_EXECUTION_COMMAND;
const RUN_HOVER = `command:${SHOW_RUN_EXECUTION_COMMAND}?`;

function commandLink(label: string, command: string, args: unknown, tooltip: string): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify([args]))} "${tooltip}")`;
}

export function hoverActions(doc: vscode.TextDocument, pos: vscode.Position): vscode.MarkdownString {
  const place = { uri: doc.uri.toString(), position: { line: pos.line, character: pos.character } };
  const word =
    doc.getText(doc.getWordRangeAtPosition(pos, /[\w.$]+/) ?? new vscode.Range(pos, pos)) || `line ${pos.line + 1}`;
  const ask = {
    kind: 'selection',
    label: word,
    file: doc.uri.fsPath,
    startLine: pos.line + 1,
    endLine: pos.line + 1,
    text: `${word} (at ${vscode.workspace.asRelativePath(doc.uri)}:${pos.line + 1})`,
  };
  const md = new vscode.MarkdownString(
    [
      commandLink(
        '$(type-hierarchy-sub) Show lineage',
        'daglens.showLineage',
        place,
        'Upstream and downstream in the graph view',
      ),
      commandLink('$(warning) Impact', 'daglens.showImpact', place, 'Everything downstream of this'),
      commandLink('$(comment-discussion) Ask', 'daglens.askAbout', ask, 'Add this to the DagLens chat'),
    ].join(' · '),
  );
  md.supportThemeIcons = true;
  md.isTrusted = { enabledCommands: HOVER_COMMANDS };
  return md;
}

export function editorMiddleware(): Middleware {
  return {
    async provideCodeLenses(doc, token, next) {
      const lenses = await next(doc, token);
      afterLenses(doc);
      if (!lenses) return lenses;
      const lineage = config().get<boolean>('codeLens.lineage', true);
      const dag = config().get<boolean>('codeLens.dagMapping', true);
      const runs = config().get<boolean>('codeLens.runs', true);
      return lineage && dag && runs
        ? lenses
        : lenses.filter((l) => (isLineageLens(l) ? lineage : isRunLens(l) ? runs : dag));
    },
    async provideHover(doc, pos, token, next) {
      const hover = await next(doc, pos, token);
      if (!hover) return hover;
      // A run's hover links to the execution graph: trusted for that one command only.
      const runParts = hover.contents.filter(
        (c): c is vscode.MarkdownString => c instanceof vscode.MarkdownString && c.value.includes(RUN_HOVER),
      );
      for (const c of runParts) c.isTrusted = { enabledCommands: [SHOW_RUN_EXECUTION_COMMAND] };
      // A plan operator's hover links to the lineage of the code it maps to (only where that code has some).
      const planParts = hover.contents.filter(
        (c): c is vscode.MarkdownString =>
          c instanceof vscode.MarkdownString && HOVER_COMMANDS.some((cmd) => c.value.includes(`command:${cmd}?`)),
      );
      for (const c of planParts) {
        c.isTrusted = { enabledCommands: HOVER_COMMANDS };
        c.supportThemeIcons = true;
      }
      if (!config().get<boolean>('hover.lineage', true))
        return runParts.length ? new vscode.Hover(runParts, hover.range) : undefined;
      // In a plan (its hovers are about operators, which have no lineage of their own) the generic links would
      // ask for the lineage of a plan line.
      if (!config().get<boolean>('hover.actions', true) || isPlanDocument(doc)) return hover;
      return new vscode.Hover([...hover.contents, hoverActions(doc, pos)], hover.range);
    },
  };
}

/** Turning a lens kind on or off re-asks for the lenses of the open editors at once (not on their next edit). */
export function refreshLensesOnSettingChange(client: () => LanguageClient | undefined): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration('daglens.codeLens')) return;
    const feature = client()?.getFeature(CodeLensRequest.method);
    for (const editor of vscode.window.visibleTextEditors)
      feature?.getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
  });
}
