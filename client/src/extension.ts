/** Extension entry point: builds the context, registers commands, starts the server. */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerDagCommands } from './dagCommands';
import { Ctx } from './ctx';
import { registerLineage } from './lineage';
import { registerLlm } from './llm';
import { registerRuns } from './runs';
import { registerAgents } from './agents';
import { registerVscodeLm } from './vscodeLm';
import { refreshLensesOnSettingChange } from './middleware';
import { ChatViewProvider } from './webview/chatView';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(context);
  context.subscriptions.push(
    ctx,
    ...registerCommands(ctx),
    ...registerDagCommands(ctx),
    ...registerLineage(ctx),
    ...registerLlm(ctx),
    ...registerRuns(ctx),
    ...registerVscodeLm(ctx),
    ...registerAgents(ctx),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, ctx.chat),
    refreshLensesOnSettingChange(() => ctx?.client),
  );
  await ctx.start();
}

export async function deactivate(): Promise<void> {
  await ctx?.client?.stop();
}
