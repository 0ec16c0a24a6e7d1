/**
 * The agent tools (engine/agents) on the shared corpora, read in place: each answer matches its output schema
 * and says true things about the code — the lines it names hold what it says they hold — paging walks the whole
 * list, and no path leads outside the workspace (not by `..`, not by an absolute path, not through a symlink).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentTools, ToolInputError } from '../../server/src/engine/agents/tools';
import { summarise } from '../../server/src/engine/agents/summaries';
import { Engine } from '../../server/src/engine/engine';
import { syncIndex } from '../../server/src/engine/index/indexer';
import { AGENT_TOOLS, type AgentToolInput, type AgentToolName, type AgentToolOutput } from '../../server/src/protocol';
import { requireCorpora } from '../helpers';

const ROOT = requireCorpora();
let tools: AgentTools;

/** Calls a tool and checks its answer against the tool's output schema (what MCP clients are promised). */
async function call<N extends AgentToolName>(name: N, input: AgentToolInput<N>): Promise<AgentToolOutput<N>> {
  const parsedIn = AGENT_TOOLS[name].input.safeParse(input);
  assert.ok(parsedIn.success, `test input of ${name} is valid`);
  const out = await tools.call(name, parsedIn.data as AgentToolInput<N>);
  const v = AGENT_TOOLS[name].output.safeParse(out);
  assert.ok(
    v.success,
    `${name} output matches its schema: ${v.success ? '' : JSON.stringify(v.error.issues.slice(0, 3))}`,
  );
  assert.ok(summarise(name, out).length > 10);
  return out;
}

/** The text of a 1-based line of a workspace file. */
function lineOf(file: string, line: number): string {
  return readFileSync(path.join(ROOT, file), 'utf8').split(/\r?\n/)[line - 1] ?? '';
}

before(async () => {
  const engine = new Engine({ root: ROOT, llmCacheDir: null, dagCacheDir: null, llmEnv: {} });
  const indexed = syncIndex(engine.index, engine.settings, engine.log, {});
  await engine.workspace.scan();
  await indexed;
  tools = new AgentTools(engine);
});

test('map_plan: a TPC-DS plan file maps each operator to its query, with edges as inputs, paged', async () => {
  const out = await call('map_plan', { file: 'spark-tpcds/spark3/plans/query03.explain.txt' });
  assert.equal(out.plan, 'spark-tpcds/spark3/plans/query03.explain.txt');
  assert.equal(out.page.total, out.counts.high + out.counts.low + out.counts.derived + out.counts.unmapped);
  assert.match(out.sources[0].file, /queries\/query03\.sql$/);
  const scans = out.nodes.filter((n) => /Scan/.test(n.operator));
  assert.ok(scans.length >= 3);
  for (const s of scans) {
    assert.ok(s.best, `${s.label} is mapped`);
    assert.match(s.best.file, /query03\.sql$/);
    // The scanned table is named on the line the scan maps to.
    const table = /(date_dim|store_sales|item)/.exec(s.label)?.[1];
    assert.ok(table, s.label);
    assert.match(lineOf(s.best.file, s.best.startLine), new RegExp(`\\b${table}\\b`, 'i'));
  }
  const join = out.nodes.find((n) => n.operator === 'BroadcastHashJoin');
  assert.equal(join?.inputs.length, 2, 'a join consumes two inputs');
  for (const id of join!.inputs) assert.ok(out.nodes.some((n) => n.id === id));

  // Paging walks every node once, in order.
  const seen: string[] = [];
  for (let offset: number | null = 0; offset !== null;) {
    const p: AgentToolOutput<'map_plan'> = await call('map_plan', {
      file: 'spark-tpcds/spark3/plans/query03.explain.txt',
      offset,
      limit: 4,
    });
    assert.ok(p.nodes.length <= 4);
    seen.push(...p.nodes.map((n) => n.id));
    offset = p.page.nextOffset;
  }
  assert.deepEqual(
    seen,
    out.nodes.map((n) => n.id),
  );

  // The plan text itself maps the same way.
  const text = readFileSync(path.join(ROOT, 'spark-tpcds/spark3/plans/query03.explain.txt'), 'utf8');
  const byText = await call('map_plan', { plan: text });
  assert.equal(byText.plan, '(text)');
  assert.deepEqual(
    byText.nodes.map((n) => n.best?.file),
    out.nodes.map((n) => n.best?.file),
  );
  assert.equal(tools.lastDag?.plan, '(text)', 'the last mapped plan is kept for the resource');
});

