/** A run's execution (daglens/runs/execution) as a graph: its mapped plan, nodes labelled and coloured by time. Pure (no vscode). */
import type { GraphModel, RunExecution, RunMetric } from '@daglens/protocol';
import { graphLabel } from '../../../server/src/shared/dagLabels';
import { formatBytes, formatCount, formatDuration } from '../../../server/src/shared/figures';
import { graphFromDagMapping } from './dagGraph';

/** Time an operator accounts for (a codegen stage: its duration); "stream time" includes its inputs'. */
function timeOf(metrics: RunMetric[] | undefined): number | undefined {
  const t = (metrics ?? []).filter((m) => m.unit === 'ms' && m.total !== undefined && !/stream time/i.test(m.name));
  return t.length ? t.reduce((s, m) => s + m.total!, 0) : undefined;
}

function rowsOf(metrics: RunMetric[] | undefined): number | undefined {
  return (metrics ?? []).find((m) => /^(number of )?output rows$/i.test(m.name))?.total;
}

export function graphFromRunExecution(e: RunExecution, title: string, focus: string[] = []): GraphModel {
  const g = graphFromDagMapping(e.result, title, '');
  const byId = new Map(e.result.dag.nodes.map((n) => [n.id, n]));
  const times = e.result.dag.nodes.map((n) => timeOf(n.metrics) ?? 0);
  const max = Math.max(0, ...times);
  const want = new Set(focus);
  for (const node of g.nodes) {
    const n = byId.get(node.id)!;
    const time = timeOf(n.metrics);
    const rows = rowsOf(n.metrics);
    const name = n.operator === 'WholeStageCodegen' ? n.label : graphLabel(e.result.dag.kind, n);
    node.label = `${name}${time !== undefined ? ` · ${formatDuration(time)}` : ''}${rows !== undefined ? ` · ${formatCount(rows)} rows` : ''}`;
    if (time !== undefined && max > 0) node.heat = Math.round((time / max) * 1000) / 1000;
    if (want.has(node.id)) node.focus = true;
    const ids = [
      n.sparkId !== undefined ? `Spark node #${n.sparkId}` : '',
      n.planId ? `plan (${n.planId})` : '',
      n.sparkOperator ? `= ${n.sparkOperator}` : '',
      n.section === 'initial' ? 'initial plan (before adaptive execution)' : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const metrics = (n.metrics ?? []).map((m) => `${m.name}: ${m.value.split('\n').pop()}`);
    const spill = (n.metrics ?? []).filter((m) => /spill/i.test(m.name) && m.total).reduce((s, m) => s + m.total!, 0);
    node.detail = [ids, node.detail ?? '', ...metrics, spill ? `spilled ${formatBytes(spill)}` : '']
      .filter(Boolean)
      .join('\n')
      .slice(0, 5000);
  }
  g.title = title;
  return g;
}
