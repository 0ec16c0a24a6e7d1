/**
 * Spark runs in the editor: the Spark Runs view (runs → executions → operators, slowest first), the commands
 * that open a log or folder or connect to a History Server (with progress and Cancel), the execution graph
 * coloured by time, and the slowest-operators list that jumps to code. The server reads and maps
 * (`daglens/runs/*`); this asks, shows and opens.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  closeRun,
  listRuns,
  openRun,
  OPEN_LOCATION_COMMAND,
  runExecution,
  runProgress,
  SHOW_RUN_EXECUTION_COMMAND,
  ShowRunExecutionArgsSchema,
  slowestOperators,
  type OpenRunParams,
  type OpenRunResult,
  type RunExecution,
  type RunExecutionSummary,
  type RunsSummary,
} from '@daglens/protocol';
import { formatCount, formatDuration } from '../../server/src/shared/figures';
import { config } from './config';
import { CONTEXT_KEYS, setContextKey } from './contextKeys';
import type { Ctx } from './ctx';
import { registerServerCommands } from './serverCommand';
import type { GraphSource } from './webview/graphPanel';
import { graphFromRunExecution } from './webview/runGraph';

export const RUNS_VIEW = 'daglens.runs';
const RECENT_KEY = 'daglens.runs.recent';
const MAX_RECENT = 10;

/** What was opened, to offer it again after a reload (a run is read again on demand, never silently). */
type RecentSource = { path: string; app?: string } | { historyServer: string; app: string };

type Item =
  | { kind: 'run'; run: RunsSummary }
  | { kind: 'recent'; source: RecentSource }
  | { kind: 'execution'; runId: string; execution: RunExecutionSummary; nested: RunExecutionSummary[] }
  | {
      kind: 'operator';
      runId: string;
      executionId: number;
      nodeId: string;
      label: string;
      description: string;
      file?: string;
      line?: number;
      endLine?: number;
    }
  | { kind: 'message'; text: string };

const sourceLabel = (s: RecentSource) => ('path' in s ? path.basename(s.path) : `${s.app} on ${s.historyServer}`);
const sameSource = (a: RecentSource, b: RecentSource) => JSON.stringify(a) === JSON.stringify(b);

