/**
 * Airflow DAGs, as the lineage engine extracts them from DAG files (server/src/engine/lineage/python.ts):
 * one node per task (operator call or @task function) with its upstream tasks as edges. A node is named by its
 * task id, its operator is the task's class (`BashOperator`) or decorator (`@task`). Its line is where the task
 * is defined — the DAG file is the code — and its span says exactly which lines made it.
 */
import type { Process } from '../../lineage/model';
import { emptyEvidence, type DagNode, type IngestResult } from '../model';

export function airflowDag(tasks: Process[], relFile: (abs: string) => string): IngestResult {
  const airflow = tasks.filter((t) => t.kind === 'airflow_task');
  const ids = new Set(airflow.map((t) => t.id));
  const nodes: DagNode[] = airflow.map((t) => ({
    id: t.id,
    operator: t.operator ?? 'task',
    label: t.symbol.slice(t.symbol.indexOf('.') + 1),
    line: t.span.start.line + 1,
    detail: {
      dag: t.symbol.slice(0, t.symbol.indexOf('.')),
      file: relFile(t.file),
      startLine: String(t.span.start.line + 1),
      endLine: String(t.span.end.line + 1),
      ...(t.partial.length ? { partial: t.partial.join('; ') } : {}),
    },
    section: 'main',
  }));
  const edges: Array<[string, string]> = [];
  for (const t of airflow) for (const u of t.upstream ?? []) if (ids.has(u)) edges.push([u, t.id]);
  const problems = airflow.length
    ? []
    : [{ message: 'no Airflow tasks found in this file (no DAG(...) / @dag with operators or @task functions)' }];
  return { dag: { kind: 'airflow', nodes, edges }, problems, evidence: emptyEvidence() };
}
