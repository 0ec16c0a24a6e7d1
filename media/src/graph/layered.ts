/**
 * A layered (Sugiyama) layout for the graph view, small enough to run on the page itself: a 30-node plan is
 * placed in a few milliseconds and a 5,000-node one well under a second (bench/graph-layout.bench.ts), where
 * ELK in a worker took seconds before the first node showed. Pure (no DOM): the page, the benchmark and the
 * tests run the same code.
 *
 *   1. cycles broken by reversing the edges a depth-first search finds going back (lineage can loop);
 *   2. layers: each node as far right as its consumers allow (sinks stay at their longest-path layer), so a
 *      plan's scans sit next to the join that reads them instead of all in the first column;
 *   3. edges that span layers get a bend point per layer crossed (dummy nodes);
 *   4. order within layers: barycentre sweeps, the order with the fewest crossings kept;
 *   5. positions within layers: each node pulled to its neighbours' mean, overlaps resolved by isotonic
 *      regression (the closest positions that keep order and spacing), a few sweeps each way.
 */

export type Direction = 'RIGHT' | 'DOWN';

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}
export interface LayoutEdge {
  source: string;
  target: string;
}

export interface Positioned {
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  /** Edge index (into the input edges) → polyline points. */
  edges: Array<{ index: number; points: Array<{ x: number; y: number }> }>;
  width: number;
  height: number;
}

export interface LayoutSpacing {
  /** Between neighbours of one layer. */
  node: number;
  /** Between layers. */
  layer: number;
}

const DEFAULT_SPACING: LayoutSpacing = { node: 14, layer: 50 };

interface V {
  /** Size along the flow (width for RIGHT) and across it. */
  depth: number;
  breadth: number;
  layer: number;
  order: number;
  /** Centre across the flow. */
  pos: number;
  preds: number[];
  succs: number[];
  dummy: boolean;
}

export function layeredLayout(
  nodes: LayoutNode[],
  edges: LayoutEdge[],
  direction: Direction = 'RIGHT',
  spacing: LayoutSpacing = DEFAULT_SPACING,
): Positioned {
  const across = (n: LayoutNode) => (direction === 'RIGHT' ? n.height : n.width);
  const along = (n: LayoutNode) => (direction === 'RIGHT' ? n.width : n.height);
  const index = new Map<string, number>();
  const vs: V[] = nodes.map((n, i) => {
    index.set(n.id, i);
    return { depth: along(n), breadth: across(n), layer: 0, order: 0, pos: 0, preds: [], succs: [], dummy: false };
  });
  const n = vs.length;

  // Valid edges once each (a duplicate is drawn along the first one's route).
  const routes = new Map<string, number>();
  const kept: Array<{ index: number; s: number; t: number; route: number }> = [];
  const simple: Array<[number, number]> = [];
  edges.forEach((e, i) => {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) return;
    const key = `${s}>${t}`;
    let route = routes.get(key);
    if (route === undefined) routes.set(key, (route = simple.push([s, t]) - 1));
    kept.push({ index: i, s, t, route });
  });

  const reversed = breakCycles(n, simple);
  const acyclic = simple.map(([s, t], i): [number, number] => (reversed.has(i) ? [t, s] : [s, t]));
  const out: number[][] = Array.from({ length: n }, () => []);
  const inn: number[][] = Array.from({ length: n }, () => []);
  for (const [s, t] of acyclic) {
    if (out[s]!.includes(t)) continue; // a→b and a reversed b→a: one link for layering
    out[s]!.push(t);
    inn[t]!.push(s);
  }
  assignLayers(vs, out, inn);

  // Proper layering: a chain of dummy nodes for each edge that crosses layers.
  const chains: number[][] = acyclic.map(([s, t]) => {
    const chain = [s];
    for (let l = vs[s]!.layer + 1; l < vs[t]!.layer; l++) {
      chain.push(vs.push({ depth: 0, breadth: 0, layer: l, order: 0, pos: 0, preds: [], succs: [], dummy: true }) - 1);
    }
    chain.push(t);
    for (let i = 1; i < chain.length; i++) {
      const a = vs[chain[i - 1]!]!;
      const b = chain[i]!;
      if (!a.succs.includes(b)) {
        a.succs.push(b);
        vs[b]!.preds.push(chain[i - 1]!);
      }
    }
    return chain;
  });

  const layers = orderLayers(vs, n);
  placeAcross(vs, layers, spacing.node);

  // Along the flow: each layer as deep as its deepest node.
  const layerStart: number[] = [];
  const layerDepth = layers.map((l) => Math.max(0, ...l.map((v) => vs[v]!.depth)));
  let at = 0;
  for (let l = 0; l < layers.length; l++) {
    layerStart.push(at);
    at += layerDepth[l]! + spacing.layer;
  }
  const minPos = Math.min(0, ...vs.map((v) => v.pos - v.breadth / 2));
  const place = (flow: number, cross: number) =>
    direction === 'RIGHT' ? { x: flow, y: cross - minPos } : { x: cross - minPos, y: flow };

  const result: Positioned = { nodes: new Map(), edges: [], width: 0, height: 0 };
  nodes.forEach((node, i) => {
    const v = vs[i]!;
    const p = place(layerStart[v.layer]! + (layerDepth[v.layer]! - v.depth) / 2, v.pos - v.breadth / 2);
    result.nodes.set(node.id, { ...p, width: node.width, height: node.height });
    result.width = Math.max(result.width, p.x + node.width);
    result.height = Math.max(result.height, p.y + node.height);
  });
  const routed = chains.map((chain) => {
    const pts: Array<{ x: number; y: number }> = [];
    const first = vs[chain[0]!]!;
    const last = vs[chain[chain.length - 1]!]!;
    pts.push(place(layerStart[first.layer]! + (layerDepth[first.layer]! + first.depth) / 2, first.pos));
    // Through each crossed layer straight along the flow, so the line never cuts a node of that layer.
    for (const d of chain.slice(1, -1)) {
      const v = vs[d]!;
      pts.push(place(layerStart[v.layer]!, v.pos), place(layerStart[v.layer]! + layerDepth[v.layer]!, v.pos));
    }
    pts.push(place(layerStart[last.layer]! + (layerDepth[last.layer]! - last.depth) / 2, last.pos));
    return pts;
  });
  for (const e of kept) {
    const pts = routed[e.route]!;
    result.edges.push({ index: e.index, points: reversed.has(e.route) ? [...pts].reverse() : pts });
  }
  return result;
}

