/**
 * Mapping beyond SQL files: PySpark DataFrame code (the demo job, the pyspark-example-project corpus),
 * EXPLAIN FORMATTED output and Spark plan JSON, each against real code. The PySpark plans are written in
 * Spark 3.5's EXPLAIN format (no Spark runs offline here; see test/fixtures/dag/SOURCE.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusUnits } from '../../bench/mapEval';
import { ingestDag } from '../../server/src/engine/dag/ingest';
import { mapDag } from '../../server/src/engine/dag/mapping/mapper';
import type { SourceUnit } from '../../server/src/engine/dag/source/anchors';
import { linkUnits } from '../../server/src/engine/dag/source/link';
import { buildUnit } from '../../server/src/engine/dag/source/units';
import { readRunPath } from '../../server/src/engine/runs/read';
import { executionDag } from '../../server/src/engine/runs/runDag';
import type { DagMapResult } from '../../server/src/protocol';
import { FIXTURES, REPO, requireCorpora } from '../helpers';

const unitOf = (root: string, rel: string) =>
  buildUnit(rel, readFileSync(path.join(root, rel), 'utf8'), rel.endsWith('.py') ? 'python' : 'sql')!;
const at = (r: DagMapResult, line: number) => r.mappings[r.dag.nodes.findIndex((n) => n.line === line)];
const where = (r: DagMapResult, line: number) => {
  const m = at(r, line);
  return m.best ? `${m.status} ${m.best.file}:${m.best.startLine}-${m.best.endLine}` : m.status;
};

test('PySpark job: reads, .filter, .join keys, .groupBy, Window, withColumn and orderBy lines', () => {
  const demo = path.join(REPO, 'examples', 'demo');
  const units = [
    'jobs/category_margins.py',
    'models/marts/store_monthly_revenue.sql',
    'models/staging/stg_store_sales.sql',
    'tpcds/queries/query03.sql',
  ].map((f) => unitOf(demo, f));
  const r = mapDag(ingestDag(readFileSync(path.join(FIXTURES, 'dag', 'category_margins.sparkplan'), 'utf8')), units);
  assert.equal(r.sources[0].file, 'jobs/category_margins.py');
  const f = 'jobs/category_margins.py';
  assert.equal(where(r, 3), `high ${f}:32-32`, 'global Sort → .orderBy');
  assert.equal(where(r, 5), `high ${f}:31-31`, 'Filter margin_rank <= 10 → .filter');
  assert.equal(where(r, 6), `high ${f}:30-30`, 'Window → .over(by_category) in withColumn("margin_rank")');
  assert.equal(where(r, 10), `high ${f}:21-21`, 'final HashAggregate → .groupBy');
  assert.equal(where(r, 12), `derived ${f}:21-21`, 'partial aggregate serves the final one');
  assert.equal(where(r, 14), `high ${f}:19-19`, 'join on ss_item_sk = i_item_sk');
  assert.equal(where(r, 16), `high ${f}:14-14`, 'join on ss_sold_date_sk = d_date_sk');
  assert.equal(where(r, 18), `high ${f}:12-12`, 'store_sales read');
  // d_year = 2001 comes in as a parameter: the only d_year predicate, but the literal is not there.
  assert.equal(where(r, 21), `low ${f}:13-13`);
  assert.equal(where(r, 24), `high ${f}:18-18`, 'i_category IN (…) → .filter(….isin(…))');
});

test('pyspark-example-project: a path read maps to the read (not the write of the same path); aliases to the select', () => {
  const root = path.join(requireCorpora(), 'pyspark', 'pyspark-example-project');
  const units = ['jobs/etl_job.py', 'dependencies/spark.py', 'dependencies/logging.py'].map((f) => unitOf(root, f));
  const r = mapDag(ingestDag(readFileSync(path.join(FIXTURES, 'dag', 'etl_job.sparkplan'), 'utf8')), units);
  assert.equal(where(r, 4), 'high jobs/etl_job.py:75-75');
  assert.equal(where(r, 2), 'high jobs/etl_job.py:95-96');
  assert.match(at(r, 2).best!.symbol, /transform_data/);
});

test('EXPLAIN FORMATTED maps like EXPLAIN EXTENDED (the plan-stability q3 against the corpus queries)', () => {
  const units = corpusUnits(path.join(requireCorpora(), 'spark-tpcds', 'spark3'));
  const r = mapDag(ingestDag(readFileSync(path.join(FIXTURES, 'dag', 'q3.formatted.txt'), 'utf8')), units);
  assert.equal(r.sources[0].file, 'query03.sql');
  const byId = (id: string) => r.mappings[r.dag.nodes.findIndex((n) => n.id === id)];
  assert.deepEqual([byId('13').status, byId('13').best?.startLine], ['high', 11], 'Filter i_manufact_id = 128');
  assert.deepEqual([byId('3').best?.startLine], [12], 'Filter d_moy = 11');
  assert.deepEqual([byId('16').best?.startLine], [10], 'join ss_item_sk = i_item_sk');
  assert.deepEqual([byId('20').best?.startLine], [13], 'GROUP BY');
  assert.deepEqual([byId('21').best?.startLine], [16], 'ORDER BY … LIMIT');
  assert.equal(byId('19').status, 'derived');
});

test('Spark plan JSON (SparkPlanInfo tree) maps too, with null lines', () => {
  const units = corpusUnits(path.join(requireCorpora(), 'spark-tpcds', 'spark3'));
  const info = {
    nodeName: 'HashAggregate',
    simpleString: 'HashAggregate(keys=[d_year#14, i_brand#67, i_brand_id#66], functions=[sum(ss_ext_sales_price#51)])',
    metadata: {},
    children: [
      {
        nodeName: 'Filter',
        simpleString: 'Filter ((isnotnull(i_manufact_id#72) AND (i_manufact_id#72 = 128)) AND isnotnull(i_item_sk#59))',
        metadata: {},
        children: [
          {
            nodeName: 'Scan parquet spark_catalog.tpcds.item',
            simpleString:
              'FileScan parquet spark_catalog.tpcds.item[i_item_sk#59,i_brand_id#66,i_brand#67,i_manufact_id#72] Batched: true',
            metadata: {},
            children: [],
          },
        ],
      },
    ],
  };
  const r = mapDag(ingestDag(JSON.stringify({ sparkPlanInfo: info })), units);
  assert.equal(r.sources[0].file, 'query03.sql');
  assert.deepEqual(
    r.dag.nodes.map((n) => n.line),
    [null, null, null],
  );
  assert.deepEqual(
    r.mappings.map((m) => m.best?.startLine),
    [13, 11, 8],
  );
});

test('generated sources and selectExpr: a Range maps to the spark.range(n) that wrote its bounds, a Project to its `… as name` items', async () => {
  const corpus = path.join(requireCorpora(), 'spark-eventlogs');
  const read = await readRunPath(path.join(corpus, 'logs', 'e2e_local_stale.zstd'));
  if (read.kind !== 'run') throw new Error('not a run');
  const units = [unitOf(path.join(corpus, 'code'), 'e2e/generate_events.py')];
  const mapped = (id: number) =>
    mapDag(
      executionDag(
        read.run.executions.find((x) => x.executionId === id)!,
        read.run.metric,
      ).ingest,
      units,
    );
  const placeOf = (r: DagMapResult, op: string) => {
    const m = r.mappings[r.dag.nodes.findIndex((n) => n.operator === op)];
    return m.best ? `${m.status} ${m.best.startLine}` : m.status;
  };
  // SQL 3: spark.range(2000000).selectExpr("id", "rand() as r1", …) — five spark.range calls in the file, one with 2000000.
  const sql3 = mapped(8);
  assert.equal(placeOf(sql3, 'Range'), 'high 114');
  assert.equal(placeOf(sql3, 'Project'), 'high 115', 'rand() as r1, r2, r3 are written on line 115');
  // Job 1: spark.range(1000).selectExpr("id", "id * 2 as doubled") on line 25; Job 2's range(1000) on line 32 has no `doubled`.
  const job1 = mapped(0);
  assert.equal(placeOf(job1, 'Project'), 'high 25');
});

test('PySpark DataFrame API (TPC-H q3, q10 written by us): reads, constants as literals, helper readers, joins, groupBy, orderBy', () => {
  const dir = path.join(FIXTURES, 'dag', 'pyspark-df');
  const mapped = (q: number) =>
    mapDag(ingestDag(readFileSync(path.join(requireCorpora(), 'tpch', 'plans', `q${q}.explain.txt`), 'utf8')), [
      unitOf(dir, `tpch_q${q}.py`),
    ]);
  const byId = (r: DagMapResult, id: string) => {
    const m = r.mappings[r.dag.nodes.findIndex((n) => n.id === id)];
    return m.best ? `${m.status} ${m.best.startLine}` : m.status;
  };
  const q3 = mapped(3);
  // `customer = spark.table("customer")` (11); `customer.filter(F.col("c_mktsegment") == SEGMENT)` with SEGMENT = "BUILDING" (15).
  assert.equal(byId(q3, '1'), 'high 11');
  assert.equal(byId(q3, '3'), 'high 15');
  assert.equal(byId(q3, '7'), 'high 16', 'F.lit(CUTOFF): the constant inside a call');
  assert.equal(byId(q3, '11'), 'high 13', 'spark.read.parquet(".../lineitem")');
  assert.equal(byId(q3, '9'), 'high 20');
  assert.equal(byId(q3, '16'), 'high 21');
  assert.equal(byId(q3, '20'), 'high 24');
  assert.equal(byId(q3, '21'), 'high 27');
  const q10 = mapped(10);
  // `customer = load(spark, "customer")`: a function of the file that reads the table its argument names.
  assert.equal(byId(q10, '1'), 'high 13');
  assert.equal(byId(q10, '13'), 'high 15', 'returned = "R" is a local constant');
  assert.equal(byId(q10, '22'), 'high 21');
  assert.equal(byId(q10, '26'), 'high 22');
});

test('PySpark DataFrame API (TPC-H q5, written by us): tables read through a helper imported from another module', () => {
  const dir = path.join(FIXTURES, 'dag', 'pyspark-df');
  const plan = readFileSync(path.join(requireCorpora(), 'tpch', 'plans', 'q5.explain.txt'), 'utf8');
  const job = unitOf(dir, 'tpch_q5.py');
  const io = unitOf(dir, 'common/io.py');
  const scans = (units: SourceUnit[]) => {
    const r = mapDag(ingestDag(plan), units);
    return r.dag.nodes
      .map((n, i) => ({ n, m: r.mappings[i] }))
      .filter(({ n }) => /^Scan/.test(n.label))
      .map(
        ({ n, m }) => `${n.label.split('.').pop()} ${m.status}${m.best ? ` ${m.best.file}:${m.best.startLine}` : ''}`,
      );
  };
  // `customer = read_table(spark, "customer")` on lines 12–17, with `def read_table(spark, name)` in common/io.py.
  assert.deepEqual(scans(linkUnits([job, io])), [
    'customer high tpch_q5.py:12',
    'orders high tpch_q5.py:13',
    'lineitem high tpch_q5.py:14',
    'supplier high tpch_q5.py:15',
    'nation high tpch_q5.py:16',
    'region high tpch_q5.py:17',
  ]);
  // Unlinked, or with a same-named helper in a module the job does not import, the reads are not known.
  assert.ok(
    scans([job, io]).every((s) => / unmapped$/.test(s)),
    scans([job, io]).join('; '),
  );
  const elsewhere = buildUnit('other/io.py', readFileSync(path.join(dir, 'common/io.py'), 'utf8'), 'python')!;
  assert.ok(scans(linkUnits([job, elsewhere])).every((s) => / unmapped$/.test(s)));
});
