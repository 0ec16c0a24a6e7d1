/** Lineage over real LSP (dist/server.js --stdio) on the lineage fixture workspace. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CodeLensRequest,
  CodeLensResolveRequest,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  type CodeLens,
  type Hover,
  type Location,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import {
  impactRequest,
  lineageRequest,
  LineageResultSchema,
  ShowLineageArgsSchema,
  ImpactResultSchema,
} from '../../server/src/protocol';
import { FIXTURES } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';

let ws: string;
let lsp: LspSession;

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-lineage-'));
  cpSync(path.join(FIXTURES, 'lineage'), ws, { recursive: true });
  lsp = await startLsp(ws);
  await ready(lsp);
});

after(async () => {
  await lsp?.close();
  rmSync(ws, { recursive: true, force: true });
});

/** 0-based position of the n-th occurrence of `needle` in a file (plus `shift` characters). */
function positionOf(file: string, needle: string, shift = 1, nth = 0): { line: number; character: number } {
  const text = readFileSync(path.join(ws, file), 'utf8');
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not in ${file}`);
  const before = text.slice(0, at + shift);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

test('initialize advertises code lenses (lazy), hovers and definitions', () => {
  assert.deepEqual(lsp.init.capabilities.codeLensProvider, { resolveProvider: true });
  assert.equal(lsp.init.capabilities.hoverProvider, true);
  assert.equal(lsp.init.capabilities.definitionProvider, true);
});

test('daglens/lineage for a document: the processes, reads and writes of that file', async () => {
  const res = LineageResultSchema.parse(
    await lsp.conn.sendRequest(lineageRequest, { uri: uri(path.join(ws, 'warehouse/daily_sales.sql')) }),
  );
  const insert = res.processes.find((p) => p.symbol === 'INSERT OVERWRITE daily_sales')!;
  assert.equal(insert.file, 'warehouse/daily_sales.sql');
  assert.deepEqual([insert.startLine, insert.endLine], [3, 16]);
  assert.deepEqual(insert.writes, [{ asset: 'mart.daily_sales', line: 14 }]);
  assert.deepEqual(
    insert.reads.map((r) => [r.asset, r.line]),
    [
      ['source.shop.raw.orders', 5],
      ['source.shop.raw.customers', 11],
    ],
  );
  assert.ok(
    res.columns.some(
      (c) => c.process === insert.id && c.column === 'revenue' && c.sources[0].asset === 'source.shop.raw.orders',
    ),
  );
  const bySymbol = LineageResultSchema.parse(
    await lsp.conn.sendRequest(lineageRequest, { symbol: 'mart.daily_sales' }),
  );
  assert.ok(bySymbol.processes.some((p) => p.file === 'airflow/dags/sql/refresh_report.sql'));
});

test('daglens/impact from an asset and from a code position, with paths', async () => {
  const r = ImpactResultSchema.parse(await lsp.conn.sendRequest(impactRequest, { asset: 'raw.orders' }));
  assert.equal(r.start, 'source.shop.raw.orders');
  const daily = r.hits.find((h) => h.asset === 'mart.daily_sales')!;
  assert.equal(daily.distance, 1);
  const report = r.hits.find((h) => h.asset === 'reporting.revenue_report')!;
  assert.equal(report.distance, 2);
  assert.deepEqual(
    report.path.map((s) => s.to),
    ['mart.daily_sales', 'reporting.revenue_report'],
  );
  const fromCode = ImpactResultSchema.parse(
    await lsp.conn.sendRequest(impactRequest, {
      uri: uri(path.join(ws, 'dbt/models/staging/stg_orders.sql')),
      position: { line: 2, character: 4 },
    }),
  );
  assert.equal(fromCode.kind, 'process');
  assert.ok(fromCode.hits.some((h) => h.asset === 'model.shop.customer_revenue'));
  await assert.rejects(lsp.conn.sendRequest(impactRequest, { direction: 'sideways' } as never));
});

test('code lenses come unresolved and resolve to counts with a list command', async () => {
  const file = path.join(ws, 'warehouse/daily_sales.sql');
  const lenses = (await lsp.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(file) } })) as CodeLens[];
  assert.equal(lenses.length, 6);
  assert.ok(lenses.every((l) => !l.command));
  const insertLens = lenses.find((l) => l.range.start.line === 2)!;
  const resolved = (await lsp.conn.sendRequest(CodeLensResolveRequest.type, insertLens)) as CodeLens;
  // reads raw.orders + raw.customers, writes mart.daily_sales; downstream: mart.daily_sales and what reads it.
  assert.match(resolved.command!.title, /^reads 2 · writes 1 · \d+ downstream$/);
  const downstream = Number(/(\d+) downstream/.exec(resolved.command!.title)![1]);
  assert.ok(downstream >= 3, resolved.command!.title);
  assert.equal(resolved.command!.command, 'daglens.showLineage');
  const args = ShowLineageArgsSchema.parse(resolved.command!.arguments![0]);
  assert.deepEqual(
    args.items.filter((i) => i.group === 'writes').map((i) => [i.label, i.line]),
    [['mart.daily_sales', 13]],
  );
  assert.ok(args.items.some((i) => i.group === 'downstream' && i.label === 'reporting.revenue_report'));
});

test('hover on a table name in SQL and in a PySpark string: producers, consumers, columns', async () => {
  const sqlFile = path.join(ws, 'warehouse/daily_sales.sql');
  const h = (await lsp.conn.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(sqlFile) },
    position: positionOf('warehouse/daily_sales.sql', 'raw.orders o', 5),
  })) as Hover;
  const md = (h.contents as MarkupContent).value;
  assert.match(md, /raw\.orders/);
  assert.match(md, /Produced by\*\* \(1\)/);
  assert.match(md, /CREATE TABLE raw\.orders/);
  assert.match(md, /Columns\*\* \(5\)/);
  const pyFile = path.join(ws, 'jobs/enrich_orders.py');
  const hp = (await lsp.conn.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(pyFile) },
    position: positionOf('jobs/enrich_orders.py', '"mart.orders_enriched"', 3),
  })) as Hover;
  assert.match((hp.contents as MarkupContent).value, /orders_enriched.*written here/);
  const col = (await lsp.conn.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(sqlFile) },
    position: positionOf('warehouse/daily_sales.sql', 'SELECT country, order_date, revenue', 29),
  })) as Hover;
  assert.match((col.contents as MarkupContent).value, /column\*\* `revenue`/);
  // Through the CTEs: revenue = SUM(p.amount), p.amount = o.amount.
  assert.match((col.contents as MarkupContent).value, /raw\.orders\.amount/);
  const inCte = (await lsp.conn.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(sqlFile) },
    position: positionOf('warehouse/daily_sales.sql', 'CAST(o.ordered_at AS DATE) AS order_date', 8),
  })) as Hover;
  assert.match((inCte.contents as MarkupContent).value, /column\*\* `order_date` \(inside the query\)/);
  assert.match((inCte.contents as MarkupContent).value, /raw\.orders\.ordered_at/);
});

test('definition on a table name jumps to the code that writes it (DDL, dbt model, sources YAML)', async () => {
  const sqlFile = path.join(ws, 'airflow/dags/sql/refresh_report.sql');
  const defs = (await lsp.conn.sendRequest(DefinitionRequest.type, {
    textDocument: { uri: uri(sqlFile) },
    position: positionOf('airflow/dags/sql/refresh_report.sql', 'mart.daily_sales', 6),
  })) as Location[];
  const targets = defs.map((d) => `${path.relative(ws, new URL(d.uri).pathname)}:${d.range.start.line + 1}`).sort();
  assert.deepEqual(targets, ['warehouse/daily_sales.sql:14', 'warehouse/daily_sales.sql:32']);
  const model = path.join(ws, 'dbt/models/marts/customer_revenue.sql');
  const toModel = (await lsp.conn.sendRequest(DefinitionRequest.type, {
    textDocument: { uri: uri(model) },
    position: positionOf('dbt/models/marts/customer_revenue.sql', "ref('stg_orders')", 3),
  })) as Location[];
  assert.deepEqual(
    toModel.map((d) => path.relative(ws, new URL(d.uri).pathname)),
    ['dbt/models/staging/stg_orders.sql'],
  );
  const toYaml = (await lsp.conn.sendRequest(DefinitionRequest.type, {
    textDocument: { uri: uri(path.join(ws, 'dbt/models/staging/stg_customers.sql')) },
    position: positionOf('dbt/models/staging/stg_customers.sql', "source('raw'", 3),
  })) as Location[];
  const yamlHit = toYaml.find((d) => d.uri.endsWith('sources.yml'));
  assert.ok(yamlHit, JSON.stringify(toYaml));
  assert.equal(yamlHit.range.start.line, 11); // `- name: customers`
});

test('editing a document updates its lineage; broken SQL is partial, never a crash', async () => {
  const file = path.join(ws, 'warehouse/adhoc.sql');
  await lsp.conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(file), languageId: 'sql', version: 1, text: 'select * from a.one' },
  });
  let res = LineageResultSchema.parse(await lsp.conn.sendRequest(lineageRequest, { uri: uri(file) }));
  assert.deepEqual(
    res.processes.map((p) => p.reads.map((r) => r.asset)),
    [['a.one']],
  );
  await lsp.conn.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uri(file), version: 2 },
    contentChanges: [{ text: 'insert into b.two select from where ((( ; select * from {{ dynamic_thing }}' }],
  });
  res = LineageResultSchema.parse(await lsp.conn.sendRequest(lineageRequest, { uri: uri(file) }));
  assert.deepEqual(
    res.processes[0].writes.map((w) => w.asset),
    ['b.two'],
  );
  assert.ok(res.processes.some((p) => p.partial.length > 0));
  assert.equal(lsp.proc.exitCode, null);
});
