/**
 * Trimming the graphs the graph panel draws. Pure (no vscode): graphs over the drawing limit are refused
 * and filtered instead.
 */
import type { GraphModel } from '@daglens/protocol';

/** Largest graph the panel lays out; bigger ones are refused with a filter offer (ELK at 2,000 nodes: see bench). */
export const GRAPH_DRAW_LIMIT = 5000;

export function tooLargeMessage(nodes: number, limit = GRAPH_DRAW_LIMIT): string {
  return `This graph has ${nodes.toLocaleString('en-US')} nodes; DagLens draws at most ${limit.toLocaleString('en-US')} at once.`;
}

/**
 * Keeps the nodes whose label or id contains `text` (case-insensitive) and their neighbours up to `depth`
 * hops in either direction, and the edges between kept nodes. Empty text keeps everything.
 */
export function filterGraph(g: GraphModel, text: string, depth: number): GraphModel {
  const total = g.nodes.length;
  const needle = text.trim().toLowerCase();
  if (!needle) return { ...g, filter: undefined };
  const adjacent = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    let list = adjacent.get(a);
    if (!list) adjacent.set(a, (list = []));
    list.push(b);
  };
  for (const e of g.edges) {
    link(e.source, e.target);
    link(e.target, e.source);
  }
  let frontier = g.nodes
    .filter((n) => n.label.toLowerCase().includes(needle) || n.id.toLowerCase().includes(needle))
    .map((n) => n.id);
  const keep = new Set(frontier);
  for (let d = 0; d < depth && frontier.length; d++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const m of adjacent.get(id) ?? []) {
        if (!keep.has(m)) {
          keep.add(m);
          next.push(m);
        }
      }
    }
    frontier = next;
  }
  const nodes = g.nodes.filter((n) => keep.has(n.id));
  const edges = g.edges.filter((e) => keep.has(e.source) && keep.has(e.target));
  return { ...g, nodes, edges, filter: { text: text.trim(), shown: nodes.length, total } };
}