/** Edges (by index) that a depth-first search finds pointing back to a node on its stack. */
function breakCycles(n: number, edges: Array<[number, number]>): Set<number> {
  const out: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
  edges.forEach(([s, t], i) => out[s]!.push([t, i]));
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const back = new Set<number>();
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [v, next] = top;
      if (next >= out[v]!.length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const [w, i] = out[v]![next]!;
      if (state[w] === 1) back.add(i);
      else if (state[w] === 0) {
        state[w] = 1;
        stack.push([w, 0]);
      }
    }
  }
  return back;
}

/** Longest path from the sources, then every node that feeds something moved right up to its nearest consumer. */
function assignLayers(vs: V[], out: number[][], inn: number[][]): void {
  const n = out.length;
  const indeg = inn.map((l) => l.length);
  const topo: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) topo.push(v);
  for (let i = 0; i < topo.length; i++) {
    const v = topo[i]!;
    for (const w of out[v]!) {
      vs[w]!.layer = Math.max(vs[w]!.layer, vs[v]!.layer + 1);
      if (--indeg[w]! === 0) topo.push(w);
    }
  }
  for (let i = topo.length - 1; i >= 0; i--) {
    const v = topo[i]!;
    if (out[v]!.length) vs[v]!.layer = Math.min(...out[v]!.map((w) => vs[w]!.layer)) - 1;
  }
}

/** Orders each layer: depth-first start, barycentre sweeps both ways; the order with fewest crossings wins. */
function orderLayers(vs: V[], realNodes: number): number[][] {
  const depth = Math.max(0, ...vs.map((v) => v.layer)) + 1;
  const layers: number[][] = Array.from({ length: depth }, () => []);
  // Start from a depth-first walk from the sinks backwards: the inputs of one node stay together.
  const seen = new Uint8Array(vs.length);
  const visit = (root: number) => {
    const stack = [root];
    while (stack.length) {
      const v = stack.pop()!;
      if (seen[v]) continue;
      seen[v] = 1;
      layers[vs[v]!.layer]!.push(v);
      for (let i = vs[v]!.preds.length - 1; i >= 0; i--) stack.push(vs[v]!.preds[i]!);
    }
  };
  for (let v = 0; v < realNodes; v++) if (!vs[v]!.succs.length) visit(v);
  for (let v = 0; v < vs.length; v++) visit(v);
  const renumber = () => layers.forEach((l) => l.forEach((v, i) => (vs[v]!.order = i)));
  renumber();

  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings(vs, layers);
  const rounds = vs.length > 2000 ? 3 : vs.length > 300 ? 6 : 12;
  for (let r = 0; r < rounds && bestCrossings > 0; r++) {
    for (let l = 1; l < depth; l++) sortByBarycentre(vs, layers[l]!, 'preds');
    for (let l = depth - 2; l >= 0; l--) sortByBarycentre(vs, layers[l]!, 'succs');
    const c = crossings(vs, layers);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    }
  }
  best.forEach((l, i) => (layers[i] = l));
  renumber();
  return layers;
}

