/** The status bar item, driven by the server's `daglens/serverStatus` notification. */
import * as vscode from 'vscode';
import type { ServerStatus } from '@daglens/protocol';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('daglens.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'DagLens';
    this.item.command = 'daglens.menu';
    this.setStarting();
    this.item.show();
  }

  /** One line for the quick pick: what the item shows, in words. */
  summary = 'DagLens: starting';
  /** Which model answers (the `vscode-lm` editor model, an OpenAI-compatible endpoint) or why none does. */
  private llm: { ready: boolean; line: string } | undefined;
  private last: ServerStatus | undefined;

  /** Shows which LLM provider is in use (client/src/vscodeLm.ts keeps it current). */
  setLlm(llm: { ready: boolean; line: string } | undefined): void {
    this.llm = llm;
    if (this.last) this.update(this.last);
  }

  setStarting(): void {
    this.summary = 'DagLens: starting the language server';
    this.item.text = '$(sync~spin) DagLens';
    this.item.tooltip = 'DagLens: starting the language server';
    this.item.backgroundColor = undefined;
  }

  setStopped(reason: string): void {
    this.item.text = '$(error) DagLens';
    this.item.tooltip = `DagLens: server stopped — ${reason}. Click for commands.`;
    this.summary = `DagLens: error — ${reason}`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  update(s: ServerStatus): void {
    this.last = s;
    const busy = !s.quiescent;
    const icon = busy
      ? '$(sync~spin)'
      : s.health === 'ok'
        ? '$(type-hierarchy)'
        : s.health === 'warning'
          ? '$(warning)'
          : '$(error)';
    const progress = busy && s.progress ? ` ${s.progress.done}/${s.progress.total}` : '';
    // While busy the item names the phase (parsing, indexing…) when the server's message is that short.
    const word = busy && s.message && s.message.length <= 16 ? ` ${s.message}` : '';
    this.item.text = `${icon} DagLens${word}${progress}${this.llm?.ready ? ' $(sparkle)' : ''}`;
    this.item.tooltip = `DagLens: ${s.message ?? (busy ? 'working' : 'ready')} — click for commands${this.llm ? `\n${this.llm.line}` : ''}`;
    const phase = busy
      ? `${s.message ?? 'working'}${progress}`
      : s.health === 'error'
        ? `error — ${s.message ?? ''}`
        : `ready — ${s.message ?? ''}`;
    this.summary = `DagLens: ${phase}${this.llm ? ` · ${this.llm.line}` : ''}`;
    this.item.backgroundColor =
      s.health === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : s.health === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
