/** Quality floors on real data (../shared/corpora); `npm run eval:lineage` prints the full figures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { dbtEdges, ourTables, planTables, score, scanLineage, tpcdsCases } from '../../bench/lineageScore';
import { requireCorpora } from '../helpers';

test('TPC-DS: tables read equal the physical plan scans (precision and recall ≥ 0.99, both Spark versions)', () => {
  const cases = tpcdsCases(requireCorpora());
  assert.ok(cases.length >= 90, `expected the spark3 + spark2 queries, found ${cases.length}`);
  for (const version of ['spark3', 'spark2']) {
    const s = score(cases.filter((c) => c.version === version).map((c) => ({ got: ourTables(c), truth: c.truth })));
    assert.ok(s.tp > 200, `${version}: too few tables scored (${s.tp})`);
    assert.ok(s.precision >= 0.99, `${version} precision ${s.precision} (fp ${s.fp})`);
    assert.ok(s.recall >= 0.99, `${version} recall ${s.recall} (fn ${s.fn})`);
  }
});

test('plan scans are read from the physical plan section only', () => {
  const plan =
    '== Optimized Logical Plan ==\nRelation spark_catalog.tpcds.ignored[a#1] parquet\n== Physical Plan ==\n+- FileScan parquet spark_catalog.tpcds.item[i_item_sk#1] Batched\n+- LocalTableScan <empty>, [x#1]\n';
  assert.deepEqual([...planTables(plan)], ['item']);
});

test('dbt_analytics: model edges equal the committed manifest graph (precision and recall ≥ 0.99)', async () => {
  const r = await dbtEdges(path.join(requireCorpora(), 'dbt', 'dbt_analytics'));
  assert.ok(r, 'dbt-graph.json missing');
  const s = score([r]);
  assert.ok(r.truth.size >= 40);
  assert.ok(
    s.precision >= 0.99,
    `precision ${s.precision}: extra ${[...r.got].filter((e) => !r.truth.has(e)).join(', ')}`,
  );
  assert.ok(s.recall >= 0.99, `recall ${s.recall}: missing ${[...r.truth].filter((e) => !r.got.has(e)).join(', ')}`);
});

test('jaffle-shop: every model resolves its refs and sources to declared nodes', async () => {
  const lineage = await scanLineage(path.join(requireCorpora(), 'dbt', 'jaffle-shop'));
  const models = [...lineage.graph().processes.values()].filter((p) => p.kind === 'dbt_model');
  assert.ok(models.length >= 10);
  const orders = models.find((p) => p.symbol === 'orders')!;
  assert.deepEqual(orders.reads.map((r) => r.asset.id).sort(), [
    'model.jaffle_shop.order_items',
    'model.jaffle_shop.stg_orders',
  ]);
  const stgOrders = models.find((p) => p.symbol === 'stg_orders')!;
  assert.deepEqual(
    stgOrders.reads.map((r) => r.asset.id),
    ['source.jaffle_shop.ecom.raw_orders'],
  );
  for (const m of models) for (const r of m.reads) assert.ok(lineage.graph().assets.has(r.asset.id));
  // Column lineage through `select * from {{ ref(…) }}` CTEs: the staging model's computed columns expand the star.
  const orderId = lineage
    .graph()
    .processes.get(orders.id)!
    .columns.find((c) => c.name === 'order_id');
  assert.deepEqual(orderId?.sources, [{ asset: 'model.jaffle_shop.stg_orders', column: 'order_id' }]);
  // Downstream of a raw source reaches the marts through staging.
  const hits = lineage.impact('ecom.raw_orders').hits.map((h) => h.asset);
  assert.ok(
    hits.includes('model.jaffle_shop.stg_orders') &&
      hits.includes('model.jaffle_shop.orders') &&
      hits.includes('model.jaffle_shop.customers'),
    hits.join(', '),
  );
});

test('pyspark-example-project and Airflow example DAGs: real reads, writes, tasks and dependencies', async () => {
  const corpora = requireCorpora();
  const spark = await scanLineage(path.join(corpora, 'pyspark', 'pyspark-example-project'));
  const etl = spark.processesIn('jobs/etl_job.py');
  const byName = new Map(etl.map((p) => [p.symbol, p]));
  assert.deepEqual(
    byName.get('extract_data')?.reads.map((r) => r.asset.id),
    ['file:tests/test_data/employees'],
  );
  assert.deepEqual(
    byName.get('load_data')?.writes.map((r) => r.asset.id),
    ['file:loaded_data'],
  );

  const air = await scanLineage(path.join(corpora, 'airflow', 'astronomer-2-9-example-dags'));
  const report = air.processesIn('dags/data-engineering-use-case/prepare_earnings_report.py');
  const total = report.find((p) => p.symbol === 'prepare_earnings_report.get_total_earnings')!;
  assert.deepEqual(
    total.reads.map((r) => r.asset.id),
    ['sales_reports_table'],
  );
  assert.equal(total.kind, 'airflow_task');
  // chain(set_up, get_key_metrics(), get_total_earnings, send_mails(), tear_down)
  const up = (sym: string) => report.find((p) => p.symbol === `prepare_earnings_report.${sym}`)!.upstream ?? [];
  assert.deepEqual(
    up('get_total_earnings').map((id) => id.replace(/^.*#/, '').replace(/@\d+$/, '')),
    ['prepare_earnings_report.get_key_metrics'],
  );
  assert.deepEqual(
    up('send_mails_internal_platform').map((id) => id.replace(/^.*#/, '').replace(/@\d+$/, '')),
    ['prepare_earnings_report.get_total_earnings'],
  );

  const sym = (id: string) => air.graph().processes.get(id)!.symbol;
  const rainbow = air.processesIn('dags/toys/complex_dag_structure_rainbow.py');
  const task = (name: string) => rainbow.find((p) => p.symbol === `complex_dag_structure_rainbow.${name}`)!;
  // schedule=[Dataset(…), Dataset(…)]: the DAG's first task reads both; Op.partial(task_id=…).expand(…) is a task.
  assert.deepEqual(
    task('start').reads.map((r) => r.asset.id),
    ['dataset:s3://in_sales_data', 'dataset:az://in_internal_api'],
  );
  assert.deepEqual(task('sales_data_extract').upstream?.map(sym), ['complex_dag_structure_rainbow.start']);
  assert.deepEqual(
    task('train_model').writes.map((r) => r.asset.id),
    ['dataset:model_trained'],
  );
  // TaskFlow data dependencies through a task group: get_toy_sentiment.expand(feedback=gather_feedback.output).
  const feedback = air.processesIn('dags/data-engineering-use-case/analyze_customer_feedback.py');
  const process = feedback.find((p) => p.symbol === 'analyze_toy_feedback.process_feedback')!;
  assert.deepEqual(process.upstream?.map(sym), ['analyze_toy_feedback.gather_feedback']);
  const anyOf = air.processesIn('dags/toys/toy_conditional_dataset_scheduling/downstream1_on_any.py')[0];
  assert.deepEqual(
    anyOf.reads.map((r) => r.asset.id),
    ['dataset:dataset1', 'dataset:dataset2', 'dataset:dataset3', 'dataset:dataset4'],
  );
});
