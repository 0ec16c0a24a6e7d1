/**
 * The client side of the LLM layer: the API key in SecretStorage (handed to the server process through its
 * environment, so it never passes through settings, LSP messages or traces), workspace trust, the AI
 * cache and usage commands, explanations in hovers, and one clear warning when the LLM settings are wrong.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  clearLlmCache,
  explainAll,
  explainSymbol,
  llmCheck,
  llmStats,
  LLM_API_KEY_ENV,
  setWorkspaceTrust,
  type LlmUsage,
} from '@daglens/protocol';
import { DOCUMENT_SELECTOR } from './client';
import type { Ctx } from './ctx';
import { registerServerCommands } from './serverCommand';

const SECRET = 'daglens.llm.apiKey';

/** Environment for the server process: the stored key, if any. */
export async function llmServerEnv(context: vscode.ExtensionContext): Promise<Record<string, string>> {
  const key = await context.secrets.get(SECRET);
  return key ? { [LLM_API_KEY_ENV]: key } : {};
}

export function registerLlm(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('daglens.setApiKey', async () => {
      const key = await vscode.window.showInputBox({
        title: 'DagLens: API key for the LLM provider',
        prompt: 'Stored in VS Code SecretStorage (the OS keychain), never in settings. Leave empty to remove it.',
        password: true,
        ignoreFocusOut: true,
      });
      if (key === undefined) return;
      if (key.trim()) await ctx.extension.secrets.store(SECRET, key.trim());
      else await ctx.extension.secrets.delete(SECRET);
      // The server reads the key from its environment at start: restart it to hand over the new one.
      await ctx.restart();
      void vscode.window.showInformationMessage(key.trim() ? 'DagLens: API key stored.' : 'DagLens: API key removed.');
    }),
    ...registerServerCommands(ctx, {
      'daglens.clearAiCache': {
        enabled: (c) => async () => {
          await c.sendRequest(clearLlmCache);
          void vscode.window.showInformationMessage(
            'DagLens: cached model replies and explanations cleared (spend records kept).',
          );
        },
      },
      'daglens.showAiUsage': { enabled: (c) => () => showAiUsage(ctx, c) },
      'daglens.explainSymbol': { enabled: (c) => () => explainAtCursor(c) },
      'daglens.explainWorkspace': { enabled: (c) => () => explainWorkspace(c) },
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(
      () => void ctx.readyClient?.sendNotification(setWorkspaceTrust, { trusted: true }),
    ),
    ctx.extension.secrets.onDidChange((e) => {
      if (e.key === SECRET) ctx.output.info('DagLens: the stored API key changed');
    }),
    // Only where DagLens has a language (the documents the server reads), not in every editor.
    vscode.languages.registerHoverProvider(DOCUMENT_SELECTOR, {
      async provideHover(doc, pos, token) {
        const c = ctx.readyClient;
        if (!c) return undefined;
        // Generated only when hovering a declaration's name (the server checks), then stored by content hash.
        const e = await c
          .sendRequest(
            explainSymbol,
            { uri: doc.uri.toString(), line: pos.line, character: pos.character, atName: true },
            token,
          )
          .catch(() => null);
        if (!e) return undefined;
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${e.symbol}** — `).appendText(e.summary).appendMarkdown(`\n\n_DagLens AI (${e.model})_`);
        return new vscode.Hover(md);
      },
    }),
  ];
}

const warn = (err: unknown) => {
  void vscode.window.showWarningMessage(`DagLens: ${err instanceof Error ? err.message : String(err)}`);
  return undefined;
};

async function explainAtCursor(c: LanguageClient): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const params = { uri: editor.document.uri.toString(), line: editor.selection.active.line };
  const e = await vscode.window
    .withProgress(
      { location: vscode.ProgressLocation.Window, title: 'DagLens: explaining…', cancellable: true },
      (_p, token) => c.sendRequest(explainSymbol, params, token),
    )
    .then((r) => r, warn);
  if (e) void vscode.window.showInformationMessage(`${e.symbol}: ${e.summary}`);
}

async function explainWorkspace(c: LanguageClient): Promise<void> {
  const folder = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  const title = 'DagLens: explaining the workspace (AI, within the job budget)…';
  const r = await vscode.window
    .withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, token) =>
      c.sendRequest(explainAll, { uri: folder?.toString() }, token),
    )
    .then((x) => x, warn);
  const stopped = r?.stoppedBy ? `; stopped: ${r.stoppedBy}` : '';
  if (r)
    void vscode.window.showInformationMessage(
      `DagLens: ${r.explained} symbols explained, ${r.fromStore} already known${stopped}.`,
    );
}

/** The spend and cache figures: a line in a toast, the detail in the output channel. */
async function showAiUsage(ctx: Ctx, c: LanguageClient): Promise<void> {
  const s = await c.sendRequest(llmStats, { uri: vscode.window.activeTextEditor?.document.uri.toString() });
  const line = (name: string, t: LlmUsage) =>
    `${name}: ${t.requests} requests, ${t.cacheHits} from cache, ${t.errors} errors, ${t.refused} refused by budget, ` +
    `${t.promptTokens + t.completionTokens} tokens, $${t.costUsd.toFixed(4)}, p50 ${t.latencyP50Ms} ms`;
  ctx.output.info(
    [
      'DagLens AI usage',
      `  ${s.state === 'ready' ? s.message : `${s.state}: ${s.message}`}`,
      `  limits: $${s.limits.maxJobCostUsd} per job, $${s.limits.maxHourlyCostUsd} per hour`,
      `  ${line('last hour', s.lastHour)}`,
      `  ${line('total', s.total)}`,
      ...Object.entries(s.byFeature).map(([k, t]) => `  ${line(k, t)}`),
    ].join('\n'),
  );
  const pick = await vscode.window.showInformationMessage(
    `DagLens AI: $${s.lastHour.costUsd.toFixed(4)} in the last hour of $${s.limits.maxHourlyCostUsd}; ${s.total.requests} requests, ${s.total.cacheHits} cache hits in all.`,
    'Details',
  );
  if (pick) ctx.output.show(true);
}

/** Startup check: one clear message when the LLM settings or the provider are wrong (nothing when no LLM is configured). */
export async function reportLlmProblems(client: LanguageClient, output: vscode.LogOutputChannel): Promise<void> {
  try {
    const s = await client.sendRequest(llmCheck, {});
    if (s.problems.length === 0) return;
    for (const p of s.problems) output.warn(p);
    const pick = await vscode.window.showWarningMessage(
      `DagLens AI: ${s.problems[0]}${s.problems.length > 1 ? ` (+${s.problems.length - 1} more in the log)` : ''}`,
      'Set API Key',
      'Open Settings',
    );
    if (pick === 'Set API Key') await vscode.commands.executeCommand('daglens.setApiKey');
    if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'daglens.llm');
  } catch (e) {
    output.warn(`could not read the LLM status: ${e instanceof Error ? e.message : String(e)}`);
  }
}
