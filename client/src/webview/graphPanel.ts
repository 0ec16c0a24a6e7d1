/**
 * The graph panel: one webview panel that shows a lineage, impact or mapped-DAG graph. It keeps the full
 * graph on this side, refuses to draw more than GRAPH_DRAW_LIMIT nodes (and filters on request), opens a
 * node's code on click, and can follow the active editor.
 */
import * as vscode from 'vscode';
import {
  GraphToExtensionSchema,
  GraphToWebviewSchema,
  type GraphModel,
  type GraphToExtension,
  type GraphToWebview,
} from '@daglens/protocol';
import { filterGraph, GRAPH_DRAW_LIMIT, tooLargeMessage } from './graphModel';
import { renderShell, WebviewBridge, webviewOptions } from './host';
import { openSourceRange } from './openLocation';

/** Where a graph comes from: reloaded on Refresh. */
export interface GraphSource {
  title: string;
  load(token: vscode.CancellationToken): Promise<GraphModel>;
}

/** Picks the graph for an editor when following is on (undefined: this editor has none). */
export type FollowSource = (editor: vscode.TextEditor) => GraphSource | undefined;

export class GraphPanel implements vscode.Disposable {
  static readonly viewType = 'daglens.graph';
  private panel: vscode.WebviewPanel | undefined;
  private bridge: WebviewBridge<GraphToExtension, GraphToWebview> | undefined;
  private source: GraphSource | undefined;
  private full: GraphModel | undefined;
  private shown: GraphModel | undefined;
  private loading: vscode.CancellationTokenSource | undefined;
  private following = false;
  private ready = false;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly followSource: FollowSource,
  ) {
    this.subs.push(
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (!this.following || !e || !this.panel) return;
        const s = this.followSource(e);
        if (s) void this.show(s, { reveal: false });
      }),
    );
  }

  get isOpen(): boolean {
    return !!this.panel;
  }

  /** Number of nodes drawn now (for tests and the status line). */
  get drawnNodes(): number {
    return this.shown?.nodes.length ?? 0;
  }

  async show(source: GraphSource, opts: { reveal?: boolean } = {}): Promise<void> {
    this.open(opts.reveal ?? true);
    this.source = source;
    this.loading?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.loading = cts;
    this.post({ type: 'loading', message: `Loading ${source.title}…` });
    try {
      const g = await source.load(cts.token);
      if (cts.token.isCancellationRequested) return;
      this.full = g;
      this.draw(g);
    } catch (e) {
      if (cts.token.isCancellationRequested) return;
      const message = e instanceof Error ? e.message : String(e);
      this.log.warn(`graph: ${source.title}: ${message}`);
      this.post({ type: 'error', message: `Could not load ${source.title}: ${message}` });
    } finally {
      cts.dispose();
      if (this.loading === cts) this.loading = undefined;
    }
  }

  private draw(g: GraphModel): void {
    if (g.nodes.length > GRAPH_DRAW_LIMIT) {
      this.shown = undefined;
      this.post({
        type: 'tooLarge',
        title: g.title,
        nodes: g.nodes.length,
        limit: GRAPH_DRAW_LIMIT,
        message: tooLargeMessage(g.nodes.length),
      });
      return;
    }
    this.shown = g;
    this.post({ type: 'graph', graph: g });
  }

  private open(reveal: boolean): void {
    if (this.panel) {
      if (reveal) this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      GraphPanel.viewType,
      'DagLens Graph',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        ...webviewOptions(this.extension.extensionUri),
        // Laying out thousands of nodes is costly: keep the page when the tab is in the background.
        retainContextWhenHidden: true,
      },
    );
    this.panel = panel;
    this.ready = false;
    this.bridge = new WebviewBridge(
      panel.webview,
      GraphToExtensionSchema,
      GraphToWebviewSchema,
      (m) => this.onMessage(m),
      (problem) => {
        this.log.warn(`graph: ${problem}`);
        this.post({
          type: 'error',
          message: problem.startsWith('not sending')
            ? 'DagLens could not draw this graph (see the DagLens output).'
            : 'DagLens ignored a malformed message from the graph view.',
        });
      },
    );
    panel.webview.html = renderShell(panel.webview, this.extension.extensionUri, {
      title: 'DagLens Graph',
      script: 'graph',
      styles: ['graph.css'],
      body: '<div id="app"></div>',
    });
    this.following = vscode.workspace.getConfiguration('daglens').get<boolean>('graph.followEditor', false);
    panel.onDidDispose(() => {
      this.loading?.cancel();
      this.bridge?.dispose();
      this.bridge = undefined;
      this.panel = undefined;
      this.full = this.shown = undefined;
      this.following = false;
    });
  }

  /** Messages wait until the page says it is ready (it would miss them before). */
  private queue: GraphToWebview[] = [];
  private post(m: GraphToWebview): void {
    if (!this.ready) {
      // Only the latest graph state matters; keep the follow flag.
      this.queue = [...this.queue.filter((q) => q.type === 'follow'), m];
      return;
    }
    void this.bridge?.post(m);
  }

  private async onMessage(m: GraphToExtension): Promise<void> {
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        const q = this.queue;
        this.queue = [];
        void this.bridge?.post({ type: 'follow', on: this.following });
        for (const x of q) void this.bridge?.post(x);
        return;
      }
      case 'openNode': {
        const node = this.shown?.nodes.find((n) => n.id === m.nodeId);
        if (!node) return;
        if (!node.location) {
          void vscode.window.showInformationMessage(`DagLens: ${node.label} has no code location.`);
          return;
        }
        await openSourceRange(node.location, vscode.ViewColumn.One);
        return;
      }
      case 'askNode':
        return this.askNode(m.nodeId);
      case 'filter':
        if (this.full) this.draw(filterGraph(this.full, m.text, m.depth));
        return;
      case 'follow':
        this.following = m.on;
        this.post({ type: 'follow', on: m.on });
        if (m.on) {
          const e = vscode.window.activeTextEditor;
          const s = e && this.followSource(e);
          if (s) void this.show(s, { reveal: false });
        }
        return;
      case 'refresh':
        if (this.source) await this.show(this.source, { reveal: false });
        return;
    }
  }

  /** Adds a drawn node to the chat as a context chip. */
  async askNode(nodeId: string): Promise<void> {
    const node = this.shown?.nodes.find((n) => n.id === nodeId);
    if (!node) return;
    await vscode.commands.executeCommand('daglens.askAbout', {
      kind: this.shown?.mode === 'dag' ? 'dagNode' : 'selection',
      label: node.label,
      ...(node.location
        ? { file: node.location.file, startLine: node.location.startLine, endLine: node.location.endLine }
        : { file: this.shown?.title ?? 'graph', startLine: 1 }),
      text: `${node.kind} ${node.label}${node.detail ? `\n${node.detail}` : ''}`.slice(0, 20_000),
    });
  }

  dispose(): void {
    this.panel?.dispose();
    for (const s of this.subs) s.dispose();
  }
}
