/**
 * The one way a command that needs the language server is registered (rust-analyzer's command factory,
 * editors/code/src/ctx.ts): `enabled` gets the ready client; while there is none the command says so in one
 * wording, or runs `disabled` when it can do something useful without the server. package.json hides these
 * commands while `daglens.serverReady` is false: this covers keybindings, links and the status bar menu.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

/** The one wording for "no server to ask": commands show it, graph and chat loads throw it. */
export const SERVER_NOT_READY = 'the DagLens language server is not running';
/** The same words as a sentence (a toast, the chat's banner). */
export const SERVER_NOT_READY_SENTENCE = `T${SERVER_NOT_READY.slice(1)}.`;

export type Cmd = (...args: unknown[]) => unknown;

export interface CommandFactory {
  enabled: (client: LanguageClient) => Cmd;
  disabled?: Cmd;
}

/** An error toast that offers the two ways out (the status bar menu has both too). */
export async function showServerNotReady(): Promise<void> {
  const pick = await vscode.window.showErrorMessage(SERVER_NOT_READY_SENTENCE, 'Restart Server', 'Show Logs');
  if (pick === 'Restart Server') await vscode.commands.executeCommand('daglens.restartServer');
  if (pick === 'Show Logs') await vscode.commands.executeCommand('daglens.showLogs');
}

/** What the factory asks of the extension's context (ctx.ts): the client, when its server is ready. */
export interface Readiness {
  readonly readyClient: LanguageClient | undefined;
}

export function registerServerCommands(ctx: Readiness, factories: Record<string, CommandFactory>): vscode.Disposable[] {
  return Object.entries(factories).map(([name, factory]) =>
    vscode.commands.registerCommand(name, (...args: unknown[]) => {
      const client = ctx.readyClient;
      if (client) return factory.enabled(client)(...args);
      return factory.disabled ? factory.disabled(...args) : showServerNotReady();
    }),
  );
}
