/**
 * Runs → code evaluation over the public event logs and the hand labels in bench/labels/spark-eventlogs.json:
 * every input read, every execution listed, labelled executions located (right file, start within the
 * labelled lines ± 2), confident (≥ 0.8) locations that are wrong, and operators with metrics in the log
 * that carry them in the result. Used by `npm run eval:runs` and by the floors in test/unit/runs-eval.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSettings } from '../server/src/engine/config';
import { MemoryJobStore } from '../server/src/engine/dag/jobs';
import { DagService } from '../server/src/engine/dag/service';
import { silentLogger } from '../server/src/engine/log';
import { readRunPath } from '../server/src/engine/runs/read';
import { RunsService } from '../server/src/engine/runs/service';
import { Workspace } from '../server/src/engine/workspace/workspace';
import type { RunLocation, RunsResult } from '../server/src/protocol';

export interface Label {
  file: string;
  startLine: number;
  endLine: number;
  also?: { file: string; startLine: number; endLine: number };
}

interface LabelFile {
  workspace: string;
  logs: Record<string, Record<string, Label | null>>;
}

export interface ExecutionRow {
  input: string;
  executionId: number;
  label: Label | null | undefined;
  location: RunLocation | null;
  /** Right file and start within the labelled lines ± 2 (null: nothing to find). */
  right: boolean | null;
}

export interface InputRow {
  input: string;
  accepted: boolean;
  error?: string;
  executions: number;
  labelled: number;
  /** Labelled executions the result does not list. */
  missing: number[];
  ms: number;
  skippedLines: number;
}

export interface RunsEval {
  inputs: InputRow[];
  rows: ExecutionRow[];
  /** Plan-graph nodes that have metric values in the log, and how many of them carry them in the result. */
  metricNodes: number;
  metricNodesAnnotated: number;
}

export const LABELS = path.join(__dirname, 'labels', 'spark-eventlogs.json');

export function isRight(l: RunLocation | null, label: Label | null | undefined): boolean | null {
  if (!label) return null;
  if (!l) return false;
  const within = (x: { file: string; startLine: number; endLine: number }) =>
    l.file === x.file && l.startLine >= x.startLine - 2 && l.startLine <= x.endLine + 2;
  return within(label);
}

/** The inputs to read: every log and the derived History Server answers. */
export function evalInputs(corpus: string): string[] {
  const logs = readdirSync(path.join(corpus, 'logs'))
    .sort()
    .map((f) => `logs/${f}`);
  const derived = readdirSync(path.join(corpus, 'derived'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `derived/${f}`);
  return [...logs, ...derived];
}

export async function evaluateRuns(corpora: string): Promise<RunsEval> {
  const corpus = path.join(corpora, 'spark-eventlogs');
  const labels = JSON.parse(readFileSync(LABELS, 'utf8')) as LabelFile;
  const root = path.join(corpora, labels.workspace);
  const ws = new Workspace(root, parseSettings({}).settings, silentLogger);
  const dag = new DagService(root, silentLogger, () => 4, new MemoryJobStore());
  ws.listen(dag);
  await ws.scan();
  const service = new RunsService(dag);
  const out: RunsEval = { inputs: [], rows: [], metricNodes: 0, metricNodesAnnotated: 0 };
  for (const input of evalInputs(corpus)) {
    const started = performance.now();
    // The derived answers are of the e2e log: its labels apply.
    const labelKey = input.startsWith('derived/e2e_local_stale') ? 'logs/e2e_local_stale.zstd' : input;
    const want = labels.logs[labelKey] ?? {};
    try {
      const read = await readRunPath(path.join(corpus, input));
      if (read.kind !== 'run') throw new Error('an application list, not a run');
      const r: RunsResult = await service.map(read.run, read.source);
      for (const x of read.run.executions) {
        const result = r.executions.find((e) => e.executionId === x.executionId)!;
        for (const g of x.graph?.nodes ?? []) {
          const has = g.metrics ? g.metrics.length > 0 : g.metricDefs.some((d) => read.run.metric?.(d, x));
          if (!has) continue;
          out.metricNodes++;
          if (result.result.dag.nodes.some((n) => n.sparkId === g.sparkId && n.metrics?.length))
            out.metricNodesAnnotated++;
        }
      }
      for (const e of r.executions) {
        const label = want[String(e.executionId)];
        out.rows.push({
          input,
          executionId: e.executionId,
          label,
          location: e.location,
          right: isRight(e.location, label),
        });
      }
      // A single /sql/<id> answer holds one execution; the others hold every labelled one.
      const expected =
        read.source.kind === 'restExecution'
          ? read.run.executions.map((x) => x.executionId)
          : Object.keys(want).map(Number);
      const missing = expected.filter((id) => !r.executions.some((e) => e.executionId === id));
      out.inputs.push({
        input,
        accepted: true,
        executions: r.executions.length,
        labelled: Object.keys(want).length,
        missing,
        ms: performance.now() - started,
        skippedLines: r.skippedLines,
      });
    } catch (e) {
      out.inputs.push({
        input,
        accepted: false,
        error: e instanceof Error ? e.message : String(e),
        executions: 0,
        labelled: Object.keys(want).length,
        missing: [],
        ms: performance.now() - started,
        skippedLines: 0,
      });
    }
  }
  return out;
}

export interface RunsSummary {
  accepted: number;
  inputs: number;
  listed: boolean;
  withCode: number;
  located: number;
  confident: number;
  confidentWrong: number;
  metricsCoverage: number;
}

export function summariseRuns(r: RunsEval): RunsSummary {
  const withCode = r.rows.filter((x) => x.label);
  const confident = r.rows.filter((x) => x.location && x.location.confidence >= 0.8);
  // A confident place for an execution whose code is not in the workspace is wrong too.
  const wrong = confident.filter((x) => x.right !== true);
  return {
    accepted: r.inputs.filter((i) => i.accepted).length,
    inputs: r.inputs.length,
    listed: r.inputs.every((i) => i.accepted && i.missing.length === 0),
    withCode: withCode.length,
    located: withCode.filter((x) => x.right).length,
    confident: confident.length,
    confidentWrong: wrong.length,
    metricsCoverage: r.metricNodes ? r.metricNodesAnnotated / r.metricNodes : 1,
  };
}
