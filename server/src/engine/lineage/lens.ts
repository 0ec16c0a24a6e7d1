/**
 * What a lineage code lens says above a process: `reads 3 · writes 1 · 12 downstream` (`· partial …` when part
 * of it could not be read statically). An Airflow task leads with its operator and the tasks around it, which is
 * what its DAG is about: `BashOperator · 2 upstream tasks · 1 downstream task`.
 */
import type { LineageGraph } from './graph';
import type { Process } from './model';

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Airflow tasks of the same DAG file that run right before and right after a task. */
export function tasksAround(g: LineageGraph, proc: Process): { upstream: Process[]; downstream: Process[] } {
  if (proc.kind !== 'airflow_task') return { upstream: [], downstream: [] };
  const upstream = (proc.upstream ?? []).map((id) => g.processes.get(id)).filter((p): p is Process => !!p);
  const downstream = g.processesIn(proc.file).filter((p) => p.upstream?.includes(proc.id));
  return { upstream, downstream };
}

export function lensTitle(g: LineageGraph, proc: Process): string {
  const reads = new Set(proc.reads.map((r) => r.asset.id)).size;
  const writes = new Set(proc.writes.map((r) => r.asset.id)).size;
  const downstream = g.downstreamOfProcess(proc.id).length;
  const missing = proc.unresolvedMacros?.length ? ` (${proc.unresolvedMacros.join(', ')} not installed)` : '';
  const partial = proc.partial.length ? ` · partial${missing}` : '';
  const tables = `reads ${reads} · writes ${writes} · ${downstream} downstream`;
  if (proc.kind !== 'airflow_task') return `${tables}${partial}`;
  const around = tasksAround(g, proc);
  const tasks = [
    proc.operator ?? 'task',
    count(around.upstream.length, 'upstream task'),
    count(around.downstream.length, 'downstream task'),
  ];
  // Most tasks move no table DagLens can see: say so only when they do.
  return [...tasks, ...(reads || writes ? [tables] : [])].join(' · ') + partial;
}
