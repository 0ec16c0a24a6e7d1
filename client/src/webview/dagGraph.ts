/** A DAG mapping result (daglens/mapDag) as a graph for the graph panel. Pure (no vscode). */
import type { DagMapResult, GraphModel, GraphNode } from '@daglens/protocol';
import { graphLabel } from '../../../server/src/shared/dagLabels';

/** A mapped DAG: one node per DAG node, coloured by mapping status, opening its best code location. */
export function graphFromDagMapping(result: DagMapResult, title: string, dagFile: string): GraphModel {
  const mappings = new Map(result.mappings.map((m) => [m.nodeId, m]));
  const nodes: GraphNode[] = result.dag.nodes.map((n) => {
    const m = mappings.get(n.id);
    const best = m?.best ?? null;
    const label = graphLabel(result.dag.kind, n);
    const detail = [
      // What the box leaves out: the plan line of an operator, the operator of a named node (an Airflow task's class).
      n.label !== label ? n.label : n.operator !== label ? n.operator : '',
      best
        ? `→ ${best.file}:${best.startLine}${best.endLine !== best.startLine ? `-${best.endLine}` : ''} (${best.symbol})`
        : 'not mapped to code',
      best ? `confidence ${best.confidence.toFixed(2)}: ${best.explanation}` : '',
      m?.alternatives.length ? `${m.alternatives.length} alternative${m.alternatives.length > 1 ? 's' : ''}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    return {
      id: n.id,
      label,
      kind: result.dag.kind === 'airflow' ? 'task' : 'operator',
      status: m?.status ?? 'unmapped',
      detail,
      // Unmapped nodes open where the DAG file prints them.
      location: best
        ? { file: best.file, startLine: best.startLine, endLine: best.endLine }
        : n.line && dagFile
          ? { file: dagFile, startLine: n.line, endLine: n.line }
          : undefined,
    };
  });
  const edges = result.dag.edges.map(([source, target]) => ({ source, target }));
  return { title, mode: 'dag', nodes, edges };
}
