/**
 * Folds the events of a Spark event log into a RunData, one line at a time (nothing of the log is kept but
 * what the result needs). Lines that are not JSON (a cut last line, a corrupt line) are skipped and counted.
 * Events this reader has no use for are recognised by their name and not parsed at all.
 */
import type { DagMapProblem, RunStatus } from '../../protocol/contracts';
import { MetricStore, type MetricDef } from './metrics';
import { emptyApp, type ExecutionRecord, type JobRecord, type RunData } from './model';
import { planGraph } from './planGraph';

const SQL = 'org.apache.spark.sql.execution.ui.';
/** Events read in full; any other event is only checked to be a whole line. */
const NEEDED = new Set([
  'SparkListenerLogStart',
  'SparkListenerApplicationStart',
  'SparkListenerApplicationEnd',
  'SparkListenerEnvironmentUpdate',
  'SparkListenerJobStart',
  'SparkListenerJobEnd',
  'SparkListenerStageSubmitted',
  'SparkListenerTaskEnd',
  `${SQL}SparkListenerSQLExecutionStart`,
  `${SQL}SparkListenerSQLExecutionEnd`,
  `${SQL}SparkListenerSQLAdaptiveExecutionUpdate`,
  `${SQL}SparkListenerSQLAdaptiveSQLMetricUpdates`,
  `${SQL}SparkListenerDriverAccumUpdates`,
]);
const EVENT_NAME = /^\{\s*"Event"\s*:\s*"([^"]+)"/;
/** Task failures kept per execution (their tracebacks), so a log of a million failed tasks stays small. */
const MAX_FAILURES = 5;

