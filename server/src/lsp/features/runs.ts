/**
 * Spark runs in the editor: `daglens/runs/open` reads a run (a log, a folder, a saved or live History Server
 * answer) and maps it to the workspace, with progress and cancellation; the runs loaded stay for the session.
 * In code, a lens on every line an execution or a measured operator maps to (`⏱ 1.7 s · 500 k rows · spill
 * 15 MiB`, click for the execution's graph) and a hover with the operators' metrics as Spark shows them.
 * Thin: reading and mapping are engine.runs' (engine/runs), the per-line figures engine/runs/codeFigures.ts'.
 */
import { ErrorCodes, ResponseError, type CodeLens, type Hover } from 'vscode-languageserver/node';
import path from 'node:path';
import type { Engine } from '../../engine/engine';
import { errorMessage } from '../../engine/log';
import { figuresByLine, slowestOperators, type LineFigures } from '../../engine/runs/codeFigures';
import { RunsInputError } from '../../engine/runs/errors';
import { formatBytes, formatCount, formatDuration } from '../../shared/figures';
import { readRun } from '../../engine/runs/open';
import {
  closeRun,
  CloseRunParamsSchema,
  listRuns,
  openRun,
  OpenRunParamsSchema,
  RunExecutionParamsSchema,
  runExecution,
  runProgress,
  SHOW_RUN_EXECUTION_COMMAND,
  slowestOperators as slowestRequest,
  SlowestOperatorsParamsSchema,
  type OpenRunParams,
  type OpenRunResult,
  type RunOperatorRef,
  type RunsResult,
  type RunsSummary,
  type ShowRunExecutionArgs,
} from '../../protocol';
import type { Feature, ServerContext } from '../context';
import { engineFor, validated, withCancellation } from '../handlers';
import { pathToUri } from '../uris';

interface LoadedRun {
  id: string;
  engine: Engine;
  result: RunsResult;
}

/** A read and mapped run as the view lists it: executions without their plans. */
export function summaryOf(id: string, r: RunsResult): RunsSummary {
  return { ...r, runId: id, executions: r.executions.map(({ result: _r, ...e }) => e) };
}

