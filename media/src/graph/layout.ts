/**
 * From a DagLens graph to an ELK layered layout and back. Pure (no DOM): the page runs it with ELK in a
 * worker, the benchmark with ELK in Node.
 */
import type { ElkExtendedEdge, ElkNode, LayoutOptions } from 'elkjs/lib/elk-api';
import type { GraphModel, GraphNode } from '@daglens/protocol';

export const NODE_HEIGHT = 30;
const CHAR_WIDTH = 7;
const MAX_LABEL = 40;

/** Above this many nodes the layout trades some crossing reduction for speed. */
export const LARGE_GRAPH = 300;

export function shortLabel(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

export function nodeWidth(n: GraphNode): number {
  return Math.max(60, shortLabel(n.label).length * CHAR_WIDTH + 34);
}

/** Data flows left to right, or top to bottom when the view is taller than wide (a side panel). */
export type Direction = 'RIGHT' | 'DOWN';

export function layoutOptions(nodeCount: number, direction: Direction = 'RIGHT'): LayoutOptions {
  const base: LayoutOptions = {
    'elk.algorithm': 'layered',
    'elk.direction': direction,
    'elk.spacing.nodeNode': '14',
    'elk.layered.spacing.nodeNodeBetweenLayers': '50',
    'elk.edgeRouting': 'POLYLINE',
  };
  if (nodeCount <= LARGE_GRAPH) return base;
  // Measured (bench/graph-layout): network-simplex layering and Brandes-Köpf placement dominate at 2,000 nodes.
  return {
    ...base,
    'elk.layered.thoroughness': '1',
    'elk.layered.layering.strategy': 'LONGEST_PATH',
    'elk.layered.nodePlacement.strategy': 'SIMPLE',
    'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  };
}

/** The ELK input for a graph; edges to unknown nodes and self-loops are dropped (ELK rejects the former). */
export function toElk(graph: GraphModel, direction: Direction = 'RIGHT'): ElkNode {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const edges: ElkExtendedEdge[] = [];
  graph.edges.forEach((e, i) => {
    if (ids.has(e.source) && ids.has(e.target) && e.source !== e.target) edges.push({ id: `e${i}`, sources: [e.source], targets: [e.target] });
  });
  return {
    id: 'root',
    layoutOptions: layoutOptions(graph.nodes.length, direction),
    children: graph.nodes.map((n) => ({ id: n.id, width: nodeWidth(n), height: NODE_HEIGHT })),
    edges,
  };
}

export interface Positioned {
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  /** Edge index (into graph.edges) → polyline points. */
  edges: Array<{ index: number; points: Array<{ x: number; y: number }> }>;
  width: number;
  height: number;
}

export function fromElk(laid: ElkNode): Positioned {
  const nodes = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const c of laid.children ?? []) nodes.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
  const edges: Positioned['edges'] = [];
  for (const e of (laid.edges ?? []) as ElkExtendedEdge[]) {
    const s = e.sections?.[0];
    if (!s) continue;
    edges.push({ index: Number(e.id.slice(1)), points: [s.startPoint, ...(s.bendPoints ?? []), s.endPoint] });
  }
  return { nodes, edges, width: laid.width ?? 0, height: laid.height ?? 0 };
}