type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export class EventLogFolder {
  private readonly data: RunData;
  private readonly executions = new Map<number, ExecutionRecord>();
  private readonly store = new MetricStore();
  private readonly stageExecution = new Map<number, number>();
  private readonly jobs = new Map<number, JobRecord>();
  private firstSkipped: { part: number; line: number } | undefined;
  private lineNo = 0;
  private sawEvent = false;
  private notEvents = 0;

  constructor() {
    this.data = {
      app: emptyApp(),
      executions: [],
      jobs: this.jobs,
      skippedLines: 0,
      problems: [],
      metric: (def: MetricDef, x: ExecutionRecord) =>
        this.store.metric(def, { executionId: x.executionId, stages: this.stagesOf(x) }),
      stats: { bytes: 0, lines: 0, events: 0 },
    };
  }

  /** True once the first lines were seen and none was an event: not an event log at all. */
  get notAnEventLog(): boolean {
    return !this.sawEvent && this.notEvents >= 3;
  }

  onLine(line: string, part = 0): void {
    this.lineNo++;
    if (!line || /^\s*$/.test(line)) return;
    const name = EVENT_NAME.exec(line)?.[1];
    if (name && !NEEDED.has(name)) {
      // Not needed: only check the line is whole (a cut line ends anywhere but at the closing brace).
      if (line.charCodeAt(line.length - 1) === 125) {
        this.data.stats.events++;
        this.sawEvent = true;
      } else this.skip(part);
      return;
    }
    let e: Json;
    try {
      e = JSON.parse(line) as Json;
    } catch {
      this.skip(part);
      return;
    }
    if (!e || typeof e !== 'object' || typeof e.Event !== 'string') {
      this.notEvents++;
      this.skip(part);
      return;
    }
    this.sawEvent = true;
    this.data.stats.events++;
    try {
      this.fold(e.Event as string, e);
    } catch {
      // An event of an unexpected shape is one skipped line, not a failed read.
      this.skip(part);
    }
  }

  private skip(part: number): void {
    this.data.skippedLines++;
    this.firstSkipped ??= { part, line: this.lineNo };
  }

  private fold(name: string, e: Json): void {
    const short = name.startsWith(SQL) ? name.slice(SQL.length) : name;
    switch (short) {
      case 'SparkListenerLogStart':
        this.data.app.sparkVersion = str(e['Spark Version']) ?? null;
        break;
      case 'SparkListenerApplicationStart':
        this.data.app.id = str(e['App ID']) ?? this.data.app.id;
        this.data.app.name = str(e['App Name']) ?? null;
        this.data.app.startTime = num(e.Timestamp) ?? null;
        break;
      case 'SparkListenerApplicationEnd':
        this.data.app.endTime = num(e.Timestamp) ?? null;
        break;
      case 'SparkListenerEnvironmentUpdate': {
        const props = e['Spark Properties'];
        // Spark 2–3 write [[k, v], …]; some writers an object.
        const get = (k: string) =>
          Array.isArray(props) ? (props as unknown[][]).find((p) => p[0] === k)?.[1] : (props as Json | undefined)?.[k];
        this.data.app.name ??= str(get('spark.app.name')) ?? null;
        this.data.app.id ??= str(get('spark.app.id')) ?? null;
        break;
      }
      case 'SparkListenerSQLExecutionStart': {
        const id = num(e.executionId);
        if (id === undefined) return;
        const x = this.execution(id);
        x.rootExecutionId = num(e.rootExecutionId) ?? null;
        x.description = str(e.description) ?? '';
        x.details = str(e.details) ?? '';
        x.startTime = num(e.time) ?? null;
        this.plan(x, e, false);
        break;
      }
      case 'SparkListenerSQLAdaptiveExecutionUpdate': {
        const id = num(e.executionId);
        if (id !== undefined) this.plan(this.execution(id), e, true);
        break;
      }
      case 'SparkListenerSQLAdaptiveSQLMetricUpdates': {
        const id = num(e.executionId);
        if (id === undefined || !Array.isArray(e.sqlPlanMetrics)) return;
        const x = this.execution(id);
        for (const m of e.sqlPlanMetrics as Json[]) {
          const acc = num(m?.accumulatorId);
          if (acc === undefined || typeof m.name !== 'string') continue;
          x.metricDefs.set(acc, { accumulatorId: acc, name: m.name, type: str(m.metricType) ?? 'sum' });
          this.store.tracked.add(acc);
        }
        break;
      }
      case 'SparkListenerSQLExecutionEnd': {
        const id = num(e.executionId);
        if (id === undefined) return;
        const x = this.execution(id);
        x.endTime = num(e.time) ?? null;
        const err = str(e.errorMessage);
        if (err) x.errorMessage = err;
        break;
      }
      case 'SparkListenerDriverAccumUpdates': {
        const id = num(e.executionId);
        if (id === undefined || !Array.isArray(e.accumUpdates)) return;
        for (const u of e.accumUpdates as unknown[]) {
          const [acc, v] = Array.isArray(u) ? u.map(num) : [num((u as Json)?.[0]), num((u as Json)?.[1])];
          if (acc !== undefined && v !== undefined) this.store.driverUpdate(id, acc, v);
        }
        break;
      }
      case 'SparkListenerJobStart':
        this.jobStart(e);
        break;
      case 'SparkListenerJobEnd': {
        const job = this.jobs.get(num(e['Job ID']) ?? -1);
        if (!job) return;
        const result = e['Job Result'] as Json | undefined;
        job.completionTime = num(e['Completion Time']);
        job.status = result?.Result === 'JobSucceeded' ? 'succeeded' : 'failed';
        if (job.status === 'failed') job.error = str((result?.Exception as Json | undefined)?.Message) ?? 'job failed';
        break;
      }
      case 'SparkListenerStageSubmitted':
        break; // attempts are told apart on task end
      case 'SparkListenerTaskEnd':
        this.taskEnd(e);
        break;
      default:
        break;
    }
  }

  private readonly stageSets = new Map<number, Set<number>>();

  /** The stages an execution's jobs ran (its metrics come from these alone, as in Spark's UI). */
  private stagesOf(x: ExecutionRecord): Set<number> {
    let s = this.stageSets.get(x.executionId);
    if (!s) {
      s = new Set(x.jobIds.flatMap((j) => this.jobs.get(j)?.stageIds ?? []));
      this.stageSets.set(x.executionId, s);
    }
    return s;
  }

  private execution(id: number): ExecutionRecord {
    let x = this.executions.get(id);
    if (!x) {
      x = {
        executionId: id,
        rootExecutionId: null,
        description: '',
        details: '',
        startTime: null,
        endTime: null,
        planText: null,
        graph: null,
        planVersions: 0,
        metricDefs: new Map(),
        jobIds: [],
        taskFailures: [],
      };
      this.executions.set(id, x);
    }
    return x;
  }

  private plan(x: ExecutionRecord, e: Json, update: boolean): void {
    const text = str(e.physicalPlanDescription);
    if (text) x.planText = text;
    if (e.sparkPlanInfo && typeof e.sparkPlanInfo === 'object') {
      const g = planGraph(e.sparkPlanInfo);
      x.graph = g;
      for (const n of g.nodes)
        for (const d of n.metricDefs) {
          x.metricDefs.set(d.accumulatorId, d);
          this.store.tracked.add(d.accumulatorId);
        }
    }
    x.planVersions += update ? 1 : x.planVersions === 0 ? 1 : 0;
  }

  private jobStart(e: Json): void {
    const jobId = num(e['Job ID']);
    if (jobId === undefined) return;
    const props = (e.Properties ?? {}) as Json;
    const stageIds = Array.isArray(e['Stage IDs'])
      ? (e['Stage IDs'] as unknown[]).map(num).filter((n): n is number => n !== undefined)
      : [];
    const executionId = num(props['spark.sql.execution.id']);
    const job: JobRecord = {
      jobId,
      status: 'running',
      stageIds,
      executionId,
      description: str(props['spark.job.description']),
      callSite: str(props['callSite.short']),
      submissionTime: num(e['Submission Time']),
    };
    this.jobs.set(jobId, job);
    if (executionId !== undefined) {
      this.execution(executionId).jobIds.push(jobId);
      for (const s of stageIds) this.stageExecution.set(s, executionId);
    }
  }

  private taskEnd(e: Json): void {
    const stageId = num(e['Stage ID']);
    const info = e['Task Info'] as Json | undefined;
    if (stageId === undefined || !info) return;
    const attempt = num(e['Stage Attempt ID']) ?? 0;
    const index = num(info.Index) ?? -1;
    const taskId = num(info['Task ID']) ?? -1;
    const reason = e['Task End Reason'] as Json | undefined;
    const ok = !info.Failed && !info.Killed && (reason?.Reason ?? 'Success') === 'Success';
    if (!ok) this.taskFailure(stageId, reason);
    const accs = info.Accumulables;
    if (!Array.isArray(accs)) return;
    for (const a of accs as Json[]) {
      const id = num(a?.ID);
      if (id === undefined || !this.store.tracked.has(id)) continue;
      const v = num(a.Update);
      if (v !== undefined) this.store.taskUpdate(id, stageId, attempt, index, taskId, v, ok);
    }
  }

  private taskFailure(stageId: number, reason: Json | undefined): void {
    const execId = this.stageExecution.get(stageId);
    if (execId === undefined || !reason) return;
    const x = this.execution(execId);
    if (x.taskFailures.length >= MAX_FAILURES) return;
    const text = str(reason['Full Stack Trace']) ?? str(reason.Description);
    if (text && !x.taskFailures.some((f) => f === text)) x.taskFailures.push(text);
  }

  /** The run, once every line was folded in. */
  finish(opts: { parts?: string[]; inProgress?: boolean } = {}): RunData {
    const problems: DagMapProblem[] = this.data.problems;
    if (this.data.skippedLines) {
      const at = this.firstSkipped;
      const where =
        at && opts.parts && opts.parts.length > 1
          ? ` (first in ${opts.parts[at.part]})`
          : at
            ? ` (first at line ${at.line})`
            : '';
      problems.push({
        ...(at && (!opts.parts || opts.parts.length <= 1) ? { line: at.line } : {}),
        message: `${this.data.skippedLines} line${this.data.skippedLines > 1 ? 's were' : ' was'} not a complete JSON event and ${this.data.skippedLines > 1 ? 'were' : 'was'} skipped${where}${opts.inProgress ? '; the log is still being written (.inprogress)' : ''}`,
      });
    }
    const executions = [...this.executions.values()].sort((a, b) => a.executionId - b.executionId);
    const jobStatus = (x: ExecutionRecord): RunStatus[] => x.jobIds.map((j) => this.jobs.get(j)?.status ?? 'running');
    for (const x of executions) {
      if (x.endTime === null && !x.errorMessage) continue;
      // Before Spark 3.4 the end event carries no error: a failed job is the execution's failure.
      if (!x.errorMessage && jobStatus(x).includes('failed')) {
        x.errorMessage =
          x.jobIds.map((j) => this.jobs.get(j)).find((j) => j?.status === 'failed')?.error ??
          'a job of this execution failed';
      }
    }
    this.data.executions = executions;
    return this.data;
  }

  get linesSeen(): number {
    return this.lineNo;
  }
}