export const runsFeature: Feature = {
  // Code lenses and hovers are declared by the DAG and lineage features; these handlers join theirs.
  capabilities: {},
  register(ctx) {
    const { connection, log } = ctx;
    const loaded = new Map<string, LoadedRun>();
    const byKey = new Map<string, string>();
    let next = 1;

    /** Reads the run and maps it to the code of its workspace folder; the run stays loaded for the session. */
    const open = async (p: OpenRunParams, signal: AbortSignal): Promise<OpenRunResult> => {
      let last = 0;
      const progress = (message: string, percent?: number, force = false) => {
        if (!p.progressId || (!force && Date.now() - last < 150)) return;
        last = Date.now();
        void connection.sendNotification(runProgress, {
          progressId: p.progressId,
          message,
          ...(percent !== undefined ? { percent } : {}),
        });
      };
      // The run's code is in a workspace folder: a URI outside every folder means the first one.
      const { engine } = engineFor(ctx, p.workspaceUri, 'firstFolder');
      const what = p.path ? path.basename(p.path) : p.historyServer!;
      progress(`reading ${what}`, 0, true);
      const read = await readRun(p.path ? { path: p.path } : { historyServer: p.historyServer! }, {
        app: p.app,
        signal,
        onProgress: (r) =>
          progress(
            r.totalBytes
              ? `reading ${what}: ${formatBytes(r.bytesRead ?? 0)} of ${formatBytes(r.totalBytes)}`
              : `reading ${what}: ${r.executions ?? r.lines ?? 0} ${r.executions !== undefined ? 'executions' : 'lines'}`,
            r.totalBytes ? Math.round((80 * (r.bytesRead ?? 0)) / r.totalBytes) : undefined,
          ),
      });
      if (read.kind === 'apps') return { kind: 'apps', apps: read.apps };
      // Every file must be known before executions are placed in the code.
      progress('waiting for the workspace scan', 80, true);
      await ctx.session().scanned;
      const result = await engine.runs.map(read.run, read.source, {
        signal,
        onProgress: (done, total) => {
          const percent = 80 + Math.round((20 * done) / Math.max(1, total));
          progress(`mapping execution ${done} of ${total}`, percent, done === total);
        },
      });
      const key = `${engine.root}\0${read.source.path}\0${p.app ?? ''}`;
      const id = byKey.get(key) ?? `run-${next++}`;
      byKey.set(key, id);
      loaded.set(id, { id, engine, result });
      const located = result.executions.filter((e) => e.location).length;
      log.info(
        `run ${id}: ${read.source.path}, ${result.executions.length} executions, ${located} located, ` +
          `${result.skippedLines} lines skipped, ${result.stats.ms} ms`,
      );
      for (const pr of result.problems) log.warn(`${what}: ${pr.message}`);
      void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
      return { kind: 'run', run: summaryOf(id, result) };
    };

    connection.onRequest(
      openRun,
      validated(openRun, OpenRunParamsSchema, async (p, token) => {
        try {
          return await withCancellation([token], (signal) => open(p, signal));
        } catch (e) {
          if (e instanceof RunsInputError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
          throw e;
        }
      }),
    );

    connection.onRequest(
      runExecution,
      validated(runExecution, RunExecutionParamsSchema, ({ runId, executionId }) => {
        const run = loaded.get(runId);
        const e = run?.result.executions.find((x) => x.executionId === executionId);
        if (!e) {
          throw new ResponseError(
            ErrorCodes.InvalidParams,
            run
              ? `run ${runId} has no execution ${executionId}`
              : `no loaded run ${runId} (the server restarted? open it again)`,
          );
        }
        return e;
      }),
    );

    connection.onRequest(listRuns, () => [...loaded.values()].map((r) => summaryOf(r.id, r.result)));

    connection.onRequest(
      closeRun,
      validated(closeRun, CloseRunParamsSchema, ({ runId }) => {
        const closed = loaded.delete(runId);
        if (closed) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
        return { closed };
      }),
    );

    connection.onRequest(
      slowestRequest,
      validated(slowestRequest, SlowestOperatorsParamsSchema, ({ runId, limit }) => {
        const n = Math.min(200, Math.max(1, limit ?? 20));
        const out: RunOperatorRef[] = [];
        for (const r of loaded.values()) {
          if (runId && r.id !== runId) continue;
          for (const o of slowestOperators(r.result, n)) {
            out.push({
              runId: r.id,
              executionId: o.executionId,
              nodeId: o.nodeId,
              ...(o.sparkId !== undefined ? { sparkId: o.sparkId } : {}),
              operator: o.operator,
              ...(o.timeMs !== undefined ? { timeMs: o.timeMs } : {}),
              ...(o.rows !== undefined ? { rows: o.rows } : {}),
              ...(o.spillBytes !== undefined ? { spillBytes: o.spillBytes } : {}),
              ...(o.peakMemoryBytes !== undefined ? { peakMemoryBytes: o.peakMemoryBytes } : {}),
              ...(o.file
                ? {
                    file: o.file,
                    line: o.line,
                    endLine: o.endLine,
                    uri: pathToUri(path.resolve(r.engine.root, o.file)),
                  }
                : {}),
            });
          }
        }
        return out.sort((a, b) => (b.timeMs ?? 0) - (a.timeMs ?? 0)).slice(0, n);
      }),
    );

    /** Per line of the file, what each loaded run spent there. */
    const figuresAt = (uri: string): Array<{ run: LoadedRun; figures: Map<number, LineFigures> }> => {
      const file = ctx.pathOf(uri);
      if (!file || !loaded.size) return [];
      const out = [];
      for (const run of loaded.values()) {
        const rel = run.engine.workspace.relative(file);
        if (rel.startsWith('..')) continue;
        const figures = figuresByLine(run.result, rel);
        if (figures.size) out.push({ run, figures });
      }
      return out;
    };

    connection.onCodeLens(async (params): Promise<CodeLens[]> => {
      if (!loaded.size || !(await lensesEnabled(ctx))) return [];
      try {
        const out: CodeLens[] = [];
        for (const { run, figures } of figuresAt(params.textDocument.uri)) {
          for (const f of figures.values()) {
            const range = { start: { line: f.line - 1, character: 0 }, end: { line: f.line - 1, character: 0 } };
            out.push({
              range,
              command: {
                title: lensTitle(f),
                tooltip: lensTooltip(f),
                command: SHOW_RUN_EXECUTION_COMMAND,
                arguments: [showArgs(run.id, f)],
              },
            });
          }
        }
        return out;
      } catch (e) {
        log.warn(`run lenses for ${params.textDocument.uri}: ${errorMessage(e)}`);
        return [];
      }
    });

    connection.onHover((params): Hover | null => {
      if (!loaded.size) return null;
      const parts: string[] = [];
      for (const { run, figures } of figuresAt(params.textDocument.uri)) {
        const f = figures.get(params.position.line + 1);
        if (f) parts.push(hoverMarkdown(run, f));
      }
      return parts.length ? { contents: { kind: 'markdown', value: parts.join('\n\n---\n\n') } } : null;
    });
  },
};

async function lensesEnabled(ctx: ServerContext): Promise<boolean> {
  return ctx.session().lensEnabled('runs');
}

/** The execution a lens opens: the slowest one at the line, with the line's operators in focus. */
function showArgs(runId: string, f: LineFigures): ShowRunExecutionArgs {
  const slowest = [...f.executions].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))[0];
  const executionId =
    slowest?.executionId ?? [...f.operators].sort((a, b) => (b.timeMs ?? 0) - (a.timeMs ?? 0))[0].executionId;
  return { runId, executionId, nodeIds: f.operators.filter((o) => o.executionId === executionId).map((o) => o.nodeId) };
}

