/** A DAG mapping result drawn as a graph: status colours, click targets, details. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DagMapResult } from '@daglens/protocol';
import { graphFromDagMapping } from '../../client/src/webview/dagGraph';
import { assertLaidOutLeftToRight } from '../graphLayout';

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
    edges: [['scan_date_dim', 'join'], ['scan_store_sales', 'join'], ['join', 'agg'], ['agg', 'sort']],
  },
  mappings: [
    { nodeId: 'scan_date_dim', status: 'high', best: { file: 'query03.sql', symbol: 'query03', startLine: 5, endLine: 5, confidence: 0.95, explanation: 'FROM date_dim dt' }, alternatives: [] },
    { nodeId: 'join', status: 'low', best: { file: 'query03.sql', symbol: 'query03', startLine: 9, endLine: 9, confidence: 0.6, explanation: 'dt.d_date_sk = store_sales.ss_sold_date_sk' }, alternatives: [] },
    { nodeId: 'agg', status: 'derived', best: null, alternatives: [] },
  ],
  stats: { ms: 3, llmCalls: 0, costUsd: 0 },
  sources: [],
  problems: [],
};

test('a mapped DAG becomes a graph coloured by mapping status, opening code or the plan line', () => {
  const g = graphFromDagMapping(q3, 'q3 plan', 'plans/q3.explain.txt');
  assert.equal(g.mode, 'dag');
  assert.deepEqual(g.nodes.map((n) => [n.id, n.status]), [
    ['scan_date_dim', 'high'], ['scan_store_sales', 'unmapped'], ['join', 'low'], ['agg', 'derived'], ['sort', 'unmapped'],
  ]);
  assert.deepEqual(g.nodes[0]?.location, { file: 'query03.sql', startLine: 5, endLine: 5 });
  assert.deepEqual(g.nodes[1]?.location, { file: 'plans/q3.explain.txt', startLine: 9, endLine: 9 });
  assert.match(g.nodes[2]?.detail ?? '', /confidence 0\.60/);
  assert.equal(g.edges.length, 4);
});

test('the ELK layered layout places every edge left to right', async () => {
  const g = graphFromDagMapping(q3, 'q3', 'q3.txt');
  assert.equal(g.nodes.length, 5);
  assert.equal(g.edges.length, 4);
  await assertLaidOutLeftToRight(g);
});

