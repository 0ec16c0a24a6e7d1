/**
 * The workspace read as one cancellable notification, drawn from the server's status notifications: the status
 * item stays the only DagLens item in the status bar (LSP work-done progress would add a second spinner there,
 * without a cancel button). Short reads — a warm start — never pop up.
 */
import * as vscode from 'vscode';
import type { ServerStatus } from '@daglens/protocol';

/** A read shorter than this shows in the status item only. */
const SHOW_AFTER_MS = 2000;

interface Shown {
  report: (value: { message?: string; increment?: number }) => void;
  done: () => void;
  percent: number;
}

export class ReadingProgress implements vscode.Disposable {
  private shown: Shown | undefined;
  private timer: NodeJS.Timeout | undefined;
  private latest: ServerStatus['progress'];

  constructor(private readonly cancel: () => void) {}

  update(s: ServerStatus): void {
    if (s.quiescent || s.message !== 'reading workspace') {
      this.finish();
      return;
    }
    this.latest = s.progress;
    if (!this.shown && !this.timer) this.timer = setTimeout(() => this.show(), SHOW_AFTER_MS);
    this.report();
  }

  private show(): void {
    this.timer = undefined;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'DagLens: reading workspace', cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => this.cancel());
          this.shown = { report: (v) => progress.report(v), done: resolve, percent: 0 };
          this.report();
        }),
    );
  }

  private report(): void {
    const p = this.latest;
    if (!this.shown || !p || !p.total) return;
    const percent = Math.min(100, Math.floor((p.done / p.total) * 100));
    this.shown.report({
      message: `${p.done}/${p.total} files — lenses and hovers work meanwhile`,
      increment: Math.max(0, percent - this.shown.percent),
    });
    this.shown.percent = Math.max(this.shown.percent, percent);
  }

  /** The read ended (or the server stopped). */
  finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.shown?.done();
    this.shown = undefined;
    this.latest = undefined;
  }

  dispose(): void {
    this.finish();
  }
}
