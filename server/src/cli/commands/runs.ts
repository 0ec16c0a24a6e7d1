import path from 'node:path';
import { parseSettings } from '../../engine/config';
import { FileJobStore, MemoryJobStore } from '../../engine/dag/jobs';
import { DagService } from '../../engine/dag/service';
import { RunsCancelled, RunsInputError } from '../../engine/runs/errors';
import { readHistoryServer } from '../../engine/runs/historyServer';
import { readRunPath, type ReadOutcome } from '../../engine/runs/read';
import { RunsService, type MapRunOptions } from '../../engine/runs/service';
import { formatDuration, formatCount, formatBytes } from '../../shared/figures';
import type { Logger } from '../../engine/log';
import { workspaceCacheDir } from '../../engine/storage';
import { Workspace } from '../../engine/workspace/workspace';
import type { RunAppList, RunExecution, RunsResult } from '../../protocol';
import { intOption, UserError, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';

export const runsCommand: Command = {
  name: 'runs',
  summary:
    'read a Spark run (event log, rolling folder, History Server answer or live History Server) and map every SQL execution to code',
  usage: 'daglens runs (PATH | --history-server URL) [--workspace DIR] [--app ID] [--execution N] [--json]',
  options: {
    workspace: { type: 'string', short: 'w' },
    app: { type: 'string' },
    'history-server': { type: 'string' },
    timeout: { type: 'string' },
    execution: { type: 'string', short: 'e' },
    json: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  },
  optionHelp: [
    'PATH                    an event log (plain, .gz, .zstd; .inprogress too), a rolling eventlog_v2_* folder,',
    '                        a folder of event logs (with --app), or a saved History Server REST answer',
    '                        (/applications/<app>/sql list, /sql/<id>, /applications)',
    '    --history-server URL',
    '                        a live Spark History Server (http://host:18080) to read instead of a PATH;',
    '                        without --app, list its applications',
    '    --app ID            the application to read (in a folder of event logs, or on the History Server)',
    '    --timeout SECONDS   History Server: give up on a request silent for this long (default 30)',
    '-w, --workspace DIR     the code the run came from (default: the current directory)',
    '-e, --execution N       only execution N (its plan, mapping and metrics in full)',
    '    --json              print { app, skippedLines, executions: [{ executionId, …, location, result }] }',
    '    --no-cache          do not read or write stored mapping results',
    '-v, --verbose           log skipped files and problems to stderr',
  ],
  async run(values, positionals) {
    const server = typeof values['history-server'] === 'string' ? values['history-server'] : undefined;
    const input = positionals[0];
    if (server !== undefined) {
      if (!server.trim()) throw new UserError('--history-server needs a URL (http://host:18080)');
      if (input) throw new UserError(`runs reads a PATH or --history-server URL, not both (got PATH ${input})`);
    } else {
      if (!input) throw new UserError("runs needs a PATH or --history-server URL (see 'daglens runs --help')");
      if (positionals.length > 1) throw new UserError(`runs takes one PATH, got ${positionals.length}`);
      if (values.timeout !== undefined) throw new UserError('--timeout is for --history-server');
    }
    const timeoutMs = secondsOption(values.timeout, 'timeout');
    const only =
      values.execution === undefined ? undefined : intOption(Number(values.execution) + 1, 'execution', 0) - 1;
    const root = workspaceDir(values.workspace);
    const log = stderrLogger(!!values.verbose);
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const progress = progressLine(!values.json || process.stderr.isTTY);
    const app = typeof values.app === 'string' ? values.app : undefined;
    try {
      let outcome: ReadOutcome;
      try {
        outcome =
          server !== undefined
            ? await readHistoryServer(server, {
                app,
                signal: abort.signal,
                timeoutMs,
                onProgress: (p) => progress(`reading ${app} from the History Server: ${p.executions} SQL executions`),
              })
            : await readRunPath(input, {
                app,
                signal: abort.signal,
                onProgress: (p) =>
                  progress(
                    `reading ${path.basename(input)}: ${p.totalBytes ? Math.round((100 * p.bytesRead) / p.totalBytes) : 0}% (${formatBytes(p.bytesRead)} of ${formatBytes(p.totalBytes)}, ${p.lines} lines)`,
                  ),
              });
      } catch (e) {
        if (e instanceof RunsInputError) throw new UserError(e.message);
        throw e;
      }
      if (outcome.kind === 'apps') {
        progress('');
        return printApps(outcome.apps, !!values.json);
      }
      return await mapAndPrint(outcome, server !== undefined ? outcome.source.path : input, {
        root,
        log,
        only,
        json: !!values.json,
        noCache: !!values['no-cache'],
        signal: abort.signal,
        progress,
      });
    } catch (e) {
      progress('');
      if (e instanceof RunsCancelled) {
        process.stderr.write(`daglens: ${e.message}\n`);
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

interface MapPrintOptions {
  root: string;
  log: Logger;
  only: number | undefined;
  json: boolean;
  noCache: boolean;
  signal: AbortSignal;
  progress: (text: string) => void;
}

/** A run mapped onto the workspace's code, read for the purpose (the CLI has no engine kept between calls). */
export async function mapRunOnWorkspace(
  outcome: Extract<ReadOutcome, { kind: 'run' }>,
  o: { root: string; log: Logger; noCache: boolean } & MapRunOptions,
): Promise<RunsResult> {
  const ws = new Workspace(o.root, parseSettings({}).settings, o.log);
  const store = o.noCache
    ? new MemoryJobStore()
    : new FileJobStore(workspaceCacheDir(o.root, 'dag'), undefined, (m) => o.log.warn(m));
  const dag = new DagService(o.root, o.log, () => 4, store);
  ws.listen(dag);
  await ws.scan();
  return new RunsService(dag, o.log).map(outcome.run, outcome.source, o);
}

/** A run, read from a file or a server, mapped onto the workspace and printed (the table or --json). */
async function mapAndPrint(
  outcome: Extract<ReadOutcome, { kind: 'run' }>,
  label: string,
  o: MapPrintOptions,
): Promise<number> {
  const run = outcome.run;
  if (o.only !== undefined && !run.executions.some((x) => x.executionId === o.only)) {
    throw new UserError(
      `no execution ${o.only} in ${label} (it has ${run.executions.length ? `${run.executions[0].executionId}–${run.executions[run.executions.length - 1].executionId}` : 'none'})`,
    );
  }
  o.progress('reading the workspace');
  const result = await mapRunOnWorkspace(outcome, {
    root: o.root,
    log: o.log,
    noCache: o.noCache,
    only: o.only === undefined ? undefined : [o.only],
    signal: o.signal,
    onProgress: (done, total) => o.progress(`mapping executions: ${done}/${total}`),
  });
  o.progress('');
  for (const p of result.problems) o.log.info(`${label}: ${p.message}`);
  if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(renderRuns(result, o.only !== undefined));
  return 0;
}

function secondsOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UserError(`--${name} must be a positive number of seconds, got '${value}'`);
  return Math.round(n * 1000);
}

/** A progress line on stderr that rewrites itself (only on a terminal). */
function progressLine(enabled: boolean): (text: string) => void {
  if (!enabled || !process.stderr.isTTY) return () => undefined;
  let last = 0;
  return (text) => {
    const now = Date.now();
    if (text && now - last < 100) return;
    last = now;
    process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns || 100) - 1)}`);
  };
}

function printApps(list: RunAppList, json: boolean): number {
  if (json) {
    process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(
    `${list.source}: ${list.apps.length} application${list.apps.length === 1 ? '' : 's'} (choose one with --app ID)\n`,
  );
  for (const a of list.apps) {
    const when = a.startTime ? new Date(a.startTime).toISOString().replace('T', ' ').slice(0, 19) : '';
    process.stdout.write(
      `  ${a.id}  ${a.name ?? ''}  ${when}${a.completed ? '' : '  (running)'}${a.sparkVersion ? `  Spark ${a.sparkVersion}` : ''}\n`,
    );
  }
  return 0;
}

const where = (l: { file: string; startLine: number; endLine: number }) =>
  `${l.file}:${l.startLine}${l.endLine > l.startLine ? `-${l.endLine}` : ''}`;

/** The readable form: one row per execution (sub-executions under their root), its place in code and top operators. */
export function renderRuns(r: RunsResult, detail = false): string {
  const out: string[] = [];
  const app = r.app;
  const head = [
    app.name ?? 'unnamed application',
    app.id ? `(${app.id})` : '',
    app.sparkVersion ? `Spark ${app.sparkVersion}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  out.push(
    `${r.source.path}: ${head} — ${r.executions.length} SQL execution${r.executions.length === 1 ? '' : 's'}${r.skippedLines ? `, ${r.skippedLines} line${r.skippedLines > 1 ? 's' : ''} skipped` : ''}${r.source.inProgress ? ' (still running)' : ''}`,
  );
  out.push(`${'exec'.padStart(5)}  ${'status'.padEnd(9)}  ${'duration'.padStart(8)}  location`);
  const roots = new Set(r.executions.map((e) => e.executionId));
  for (const e of r.executions) {
    const nested = e.rootExecutionId !== null && e.rootExecutionId !== e.executionId && roots.has(e.rootExecutionId);
    const id = `${nested ? '↳' : ''}${e.executionId}`.padStart(5);
    const dur = e.durationMs === null ? '—' : formatDuration(e.durationMs);
    const place = e.location ? `${where(e.location)} (${e.location.confidence.toFixed(2)})` : '— (not located)';
    out.push(
      `${id}  ${e.status.padEnd(9)}  ${dur.padStart(8)}  ${place}  ${e.description.split('\n')[0].slice(0, 80)}`,
    );
    if (e.location && detail) out.push(`${' '.repeat(7)}why: ${e.location.evidence}`);
    if (e.error) out.push(`${' '.repeat(7)}error: ${e.error.split('\n')[0].slice(0, 160)}`);
    for (const l of e.errorLocations) out.push(`${' '.repeat(7)}raised in ${where(l)} (${l.evidence})`);
    const tops = e.topOperators
      .slice(0, detail ? 5 : 3)
      .map(
        (t) =>
          `${t.operator} ${formatDuration(t.timeMs ?? 0)}${t.rows !== undefined ? ` · ${formatCount(t.rows)} rows` : ''}${t.spillBytes ? ` · spill ${formatBytes(t.spillBytes)}` : ''}${t.file ? ` → ${t.file}:${t.line}` : ''}`,
      );
    if (tops.length) out.push(`${' '.repeat(7)}slowest: ${tops.join('; ')}`);
  }
  if (detail) for (const e of r.executions) out.push('', ...operatorTable(e));
  out.push('');
  const located = r.executions.filter((e) => e.location).length;
  out.push(
    `${located} of ${r.executions.length} executions located · ${formatBytes(r.stats.bytes)}, ${r.stats.events} events read · ${r.stats.ms} ms`,
  );
  for (const p of r.problems) out.push(`problem${p.line ? ` at line ${p.line}` : ''}: ${p.message}`);
  return out.join('\n') + '\n';
}

function operatorTable(e: RunExecution): string[] {
  const out = [`execution ${e.executionId}: ${e.result.dag.nodes.length} operators`];
  e.result.dag.nodes.forEach((n, i) => {
    const m = e.result.mappings[i];
    const figures = (n.metrics ?? [])
      .filter((x) => x.total !== undefined)
      .slice(0, 3)
      .map((x) => `${x.name} ${x.value.split('\n').pop()}`)
      .join(', ');
    const id = n.sparkId !== undefined ? `#${n.sparkId}` : n.planId ? `(${n.planId})` : n.id;
    out.push(
      `  ${id.padStart(5)}  ${(n.section === 'initial' ? `${n.operator} (initial)` : n.operator).slice(0, 28).padEnd(28)}  ${m?.status.padEnd(8) ?? ''}  ${m?.best ? where(m.best) : '—'}${figures ? `  [${figures}]` : ''}`,
    );
  });
  return out;
}
