/** Extension-wide context: the output channel, the status item and the (restartable) language client. */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { cancelReading, serverStatus } from '@daglens/protocol';
import { createClient } from './client';
import { CONTEXT_KEYS, setContextKey } from './contextKeys';
import { llmServerEnv, reportLlmProblems } from './llm';
import { followSource } from './graphs';
import { ReadingProgress } from './readingProgress';
import { SERVER_NOT_READY } from './serverCommand';
import { StatusItem } from './status';
import { ServerAskBackend } from './webview/askBackend';
import { ChatViewProvider } from './webview/chatView';
import { GraphPanel } from './webview/graphPanel';

export class Ctx implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('DagLens', { log: true });
  readonly status = new StatusItem();
  /** The workspace read as a cancellable notification (long reads only). */
  readonly reading = new ReadingProgress(() => void this._client?.sendNotification(cancelReading));
  private _client: LanguageClient | undefined;
  private readonly started = new vscode.EventEmitter<LanguageClient>();
  /** Fires each time a server has started (again): views re-read what it holds. */
  readonly onDidStartClient = this.started.event;
  /** The chat sidebar (registered as a webview view provider in extension.ts). */
  readonly chat: ChatViewProvider;
  readonly graph: GraphPanel;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.chat = new ChatViewProvider(extension, new ServerAskBackend(() => this.readyClient), this.output);
    this.graph = new GraphPanel(extension, this.output, (editor) => followSource(this, editor));
  }

  get client(): LanguageClient | undefined {
    return this._client;
  }

  /** The client when its server runs and answers; undefined while it starts, after it stopped, mid-restart. */
  get readyClient(): LanguageClient | undefined {
    return this._client?.isRunning() ? this._client : undefined;
  }

  /** The ready client, or the one "not running" error (graph and chat loads show it where they are). */
  requireClient(): LanguageClient {
    const client = this.readyClient;
    if (!client) throw new Error(SERVER_NOT_READY);
    return client;
  }

  /** `daglens.serverReady` follows the current client (a stopped old one after a restart reads as not ready). */
  private syncServerReady(): void {
    setContextKey(CONTEXT_KEYS.serverReady, !!this.readyClient);
  }

  async start(): Promise<void> {
    this.status.setStarting();
    const client = createClient(this.extension, this.output, await llmServerEnv(this.extension));
    client.onDidChangeState((e) => {
      this.syncServerReady();
      if (e.newState === State.Stopped) {
        this.status.setStopped('see the DagLens output');
        this.reading.finish();
      }
    });
    client.onNotification(serverStatus, (s) => {
      this.status.update(s);
      this.reading.update(s);
    });
    this._client = client;
    try {
      await client.start();
      this.started.fire(client);
      void reportLlmProblems(client, this.output);
    } catch (e) {
      this.status.setStopped(e instanceof Error ? e.message : String(e));
      this.output.appendLine(`DagLens server failed to start: ${e instanceof Error ? e.message : String(e)}`);
      void vscode.window
        .showErrorMessage('DagLens: the language server failed to start. See the DagLens output.', 'Show Logs')
        .then((pick) => pick && this.output.show());
    }
  }

  async restart(): Promise<void> {
    const old = this._client;
    this._client = undefined;
    this.syncServerReady();
    if (old) await old.stop().catch(() => undefined);
    await this.start();
  }

  dispose(): void {
    this.started.dispose();
    this.chat.dispose();
    this.graph.dispose();
    void this._client?.stop();
    this.reading.dispose();
    this.status.dispose();
    this.output.dispose();
  }
}