class RunsTree implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  runs: RunsSummary[] = [];
  private readonly details = new Map<string, RunExecution>();

  constructor(private readonly ctx: Ctx) {}

  recent(): RecentSource[] {
    return this.ctx.extension.workspaceState.get<RecentSource[]>(RECENT_KEY, []);
  }

  async remember(s: RecentSource): Promise<void> {
    await this.ctx.extension.workspaceState.update(
      RECENT_KEY,
      [s, ...this.recent().filter((r) => !sameSource(r, s))].slice(0, MAX_RECENT),
    );
  }

  set(runs: RunsSummary[]): void {
    this.runs = runs;
    this.details.clear();
    setContextKey(CONTEXT_KEYS.runsLoaded, runs.length > 0);
    this.changed.fire(undefined);
  }

  upsert(run: RunsSummary): void {
    this.set([run, ...this.runs.filter((r) => r.runId !== run.runId)]);
  }

  async execution(runId: string, executionId: number): Promise<RunExecution> {
    const key = `${runId}/${executionId}`;
    let e = this.details.get(key);
    if (!e) {
      e = await this.ctx.requireClient().sendRequest(runExecution, { runId, executionId });
      this.details.set(key, e);
    }
    return e;
  }

  getTreeItem(item: Item): vscode.TreeItem {
    switch (item.kind) {
      case 'run': {
        const r = item.run;
        const t = new vscode.TreeItem(
          r.app.name ?? path.basename(r.source.path),
          vscode.TreeItemCollapsibleState.Expanded,
        );
        const located = r.executions.filter((e) => e.location).length;
        t.description = `${r.executions.length} execution${r.executions.length === 1 ? '' : 's'}, ${located} in code${r.app.sparkVersion ? ` · Spark ${r.app.sparkVersion}` : ''}`;
        t.tooltip = new vscode.MarkdownString(
          [
            `**${r.app.name ?? 'Spark application'}** ${r.app.id ?? ''}`,
            `${r.source.kind}: \`${r.source.path}\``,
            r.skippedLines ? `${r.skippedLines} line(s) skipped (not complete JSON events)` : '',
            ...r.problems.map((p) => `⚠ ${p.message}`),
          ]
            .filter(Boolean)
            .join('\n\n'),
        );
        t.iconPath = new vscode.ThemeIcon(r.source.inProgress ? 'pulse' : 'history');
        t.contextValue = 'daglensRun';
        t.id = r.runId;
        return t;
      }
      case 'recent': {
        const t = new vscode.TreeItem(sourceLabel(item.source), vscode.TreeItemCollapsibleState.None);
        t.description = 'not loaded — click to read';
        t.iconPath = new vscode.ThemeIcon('history');
        t.command = { command: 'daglens.runs.reopen', title: 'Read again', arguments: [item.source] };
        t.contextValue = 'daglensRecentRun';
        return t;
      }
      case 'execution': {
        const e = item.execution;
        const t = new vscode.TreeItem(
          `#${e.executionId} ${e.description.split('\n')[0].slice(0, 80) || 'execution'}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        t.description = [
          e.durationMs === null ? 'running' : formatDuration(e.durationMs),
          e.status === 'succeeded' ? '' : e.status,
          e.location ? `${path.basename(e.location.file)}:${e.location.startLine}` : 'not in code',
        ]
          .filter(Boolean)
          .join(' · ');
        t.iconPath = new vscode.ThemeIcon(
          e.status === 'failed' ? 'error' : e.status === 'running' ? 'loading~spin' : 'pass',
          new vscode.ThemeColor(
            e.status === 'failed' ? 'errorForeground' : e.status === 'running' ? 'foreground' : 'testing.iconPassed',
          ),
        );
        t.tooltip = new vscode.MarkdownString(
          [
            `**Execution ${e.executionId}** — ${e.status}${e.durationMs !== null ? `, ${formatDuration(e.durationMs)}` : ''}`,
            e.callSite ? `callSite: \`${e.callSite}\`` : '',
            e.location
              ? `→ ${e.location.file}:${e.location.startLine}–${e.location.endLine} (${e.location.confidence.toFixed(2)}): ${e.location.evidence}`
              : 'Not located in this workspace.',
            e.error ? `Error: ${e.error.split('\n')[0]}` : '',
            ...e.errorLocations.map((l) => `Raised in ${l.file}:${l.startLine}–${l.endLine}`),
          ]
            .filter(Boolean)
            .join('\n\n'),
        );
        if (e.location) t.command = openCommand(e.location.file, e.location.startLine, e.location.endLine);
        t.contextValue = 'daglensExecution';
        t.id = `${item.runId}/${e.executionId}`;
        return t;
      }
      case 'operator': {
        const t = new vscode.TreeItem(item.label, vscode.TreeItemCollapsibleState.None);
        t.description = item.description;
        t.iconPath = new vscode.ThemeIcon('symbol-operator');
        t.command =
          item.file && item.line
            ? openCommand(item.file, item.line, item.endLine ?? item.line)
            : {
                command: SHOW_RUN_EXECUTION_COMMAND,
                title: 'Show execution graph',
                arguments: [{ runId: item.runId, executionId: item.executionId, nodeIds: [item.nodeId] }],
              };
        t.tooltip = item.file ? `${item.file}:${item.line}` : 'Not mapped to code: opens the execution graph';
        return t;
      }
      case 'message':
        return new vscode.TreeItem(item.text, vscode.TreeItemCollapsibleState.None);
    }
  }

  async getChildren(item?: Item): Promise<Item[]> {
    if (!item) {
      // Recently opened sources that are not loaded now (after a reload) are offered again.
      const isLoaded = (s: RecentSource) =>
        this.runs.some((r) => ('path' in s ? r.source.path === path.resolve(s.path) : r.app.id === s.app));
      return [
        ...this.runs.map((run) => ({ kind: 'run' as const, run })),
        ...this.recent()
          .filter((s) => !isLoaded(s))
          .map((source) => ({ kind: 'recent' as const, source })),
      ];
    }
    if (item.kind === 'run') {
      const all = item.run.executions;
      const ids = new Set(all.map((e) => e.executionId));
      const nestedUnder = (root: number) => all.filter((e) => e.rootExecutionId === root && e.executionId !== root);
      const roots = all.filter(
        (e) => e.rootExecutionId === null || e.rootExecutionId === e.executionId || !ids.has(e.rootExecutionId),
      );
      if (!roots.length) return [{ kind: 'message', text: 'No SQL executions in this run' }];
      return roots.map((e) => ({
        kind: 'execution',
        runId: item.run.runId,
        execution: e,
        nested: nestedUnder(e.executionId),
      }));
    }
    if (item.kind === 'execution') {
      const nested: Item[] = item.nested.map((e) => ({
        kind: 'execution',
        runId: item.runId,
        execution: e,
        nested: [],
      }));
      let e: RunExecution;
      try {
        e = await this.execution(item.runId, item.execution.executionId);
      } catch (err) {
        return [
          ...nested,
          { kind: 'message', text: `Could not load the plan: ${err instanceof Error ? err.message : String(err)}` },
        ];
      }
      const ops = e.result.dag.nodes
        .map((n, i) => ({
          n,
          m: e.result.mappings[i],
          time: (n.metrics ?? [])
            .filter((x) => x.unit === 'ms' && x.total !== undefined && !/stream time/i.test(x.name))
            .reduce((s, x) => s + x.total!, 0),
          rows: (n.metrics ?? []).find((x) => /^(number of )?output rows$/i.test(x.name))?.total,
        }))
        .filter((o) => o.n.metrics?.length)
        .sort((a, b) => b.time - a.time);
      if (!ops.length) return [...nested, { kind: 'message', text: 'No operator metrics in this run' }];
      return [
        ...nested,
        ...ops.map(({ n, m, time, rows }) => ({
          kind: 'operator' as const,
          runId: item.runId,
          executionId: e.executionId,
          nodeId: n.id,
          label: `${n.operator === 'WholeStageCodegen' ? n.label : n.operator}${n.sparkId !== undefined ? ` #${n.sparkId}` : ''}`,
          description: [
            time ? formatDuration(time) : '',
            rows !== undefined ? `${formatCount(rows)} rows` : '',
            m?.best ? `${path.basename(m.best.file)}:${m.best.startLine}` : 'not in code',
          ]
            .filter(Boolean)
            .join(' · '),
          file: m?.best?.file,
          line: m?.best?.startLine,
          endLine: m?.best?.endLine,
        })),
      ];
    }
    return [];
  }
}

