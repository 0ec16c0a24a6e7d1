/** Lays a graph out with ELK as the graph view does, and checks the layered left-to-right result. */
import assert from 'node:assert/strict';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphModel } from '@daglens/protocol';
import { fromElk, toElk } from '../media/src/graph/layout';

export async function assertLaidOutLeftToRight(g: GraphModel): Promise<ReturnType<typeof fromElk>> {
  const laid = fromElk(await new ELK().layout(toElk(g)));
  assert.equal(laid.nodes.size, g.nodes.length);
  assert.equal(laid.edges.length, g.edges.length);
  for (const e of laid.edges) {
    const edge = g.edges[e.index]!;
    const a = laid.nodes.get(edge.source)!;
    const b = laid.nodes.get(edge.target)!;
    assert.ok(a.x + a.width <= b.x, `${edge.source} → ${edge.target} goes right`);
    assert.ok(e.points.length >= 2);
  }
  return laid;
}
