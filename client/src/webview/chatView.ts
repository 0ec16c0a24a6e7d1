/**
 * The chat sidebar (a webview view in the DagLens activity-bar container). Owns the transcript, the context
 * chips and the one answer in flight; the page only renders and reports clicks. Answers come from an
 * AskBackend (the server's `daglens/ask`), streamed as deltas, cancellable with Stop or by closing the view.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  ChatToExtensionSchema,
  ChatToWebviewSchema,
  type ChatAction,
  type ChatAvailability,
  type ChatCitation,
  type ChatContext,
  type ChatToExtension,
  type ChatToWebview,
  type ChatTurn,
} from '@daglens/protocol';
import { loadHistory, saveHistory } from './chatHistory';
import { renderShell, WebviewBridge, webviewOptions } from './host';
import { openSourceRange } from './openLocation';

export interface AskRequest {
  question: string;
  contexts: ChatContext[];
  /** Earlier turns of this chat, oldest first. */
  history: Array<{ role: 'user' | 'assistant'; text: string }>;
}
export interface AskAnswer {
  /** The whole answer, when the backend has it (else the streamed text stands). */
  text?: string;
  citations: ChatCitation[];
}
export interface AskBackend {
  availability(): Promise<ChatAvailability>;
  ask(req: AskRequest, onDelta: (text: string) => void, token: vscode.CancellationToken): Promise<AskAnswer>;
}

