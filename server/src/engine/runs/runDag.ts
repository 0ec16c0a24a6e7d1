/**
 * An execution's plan as a DAG for the mapper, with the run on it: the plan text Spark logged (FORMATTED or
 * EXTENDED, with the final and initial adaptive plans) gives the operators and their arguments; Spark's plan
 * graph gives node ids and metrics. The two are aligned by operator name in plan order; codegen stages become
 * nodes of their own (their duration is where Spark records the time of the operators fused into them).
 */
import type { RunMetric } from '../../protocol/contracts';
import { ingestDag } from '../dag/ingest';
import { parseOperatorText } from '../dag/ingest/sparkExplain';
import { adjacency, emptyEvidence, type Dag, type DagNode, type IngestResult } from '../dag/model';
import type { MetricDef } from './metrics';
import type { ExecutionRecord, GraphNode, PlanGraph } from './model';
import { clusterMembers } from './planGraph';

export interface NodeRun {
  sparkId?: number;
  planId?: string;
  metrics?: RunMetric[];
}

export interface RunDag {
  ingest: IngestResult;
  /** DAG node id → what the run says of it. */
  runs: Map<string, NodeRun>;
}

type MetricOf = (def: MetricDef, x: ExecutionRecord) => RunMetric | undefined;

function metricsOf(g: GraphNode, x: ExecutionRecord, metric: MetricOf | undefined): RunMetric[] {
  if (g.metrics) return g.metrics;
  if (!metric) return [];
  const out: RunMetric[] = [];
  for (const d of g.metricDefs) {
    const m = metric(d, x);
    if (m) out.push(m);
  }
  return out;
}

/** Operator names as both sources spell them: "Scan parquet db.t" / "FileScan parquet …" → Scan. */
function canon(name: string): string {
  const first = name.replace(/^\*(\(\d+\))?\s*/, '').split(/[\s(\[]/)[0];
  return /^(File|RowDataSource|DataSourceV2|DataSource)?Scan$/.test(first) ? 'Scan' : first;
}

/** Main-plan nodes (not the initial adaptive plan) in pre-order: inputs in order, subqueries after them. */
function textOrder(dag: Dag): DagNode[] {
  const { inputs, consumers } = adjacency(dag);
  const byId = new Map(dag.nodes.map((n) => [n.id, n]));
  const out: DagNode[] = [];
  const seen = new Set<string>();
  const visit = (root: DagNode) => {
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n.id) || n.section === 'initial') continue;
      seen.add(n.id);
      // A reused exchange's input is the exchange it reuses, printed (and numbered) elsewhere.
      if (!/QueryStage$/.test(n.operator) && n.operator !== 'InMemoryRelation') out.push(n);
      if (n.operator === 'ReusedExchange') continue;
      const kids = (inputs.get(n.id) ?? []).map((i) => byId.get(i)!).filter(Boolean);
      for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
    }
  };
  for (const n of dag.nodes) if ((consumers.get(n.id) ?? []).length === 0) visit(n);
  return out;
}

/** Longest common subsequence of operator names: pairs of (text index, graph index). */
function align(a: string[], b: string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  if (n * m > 16_000_000) return greedy(a, b);
  const w = m + 1;
  const dp = new Int32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i * w + j] = a[i] === b[j] ? dp[(i + 1) * w + j + 1] + 1 : Math.max(dp[(i + 1) * w + j], dp[i * w + j + 1]);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) i++;
    else j++;
  }
  return pairs;
}

function greedy(a: string[], b: string[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const k = b.indexOf(a[i], j);
    if (k >= 0 && k - j < 8) {
      pairs.push([i, k]);
      j = k + 1;
    }
  }
  return pairs;
}

/** A DAG straight from the graph, when the log has no plan text (or none that reads). */
function graphDag(g: PlanGraph): Dag {
  const nodes: DagNode[] = g.nodes
    .filter((n) => !n.cluster)
    .map((n) => {
      const op = parseOperatorText(n.desc, 'text');
      return {
        id: String(n.sparkId),
        operator: op.operator,
        label: op.label,
        line: null,
        detail: { ...op.detail, ...n.metadata },
        section: 'main',
      };
    });
  const ids = new Set(nodes.map((n) => n.id));
  const edges = g.edges
    .map(([a, b]) => [String(a), String(b)] as [string, string])
    .filter(([a, b]) => ids.has(a) && ids.has(b));
  return { kind: 'spark-json', nodes, edges };
}

export function executionDag(x: ExecutionRecord, metric?: MetricOf): RunDag {
  const runs = new Map<string, NodeRun>();
  let ingest: IngestResult = x.planText
    ? ingestDag(x.planText)
    : { dag: { kind: 'spark-json', nodes: [], edges: [] }, problems: [], evidence: emptyEvidence() };
  const g = x.graph;
  if (g && ingest.dag.nodes.length === 0) {
    ingest = { dag: graphDag(g), problems: x.planText ? ingest.problems : [], evidence: emptyEvidence() };
    for (const n of g.nodes)
      if (!n.cluster) runs.set(String(n.sparkId), { sparkId: n.sparkId, metrics: metricsOf(n, x, metric) });
  } else if (g) {
    const text = textOrder(ingest.dag);
    const graph = g.nodes.filter((n) => !n.cluster);
    for (const [ti, gi] of align(
      text.map((n) => canon(n.operator)),
      graph.map((n) => canon(n.name)),
    )) {
      runs.set(text[ti].id, { sparkId: graph[gi].sparkId, metrics: metricsOf(graph[gi], x, metric) });
    }
  }
  for (const n of ingest.dag.nodes) {
    const planId = /^(\d+)(@\d+)?$/.exec(n.id)?.[1];
    if (ingest.dag.kind === 'spark-formatted' && planId) runs.set(n.id, { ...runs.get(n.id), planId });
  }
  if (g) addClusters(ingest.dag, g, x, runs, metric);
  return { ingest, runs };
}

/** One node per codegen stage, fed by the topmost operator fused into it. */
function addClusters(dag: Dag, g: PlanGraph, x: ExecutionRecord, runs: Map<string, NodeRun>, metric?: MetricOf): void {
  const bySpark = new Map<number, string>();
  for (const [id, r] of runs) if (r.sparkId !== undefined) bySpark.set(r.sparkId, id);
  const { consumers } = adjacency(dag);
  for (const c of g.nodes) {
    if (!c.cluster) continue;
    const members = new Set(
      clusterMembers(g, c)
        .map((n) => bySpark.get(n.sparkId))
        .filter((id): id is string => !!id),
    );
    if (!members.size) continue;
    const root = [...members].find((id) => !(consumers.get(id) ?? []).some((p) => members.has(p)));
    if (!root) continue;
    let id = `wscg${c.codegenStage ?? c.sparkId}`;
    while (runs.has(id) || dag.nodes.some((n) => n.id === id)) id += "'";
    dag.nodes.push({
      id,
      operator: 'WholeStageCodegen',
      label: c.name,
      line: null,
      detail: c.codegenStage === undefined ? {} : { codegenStage: String(c.codegenStage) },
      section: 'main',
    });
    dag.edges.push([root, id]);
    runs.set(id, { sparkId: c.sparkId, metrics: metricsOf(c, x, metric) });
  }
}
