/** The lineage of the fixture workspace (test/fixtures/lineage): dbt, PySpark, Airflow, SQL together. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanLineage } from '../../bench/lineageScore';
import type { Lineage, Process } from '../../server/src/engine/lineage';
import { FIXTURES } from '../helpers';

let lineage: Lineage;
const ids = (refs: Process['reads']) => refs.map((r) => r.asset.id);
const proc = (file: string, symbol: string) => {
  const p = lineage.processesIn(file).find((x) => x.symbol === symbol);
  assert.ok(
    p,
    `${symbol} in ${file}: ${lineage
      .processesIn(file)
      .map((x) => x.symbol)
      .join(', ')}`,
  );
  return p;
};

before(async () => {
  lineage = await scanLineage(path.join(FIXTURES, 'lineage'));
});

test('dbt: ref/source resolved with the project, alias and folder +schema give the relation', () => {
  const rev = proc('dbt/models/marts/customer_revenue.sql', 'customer_revenue');
  assert.equal(rev.kind, 'dbt_model');
  assert.deepEqual(ids(rev.reads), ['model.shop.stg_orders', 'model.shop.stg_customers']);
  assert.deepEqual(ids(rev.writes), ['model.shop.customer_revenue']);
  assert.equal(lineage.graph().assets.get('model.shop.customer_revenue')?.relation, 'analytics.customer_revenue_v2');
  // The location of a ref is the Jinja block itself.
  assert.equal(rev.reads[0].location.span.start.line, 3);
  const stg = proc('dbt/models/staging/stg_orders.sql', 'stg_orders');
  assert.deepEqual(ids(stg.reads), ['source.shop.raw.orders']);
  assert.equal(lineage.graph().assets.get('source.shop.raw.orders')?.relation, 'raw.orders');
});

test('dbt: seeds (CSV) and snapshots are nodes that refs resolve to', () => {
  const byCountry = proc('dbt/models/marts/customers_by_country.sql', 'customers_by_country');
  assert.deepEqual(ids(byCountry.reads), ['model.shop.stg_customers', 'seed.shop.country_codes']);
  assert.equal(lineage.graph().assets.get('seed.shop.country_codes')?.kind, 'dbt_seed');
  const snap = proc('dbt/snapshots/customers_snapshot.sql', 'customers_snapshot');
  assert.deepEqual(ids(snap.reads), ['source.shop.raw.customers']);
  assert.deepEqual(ids(snap.writes), ['snapshot.shop.customers_snapshot']);
  assert.equal(lineage.graph().assets.get('snapshot.shop.customers_snapshot')?.kind, 'dbt_snapshot');
});

test('dbt: refs inside a macro count for the model that calls it, skipping branches its arguments rule out', () => {
  const feed = proc('dbt/models/marts/order_feed.sql', 'order_feed');
  // orders_for("feed") leaves with_customers=false: stg_customers is not a dependency.
  assert.deepEqual(ids(feed.reads), ['model.shop.stg_orders']);
  assert.deepEqual(feed.partial, []);
});

test('the same table is one node however it is spelt: raw.orders in SQL, Airflow and PySpark is the dbt source', () => {
  const readers = lineage
    .readersOf('raw.orders')
    .map((p) => `${p.file.split('/lineage/')[1]}#${p.symbol}`)
    .sort();
  assert.deepEqual(readers, [
    'airflow/dags/sales_dag.py#sales_pipeline.stage_orders',
    'dbt/models/staging/stg_orders.sql#stg_orders',
    'jobs/enrich_orders.py#enrich',
    'warehouse/daily_sales.sql#DELETE FROM mart.daily_sales',
    'warehouse/daily_sales.sql#INSERT OVERWRITE daily_sales',
    'warehouse/daily_sales.sql#MERGE INTO mart.customer_totals',
  ]);
  assert.deepEqual(
    lineage.writersOf('RAW.ORDERS').map((p) => p.symbol),
    ['CREATE TABLE raw.orders'],
  );
});

test('PySpark: reads, writes, spark.sql f-strings with placeholders, Delta merges through a variable', () => {
  const enrich = proc('jobs/enrich_orders.py', 'enrich');
  assert.deepEqual(ids(enrich.reads), ['source.shop.raw.orders', 'file:s3://lake/fx_rates/', 'mart.orders_enriched']);
  assert.deepEqual(ids(enrich.writes), ['mart.orders_enriched', 'audit.runs_{env}']);
  assert.equal(enrich.writes[1].dynamic, true);
  assert.match(enrich.partial.join(' '), /dynamic name 'audit\.runs_\{env\}'/);
  // The location of a table inside spark.sql("…") is the table name inside the string.
  const inSql = enrich.reads[2].location.span;
  assert.equal(inSql.end.character - inSql.start.character, 'mart.orders_enriched'.length);
  const upsert = proc('jobs/enrich_orders.py', 'upsert_customers');
  assert.deepEqual(ids(upsert.reads), ['file:s3://lake/customers/updates/']);
  assert.deepEqual(ids(upsert.writes), ['source.shop.raw.customers']);
  const exp = proc('jobs/enrich_orders.py', 'export');
  assert.deepEqual(ids(exp.writes), ['file:s3://exports/{table_name}']);
  assert.equal(exp.partial.length, 2);
});

test('Airflow: SQL from module constants inside a @dag function, BigQuery job configuration', () => {
  const rollup = proc('airflow/dags/bq_dag.py', 'bq_rollups.rollup');
  assert.deepEqual(ids(rollup.reads), ['mart.daily_sales']);
  assert.deepEqual(ids(rollup.writes), ['analytics.daily_rollup']);
  // The location is in the constant's text, where the table is named.
  assert.equal(rollup.writes[0].location.span.start.line, 6);
  const check = proc('airflow/dags/bq_dag.py', 'bq_rollups.check');
  assert.deepEqual(check.upstream, [rollup.id]);
});

test('PySpark data flow: DataFrame variables decide which reads reach which write (impact follows them)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-lineage-flow-'));
  try {
    writeFileSync(
      path.join(dir, 'job.py'),
      [
        'def split(spark):',
        '    a = spark.table("src.a")',
        '    b = spark.read.parquet("s3://in/b")',
        '    a.filter("x > 1").write.saveAsTable("out.a")',
        '    joined = b.join(spark.table("src.c"), "k")',
        '    if joined.count() > 0:',
        '        joined = joined.union(a)',
        '    joined.write.mode("append").parquet("s3://out/b")',
        '    spark.sql("INSERT INTO out.audit SELECT count(*) FROM src.d")',
        '',
        'def export(conn, cur):',
        '    import pandas as pd',
        '    df = pd.read_sql("SELECT * FROM src.e WHERE ok", conn)',
        '    df.to_sql("out.e", conn)',
        '    cur.execute("DELETE FROM out.stale")',
        '    cur.execute(build_query())',
        '',
      ].join('\n'),
    );
    const l = await scanLineage(dir);
    const down = (x: string) =>
      l
        .impact(x)
        .hits.map((h) => h.asset)
        .sort();
    assert.deepEqual(down('src.a'), ['file:s3://out/b', 'out.a']); // via the union in the branch
    assert.deepEqual(down('src.c'), ['file:s3://out/b']);
    assert.deepEqual(down('src.d'), ['out.audit']);
    assert.deepEqual(
      l.impact('out.a', 'upstream').hits.map((h) => h.asset),
      ['src.a'],
    );
    // The process itself still lists every read and write (lenses, JSON).
    assert.equal(l.processesIn('job.py')[0].reads.length, 4);
    // pandas and DB-API calls given literal SQL.
    const exp = l.processesIn('job.py')[1];
    assert.deepEqual(
      exp.reads.map((r) => r.asset.id),
      ['src.e'],
    );
    assert.deepEqual(
      exp.writes.map((r) => r.asset.id),
      ['out.e', 'out.stale'],
    );
    assert.deepEqual(down('src.e'), ['out.e']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Scala Spark: reader/writer chains, spark.sql strings (interpolated ones dynamic), Delta merges', () => {
  const run = proc('jobs/DailyRollup.scala', 'DailyRollup.run');
  assert.equal(run.kind, 'spark_scala');
  assert.deepEqual(ids(run.reads), ['mart.daily_sales', 'file:s3://lake/fx_rates/', 'mart.country_rollup']);
  assert.deepEqual(ids(run.writes), [
    'mart.country_rollup',
    'mart.country_rollup_history',
    'mart.country_rollup_history',
  ]);
  assert.equal(run.writes[0].location.span.start.line, 10);
  const upsert = proc('jobs/DailyRollup.scala', 'DailyRollup.upsert');
  assert.deepEqual(ids(upsert.reads), ['staging.orders']);
  assert.deepEqual(ids(upsert.writes), ['mart.customer_totals']);
});

test('Airflow: tasks, dependencies (>>, set_downstream, chain), inline SQL and .sql files, Dataset outlets', () => {
  const stage = proc('airflow/dags/sales_dag.py', 'sales_pipeline.stage_orders');
  assert.equal(stage.kind, 'airflow_task');
  assert.deepEqual(ids(stage.reads), ['source.shop.raw.orders']);
  assert.deepEqual(ids(stage.writes), ['staging.orders']);
  const report = proc('airflow/dags/sales_dag.py', 'sales_pipeline.refresh_report');
  assert.deepEqual(ids(report.reads), ['mart.daily_sales']);
  assert.deepEqual(ids(report.writes).sort(), [
    'dataset:warehouse://reporting/revenue_report',
    'reporting.revenue_report',
  ]);
  assert.ok(report.reads[0].location.file.endsWith('airflow/dags/sql/refresh_report.sql'));
  const name = (id: string) => lineage.graph().processes.get(id)!.symbol;
  assert.deepEqual(report.upstream?.map(name), ['sales_pipeline.stage_orders']);
  assert.deepEqual(proc('airflow/dags/sales_dag.py', 'sales_pipeline.notify').upstream?.map(name), [
    'sales_pipeline.refresh_report',
  ]);
  assert.deepEqual(proc('airflow/dags/sales_dag.py', 'sales_pipeline.cleanup').upstream?.map(name).sort(), [
    'sales_pipeline.refresh_report',
    'sales_pipeline.stage_orders',
  ]);
});

test('impact: downstream and upstream closures with paths, from an asset, a process, a column', () => {
  const down = lineage.impact('raw.orders');
  assert.equal(down.kind, 'asset');
  const byAsset = new Map(down.hits.map((h) => [h.asset, h]));
  // enrich(): raw.orders → mart.orders_enriched, and only that table feeds the audit insert.
  assert.deepEqual(
    byAsset.get('audit.runs_{env}')?.path.map((s) => s.to),
    ['mart.orders_enriched', 'audit.runs_{env}'],
  );
  assert.equal(byAsset.get('model.shop.customer_revenue')?.distance, 2);
  assert.deepEqual(
    byAsset.get('model.shop.customer_revenue')?.path.map((s) => s.to),
    ['model.shop.stg_orders', 'model.shop.customer_revenue'],
  );
  assert.equal(byAsset.get('reporting.revenue_report')?.distance, 2);
  const up = lineage.impact('reporting.revenue_report', 'upstream');
  // raw.customers is itself written by the Delta merge of upsert_customers, from the updates files.
  assert.deepEqual(up.hits.map((h) => h.asset).sort(), [
    'file:s3://lake/customers/updates/',
    'mart.daily_sales',
    'source.shop.raw.customers',
    'source.shop.raw.orders',
  ]);
  const fromProcess = lineage.impact(proc('warehouse/daily_sales.sql', 'INSERT OVERWRITE daily_sales').id);
  assert.equal(fromProcess.kind, 'process');
  assert.ok(fromProcess.hits.some((h) => h.asset === 'mart.top_countries'));
  const col = lineage.impact('raw.orders.amount');
  assert.equal(col.kind, 'column');
  const cols = col.columnHits!.map((h) => `${h.asset}.${h.column}`);
  assert.ok(cols.includes('mart.daily_sales.revenue'), cols.join(', '));
  assert.ok(cols.includes('mart.top_countries.revenue'), cols.join(', '));
  assert.ok(cols.includes('model.shop.stg_orders.order_amount'), cols.join(', '));
  // …and on through `select * from {{ ref('stg_orders') }}` in the next model.
  assert.ok(cols.includes('model.shop.customer_revenue.revenue'), cols.join(', '));
  assert.equal(lineage.impact('no_such_table').kind, 'unknown');
});

test('dbt: target/manifest.json, when present, is preferred for names and relations', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-lineage-manifest-'));
  try {
    writeFileSync(path.join(dir, 'dbt_project.yml'), 'name: acme\nmodel-paths: ["models"]\n');
    mkdirSync(path.join(dir, 'models'));
    mkdirSync(path.join(dir, 'target'));
    writeFileSync(path.join(dir, 'models', 'orders.sql'), "select * from {{ source('shop', 'orders') }}");
    writeFileSync(path.join(dir, 'models', 'revenue.sql'), "select sum(amount) from {{ ref('orders') }}");
    writeFileSync(
      path.join(dir, 'target', 'manifest.json'),
      JSON.stringify({
        nodes: {
          'model.acme.orders': {
            resource_type: 'model',
            name: 'orders',
            schema: 'prod_core',
            alias: 'orders_v3',
            original_file_path: 'models/orders.sql',
          },
          'model.acme.revenue': {
            resource_type: 'model',
            name: 'revenue',
            schema: 'prod_marts',
            original_file_path: 'models/revenue.sql',
          },
        },
        sources: {
          'source.acme.shop.orders': {
            source_name: 'shop',
            name: 'orders',
            database: 'RAW',
            schema: 'SHOP',
            identifier: 'ORDERS_TBL',
            original_file_path: 'models/sources.yml',
          },
        },
      }),
    );
    const l = await scanLineage(dir);
    assert.equal(l.graph().assets.get('model.acme.orders')?.relation, 'prod_core.orders_v3');
    assert.equal(l.graph().assets.get('source.acme.shop.orders')?.relation, 'raw.shop.orders_tbl');
    assert.deepEqual(
      l.processesIn('models/revenue.sql')[0].reads.map((r) => r.asset.id),
      ['model.acme.orders'],
    );
    // Code elsewhere that names the relation itself is the same node.
    assert.equal(l.resolve('PROD_CORE.ORDERS_V3')?.id, 'model.acme.orders');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Airflow: << and lists of tasks on either side', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-lineage-af-'));
  try {
    writeFileSync(
      path.join(dir, 'dag.py'),
      [
        'from airflow import DAG',
        'from airflow.operators.empty import EmptyOperator',
        'with DAG("fan") as dag:',
        '    a = EmptyOperator(task_id="a")',
        '    b = EmptyOperator(task_id="b")',
        '    c = EmptyOperator(task_id="c")',
        '    d = EmptyOperator(task_id="d")',
        '    d << [b, c]',
        '    a >> [b, c]',
        '',
      ].join('\n'),
    );
    const l = await scanLineage(dir);
    const up = (t: string) =>
      (l.processesIn('dag.py').find((p) => p.symbol === `fan.${t}`)!.upstream ?? [])
        .map((id) => l.graph().processes.get(id)!.symbol)
        .sort();
    assert.deepEqual(up('d'), ['fan.b', 'fan.c']);
    assert.deepEqual(up('b'), ['fan.a']);
    assert.deepEqual(up('a'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settings: a new default schema re-reads every file, so its tables lose the schema prefix', async () => {
  const l = await scanLineage(path.join(FIXTURES, 'lineage'));
  assert.ok(l.graph().assets.has('mart.daily_sales'));
  l.setNames({ defaultSchema: 'mart' });
  assert.ok(!l.graph().assets.has('mart.daily_sales'));
  assert.deepEqual(
    l
      .writersOf('daily_sales')
      .map((p) => p.symbol)
      .sort(),
    ['DELETE FROM mart.daily_sales', 'INSERT OVERWRITE daily_sales'],
  );
  assert.ok(l.graph().assets.has('orders_enriched')); // PySpark's "mart.orders_enriched" too
});

test('cycles, unresolvable Jinja and unparseable files: no crash, partial with the reason', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-lineage-bad-'));
  try {
    writeFileSync(path.join(dir, 'dbt_project.yml'), 'name: p\nmodel-paths: ["models"]\n');
    const models = path.join(dir, 'models');
    mkdirSync(models);
    writeFileSync(path.join(models, 'a.sql'), "select * from {{ ref('b') }}");
    writeFileSync(path.join(models, 'b.sql'), "select * from {{ ref('a') }}");
    writeFileSync(path.join(models, 'c.sql'), 'select * from {{ var("schema") }}.events join {{ ref(\n');
    writeFileSync(path.join(dir, 'open.sql'), 'insert into t select * from s {{ oops join u');
    writeFileSync(path.join(dir, 'loop.sql'), 'insert into x select * from y; insert into y select * from x;');
    writeFileSync(path.join(dir, 'junk.sql'), ')))) select from from join ;; merge update (((');
    writeFileSync(
      path.join(dir, 'job.py'),
      'def f(spark, t):\n    spark.sql("select * from " + t).write.saveAsTable(t)\n',
    );
    const l = await scanLineage(dir);
    const a = l.impact('a');
    assert.deepEqual(
      a.hits.map((h) => h.asset),
      ['model.p.b'],
    );
    const x = l.impact('x');
    assert.deepEqual(
      x.hits.map((h) => h.asset),
      ['y'],
    );
    const c = l.processesIn('models/c.sql')[0];
    assert.ok(c.partial.length > 0, 'c.sql should be partial');
    assert.ok(l.processesIn('junk.sql').length > 0);
    const open = l.processesIn('open.sql')[0];
    assert.deepEqual(
      open.reads.map((r) => r.asset.id),
      ['s'],
    );
    assert.match(open.partial.join(' '), /never closed/);
    const job = l.processesIn('job.py')[0];
    assert.match(job.partial.join(' '), /run time|dynamic/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
