/** A DAG mapping result drawn as a graph: status colours, click targets, details. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DagMapResult } from '@daglens/protocol';
import { scanLineage } from '../../bench/lineageScore';
import { graphFromDagMapping } from '../../client/src/webview/dagGraph';
import { filterGraph } from '../../client/src/webview/graphModel';
import { ingestDag } from '../../server/src/engine/dag/ingest';
import { airflowDag } from '../../server/src/engine/dag/ingest/airflow';
import { assertLaidOutLeftToRight } from '../graphLayout';
import { requireCorpora } from '../helpers';

// The shape of TPC-DS q3's physical plan: two scans joined, aggregated, sorted.
const q3: DagMapResult = {
  dag: {
    kind: 'spark-physical',
    nodes: [
      { id: 'scan_date_dim', operator: 'FileScan', label: 'FileScan parquet date_dim', line: 12 },
      { id: 'scan_store_sales', operator: 'FileScan', label: 'FileScan parquet store_sales', line: 9 },
      { id: 'join', operator: 'BroadcastHashJoin', label: 'BroadcastHashJoin [d_date_sk], [ss_sold_date_sk]', line: 6 },
      { id: 'agg', operator: 'HashAggregate', label: 'HashAggregate(keys=[d_year, i_brand])', line: 3 },
      { id: 'sort', operator: 'TakeOrderedAndProject', label: 'TakeOrderedAndProject(limit=100)', line: 1 },
    ],
    edges: [
      ['scan_date_dim', 'join'],
      ['scan_store_sales', 'join'],
      ['join', 'agg'],
      ['agg', 'sort'],
    ],
  },
  mappings: [
    {
      nodeId: 'scan_date_dim',
      status: 'high',
      best: {
        file: 'query03.sql',
        symbol: 'query03',
        startLine: 5,
        endLine: 5,
        confidence: 0.95,
        explanation: 'FROM date_dim dt',
      },
      alternatives: [],
    },
    {
      nodeId: 'join',
      status: 'low',
      best: {
        file: 'query03.sql',
        symbol: 'query03',
        startLine: 9,
        endLine: 9,
        confidence: 0.6,
        explanation: 'dt.d_date_sk = store_sales.ss_sold_date_sk',
      },
      alternatives: [],
    },
    { nodeId: 'agg', status: 'derived', best: null, alternatives: [] },
  ],
  stats: { ms: 3, llmCalls: 0, costUsd: 0 },
  sources: [],
  problems: [],
};

test('a mapped DAG becomes a graph coloured by mapping status, opening code or the plan line', () => {
  const g = graphFromDagMapping(q3, 'q3 plan', 'plans/q3.explain.txt');
  assert.equal(g.mode, 'dag');
  assert.deepEqual(
    g.nodes.map((n) => [n.id, n.status]),
    [
      ['scan_date_dim', 'high'],
      ['scan_store_sales', 'unmapped'],
      ['join', 'low'],
      ['agg', 'derived'],
      ['sort', 'unmapped'],
    ],
  );
  assert.deepEqual(g.nodes[0]?.location, { file: 'query03.sql', startLine: 5, endLine: 5 });
  assert.deepEqual(g.nodes[1]?.location, { file: 'plans/q3.explain.txt', startLine: 9, endLine: 9 });
  assert.match(g.nodes[2]?.detail ?? '', /confidence 0\.60/);
  assert.equal(g.edges.length, 4);
});

test('the layered layout places every edge left to right', () => {
  const g = graphFromDagMapping(q3, 'q3', 'q3.txt');
  assert.equal(g.nodes.length, 5);
  assert.equal(g.edges.length, 4);
  assertLaidOutLeftToRight(g);
});

test('a real plan: scans are named by their table, so filtering by a table name finds its scan', () => {
  const file = path.join(requireCorpora(), 'spark-tpcds', 'spark3', 'plans', 'query03.explain.txt');
  const { dag } = ingestDag(readFileSync(file, 'utf8'), 'query03.explain.txt');
  const result: DagMapResult = {
    dag,
    mappings: [],
    stats: { ms: 0, llmCalls: 0, costUsd: 0 },
    sources: [],
    problems: [],
  };
  const g = graphFromDagMapping(result, 'q3', file);
  assert.deepEqual(
    g.nodes
      .filter((n) => /Scan/.test(n.label))
      .map((n) => n.label)
      .sort(),
    ['FileScan date_dim', 'FileScan item', 'FileScan store_sales'],
  );
  const scan = g.nodes.find((n) => n.label === 'FileScan store_sales')!;
  assert.match(
    scan.detail ?? '',
    /^FileScan parquet spark_catalog\.tpcds\.store_sales\[/,
    'the tooltip keeps the plan line',
  );
  const found = filterGraph(g, 'store_sales', 1);
  assert.ok(
    found.nodes.some((n) => n.id === scan.id),
    JSON.stringify(found.nodes.map((n) => n.label)),
  );
  assertLaidOutLeftToRight(g);
});

test('an Airflow DAG: tasks named by their id, their operator in the tooltip', async () => {
  const root = path.join(requireCorpora(), 'airflow', 'astronomer-2-9-example-dags');
  const file = path.join(root, 'dags/data-engineering-use-case/prepare_earnings_report.py');
  const lineage = await scanLineage(root);
  const { dag } = airflowDag(lineage.processesIn(file), (abs) => path.relative(root, abs));
  const g = graphFromDagMapping(
    { dag, mappings: [], stats: { ms: 0, llmCalls: 0, costUsd: 0 }, sources: [], problems: [] },
    'earnings',
    file,
  );
  assert.deepEqual(
    g.nodes.map((n) => n.label),
    [
      'set_up_internal_reporting_platform',
      'get_key_metrics',
      'get_total_earnings',
      'send_mails_internal_platform',
      'tear_down_internal_reporting_platform',
    ],
  );
  assert.ok(g.nodes.every((n) => n.kind === 'task'));
  assert.match(g.nodes[2]!.detail ?? '', /^SnowflakeOperator\n/);
  assert.match(g.nodes[1]!.detail ?? '', /^@task\n/);
});
