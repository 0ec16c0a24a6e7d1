/** DAG ingestion on real inputs: Spark EXPLAIN EXTENDED (Spark 3.5 and 2), EXPLAIN FORMATTED, JSON forms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ingestDag } from '../../server/src/engine/dag/ingest';
import { mapDag } from '../../server/src/engine/dag/mapping/mapper';
import { sqlUnit } from '../../server/src/engine/dag/source/sqlAnchors';
import { evidenceOf, roleOf, sparkOperatorOf } from '../../server/src/engine/dag/spark/operators';
import { pythonUnit } from '../../server/src/engine/dag/source/pythonAnchors';
import { FIXTURES, requireCorpora } from '../helpers';

const plan = (v: string, q: string) =>
  readFileSync(path.join(requireCorpora(), 'spark-tpcds', v, 'plans', `${q}.explain.txt`), 'utf8');
const fixture = (f: string) => readFileSync(path.join(FIXTURES, 'dag', f), 'utf8');

test('Spark 3.5 EXPLAIN EXTENDED with log lines: physical operators with their plan lines and tree edges', () => {
  const r = ingestDag(plan('spark3', 'query03'));
  assert.equal(r.dag.kind, 'spark-explain');
  assert.deepEqual(r.problems, []);
  // Lines 55–73 of the file are the physical tree; "Time taken" after it is not an operator.
  assert.deepEqual(
    r.dag.nodes.map((n) => n.line),
    Array.from({ length: 19 }, (_, i) => 55 + i),
  );
  const byLine = (l: number) => r.dag.nodes.find((n) => n.line === l)!;
  assert.equal(byLine(55).operator, 'AdaptiveSparkPlan');
  assert.equal(byLine(67).operator, 'FileScan');
  // data flows scan → filter → project → broadcast → join
  assert.ok(r.dag.edges.some(([a, b]) => a === byLine(67).id && b === byLine(66).id));
  assert.ok(r.dag.edges.some(([a, b]) => a === byLine(64).id && b === byLine(63).id));
  assert.equal(r.dag.edges.length, r.dag.nodes.length - 1, 'a tree: every node but the root has one consumer');
  // logical sections add evidence: relation names and aliases the query gave
  assert.ok(r.evidence.tables.includes('date_dim'));
  assert.ok(r.evidence.aliases.includes('sum_agg'));
  const scan = evidenceOf(byLine(73));
  assert.equal(scan.table, 'item');
  const filter = evidenceOf(byLine(72));
  assert.deepEqual(
    filter.atoms.filter((a) => !a.inferred).map((a) => [a.columns, a.literals]),
    [[['i_manufact_id'], ['128']]],
  );
  const join = evidenceOf(byLine(61));
  assert.deepEqual([join.leftKeys, join.rightKeys], [[['ss_item_sk']], [['i_item_sk']]]);
  const agg = evidenceOf(byLine(57));
  assert.deepEqual(agg.keys, ['d_year', 'i_brand', 'i_brand_id']);
});

test('Spark 2 EXPLAIN EXTENDED: *(n) codegen prefixes, && conditions, ReusedExchange, Union and Expand', () => {
  const r = ingestDag(plan('spark2', 'query05'));
  assert.deepEqual(r.problems, []);
  const byLine = (l: number) => r.dag.nodes.find((n) => n.line === l)!;
  assert.equal(byLine(202).operator, 'HashAggregate');
  assert.equal(byLine(202).detail.codegenStage, '21');
  assert.equal(byLine(205).operator, 'Expand');
  assert.equal(byLine(243).operator, 'ReusedExchange');
  const f = evidenceOf(byLine(223));
  assert.deepEqual(
    f.atoms.filter((a) => !a.inferred).map((a) => a.literals.join(',')),
    ['2000-08-23', '2000-09-06'],
  );
  // the Union of three channels has three inputs
  assert.equal(r.dag.edges.filter(([, to]) => to === byLine(206).id).length, 3);
});

test('Spark 3 subqueries printed inside an operator hang under the operator that uses them', () => {
  const r = ingestDag(plan('spark3', 'query09'));
  const sub = r.dag.nodes.find((n) => n.operator === 'Subquery')!;
  assert.equal(sub.section, 'subquery');
  const consumer = r.dag.edges.find(([a]) => a === sub.id)![1];
  assert.equal(r.dag.nodes.find((n) => n.id === consumer)!.operator, 'Project');
  assert.ok(r.dag.nodes.filter((n) => n.section === 'subquery' && n.operator === 'FileScan').length >= 5);
});

test('EXPLAIN FORMATTED: (n) ids, detail blocks, codegen markers and the Subqueries section', () => {
  const r = ingestDag(fixture('q3.formatted.txt'));
  assert.equal(r.dag.kind, 'spark-formatted');
  assert.deepEqual(r.problems, []);
  assert.equal(r.dag.nodes.length, 21);
  const n = (id: string) => r.dag.nodes.find((x) => x.id === id)!;
  assert.equal(n('1').operator, 'Scan');
  assert.equal(n('1').line, 13);
  assert.equal(evidenceOf(n('1')).table, 'date_dim');
  assert.equal(n('3').detail.Condition, '((isnotnull(d_moy#3) AND (d_moy#3 = 11)) AND isnotnull(d_date_sk#1))');
  assert.equal(n('20').detail.codegenStage, '4');
  assert.deepEqual(evidenceOf(n('16')).leftKeys, [['ss_item_sk']]);
  assert.deepEqual(evidenceOf(n('21')).keys, ['d_year', 'sum_agg', 'brand_id']);
  assert.equal(evidenceOf(n('18')).partial, true);

  const s = ingestDag(fixture('q9.formatted.head.txt'));
  const agg = s.dag.nodes.find((x) => x.id === '11')!;
  assert.equal(agg.section, 'subquery');
  assert.ok(
    s.dag.edges.some(([a, b]) => a === '11' && b === '4'),
    'subquery root feeds its hosting operator (4)',
  );
  assert.equal(
    s.dag.nodes.find((x) => x.id === '7')!.detail.Condition,
    '((isnotnull(ss_quantity#17) AND (ss_quantity#17 >= 1)) AND (ss_quantity#17 <= 20))',
  );
});

test('FORMATTED ReusedExchange links to the operator it reuses; AQE final/initial plans are told apart', () => {
  const text = [
    '== Physical Plan ==',
    'AdaptiveSparkPlan (9)',
    '+- == Final Plan ==',
    '   * HashAggregate (5)',
    '   +- ShuffleQueryStage (4)',
    '      +- Exchange (3)',
    '         +- ReusedExchange (2)',
    '+- == Initial Plan ==',
    '   HashAggregate (8)',
    '   +- Exchange (7)',
    '      +- Scan parquet default.t (1)',
    '',
    '(1) Scan parquet default.t',
    'Output [1]: [a#1]',
    '',
    '(2) ReusedExchange [Reuses operator id: 7]',
    'Output [1]: [a#1]',
    '',
  ].join('\n');
  const r = ingestDag(text);
  assert.deepEqual(r.problems, []);
  assert.ok(r.dag.edges.some(([a, b]) => a === '7' && b === '2'));
  assert.equal(r.dag.nodes.find((n) => n.id === '8')!.section, 'initial');
  assert.equal(r.dag.nodes.find((n) => n.id === '5')!.section, 'main');
  assert.equal(
    r.dag.edges.find(([a]) => a === '5')![1],
    '9',
    'the final plan hangs on AdaptiveSparkPlan, not on the marker',
  );
});

test('unfamiliar engines: Gpu/Photon-prefixed operators still parse and classify', () => {
  const r = ingestDag(
    '== Physical Plan ==\nGpuColumnarToRow false\n+- GpuHashAggregate(keys=[k#1], functions=[gpusum(v#2)])\n   +- GpuFilter (k#1 > 5)\n      +- GpuFileGpuScan parquet db.t[k#1,v#2]\n',
  );
  assert.deepEqual(
    r.dag.nodes.map((n) => roleOf(n.operator)),
    ['physical', 'aggregate', 'filter', 'scan'],
  );
  assert.equal(roleOf('PhotonShuffleExchangeSink'), 'physical');
});

test('bad input: clear problems, partial results kept, never a throw', () => {
  const truncated = plan('spark3', 'query03').split('\n').slice(0, 63).join('\n');
  const t = ingestDag(truncated);
  assert.ok(t.dag.nodes.length >= 8, 'the operators before the cut are kept');
  // Cut in the middle of an operator's line, as a paste limit does.
  const midLine = plan('spark3', 'query03').split('\n').slice(0, 67).join('\n').slice(0, -400);
  const m = ingestDag(midLine);
  assert.equal(m.dag.nodes.length, 13);
  assert.deepEqual(
    m.problems.map((p) => [p.line, p.message]),
    [[67, 'the plan ends mid-operator (truncated?); kept what was read']],
  );

  const none = ingestDag('hello\nworld\n');
  assert.equal(none.dag.nodes.length, 0);
  assert.match(none.problems[0].message, /Physical Plan/);

  const badJson = ingestDag('{"nodes": [{"id": "a"}, {"id": "a"}], "edges": [["a", "b"]]}');
  assert.ok(badJson.problems.some((p) => p.field === 'nodes[1].id'));
  assert.ok(badJson.problems.some((p) => p.field === 'edges' && /does not exist/.test(p.message)));

  const broken = ingestDag('{"nodes": [\n{"id": 1,}\n]}', 'dag.json');
  assert.equal(broken.dag.nodes.length, 0);
  assert.match(broken.problems[0].message, /not valid JSON/);

  const wrongShape = ingestDag('{"nodes": [{"label": "x"}]}');
  assert.ok(wrongShape.problems.some((p) => p.field === 'nodes.0.id'));
});

test('Spark plan JSON (SparkPlanInfo) and the generic JSON DAG', () => {
  const info = {
    nodeName: 'HashAggregate',
    simpleString: 'HashAggregate(keys=[k#1], functions=[sum(v#2)])',
    metadata: {},
    children: [
      {
        nodeName: 'Filter',
        simpleString: 'Filter (isnotnull(k#1) AND (k#1 > 5))',
        metadata: {},
        children: [
          {
            nodeName: 'Scan parquet db.events',
            simpleString: 'FileScan parquet db.events[k#1,v#2]',
            metadata: { Format: 'Parquet' },
            children: [],
          },
        ],
      },
    ],
  };
  const r = ingestDag(
    JSON.stringify({ Event: 'org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart', sparkPlanInfo: info }),
  );
  assert.equal(r.dag.kind, 'spark-json');
  assert.deepEqual(
    r.dag.nodes.map((n) => [n.id, n.operator, n.line]),
    [
      ['0', 'HashAggregate', null],
      ['0.0', 'Filter', null],
      ['0.0.0', 'FileScan', null],
    ],
  );
  assert.deepEqual(r.dag.edges, [
    ['0.0.0', '0.0'],
    ['0.0', '0'],
  ]);
  assert.equal(evidenceOf(r.dag.nodes[2]).table, 'events');

  const g = ingestDag(
    JSON.stringify({
      nodes: [
        { id: 'a', label: 'load', type: 'task' },
        { id: 'b', type: 'task' },
      ],
      edges: [['a', 'b']],
    }),
  );
  assert.equal(g.dag.kind, 'generic');
  assert.deepEqual(g.dag.edges, [['a', 'b']]);
});

test('a 10,000-node plan is read and mapped without blowing up; absent code stays unmapped', () => {
  const lines = ['== Physical Plan ==', 'Union'];
  for (let i = 0; i < 2500; i++) {
    const last = i === 2499;
    const p = last ? '   ' : ':  ';
    lines.push(
      `${last ? '+-' : ':-'} Project [a#1]`,
      `${p}+- Filter (isnotnull(a#1) AND (a#1 > ${i % 10}))`,
      `${p}   +- ColumnarToRow`,
      `${p}      +- FileScan parquet db.t${i % 50}[a#1] Batched: true`,
    );
  }
  const r = ingestDag(lines.join('\n'));
  assert.equal(r.dag.nodes.length, 10_001);
  assert.equal(r.dag.edges.length, 10_000);
  const m = mapDag(r, [sqlUnit('q.sql', 'select a from t1 where a > 5 union all select a from t3 where a > 7', 'q')]);
  assert.equal(m.mappings.length, 10_001);
  assert.equal(
    m.mappings.filter((x) => x.status === 'high').length,
    0,
    'a workspace reading 2 of the 50 tables explains nothing with confidence',
  );
});

test('an unknown operator is unmapped with a problem naming it; the operators around it still map', () => {
  const text =
    '== Physical Plan ==\nProject [a#1]\n+- FancyVectorThing [a#1] magic=yes\n   +- Filter (a#1 > 5)\n      +- FileScan parquet db.t[a#1] Batched: true\n';
  const r = mapDag(ingestDag(text), [sqlUnit('q.sql', 'select a\nfrom t\nwhere a > 5\n', 'q')]);
  const at = (line: number) => r.mappings[r.dag.nodes.findIndex((n) => n.line === line)];
  assert.equal(at(3).status, 'unmapped');
  assert.deepEqual(r.problems, [
    { line: 3, message: "unknown operator 'FancyVectorThing': not a Spark operator DagLens can read, left unmapped" },
  ]);
  assert.deepEqual([at(4).status, at(4).best?.startLine], ['high', 3]);
  assert.deepEqual([at(5).status, at(5).best?.startLine], ['high', 2]);
});

test("the Spark UI's adaptive plan (History Server planDescription): final plan with query-stage statistics, shared subtrees, mapped to code", () => {
  const corpora = requireCorpora();
  const { planDescription } = JSON.parse(
    readFileSync(path.join(corpora, 'spark-eventlogs', 'derived', 'e2e_local_stale.sql-6.json'), 'utf8'),
  ) as { planDescription: string };
  const r = ingestDag(planDescription);
  assert.equal(
    r.dag.kind,
    'spark-formatted',
    'query-stage lines carry `, Statistics(…)` after their id and are still FORMATTED',
  );
  assert.deepEqual(r.problems, []);
  const stage = r.dag.nodes.find((n) => n.id === '31')!;
  assert.equal(stage.operator, 'ShuffleQueryStage');
  assert.match(stage.detail.statistics, /^sizeInBytes=21\.9 KiB, rowCount=350$/);
  assert.equal(
    r.dag.nodes.find((n) => n.id === '1')!.operator,
    'InMemoryTableScan',
    '`InMemoryTableScan (1) (columnarIn=…)` keeps its id',
  );
  // (1)–(4) and (11), (12) are printed under both plans: the copy in the initial plan gets its own id and the details.
  const copies = r.dag.nodes.filter((n) => n.id.startsWith('12@'));
  assert.equal(copies.length, 1);
  assert.equal(copies[0].section, 'initial');
  assert.equal(copies[0].detail.Output, r.dag.nodes.find((n) => n.id === '12')!.detail.Output);
  assert.equal(r.dag.nodes.find((n) => n.id === '33')!.section, 'main');
  assert.equal(r.dag.nodes.find((n) => n.id === '50')!.section, 'initial');
  const code = path.join(corpora, 'spark-eventlogs', 'code', 'e2e', 'generate_events.py');
  const unit = pythonUnit('e2e/generate_events.py', readFileSync(code, 'utf8'), 'generate_events');
  const m = mapDag(r, [unit]);
  const at = (id: string) => {
    const i = m.dag.nodes.findIndex((n) => n.id === id);
    return m.mappings[i];
  };
  // The final plan's semantic operators land on SQL 1 (lines 90–102): ORDER BY, OVER, GROUP BY, JOIN … ON.
  for (const [id, line] of [
    ['33', 101],
    ['28', 97],
    ['23', 100],
    ['17', 99],
  ] as const) {
    assert.equal(at(id).status, 'high', id);
    assert.equal(at(id).best!.startLine, line, id);
  }
});

test('accelerated engines: RAPIDS, Photon, Comet and Gluten operators are read as the Spark operators they replace', () => {
  assert.equal(sparkOperatorOf('GpuFilter'), 'Filter');
  assert.equal(sparkOperatorOf('PhotonGroupingAgg'), 'HashAggregate');
  assert.equal(sparkOperatorOf('CometHashAggregate'), 'HashAggregate');
  assert.equal(sparkOperatorOf('FilterExecTransformer'), 'Filter');
  assert.equal(sparkOperatorOf('PhotonTopK'), 'TakeOrderedAndProject');
  assert.equal(sparkOperatorOf('SortMergeJoin'), 'SortMergeJoin', "Spark's own operators are unchanged");
  assert.deepEqual(
    ['GpuCoalesceBatches', 'PhotonShuffleExchangeSink', 'CometColumnarExchange', 'VeloxResizeBatches'].map(roleOf),
    ['physical', 'physical', 'physical', 'physical'],
  );
  assert.deepEqual(['PhotonGroupingAgg', 'CometSortMergeJoin', 'ProjectExecTransformer', 'GpuScan'].map(roleOf), [
    'aggregate',
    'join',
    'project',
    'scan',
  ]);
  // A RAPIDS plan prints a filter's condition as its Arguments; the scan's table is the last folder of its location.
  const gpu = ingestDag(
    [
      '== Physical Plan ==',
      'GpuFilter (2)',
      '+- GpuScan parquet  (1)',
      '',
      '',
      '(1) GpuScan parquet ',
      'Output [1]: [r_reason_sk#160]',
      'Location: InMemoryFileIndex [hdfs://nn:9000/data/nds/reason]',
      '',
      '(2) GpuFilter',
      'Input [1]: [r_reason_sk#160]',
      'Arguments: (gpuisnotnull(r_reason_sk#160) AND (r_reason_sk#160 = 1)), [loreId=118]',
      '',
    ].join('\n'),
  );
  const [filter, scan] = gpu.dag.nodes.map(evidenceOf);
  assert.deepEqual(
    filter.atoms.flatMap((a) => a.literals),
    ['1'],
  );
  assert.equal(scan.table, 'reason');
  assert.equal(mapDag(gpu, []).dag.nodes[0].sparkOperator, 'Filter');
});
