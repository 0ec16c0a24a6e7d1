/** Command-palette actions. Each is a few lines over the Ctx. */
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('daglens.restartServer', async () => {
      await ctx.restart();
      void vscode.window.setStatusBarMessage('DagLens: server restarted', 3000);
    }),
    vscode.commands.registerCommand('daglens.showLogs', () => ctx.output.show(true)),
  ];
}
