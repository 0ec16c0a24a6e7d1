/** `daglens lineage` and `daglens impact` as a user runs them (the CLI entry point, a child process). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ImpactResultSchema, LineageResultSchema } from '../../server/src/protocol';
import { FIXTURES, REPO } from '../helpers';

const WS = path.join(FIXTURES, 'lineage');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'server/src/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('lineage --json prints the contract: files relative to DIR, 1-based lines', () => {
  const r = cli('lineage', '--workspace', WS, '--json');
  assert.equal(r.code, 0, r.err);
  const out = LineageResultSchema.parse(JSON.parse(r.out));
  const merge = out.processes.find((p) => p.symbol === 'MERGE INTO mart.customer_totals')!;
  assert.deepEqual(
    { file: merge.file, startLine: merge.startLine, endLine: merge.endLine },
    { file: 'warehouse/daily_sales.sql', startLine: 18, endLine: 22 },
  );
  assert.deepEqual(merge.reads, [{ asset: 'source.shop.raw.orders', line: 19 }]);
  assert.deepEqual(merge.writes, [{ asset: 'mart.customer_totals', line: 18 }]);
  const report = out.processes.find((p) => p.symbol === 'sales_pipeline.refresh_report')!;
  assert.deepEqual(report.reads, [{ asset: 'mart.daily_sales', line: 2, file: 'airflow/dags/sql/refresh_report.sql' }]);
  const daily = out.assets.find((a) => a.id === 'mart.daily_sales')!;
  assert.equal(daily.writers.length, 2);
  assert.ok(out.columns.length > 10);
});

test('lineage --file limits the output to one file; the text form lists reads and writes', () => {
  const r = cli('lineage', '-w', WS, '--file', 'jobs/enrich_orders.py');
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /^jobs\/enrich_orders\.py\n {2}enrich {2}6-11 {2}\(partial\)\n {4}reads {2}source\.shop\.raw\.orders {2}line 7\n/,
  );
  assert.doesNotMatch(r.out, /warehouse/);
});

test('impact ASSET --json: downstream closure with the path to each asset; --upstream', () => {
  const r = cli('impact', 'mart.daily_sales', '--workspace', WS, '--json');
  assert.equal(r.code, 0, r.err);
  const out = ImpactResultSchema.parse(JSON.parse(r.out));
  assert.equal(out.start, 'mart.daily_sales');
  assert.deepEqual(out.hits.map((h) => h.asset).sort(), [
    'analytics.daily_rollup',
    'dataset:warehouse://reporting/revenue_report',
    'mart.country_rollup',
    'mart.country_rollup_history',
    'mart.top_countries',
    'reporting.revenue_report',
  ]);
  const up = ImpactResultSchema.parse(
    JSON.parse(cli('impact', 'mart.daily_sales', '-w', WS, '--upstream', '--json').out),
  );
  assert.ok(up.hits.some((h) => h.asset === 'source.shop.raw.orders' && h.path.length === 1));
  const text = cli('impact', 'stg_orders', '-w', WS);
  assert.match(text.out, /downstream of model\.shop\.stg_orders \(asset\)/);
  assert.match(text.out, /model\.shop\.customer_revenue {2}\(1\)/);
});

test('--default-schema makes unqualified and schema-qualified spellings one table', () => {
  const r = cli('impact', 'daily_sales', '-w', WS, '--default-schema', 'mart', '--json');
  assert.equal(r.code, 0, r.err);
  const out = ImpactResultSchema.parse(JSON.parse(r.out));
  assert.equal(out.start, 'daily_sales');
  assert.ok(out.hits.some((h) => h.asset === 'top_countries'));
});

test('user mistakes: one line on stderr, exit code 2', () => {
  const unknown = cli('impact', 'nope.nothing', '-w', WS);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.err.trim().split('\n').length, 1);
  assert.match(unknown.err, /no table, column or process 'nope\.nothing'/);
  const missing = cli('impact', '-w', WS);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /needs an ASSET/);
  const badDir = cli('lineage', '-w', path.join(WS, 'does-not-exist'));
  assert.equal(badDir.code, 2);
});