test('map_plan refuses: both or neither of plan/file, a run, and a path outside the workspace', async () => {
  await assert.rejects(
    tools.call('map_plan', {}),
    (e: Error) => e instanceof ToolInputError && /either `plan`/.test(e.message),
  );
  await assert.rejects(tools.call('map_plan', { plan: 'x', file: 'y' }), ToolInputError);
  await assert.rejects(
    tools.call('map_plan', { file: 'spark-eventlogs/logs/e2e_local_stale.zstd' }),
    /Spark event log, not one plan: use map_run/,
  );
  await assert.rejects(tools.call('map_plan', { file: '../../../etc/passwd' }), /outside the workspace/);
  await assert.rejects(tools.call('map_plan', { file: '/etc/passwd' }), /outside the workspace/);
  await assert.rejects(tools.call('map_plan', { file: 'no/such.explain.txt' }), /no such file/);
});

test('lineage of a dbt model: who writes and reads it (the lines name it), upstream and downstream', async () => {
  const out = await call('lineage', { name: 'stg_orders' });
  assert.deepEqual(out.resolved, { kind: 'asset', id: 'model.jaffle_shop.stg_orders', name: 'stg_orders' });
  assert.deepEqual(
    out.writers.map((w) => w.file),
    ['dbt/jaffle-shop/models/staging/stg_orders.sql'],
  );
  const readers = out.readers.map((r) => r.file).sort();
  assert.deepEqual(readers, [
    'dbt/jaffle-shop/models/marts/order_items.sql',
    'dbt/jaffle-shop/models/marts/orders.sql',
  ]);
  for (const r of out.readers) assert.match(lineOf(r.file, r.line), /ref\(\s*['"]stg_orders['"]\s*\)/);
  assert.ok(out.upstream.some((h) => h.name === 'ecom.raw_orders' && h.distance === 1));
  const customers = out.downstream.find((h) => h.name === 'customers');
  assert.equal(customers?.distance, 2);
  assert.match(customers!.via!.file, /models\/marts\/customers\.sql$/);
  assert.ok(out.asset!.columns.includes('order_id'));
  assert.equal(out.totals.readers, 2);
});

test('lineage of a column and of a code file', async () => {
  const col = await call('lineage', { name: 'stg_orders.order_id' });
  assert.equal(col.resolved.kind, 'column');
  const down = col.columns!.downstream.map((c) => `${c.asset}.${c.column}`);
  assert.ok(down.includes('model.jaffle_shop.orders.order_id'), JSON.stringify(down));
  assert.ok(down.includes('model.jaffle_shop.customers.count_lifetime_orders'), JSON.stringify(down));
  assert.deepEqual(
    col.columns!.upstream.map((c) => `${c.asset}.${c.column}`),
    ['source.jaffle_shop.ecom.raw_orders.id'],
  );

  const file = await call('lineage', { name: 'dbt/jaffle-shop/models/marts/customers.sql' });
  assert.equal(file.resolved.kind, 'file');
  assert.equal(file.processes.length, 1);
  assert.deepEqual(
    file.writes.map((w) => w.name),
    ['customers'],
  );
  assert.deepEqual(file.reads.map((r) => r.name).sort(), ['orders', 'stg_customers']);
  for (const r of file.reads) assert.match(lineOf(r.file, r.line), new RegExp(r.name));
});

test('impact: the downstream closure with the code path of each hit; upstream; paging; limits', async () => {
  const out = await call('impact', { name: 'stg_orders' });
  assert.equal(out.kind, 'asset');
  assert.deepEqual(
    out.hits.map((h) => [h.name, h.distance]),
    [
      ['order_items', 1],
      ['orders', 1],
      ['customers', 2],
    ],
  );
  const customers = out.hits[2];
  assert.deepEqual(
    customers.path.map((s) => s.to),
    ['model.jaffle_shop.orders', 'model.jaffle_shop.customers'],
  );
  // Each step points at the line where its process reads the step's input.
  for (const s of customers.path)
    assert.match(
      lineOf(s.file!, s.line!),
      new RegExp(`ref\\(\\s*['"]${s.from.split('.').pop()}['"]`),
      JSON.stringify(s),
    );
  const up = await call('impact', { name: 'orders', direction: 'upstream' });
  // Upstream steps point at the line that reads the upstream asset.
  for (const h of up.hits) {
    const last = h.path[h.path.length - 1];
    assert.match(
      lineOf(last.file!, last.line!),
      new RegExp(h.name.split('.').pop()!),
      `${h.name} at ${last.file}:${last.line}`,
    );
  }
  const first = await call('impact', { name: 'orders', direction: 'upstream', limit: 2 });
  assert.equal(first.hits.length, 2);
  assert.equal(first.page.nextOffset, 2);
  const rest = await call('impact', { name: 'orders', direction: 'upstream', offset: 2, limit: 100 });
  assert.deepEqual(
    [...first.hits, ...rest.hits].map((h) => h.asset),
    up.hits.map((h) => h.asset),
  );
  assert.equal(rest.page.nextOffset, null);
  // A column's impact lists columns.
  const col = await call('impact', { name: 'stg_orders.order_id' });
  assert.equal(col.kind, 'column');
  assert.ok(col.hits.every((h) => h.column));
});

test('lineage and impact refuse unknown names (with the reason) and paths outside the workspace', async () => {
  await assert.rejects(
    tools.call('lineage', { name: 'no_such_table_xyz' }),
    (e: Error) => e instanceof ToolInputError && /no table, column, dbt model/.test(e.message),
  );
  await assert.rejects(tools.call('lineage', { name: 'stg_orderz' }), /similar: stg_orders/);
  await assert.rejects(tools.call('impact', { name: '../secrets/file.sql' }), /outside the workspace/);
});

test('search_code: hybrid hits with lines and text; k and language respected', async () => {
  const out = await call('search_code', { query: 'stg_orders', k: 5 });
  assert.ok(out.hits.length > 0 && out.hits.length <= 5);
  assert.ok(out.hits.some((h) => h.file.includes('jaffle-shop')));
  for (const h of out.hits) assert.ok(h.startLine >= 1 && h.endLine >= h.startLine && h.text.length > 0);
  const sql = await call('search_code', { query: 'store_sales', k: 3, language: 'sql' });
  assert.ok(sql.hits.every((h) => h.language === 'sql'));
  assert.equal(sql.indexing, false);
});

test('explain_symbol: the symbol, its code and lineage offline; no summary without an LLM (and why)', async () => {
  const out = await call('explain_symbol', { file: 'dbt/jaffle-shop/models/marts/customers.sql', line: 10 });
  assert.equal(out.symbol?.kind, 'cte');
  assert.equal(out.codeStartLine, out.symbol!.startLine);
  assert.ok(out.code.split('\n').length === out.symbol!.endLine - out.symbol!.startLine + 1);
  assert.equal(out.code.split('\n')[10 - out.codeStartLine], lineOf('dbt/jaffle-shop/models/marts/customers.sql', 10));
  assert.deepEqual(
    out.lineage.map((l) => l.writes),
    [['customers']],
  );
  assert.equal(out.summary, null);
  assert.match(out.summaryNote ?? '', /no LLM is configured/);
  assert.equal(
    tools.preview('explain_symbol', { file: 'dbt/jaffle-shop/models/marts/customers.sql', line: 10 }).confirmation,
    undefined,
    'nothing is sent, so nothing to confirm',
  );
  await assert.rejects(
    tools.call('explain_symbol', { file: 'dbt/jaffle-shop/models/marts/customers.sql', line: 100_000 }),
    /past its end/,
  );
  await assert.rejects(
    tools.call('explain_symbol', { file: '../main/package.json', line: 1 }),
    /outside the workspace/,
  );
});

test('list_runs and map_run: the logs in the workspace; a run placed in code, paged; one execution in full', async () => {
  const list = await call('list_runs', {});
  const paths = list.runs.map((r) => r.path);
  for (const p of [
    'spark-eventlogs/logs/e2e_local_stale.zstd',
    'spark-eventlogs/logs/db_sim.gz',
    'spark-eventlogs/logs/eventlog_v2_local-1623876083964',
    'spark-eventlogs/derived/e2e_local_stale.sql.json',
  ]) {
    assert.ok(paths.includes(p), `${p} in ${JSON.stringify(paths)}`);
  }
  assert.ok(!paths.some((p) => /\.(sql|py|yml)$/.test(p)), 'code is not a run');
  assert.equal(list.runs.find((r) => r.path.endsWith('e2e_local_stale.zstd'))?.kind, 'eventLog');
  const inLogs = await call('list_runs', { paths: ['spark-eventlogs/logs'] });
  assert.ok(
    inLogs.runs.every((r) => r.path.startsWith('spark-eventlogs/logs/')) && inLogs.runs.length === 10,
    JSON.stringify(inLogs.runs.map((r) => r.path)),
  );
  await assert.rejects(tools.call('list_runs', { paths: ['/tmp'] }), /outside the workspace/);

  const run = await call('map_run', { path: 'spark-eventlogs/logs/e2e_local_stale.zstd', limit: 4 });
  assert.equal(run.app.name, 'shs-e2e-app1');
  assert.equal(run.page.total, 10);
  assert.equal(run.executions.length, 4);
  assert.equal(run.page.nextOffset, 4);
  const all = await call('map_run', { path: 'spark-eventlogs/logs/e2e_local_stale.zstd', limit: 50 });
  const e8 = all.executions.find((e) => e.executionId === 8)!;
  assert.equal(e8.location?.file, 'spark-eventlogs/code/e2e/generate_events.py');
  const stmt = Array.from({ length: e8.location!.endLine - e8.location!.startLine + 1 }, (_, i) =>
    lineOf(e8.location!.file, e8.location!.startLine + i),
  ).join('\n');
  assert.match(stmt, /\.write\b[\s\S]*\.parquet\("\/tmp\/e2e\/spill_output"\)/, 'execution 8 writes the spill output');
  const one = await call('map_run', { path: 'spark-eventlogs/logs/e2e_local_stale.zstd', execution: 8, limit: 100 });
  assert.equal(one.executions.length, 0);
  const sort = one.execution!.operators.find((o) => o.operator === 'Sort');
  assert.ok(sort?.best && sort.timeMs && sort.timeMs > 0, JSON.stringify(sort));
  assert.match(lineOf(sort.best.file, sort.best.startLine), /\.sort\(/);
  assert.ok(sort.metrics.some((m) => m.name === 'spill size'));
  await assert.rejects(
    tools.call('map_run', { path: 'spark-eventlogs/logs/e2e_local_stale.zstd', execution: 99 }),
    /no SQL execution 99 \(it has 0–9\)/,
  );
  await assert.rejects(tools.call('map_run', { path: 'dbt/jaffle-shop/models/marts/customers.sql' }), ToolInputError);

  // What the run spent shows up where its code is explained, and the listing knows it was mapped.
  const ex = await call('explain_symbol', {
    file: 'spark-eventlogs/code/e2e/generate_events.py',
    line: sort.best.startLine,
  });
  assert.ok(
    ex.runs.some(
      (r) => r.line === sort.best!.startLine && r.timeMs > 0 && r.run === 'spark-eventlogs/logs/e2e_local_stale.zstd',
    ),
    JSON.stringify(ex.runs),
  );
  const again = await call('list_runs', { paths: ['spark-eventlogs/logs/e2e_local_stale.zstd'] });
  assert.deepEqual(again.runs[0].mapped, {
    app: 'local-1776286786993',
    executions: 10,
    located: all.executions.filter((e) => e.location).length,
  });
});

test('a symlink inside the workspace that points outside it is refused', async () => {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-agents-link-'));
  const outside = mkdtempSync(path.join(os.tmpdir(), 'daglens-agents-outside-'));
  writeFileSync(
    path.join(outside, 'plan.explain.txt'),
    readFileSync(path.join(ROOT, 'spark-tpcds/spark3/plans/query03.explain.txt')),
  );
  writeFileSync(path.join(ws, 'q.sql'), 'select 1');
  symlinkSync(outside, path.join(ws, 'elsewhere'));
  const engine = new Engine({ root: ws, llmCacheDir: null, dagCacheDir: null, llmEnv: {} });
  await engine.workspace.scan();
  const local = new AgentTools(engine);
  await assert.rejects(local.call('map_plan', { file: 'elsewhere/plan.explain.txt' }), /outside the workspace/);
  await assert.rejects(local.call('list_runs', { paths: ['elsewhere'] }), /outside the workspace/);
});
