/** Spark runs over real LSP (dist/server.js --stdio): open a log, progress, lenses and hovers in code, one execution, slowest operators, cancel. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CancellationTokenSource,
  CodeLensRequest,
  DidOpenTextDocumentNotification,
  HoverRequest,
  type CodeLens,
  type Hover,
} from 'vscode-languageserver-protocol/node';
import {
  closeRun,
  listRuns,
  mapDag,
  openRun,
  OpenRunResultSchema,
  runExecution,
  RunExecutionSchema,
  SHOW_RUN_EXECUTION_COMMAND,
  slowestOperators,
} from '../../server/src/protocol';
import { requireCorpora } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';

let ws: string;
let lsp: LspSession;
let code: string;
const logs = () => path.join(requireCorpora(), 'spark-eventlogs', 'logs');

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-runs-lsp-'));
  cpSync(path.join(requireCorpora(), 'spark-eventlogs', 'code'), ws, { recursive: true });
  code = path.join(ws, 'e2e', 'generate_events.py');
  lsp = await startLsp(ws);
  await ready(lsp);
  await lsp.conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(code), languageId: 'python', version: 1, text: readFileSync(code, 'utf8') },
  });
});

after(async () => {
  await lsp?.close();
  rmSync(ws, { recursive: true, force: true });
});

test('daglens/runs/open reads a log with progress and returns every execution placed in code (plans on demand)', async () => {
  const raw = await lsp.conn.sendRequest(openRun, {
    path: path.join(logs(), 'e2e_local_stale.zstd'),
    progressId: 'p1',
  });
  const r = OpenRunResultSchema.parse(raw);
  assert.equal(r.kind, 'run');
  if (r.kind !== 'run') return;
  assert.equal(r.run.executions.length, 10);
  assert.ok(r.run.executions.every((e) => e.location?.file === 'e2e/generate_events.py'));
  assert.ok(!('result' in r.run.executions[0]), 'the summary leaves the plans out');
  const progress = (lsp.notifications.get('daglens/runs/progress') ?? []) as Array<{
    progressId: string;
    message: string;
  }>;
  assert.ok(progress.some((p) => p.progressId === 'p1' && /^reading e2e_local_stale\.zstd/.test(p.message)));
  assert.ok(progress.some((p) => /mapping execution \d+ of 10/.test(p.message)));
  const x6 = RunExecutionSchema.parse(await lsp.conn.sendRequest(runExecution, { runId: r.run.runId, executionId: 6 }));
  assert.ok(x6.result.dag.nodes.filter((n) => n.metrics?.length).length >= 20);
  await assert.rejects(
    lsp.conn.sendRequest(runExecution, { runId: r.run.runId, executionId: 99 }),
    /has no execution 99/,
  );
  assert.equal((await lsp.conn.sendRequest(listRuns)).length, 1);
});

test('in code: a lens on each line the run spent time on, opening the execution graph; a hover with the metrics', async () => {
  const lenses = (await lsp.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(code) } })) as CodeLens[];
  const runLenses = lenses.filter((l) => l.command?.command === SHOW_RUN_EXECUTION_COMMAND);
  const at = (line: number) => runLenses.find((l) => l.range.start.line === line - 1)?.command;
  // SQL 3 (line 114–116): the execution took 2.7 s; its sort spilled 80 MiB on the sort(…) line.
  assert.match(at(114)!.title, /^⏱ 2\.7 s · .*execution 8$/);
  assert.match(at(116)!.title, /^⏱ [\d.]+ s · [\d.]+ M rows · spill 80 MiB$/);
  assert.deepEqual({ ...at(114)!.arguments![0], nodeIds: [] }, { runId: 'run-1', executionId: 8, nodeIds: [] });
  assert.match(at(62)!.title, /execution 2 failed/);
  const hover = (await lsp.conn.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(code) },
    position: { line: 115, character: 4 },
  })) as Hover;
  const md = (hover.contents as { value: string }).value;
  assert.match(md, /\*\*Sort\*\* #\d+ \(execution 8, high\) — sort time: .*spill size: /);
  assert.match(
    md,
    new RegExp(`\\[Show execution graph\\]\\(command:${SHOW_RUN_EXECUTION_COMMAND.replace(/\./g, '\\.')}\\?`),
  );
});

test('slowest operators across the loaded run, each with where it maps', async () => {
  const ops = await lsp.conn.sendRequest(slowestOperators, { limit: 5 });
  assert.equal(ops.length, 5);
  assert.ok(ops.every((o, i) => i === 0 || (ops[i - 1].timeMs ?? 0) >= (o.timeMs ?? 0)));
  assert.equal(ops[0].operator, 'WholeStageCodegen (2)');
  assert.equal(ops[0].executionId, 8);
  assert.equal(ops[0].line, 116);
  assert.equal(ops[0].uri, uri(path.join(ws, 'e2e', 'generate_events.py')));
});

test('a log that is not a plan is pointed to the Spark Runs view; bad input is one clear error; a read can be cancelled', async () => {
  await assert.rejects(
    lsp.conn.sendRequest(mapDag, { uri: uri(path.join(logs(), 'e2e_local_stale.zstd')) }),
    /is a zstd Spark event log, not a plan: open it in the Spark Runs view/,
  );
  await assert.rejects(
    lsp.conn.sendRequest(openRun, { path: path.join(ws, 'e2e', 'generate_events.py') }),
    /not a Spark event log/,
  );
  await assert.rejects(lsp.conn.sendRequest(openRun, {}), /give a path or a historyServer URL/);
  const cts = new CancellationTokenSource();
  const pending = lsp.conn.sendRequest(openRun, { path: path.join(logs(), 'nds_q9_gpu_oom.zstd') }, cts.token);
  setTimeout(() => cts.cancel(), 30);
  await assert.rejects(pending, /cancel/i);
  // The server is fine afterwards, and closing a run takes its lenses away.
  const runs = await lsp.conn.sendRequest(listRuns);
  assert.deepEqual(await lsp.conn.sendRequest(closeRun, { runId: runs[0].runId }), { closed: true });
  const lenses = (await lsp.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(code) } })) as CodeLens[];
  assert.equal(lenses.filter((l) => l.command?.command === SHOW_RUN_EXECUTION_COMMAND).length, 0);
});
