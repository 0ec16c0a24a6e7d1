/** Graph panel data: filtering of big graphs, and the ELK layered layout round trip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphModel } from '@daglens/protocol';
import { assertLaidOutLeftToRight } from '../graphLayout';
import { filterGraph, GRAPH_DRAW_LIMIT, tooLargeMessage } from '../../client/src/webview/graphModel';
import { layoutOptions, LARGE_GRAPH, toElk } from '../../media/src/graph/layout';

function chain(n: number): GraphModel {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, label: i % 10 === 0 ? `store_sales_${i}` : `step_${i}`, kind: 'table', status: 'none' as const }));
  const edges = nodes.slice(1).map((x, i) => ({ source: `n${i}`, target: x.id }));
  return { title: 'chain', mode: 'lineage', nodes, edges };
}

test('filtering keeps matches and their neighbours up to the depth, and says what it kept', () => {
  const g = chain(60_000);
  assert.ok(g.nodes.length > GRAPH_DRAW_LIMIT);
  assert.match(tooLargeMessage(g.nodes.length), /60,000 nodes; DagLens draws at most 5,000/);
  const f = filterGraph(g, 'STORE_SALES_12340', 2);
  assert.deepEqual(f.nodes.map((n) => n.id), ['n12338', 'n12339', 'n12340', 'n12341', 'n12342']);
  assert.equal(f.edges.length, 4);
  assert.deepEqual(f.filter, { text: 'STORE_SALES_12340', shown: 5, total: 60_000 });
  assert.equal(filterGraph(g, 'no such table', 3).nodes.length, 0);
  assert.equal(filterGraph(g, '  ', 1).nodes.length, 60_000);
});

test('the ELK layered layout places every edge left to right', async () => {
  const g = chain(40);
  g.edges.push({ source: 'n3', target: 'n30' }, { source: 'n10', target: 'n20' });
  assert.equal(g.edges.length, 41);
  await assertLaidOutLeftToRight(g);
});

test('edges to unknown nodes and self-loops are dropped before layout; big graphs get the fast options', () => {
  const g = chain(3);
  g.edges.push({ source: 'n0', target: 'ghost' }, { source: 'n1', target: 'n1' });
  assert.equal(toElk(g).edges?.length, 2);
  assert.equal(layoutOptions(LARGE_GRAPH + 1)['elk.layered.layering.strategy'], 'LONGEST_PATH');
  assert.equal(layoutOptions(10)['elk.layered.layering.strategy'], undefined);
});
