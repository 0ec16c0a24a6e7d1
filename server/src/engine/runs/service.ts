/**
 * Runs → code: every SQL execution of a run gets its plan mapped to the workspace (the DAG mapper, with the
 * run's temp views resolved), one location (locate.ts), the UDFs its failed tasks name, and its metrics on
 * every plan node. Executions are mapped one after the other, yielding between them (the editor stays
 * responsive), with progress and cancellation.
 */
import type {
  DagMapLocation,
  DagMapResult,
  RunExecution,
  RunMetric,
  RunOperatorSummary,
  RunsResult,
  RunStatus,
} from '../../protocol/contracts';
import type { Logger } from '../log';
import type { DagService } from '../dag/service';
import { actionCalls, type ActionCall } from '../dag/source/actions';
import { RunsCancelled } from './errors';
import type { IngestResult } from '../dag/model';
import {
  callSites,
  locateByRecord,
  locateErrors,
  settleLocation,
  type Located,
  type SourceFile,
  type Workspace,
} from './locate';
import type { ExecutionRecord, JobRecord, RunData } from './model';
import type { RunSourceInfo } from './read';
import { executionDag, type NodeRun } from './runDag';
import { resolveViewScans, viewOf, type TempView } from './views';

export interface MapRunOptions {
  /** Map only these executions (the others are still read: temp views and the driver file come from them). */
  only?: number[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const CODE_LANGS = new Set(['python', 'scala', 'java']);

interface Prepared {
  x: ExecutionRecord;
  ingest: IngestResult;
  runs: Map<string, NodeRun>;
  viewScans: Map<string, TempView>;
  jobs: JobRecord[];
  /** The temp view this execution creates. */
  view?: TempView;
  pre: Located | null;
}

export class RunsService {
  private readonly actionCache = new Map<string, { text: string; calls: ActionCall[] }>();

  constructor(
    private readonly dag: DagService,
    private readonly log?: Logger,
  ) {}

  /** The workspace as the locator sees it: files, their lines and their action calls (cached per text). */
  private workspace(): Workspace {
    const files: SourceFile[] = this.dag.sourceFiles();
    const actions: ActionCall[] = [];
    const lines = new Map<string, string[]>();
    for (const f of files) {
      if (!CODE_LANGS.has(f.lang)) continue;
      let c = this.actionCache.get(f.rel);
      if (!c || c.text !== f.text) {
        let calls: ActionCall[] = [];
        try {
          calls = actionCalls(f.rel, f.text);
        } catch (e) {
          this.log?.warn(`could not read the Spark actions of ${f.rel}: ${e instanceof Error ? e.message : String(e)}`);
        }
        c = { text: f.text, calls };
        this.actionCache.set(f.rel, c);
      }
      actions.push(...c.calls);
    }
    const byRel = new Map(files.map((f) => [f.rel, f]));
    return {
      files,
      actions,
      lines(rel) {
        let l = lines.get(rel);
        if (!l) lines.set(rel, (l = (byRel.get(rel)?.text ?? '').split(/\r?\n/)));
        return l;
      },
    };
  }

  async map(run: RunData, source: RunSourceInfo, opts: MapRunOptions = {}): Promise<RunsResult> {
    const started = performance.now();
    const ws = this.workspace();
    const wanted = (x: ExecutionRecord) => !opts.only || opts.only.includes(x.executionId);
    const total = run.executions.filter(wanted).length;
    opts.onProgress?.(0, total);
    // 1. Every execution's DAG (temp views resolved as they are created) and what its record says of its place.
    const views: TempView[] = [];
    const prepared: Prepared[] = [];
    for (const x of run.executions) {
      const { ingest, runs } = executionDag(x, run.metric);
      const viewScans = resolveViewScans(ingest, views, x.executionId);
      const created = viewOf(x.executionId, ingest);
      const jobs = x.jobIds.map((j) => run.jobs.get(j)).filter((j): j is NonNullable<typeof j> => !!j);
      const p: Prepared = {
        x,
        ingest,
        runs,
        viewScans,
        jobs,
        view: created,
        pre: locateByRecord({ exec: x, jobs, ingest, ws }),
      };
      if (created) views.push(created);
      prepared.push(p);
    }
    // 2. The files the application's driver code is in break the ties of the executions left undecided.
    const prior = new Map<string, number>();
    for (const p of prepared) {
      // A callSite names the driver file even when the line itself (a generic runner) says little of the plan.
      const driver = p.pre && (p.pre.how === 'name' || p.pre.weak) ? p.pre.driverFile : undefined;
      if (driver) prior.set(driver, (prior.get(driver) ?? 0) + 1);
      if (p.pre && p.pre.how !== 'name' && !p.pre.weak && p.pre.location.confidence >= 0.7)
        prior.set(p.pre.location.file, (prior.get(p.pre.location.file) ?? 0) + p.pre.location.confidence);
    }
    if (prior.size) {
      for (const p of prepared)
        if (!p.pre || p.pre.location.confidence < 0.8)
          p.pre = locateByRecord({ exec: p.x, jobs: p.jobs, ingest: p.ingest, ws }, prior) ?? p.pre;
    }
    // 3. Map each plan, focused on that place; settle the place with the plan.
    const out: RunExecution[] = [];
    const byId = new Map<number, RunExecution>();
    for (const p of prepared) {
      if (!wanted(p.x)) continue;
      if (opts.signal?.aborted) throw new RunsCancelled('mapping the run');
      const e = await this.mapExecution(p, ws, opts.signal);
      out.push(e);
      byId.set(e.executionId, e);
      if (p.view) p.view.location = e.location;
      opts.onProgress?.(out.length, total);
      await new Promise((r) => setImmediate(r));
    }
    // A nested execution (a cache, a broadcast) without a place of its own is where its root is.
    for (const e of out) {
      const root =
        e.rootExecutionId !== null && e.rootExecutionId !== e.executionId ? byId.get(e.rootExecutionId) : undefined;
      if (!e.location && root?.location)
        e.location = {
          ...root.location,
          confidence: Math.min(root.location.confidence, 0.8),
          evidence: `runs under execution ${root.executionId}: ${root.location.evidence}`,
        };
    }
    return {
      source,
      app: run.app,
      skippedLines: run.skippedLines,
      problems: run.problems,
      executions: out,
      stats: {
        ms: Math.round(performance.now() - started),
        bytes: run.stats.bytes,
        lines: run.stats.lines,
        events: run.stats.events,
      },
    };
  }

  private async mapExecution(p: Prepared, ws: Workspace, signal?: AbortSignal): Promise<RunExecution> {
    const { x, ingest, runs, viewScans, jobs, pre } = p;
    // Where the run says it comes from focuses the mapping on those lines; then the plan has its say.
    const focus = pre && !pre.weak ? { file: pre.location.file, ranges: pre.scope } : undefined;
    let mapping: DagMapResult;
    if (ingest.dag.nodes.length) {
      const key = JSON.stringify([ingest.dag, ingest.evidence, focus ?? null]);
      const { cached: _c, resumed: _r, ...m } = await this.dag.mapIngested(ingest, key, { signal, focus });
      mapping = m;
    } else {
      mapping = {
        dag: { kind: ingest.dag.kind, nodes: [], edges: [] },
        mappings: [],
        stats: { ms: 0, llmCalls: 0, costUsd: 0 },
        sources: [],
        problems: [...ingest.problems, { message: 'this execution has no plan in the log' }],
      };
    }
    const location = settleLocation(pre, mapping, ingest);
    // Scans of a temp view: the query's FROM when the mapper found it, else where the view was made.
    for (const [nodeId, view] of viewScans) {
      const i = mapping.dag.nodes.findIndex((n) => n.id === nodeId);
      const m = mapping.mappings[i];
      if (!m || !view.location) continue;
      const made: DagMapLocation = {
        file: view.location.file,
        symbol: view.name,
        startLine: view.location.startLine,
        endLine: view.location.endLine,
        confidence: Math.min(0.9, view.location.confidence),
        explanation: `Scan of temp view ${view.name}, created here (execution ${view.executionId}).`,
      };
      if (!m.best || m.status === 'unmapped')
        mapping.mappings[i] = {
          nodeId,
          status: made.confidence >= 0.8 ? 'high' : 'low',
          best: made,
          alternatives: m.alternatives,
        };
      // Where the view was made comes first among the alternatives: it is another kind of answer, not a rival FROM.
      else if (!m.alternatives.some((a) => a.file === made.file && a.startLine === made.startLine))
        m.alternatives = [made, ...m.alternatives].slice(0, 3);
    }
    // The run on each node: Spark's ids and the metrics.
    const sections = new Map(ingest.dag.nodes.map((n) => [n.id, n.section]));
    for (const n of mapping.dag.nodes) {
      const r = runs.get(n.id);
      const section = sections.get(n.id);
      if (section && section !== 'main') n.section = section;
      if (!r) continue;
      if (r.sparkId !== undefined) n.sparkId = r.sparkId;
      if (r.planId !== undefined) n.planId = r.planId;
      if (r.metrics?.length) n.metrics = r.metrics;
    }
    const status = statusOf(x);
    const sites = callSites(x, jobs);
    const failures = [x.errorMessage ?? '', ...x.taskFailures, ...jobs.map((j) => j.error ?? '')].filter(Boolean);
    return {
      executionId: x.executionId,
      rootExecutionId: x.rootExecutionId,
      description: x.description,
      callSite: sites[0]?.raw ?? null,
      startTime: x.startTime,
      durationMs: x.startTime !== null && x.endTime !== null ? Math.max(0, x.endTime - x.startTime) : null,
      status,
      ...(status === 'failed' ? { error: firstLines(x.errorMessage ?? failures[0] ?? 'failed') } : {}),
      location,
      errorLocations: status === 'failed' || x.taskFailures.length ? locateErrors(failures, ws) : [],
      jobs: jobs.map((j) => ({
        jobId: j.jobId,
        status: j.status,
        stageIds: j.stageIds,
        ...(j.description ? { description: j.description } : {}),
        ...(j.callSite ? { callSite: j.callSite } : {}),
      })),
      adaptive: x.planVersions > 1 || /== Final Plan ==/.test(x.planText ?? ''),
      topOperators: topOperators(mapping, 5),
      result: mapping,
    };
  }
}

function statusOf(x: ExecutionRecord): RunStatus {
  if (x.errorMessage) return 'failed';
  if (x.restStatus)
    return x.restStatus.toUpperCase() === 'RUNNING'
      ? 'running'
      : x.restStatus.toUpperCase() === 'FAILED'
        ? 'failed'
        : 'succeeded';
  return x.endTime === null ? 'running' : 'succeeded';
}

function firstLines(s: string, n = 6): string {
  const t = s.split('\n').slice(0, n).join('\n').trim();
  return t.length > 1500 ? `${t.slice(0, 1497)}...` : t;
}

/** Time an operator accounts for: its timings (a codegen stage: its duration). "stream time" includes its inputs'. */
export function operatorFigures(metrics: RunMetric[] | undefined): Omit<RunOperatorSummary, 'nodeId' | 'operator'> {
  if (!metrics?.length) return {};
  let time = 0;
  let timed = false;
  let spill = 0;
  let spilled = false;
  const out: Omit<RunOperatorSummary, 'nodeId' | 'operator'> = {};
  for (const m of metrics) {
    if (m.total === undefined) continue;
    if (m.unit === 'ms' && !/stream time/i.test(m.name)) {
      time += m.total;
      timed = true;
    }
    if (m.unit === 'bytes' && /spill/i.test(m.name)) {
      spill += m.total;
      spilled = true;
    }
    if (m.unit === 'bytes' && /peak memory/i.test(m.name))
      out.peakMemoryBytes = Math.max(out.peakMemoryBytes ?? 0, m.max ?? m.total);
    if (/^(number of )?output rows$/i.test(m.name)) out.rows = m.total;
  }
  if (timed) out.timeMs = time;
  if (spilled) out.spillBytes = spill;
  return out;
}

export function topOperators(r: DagMapResult, k: number): RunOperatorSummary[] {
  const all: RunOperatorSummary[] = [];
  r.dag.nodes.forEach((n, i) => {
    const f = operatorFigures(n.metrics);
    if (!f.timeMs) return;
    const best = r.mappings[i]?.best;
    all.push({
      nodeId: n.id,
      ...(n.sparkId !== undefined ? { sparkId: n.sparkId } : {}),
      operator: displayName(n),
      ...f,
      ...(best ? { file: best.file, line: best.startLine } : {}),
    });
  });
  return all.sort((a, b) => (b.timeMs ?? 0) - (a.timeMs ?? 0)).slice(0, k);
}

/** How lists name an operator: a codegen stage with its number, a command with its name. */
export function displayName(n: { operator: string; label: string }): string {
  if (n.operator === 'WholeStageCodegen') return n.label;
  if (n.operator === 'Execute') return n.label.split(/\s+/).slice(0, 2).join(' ');
  return n.operator;
}
