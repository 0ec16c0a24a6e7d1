/**
 * A loaded run seen from the code: for each line of a file that an execution or an operator maps to, what
 * the run spent there — the executions located at the line (wall time, status) and the operators mapped to it
 * (their own task time, output rows, spill, peak memory). Lenses and hovers are drawn from this.
 */
import type { RunExecution, RunMetric, RunsResult } from '../../protocol/contracts';
import { displayName, operatorFigures } from './service';

export interface OperatorAtLine {
  executionId: number;
  nodeId: string;
  sparkId?: number;
  operator: string;
  status: string;
  timeMs?: number;
  rows?: number;
  spillBytes?: number;
  peakMemoryBytes?: number;
  metrics: RunMetric[];
}

export interface LineFigures {
  line: number;
  /** Executions located here (their statement starts on this line). */
  executions: RunExecution[];
  /** Operators mapped here that the run measured. */
  operators: OperatorAtLine[];
  /** Executions' wall time if any is located here, else the operators' task time. */
  timeMs: number;
  rows?: number;
  spillBytes: number;
}

/** Line figures of one file (workspace-relative path) in a run; lines without figures are left out. */
export function figuresByLine(run: RunsResult, file: string): Map<number, LineFigures> {
  const out = new Map<number, LineFigures>();
  const at = (line: number) => {
    let f = out.get(line);
    if (!f) out.set(line, (f = { line, executions: [], operators: [], timeMs: 0, spillBytes: 0 }));
    return f;
  };
  for (const e of run.executions) {
    if (e.location?.file === file) at(e.location.startLine).executions.push(e);
    e.result.dag.nodes.forEach((n, i) => {
      const m = e.result.mappings[i];
      const best = m?.best;
      if (!best || best.file !== file || m.status === 'unmapped' || !n.metrics?.length) return;
      const fig = operatorFigures(n.metrics);
      if (fig.timeMs === undefined && fig.rows === undefined && fig.spillBytes === undefined) return;
      at(best.startLine).operators.push({
        executionId: e.executionId,
        nodeId: n.id,
        ...(n.sparkId !== undefined ? { sparkId: n.sparkId } : {}),
        operator: displayName(n),
        status: m.status,
        ...fig,
        metrics: n.metrics,
      });
    });
  }
  for (const f of out.values()) {
    const wall = f.executions.reduce((t, e) => t + (e.durationMs ?? 0), 0);
    const task = f.operators.reduce((t, o) => t + (o.timeMs ?? 0), 0);
    f.timeMs = f.executions.length ? wall : task;
    const rows = f.operators.map((o) => o.rows).filter((r): r is number => r !== undefined);
    if (rows.length) f.rows = Math.max(...rows);
    f.spillBytes = f.operators.reduce((t, o) => t + (o.spillBytes ?? 0), 0);
  }
  return out;
}

/** The operators of a run, slowest first by their own time, with where they map. */
export function slowestOperators(run: RunsResult, limit: number) {
  const all: Array<OperatorAtLine & { file?: string; line?: number; endLine?: number }> = [];
  for (const e of run.executions) {
    e.result.dag.nodes.forEach((n, i) => {
      const fig = operatorFigures(n.metrics);
      if (!fig.timeMs) return;
      const best = e.result.mappings[i]?.best;
      all.push({
        executionId: e.executionId,
        nodeId: n.id,
        ...(n.sparkId !== undefined ? { sparkId: n.sparkId } : {}),
        operator: displayName(n),
        status: e.result.mappings[i]?.status ?? 'unmapped',
        ...fig,
        metrics: n.metrics ?? [],
        ...(best ? { file: best.file, line: best.startLine, endLine: best.endLine } : {}),
      });
    });
  }
  return all.sort((a, b) => (b.timeMs ?? 0) - (a.timeMs ?? 0)).slice(0, limit);
}