function openCommand(file: string, startLine: number, endLine: number): vscode.Command {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = path.isAbsolute(file) || !folder ? vscode.Uri.file(file) : vscode.Uri.joinPath(folder, file);
  return {
    command: OPEN_LOCATION_COMMAND,
    title: 'Open code',
    arguments: [{ uri: uri.toString(), startLine: startLine - 1, endLine: endLine - 1 }],
  };
}

/** The graph of one execution, coloured by time, with the given nodes in focus. */
function executionGraph(ctx: Ctx, tree: RunsTree, runId: string, executionId: number, focus: string[]): GraphSource {
  const run = tree.runs.find((r) => r.runId === runId);
  const title = `Spark execution ${executionId}${run?.app.name ? ` of ${run.app.name}` : ''}`;
  return {
    title,
    async load() {
      const e = await tree.execution(runId, executionId);
      return graphFromRunExecution(
        e,
        `${title}${e.durationMs !== null ? ` — ${formatDuration(e.durationMs)}` : ''}, ${e.status}`,
        focus,
      );
    },
  };
}

/** Reads a run with a Cancel-able notification fed by the server's progress. */
async function open(
  client: LanguageClient,
  params: Omit<OpenRunParams, 'progressId'>,
  title: string,
): Promise<OpenRunResult | undefined> {
  const progressId = `run-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        let last = 0;
        const sub = client.onNotification(runProgress, (p) => {
          if (p.progressId !== progressId) return;
          const increment = p.percent !== undefined ? Math.max(0, p.percent - last) : undefined;
          if (p.percent !== undefined) last = Math.max(last, p.percent);
          progress.report({ message: p.message, increment });
        });
        try {
          const folder = vscode.workspace.workspaceFolders?.[0]?.uri.toString();
          return await client.sendRequest(
            openRun,
            { ...params, progressId, ...(folder ? { workspaceUri: folder } : {}) },
            token,
          );
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/cancel/i.test(msg)) void vscode.window.setStatusBarMessage('DagLens: reading the run was cancelled', 4000);
    else void vscode.window.showErrorMessage(`DagLens: ${msg}`);
    return undefined;
  }
}

async function loaded(
  ctx: Ctx,
  tree: RunsTree,
  result: OpenRunResult | undefined,
  source: RecentSource,
): Promise<void> {
  if (!result || result.kind !== 'run') return;
  tree.upsert(result.run);
  await tree.remember(source);
  await vscode.commands.executeCommand(`${RUNS_VIEW}.focus`);
  const r = result.run;
  const located = r.executions.filter((e) => e.location).length;
  const problems = r.problems.length ? ` · ${r.problems.length} problem(s), see the DagLens output` : '';
  for (const p of r.problems) ctx.output.warn(`${r.source.path}: ${p.message}`);
  void vscode.window.setStatusBarMessage(
    `DagLens: ${r.executions.length} executions read, ${located} located in code${problems}`,
    6000,
  );
}

async function pickApp(
  client: LanguageClient,
  base: Omit<OpenRunParams, 'progressId'>,
  result: OpenRunResult | undefined,
): Promise<{ app: string; result: OpenRunResult | undefined } | undefined> {
  if (!result || result.kind !== 'apps') return undefined;
  if (!result.apps.apps.length) {
    void vscode.window.showInformationMessage(`DagLens: no applications in ${result.apps.source}`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    result.apps.apps.map((a) => ({
      label: a.name ?? a.id,
      description: a.id,
      detail: [
        a.startTime ? new Date(a.startTime).toLocaleString() : '',
        a.completed ? '' : 'running',
        a.sparkVersion ? `Spark ${a.sparkVersion}` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      app: a.id,
    })),
    { title: `DagLens: applications in ${result.apps.source}`, matchOnDescription: true },
  );
  if (!pick) return undefined;
  return { app: pick.app, result: await open(client, { ...base, app: pick.app }, `DagLens: reading ${pick.label}`) };
}

/** Asks for a History Server's URL (the setting's or the last one first), remembers it, connects. */
async function askAndConnect(ctx: Ctx, connect: (url: string) => Promise<void>): Promise<void> {
  const remembered =
    config().get<string>('runs.historyServerUrl', '') ||
    ctx.extension.globalState.get<string>('daglens.runs.lastServer', 'http://localhost:18080');
  const url = await vscode.window.showInputBox({
    title: 'DagLens: connect to a Spark History Server',
    prompt: 'Its URL (the REST API is under /api/v1)',
    value: remembered,
    ignoreFocusOut: true,
    validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'an http:// or https:// URL'),
  });
  if (!url) return;
  await ctx.extension.globalState.update('daglens.runs.lastServer', url.trim());
  await connect(url.trim());
}

/** An execution's graph, from a tree item (inline action) or `{ runId, executionId, nodeIds }` (lenses, links). */
async function showExecution(ctx: Ctx, tree: RunsTree, arg: unknown): Promise<void> {
  const fromItem =
    arg && typeof arg === 'object' && (arg as Item).kind === 'execution'
      ? {
          runId: (arg as { runId: string }).runId,
          executionId: (arg as { execution: RunExecutionSummary }).execution.executionId,
          nodeIds: [],
        }
      : undefined;
  const parsed = ShowRunExecutionArgsSchema.safeParse(fromItem ?? arg);
  if (!parsed.success) {
    ctx.output.warn(`showExecution: ignored malformed arguments ${JSON.stringify(arg)?.slice(0, 200)}`);
    return;
  }
  await ctx.graph.show(executionGraph(ctx, tree, parsed.data.runId, parsed.data.executionId, parsed.data.nodeIds));
}

/** The slowest operators of the loaded runs; a pick opens its code, or its execution's graph. */
async function showSlowest(client: LanguageClient): Promise<void> {
  const ops = await client.sendRequest(slowestOperators, { limit: 50 });
  if (!ops.length) {
    void vscode.window.showInformationMessage(
      'DagLens: no run is loaded, or its operators recorded no time. Open one with DagLens: Open Spark Run….',
    );
    return;
  }
  const pick = await vscode.window.showQuickPick(
    ops.map((o) => ({
      label: `${o.operator}${o.sparkId !== undefined ? ` #${o.sparkId}` : ''}`,
      description: `${formatDuration(o.timeMs ?? 0)}${o.rows !== undefined ? ` · ${formatCount(o.rows)} rows` : ''} · execution ${o.executionId}`,
      detail: o.file ? `${o.file}:${o.line}` : 'not mapped to code (opens the execution graph)',
      o,
    })),
    { title: 'DagLens: slowest operators (task time)', matchOnDescription: true, matchOnDetail: true },
  );
  if (!pick) return;
  const { o } = pick;
  if (o.uri && o.line)
    await vscode.commands.executeCommand(OPEN_LOCATION_COMMAND, {
      uri: o.uri,
      startLine: o.line - 1,
      endLine: (o.endLine ?? o.line) - 1,
    });
  else
    await vscode.commands.executeCommand(SHOW_RUN_EXECUTION_COMMAND, {
      runId: o.runId,
      executionId: o.executionId,
      nodeIds: [o.nodeId],
    });
}

export function registerRuns(ctx: Ctx): vscode.Disposable[] {
  const tree = new RunsTree(ctx);
  const view = vscode.window.createTreeView(RUNS_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  setContextKey(CONTEXT_KEYS.runsLoaded, false);

  const openPath = async (client: LanguageClient, p: string, app?: string) => {
    const r = await open(client, { path: p, ...(app ? { app } : {}) }, `DagLens: reading ${path.basename(p)}`);
    if (r?.kind === 'apps') {
      const picked = await pickApp(client, { path: p }, r);
      if (picked) await loaded(ctx, tree, picked.result, { path: p, app: picked.app });
      return;
    }
    await loaded(ctx, tree, r, { path: p, ...(app ? { app } : {}) });
  };
  const connect = async (client: LanguageClient, url: string, app?: string) => {
    const base = { historyServer: url };
    if (app)
      return loaded(ctx, tree, await open(client, { ...base, app }, `DagLens: reading ${app}`), {
        historyServer: url,
        app,
      });
    const picked = await pickApp(client, base, await open(client, base, `DagLens: asking ${url} for its applications`));
    if (picked) await loaded(ctx, tree, picked.result, { historyServer: url, app: picked.app });
  };

  return [
    view,
    ...registerServerCommands(ctx, {
      'daglens.runs.open': {
        enabled: (client) => async (arg) => {
          const uri =
            arg instanceof vscode.Uri
              ? arg
              : (
                  await vscode.window.showOpenDialog({
                    title: 'DagLens: open a Spark run (event log file or folder, or a saved History Server answer)',
                    canSelectFiles: true,
                    canSelectFolders: true,
                    canSelectMany: false,
                    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
                  })
                )?.[0];
          if (uri) await openPath(client, uri.fsPath);
        },
      },
      'daglens.runs.connect': { enabled: (client) => () => askAndConnect(ctx, (url) => connect(client, url)) },
      'daglens.runs.reopen': {
        enabled: (client) => async (arg) => {
          const s = arg as RecentSource;
          if ('path' in s) await openPath(client, s.path, s.app);
          else await connect(client, s.historyServer, s.app);
        },
      },
      'daglens.runs.refresh': { enabled: (client) => async () => tree.set(await client.sendRequest(listRuns)) },
      'daglens.runs.slowest': { enabled: (client) => () => showSlowest(client) },
    }),
    // Without a server it still draws an execution already read (its graph's load says if it cannot).
    vscode.commands.registerCommand(SHOW_RUN_EXECUTION_COMMAND, (arg?: unknown) => showExecution(ctx, tree, arg)),
    vscode.commands.registerCommand('daglens.runs.close', async (item?: Item) => {
      if (item?.kind === 'recent') {
        await ctx.extension.workspaceState.update(
          RECENT_KEY,
          tree.recent().filter((r) => !sameSource(r, item.source)),
        );
        tree.set(tree.runs);
        return;
      }
      const runId = item?.kind === 'run' ? item.run.runId : tree.runs[0]?.runId;
      if (!runId) return;
      await ctx.readyClient?.sendRequest(closeRun, { runId }).catch(() => undefined);
      tree.set(tree.runs.filter((r) => r.runId !== runId));
    }),
    // A restarted server has forgotten its runs: the view shows what it has (the sources stay under Recent).
    ctx.onDidStartClient(
      (client) =>
        void client.sendRequest(listRuns).then(
          (runs) => tree.set(runs),
          () => tree.set([]),
        ),
    ),
  ];
}