function sortByBarycentre(vs: V[], layer: number[], side: 'preds' | 'succs'): void {
  const key = new Map<number, number>();
  for (const v of layer) {
    const ns = vs[v]![side];
    key.set(v, ns.length ? ns.reduce((s, w) => s + vs[w]!.order, 0) / ns.length : vs[v]!.order);
  }
  // Stable on ties: the current order decides.
  layer.sort((a, b) => key.get(a)! - key.get(b)! || vs[a]!.order - vs[b]!.order);
  layer.forEach((v, i) => (vs[v]!.order = i));
}

/** Edge crossings between consecutive layers (inversions counted with a Fenwick tree). */
function crossings(vs: V[], layers: number[][]): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const pairs: Array<[number, number]> = [];
    for (const v of layers[l]!) for (const w of vs[v]!.succs) pairs.push([vs[v]!.order, vs[w]!.order]);
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const size = layers[l + 1]!.length + 1;
    const tree = new Int32Array(size + 1);
    let seen = 0;
    for (const [, p] of pairs) {
      // Count earlier edges ending strictly after p.
      let le = 0;
      for (let i = p + 1; i > 0; i -= i & -i) le += tree[i]!;
      total += seen - le;
      for (let i = p + 1; i <= size; i += i & -i) tree[i]!++;
      seen++;
    }
  }
  return total;
}

/** Positions across the flow: neighbours' mean, then the nearest order-keeping, non-overlapping positions. */
function placeAcross(vs: V[], layers: number[][], gap: number): void {
  for (const l of layers) {
    let at = 0;
    for (const v of l) {
      vs[v]!.pos = at + vs[v]!.breadth / 2;
      at += vs[v]!.breadth + gap;
    }
  }
  const sweeps = vs.length > 2000 ? 4 : 8;
  for (let s = 0; s < sweeps; s++) {
    // End on a downward sweep: a consumer centred on its inputs reads like the plan it is.
    const down = s % 2 === (sweeps - 1) % 2;
    const order = down
      ? layers.map((_, i) => i).slice(1)
      : layers
          .map((_, i) => i)
          .reverse()
          .slice(1);
    for (const li of order) {
      const layer = layers[li]!;
      const side = down ? 'preds' : 'succs';
      const wanted = layer.map((v) => {
        const ns = vs[v]![side];
        return ns.length ? ns.reduce((sum, w) => sum + vs[w]!.pos, 0) / ns.length : vs[v]!.pos;
      });
      const placed = isotonic(
        wanted,
        layer.map((v, i) => (i === 0 ? 0 : (vs[layer[i - 1]!]!.breadth + vs[v]!.breadth) / 2 + gap)),
      );
      layer.forEach((v, i) => (vs[v]!.pos = placed[i]!));
    }
  }
}

/**
 * The positions closest (least squares) to `wanted` that keep the order with at least `gaps[i]` between
 * i-1 and i: shifted by the cumulative gaps this is isotonic regression, solved by pooling adjacent violators.
 */
function isotonic(wanted: number[], gaps: number[]): number[] {
  const offset: number[] = [];
  let acc = 0;
  for (const g of gaps) offset.push((acc += g));
  const blocks: Array<{ sum: number; count: number }> = [];
  wanted.forEach((w, i) => {
    blocks.push({ sum: w - offset[i]!, count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sum / a.count <= b.sum / b.count) break;
      a.sum += b.sum;
      a.count += b.count;
      blocks.pop();
    }
  });
  const out: number[] = [];
  for (const b of blocks) for (let i = 0; i < b.count; i++) out.push(b.sum / b.count + offset[out.length]!);
  return out;
}
