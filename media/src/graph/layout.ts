/**
 * From a DagLens graph to positioned boxes and edge polylines (the layered layout of ./layered.ts), with the
 * node sizes and labels the page draws. Pure (no DOM): the page, the benchmark and the tests share it.
 */
import type { GraphModel, GraphNode } from '@daglens/protocol/webview';
import { layeredLayout, type Direction, type Positioned } from './layered';

export type { Direction, Positioned } from './layered';

export const NODE_HEIGHT = 30;
const CHAR_WIDTH = 7;
const MAX_LABEL = 40;

export function shortLabel(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

export function nodeWidth(n: GraphNode): number {
  return Math.max(60, shortLabel(n.label).length * CHAR_WIDTH + 34);
}

/** Lays a graph out; data flows left to right, or top to bottom (a side panel taller than wide). */
export function layoutGraph(graph: GraphModel, direction: Direction = 'RIGHT'): Positioned {
  return layeredLayout(
    graph.nodes.map((n) => ({ id: n.id, width: nodeWidth(n), height: NODE_HEIGHT })),
    graph.edges,
    direction,
  );
}

/**
 * The direction that fills the view best: the graph laid out both ways (cheap), the one whose fitted scale is
 * larger. A deep plan in a wide panel flows right; a wide, shallow lineage in a tall panel flows down.
 */
export function bestLayout(
  graph: GraphModel,
  view: { width: number; height: number },
): { direction: Direction; placed: Positioned } {
  const scale = (p: Positioned) => Math.min(view.width / (p.width + 40), view.height / (p.height + 40));
  const right = layoutGraph(graph, 'RIGHT');
  // Big graphs are laid out once: the second layout would cost more than it could gain.
  if (graph.nodes.length > 1500) return { direction: 'RIGHT', placed: right };
  const down = layoutGraph(graph, 'DOWN');
  return scale(down) > scale(right) * 1.05
    ? { direction: 'DOWN', placed: down }
    : { direction: 'RIGHT', placed: right };
}