export function lensTitle(f: LineFigures): string {
  const parts = [`⏱ ${formatDuration(f.timeMs)}`];
  if (f.rows !== undefined) parts.push(`${formatCount(f.rows)} rows`);
  if (f.spillBytes > 0) parts.push(`spill ${formatBytes(f.spillBytes)}`);
  const execs = f.executions.length ? f.executions : [];
  if (execs.length === 1)
    parts.push(`execution ${execs[0].executionId}${execs[0].status !== 'succeeded' ? ` ${execs[0].status}` : ''}`);
  else if (execs.length > 1)
    parts.push(`${execs.length} executions${execs.some((e) => e.status === 'failed') ? ', some failed' : ''}`);
  return parts.join(' · ');
}

function lensTooltip(f: LineFigures): string {
  const lines = f.executions.map(
    (e) =>
      `execution ${e.executionId} (${e.status}): ${e.durationMs === null ? 'still running' : formatDuration(e.durationMs)} — ${e.description.split('\n')[0].slice(0, 80)}`,
  );
  for (const o of f.operators.slice(0, 8))
    lines.push(
      `${o.operator}${o.sparkId !== undefined ? ` #${o.sparkId}` : ''} (execution ${o.executionId}): ${o.timeMs !== undefined ? `${formatDuration(o.timeMs)} task time` : 'no time recorded'}${o.rows !== undefined ? `, ${formatCount(o.rows)} rows` : ''}`,
    );
  if (!f.executions.length)
    lines.push('Time is task time summed over the tasks (it can exceed wall time). Click for the execution graph.');
  return lines.join('\n');
}

const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

function hoverMarkdown(run: LoadedRun, f: LineFigures): string {
  const out: string[] = [];
  for (const e of f.executions) {
    out.push(
      `**Spark execution ${e.executionId}** — ${e.status}, ${e.durationMs === null ? 'still running' : formatDuration(e.durationMs)}${e.error ? `: ${esc(e.error.split('\n')[0].slice(0, 160))}` : ''}  \n${esc(e.location?.evidence ?? '')}`,
    );
  }
  for (const o of f.operators.slice(0, 6)) {
    const metrics = o.metrics
      .filter((m) => m.total !== undefined || m.value)
      .slice(0, 6)
      .map((m) => `${esc(m.name)}: ${esc(m.value.split('\n').pop() ?? m.value)}`)
      .join(' · ');
    out.push(
      `**${esc(o.operator)}**${o.sparkId !== undefined ? ` #${o.sparkId}` : ''} (execution ${o.executionId}, ${o.status}) — ${metrics}`,
    );
  }
  if (f.operators.length > 6) out.push(`… and ${f.operators.length - 6} more operators`);
  const args = encodeURIComponent(JSON.stringify([showArgs(run.id, f)]));
  out.push(
    `[Show execution graph](command:${SHOW_RUN_EXECUTION_COMMAND}?${args} "Open the execution's plan, coloured by time")`,
  );
  return out.join('\n\n');
}