const ACTION_COMMANDS: Record<ChatAction, () => Thenable<unknown>> = {
  setApiKey: () => vscode.commands.executeCommand('daglens.setApiKey'),
  openSettings: () => vscode.commands.executeCommand('workbench.action.openSettings', 'daglens.llm'),
  manageTrust: () => vscode.commands.executeCommand('workbench.trust.manage'),
  showLogs: () => vscode.commands.executeCommand('daglens.showLogs'),
  restartServer: () => vscode.commands.executeCommand('daglens.restartServer'),
};
const MAX_CONTEXTS = 10;
const HISTORY_FOR_PROMPT = 6;

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'daglens.chat';
  private bridge: WebviewBridge<ChatToExtension, ChatToWebview> | undefined;
  private turns: ChatTurn[];
  private contexts: ChatContext[] = [];
  private inflight: { turn: ChatTurn; cancel: vscode.CancellationTokenSource } | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly backend: AskBackend,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.turns = loadHistory(extension.workspaceState, (m) => log.warn(m));
    this.subs.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refreshAvailability()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('daglens.llm')) return;
        // The server reads the new settings on its own schedule (it asks the editor for them): ask it again a
        // moment later too, so a model just configured lifts the "no model" banner without a question first.
        void this.refreshAvailability();
        for (const ms of [1000, 3000]) setTimeout(() => void this.refreshAvailability(), ms).unref?.();
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = webviewOptions(this.extension.extensionUri);
    this.bridge?.dispose();
    this.bridge = new WebviewBridge(
      view.webview,
      ChatToExtensionSchema,
      ChatToWebviewSchema,
      (m) => this.onMessage(m),
      (problem) => {
        this.log.warn(`chat: ${problem}`);
        if (!problem.startsWith('not sending'))
          void this.bridge?.post({
            type: 'notice',
            level: 'error',
            message: 'DagLens ignored a malformed message from the chat view.',
          });
      },
    );
    view.webview.html = renderShell(view.webview, this.extension.extensionUri, {
      title: 'DagLens Chat',
      script: 'chat',
      styles: ['chat.css'],
      body: '<div id="app"></div>',
    });
    view.onDidDispose(() => {
      // Closing the view stops the answer: nothing keeps streaming into a view that is gone.
      this.stop('the chat view was closed');
      this.bridge?.dispose();
      this.bridge = undefined;
    });
  }

  /** Adds a context chip and shows the chat. */
  async addContext(c: ChatContext): Promise<void> {
    this.contexts = [...this.contexts.filter((x) => x.id !== c.id), c].slice(-MAX_CONTEXTS);
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    void this.bridge?.post({ type: 'contexts', contexts: this.contexts });
  }

  /** Asks a question as if typed in the view. */
  async ask(question: string): Promise<void> {
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    await this.onMessage({ type: 'ask', question });
  }

  newChat(): void {
    this.stop('a new chat was started');
    this.turns = [];
    this.contexts = [];
    void saveHistory(this.extension.workspaceState, this.turns);
    void this.postState();
  }

  get busy(): boolean {
    return !!this.inflight;
  }

  private async onMessage(m: ChatToExtension): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.postState();
      case 'ask':
        return this.runAsk(m.question);
      case 'stop':
        return this.stop();
      case 'newChat':
        return this.newChat();
      case 'copy': {
        const t = this.turns.find((x) => x.id === m.turnId);
        if (!t) return;
        await vscode.env.clipboard.writeText(t.text);
        void vscode.window.setStatusBarMessage('DagLens: answer copied', 2000);
        return;
      }
      case 'openCitation':
        await openSourceRange(m.citation, vscode.ViewColumn.One);
        return;
      case 'removeContext':
        this.contexts = this.contexts.filter((c) => c.id !== m.id);
        void this.bridge?.post({ type: 'contexts', contexts: this.contexts });
        return;
      case 'action':
        await ACTION_COMMANDS[m.action]();
        return this.refreshAvailability();
    }
  }

  private async refreshAvailability(): Promise<void> {
    void this.bridge?.post({ type: 'availability', availability: await this.backend.availability() });
  }

  private async postState(): Promise<void> {
    if (!this.bridge) return;
    const availability = await this.backend.availability();
    void this.bridge.post({ type: 'state', turns: this.turns, contexts: this.contexts, availability });
  }

  private async runAsk(question: string): Promise<void> {
    if (this.inflight) {
      void this.bridge?.post({ type: 'notice', level: 'info', message: 'An answer is still coming: stop it first.' });
      return;
    }
    const availability = await this.backend.availability();
    if (availability.state === 'serverDown') {
      void this.bridge?.post({ type: 'availability', availability });
      return;
    }
    const contexts = this.contexts;
    const history = this.turns
      .filter((t) => t.status === 'done')
      .slice(-HISTORY_FOR_PROMPT)
      .map((t) => ({ role: t.role, text: t.text }));
    const asked: ChatTurn = { id: randomUUID(), role: 'user', text: question, citations: [], contexts, status: 'done' };
    const turn: ChatTurn = {
      id: randomUUID(),
      role: 'assistant',
      text: '',
      citations: [],
      contexts: [],
      status: 'streaming',
    };
    this.turns.push(asked, turn);
    this.contexts = [];
    const cancel = new vscode.CancellationTokenSource();
    this.inflight = { turn, cancel };
    await this.postState();
    try {
      const answer = await this.backend.ask(
        { question, contexts, history },
        (text) => {
          if (cancel.token.isCancellationRequested) return;
          turn.text += text;
          void this.bridge?.post({ type: 'delta', turnId: turn.id, text });
        },
        cancel.token,
      );
      if (!cancel.token.isCancellationRequested) {
        if (answer.text !== undefined) turn.text = answer.text;
        turn.citations = answer.citations;
        turn.status = 'done';
      }
    } catch (e) {
      if (!cancel.token.isCancellationRequested) {
        turn.status = 'error';
        turn.error = e instanceof Error ? e.message : String(e);
        this.log.warn(`chat: the answer failed: ${turn.error}`);
      }
    } finally {
      cancel.dispose();
      if (this.inflight?.turn === turn) this.inflight = undefined;
      void this.bridge?.post({ type: 'turn', turn });
      void saveHistory(this.extension.workspaceState, this.turns);
    }
  }

  /** Cancels the answer in flight (the backend cancels its request) and settles the turn at once. */
  private stop(reason?: string): void {
    const f = this.inflight;
    if (!f) return;
    this.inflight = undefined;
    f.turn.status = 'stopped';
    if (reason) this.log.info(`chat: stopped the answer: ${reason}`);
    f.cancel.cancel();
    void this.bridge?.post({ type: 'turn', turn: f.turn });
    void saveHistory(this.extension.workspaceState, this.turns);
  }

  dispose(): void {
    this.stop('the extension is shutting down');
    this.bridge?.dispose();
    for (const s of this.subs) s.dispose();
  }
}
