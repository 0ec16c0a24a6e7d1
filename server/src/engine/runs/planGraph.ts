/**
 * Spark's SparkPlanInfo tree (event logs) → its SQL plan graph, numbered as Spark's SparkPlanGraph numbers
 * it, so node ids are the ones the Spark UI and the History Server REST API (`nodeId`) use: ids in pre-order;
 * a WholeStageCodegen is a cluster node of its own holding the operators fused into it; InputAdapter and
 * query stages are skipped; a reused exchange or subquery is an edge to the node it reuses.
 */
import type { MetricDef } from './metrics';
import type { GraphNode, PlanGraph } from './model';

interface PlanInfo {
  nodeName?: unknown;
  simpleString?: unknown;
  children?: unknown;
  metadata?: unknown;
  metrics?: unknown;
}

function metricDefs(p: PlanInfo): MetricDef[] {
  if (!Array.isArray(p.metrics)) return [];
  const out: MetricDef[] = [];
  for (const m of p.metrics as Array<Record<string, unknown>>) {
    if (!m || typeof m.name !== 'string' || typeof m.accumulatorId !== 'number') continue;
    out.push({
      accumulatorId: m.accumulatorId,
      name: m.name,
      type: typeof m.metricType === 'string' ? m.metricType : 'sum',
    });
  }
  return out;
}

function children(p: PlanInfo): PlanInfo[] {
  return Array.isArray(p.children)
    ? (p.children as unknown[]).filter((c): c is PlanInfo => !!c && typeof c === 'object')
    : [];
}

/** SparkPlanInfo equality is structural (name, string, children): a reused exchange repeats its child. */
function keyOf(p: PlanInfo, memo: Map<PlanInfo, string>): string {
  let k = memo.get(p);
  if (k === undefined) {
    k = `${String(p.nodeName)}\u0000${String(p.simpleString)}\u0000[${children(p)
      .map((c) => keyOf(c, memo))
      .join('\u0001')}]`;
    memo.set(p, k);
  }
  return k;
}

const MAX_DEPTH = 10_000;

export function planGraph(root: unknown): PlanGraph {
  const nodes: GraphNode[] = [];
  const edges: Array<[number, number]> = [];
  const exchanges = new Map<string, GraphNode>();
  const memo = new Map<PlanInfo, string>();
  let next = 0;
  // Iterative: a deep plan must not overflow the stack. Each frame is one call of Spark's recursion.
  const stack: Array<{ p: PlanInfo; parent: GraphNode | null; cluster: GraphNode | null; depth: number }> = [];
  if (root && typeof root === 'object') stack.push({ p: root as PlanInfo, parent: null, cluster: null, depth: 0 });
  while (stack.length) {
    const { p, parent, cluster, depth } = stack.pop()!;
    if (depth > MAX_DEPTH || typeof p.nodeName !== 'string') continue;
    const name = p.nodeName;
    const kids = children(p);
    const push = (c: PlanInfo, par: GraphNode | null, clu: GraphNode | null) =>
      stack.push({ p: c, parent: par, cluster: clu, depth: depth + 1 });
    if (name.startsWith('WholeStageCodegen')) {
      const node: GraphNode = {
        sparkId: next++,
        name,
        desc: String(p.simpleString ?? name),
        cluster: true,
        metricDefs: metricDefs(p),
      };
      const stage = /\((\d+)\)/.exec(name);
      if (stage) node.codegenStage = Number(stage[1]);
      nodes.push(node);
      if (kids[0]) push(kids[0], parent, node);
      continue;
    }
    if (name === 'InputAdapter' || name === 'TableCacheQueryStage') {
      if (kids[0]) push(kids[0], parent, null);
      continue;
    }
    if (name === 'BroadcastQueryStage' || name === 'ShuffleQueryStage' || name === 'ResultQueryStage') {
      const reused = kids[0] && exchanges.get(keyOf(kids[0], memo));
      if (reused && parent) edges.push([reused.sparkId, parent.sparkId]);
      else if (kids[0]) push(kids[0], parent, null);
      continue;
    }
    if ((name === 'Subquery' || name === 'SubqueryBroadcast') && cluster) {
      // A subquery is never part of a codegen stage.
      stack.push({ p, parent, cluster: null, depth: depth + 1 });
      continue;
    }
    if ((name === 'Subquery' || name === 'SubqueryBroadcast') && exchanges.has(keyOf(p, memo))) {
      if (parent) edges.push([exchanges.get(keyOf(p, memo))!.sparkId, parent.sparkId]);
      continue;
    }
    if (name === 'ReusedSubquery') {
      if (kids[0]) push(kids[0], parent, cluster);
      continue;
    }
    if (name === 'ReusedExchange' && kids[0] && exchanges.has(keyOf(kids[0], memo))) {
      if (parent) edges.push([exchanges.get(keyOf(kids[0], memo))!.sparkId, parent.sparkId]);
      continue;
    }
    const node: GraphNode = {
      sparkId: next++,
      name,
      desc: String(p.simpleString ?? name),
      cluster: false,
      metricDefs: metricDefs(p),
    };
    if (cluster) {
      node.codegenStage = cluster.codegenStage;
      node.clusterId = cluster.sparkId;
    }
    if (p.metadata && typeof p.metadata === 'object') {
      const md: Record<string, string> = {};
      for (const [k, v] of Object.entries(p.metadata as Record<string, unknown>)) if (typeof v === 'string') md[k] = v;
      if (Object.keys(md).length) node.metadata = md;
    }
    nodes.push(node);
    if (/Exchange|Subquery/.test(name)) exchanges.set(keyOf(p, memo), node);
    if (parent) edges.push([node.sparkId, parent.sparkId]);
    // Pushed in reverse so the first child is numbered first, as Spark's recursion does.
    for (let i = kids.length - 1; i >= 0; i--) push(kids[i], node, cluster);
  }
  return { nodes, edges };
}

/** The operators fused into a codegen cluster. */
export function clusterMembers(g: PlanGraph, cluster: GraphNode): GraphNode[] {
  return g.nodes.filter(
    (n) =>
      !n.cluster &&
      (n.clusterId !== undefined
        ? n.clusterId === cluster.sparkId
        : cluster.codegenStage !== undefined && n.codegenStage === cluster.codegenStage),
  );
}
