/** Lays a graph out as the graph view does, and checks the layered left-to-right result. */
import assert from 'node:assert/strict';
import type { GraphModel } from '@daglens/protocol';
import { layoutGraph, type Positioned } from '../media/src/graph/layout';

export function assertLaidOutLeftToRight(g: GraphModel): Positioned {
  const laid = layoutGraph(g);
  assert.equal(laid.nodes.size, g.nodes.length);
  assert.equal(laid.edges.length, g.edges.length);
  for (const e of laid.edges) {
    const edge = g.edges[e.index]!;
    const a = laid.nodes.get(edge.source)!;
    const b = laid.nodes.get(edge.target)!;
    assert.ok(a.x + a.width <= b.x, `${edge.source} → ${edge.target} goes right`);
    assert.ok(e.points.length >= 2);
    // The line leaves the source's right side and enters the target's left side.
    assertNear(e.points[0]!, { x: a.x + a.width, y: a.y + a.height / 2 });
    assertNear(e.points[e.points.length - 1]!, { x: b.x, y: b.y + b.height / 2 });
  }
  assertNoOverlap(laid);
  return laid;
}

function assertNear(p: { x: number; y: number }, q: { x: number; y: number }): void {
  assert.ok(Math.abs(p.x - q.x) < 1e-6 && Math.abs(p.y - q.y) < 1e-6, `${JSON.stringify(p)} ≈ ${JSON.stringify(q)}`);
}

/** No two boxes share any area. */
export function assertNoOverlap(laid: Positioned): void {
  const boxes = [...laid.nodes].sort((a, b) => a[1].x - b[1].x);
  for (let i = 0; i < boxes.length; i++) {
    const [ida, a] = boxes[i]!;
    for (let j = i + 1; j < boxes.length && boxes[j]![1].x < a.x + a.width; j++) {
      const [idb, b] = boxes[j]!;
      const apart = a.y + a.height <= b.y || b.y + b.height <= a.y || a.x + a.width <= b.x;
      assert.ok(apart, `${ida} and ${idb} overlap`);
    }
  }
}
