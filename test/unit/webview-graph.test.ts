/** Graph panel data: filtering of big graphs, and the layered layout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphModel } from '@daglens/protocol';
import { assertLaidOutLeftToRight } from '../graphLayout';
import { filterGraph, GRAPH_DRAW_LIMIT, tooLargeMessage } from '../../client/src/webview/graphModel';
import { bestLayout, layoutGraph } from '../../media/src/graph/layout';

function chain(n: number): GraphModel {
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    label: i % 10 === 0 ? `store_sales_${i}` : `step_${i}`,
    kind: 'table',
    status: 'none' as const,
  }));
  const edges = nodes.slice(1).map((x, i) => ({ source: `n${i}`, target: x.id }));
  return { title: 'chain', mode: 'lineage', nodes, edges };
}

test('filtering keeps matches and their neighbours up to the depth, and says what it kept', () => {
  const g = chain(60_000);
  assert.ok(g.nodes.length > GRAPH_DRAW_LIMIT);
  assert.match(tooLargeMessage(g.nodes.length), /60,000 nodes; DagLens draws at most 5,000/);
  const f = filterGraph(g, 'STORE_SALES_12340', 2);
  assert.deepEqual(
    f.nodes.map((n) => n.id),
    ['n12338', 'n12339', 'n12340', 'n12341', 'n12342'],
  );
  assert.equal(f.edges.length, 4);
  assert.deepEqual(f.filter, { text: 'STORE_SALES_12340', shown: 5, total: 60_000 });
  assert.equal(filterGraph(g, 'no such table', 3).nodes.length, 0);
  assert.equal(filterGraph(g, '  ', 1).nodes.length, 60_000);
});

test('the layered layout places every edge left to right, with no box over another', () => {
  const g = chain(40);
  g.edges.push({ source: 'n3', target: 'n30' }, { source: 'n10', target: 'n20' });
  assert.equal(g.edges.length, 41);
  assertLaidOutLeftToRight(g);
});

test('edges to unknown nodes and self-loops are not drawn; a cycle is laid out, its closing edge drawn backwards', () => {
  const g = chain(3);
  g.edges.push({ source: 'n0', target: 'ghost' }, { source: 'n1', target: 'n1' }, { source: 'n2', target: 'n0' });
  const laid = layoutGraph(g);
  assert.deepEqual(laid.edges.map((e) => e.index).sort(), [0, 1, 4]);
  const back = laid.edges.find((e) => e.index === 4)!;
  assert.ok(back.points[0]!.x > back.points[back.points.length - 1]!.x, 'n2 → n0 runs right to left');
});

test('the view picks the direction that shows the graph largest: a long chain flows right in a wide view, down in a tall one', () => {
  const g = chain(12);
  assert.equal(bestLayout(g, { width: 1200, height: 400 }).direction, 'RIGHT');
  assert.equal(bestLayout(g, { width: 300, height: 1200 }).direction, 'DOWN');
});
