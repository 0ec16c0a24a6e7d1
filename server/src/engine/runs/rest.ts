/**
 * History Server REST answers → RunData: `/api/v1/applications/<app>/sql?details=true` (a list of executions),
 * `/sql/<id>` (one, with or without `planDescription`), `/api/v1/applications` (the application list). Nodes
 * keep Spark's `nodeId`, edges its `fromId → toId`, metrics their display strings (turned into numbers too).
 * Shapes are checked with zod; an answer of another shape is refused with what was expected.
 */
import { z } from 'zod';
import type { RunAppList, RunStatus } from '../../protocol/contracts';
import { RunsInputError } from './errors';
import { parseMetricDisplay } from './metrics';
import { emptyApp, type ExecutionRecord, type GraphNode, type JobRecord, type PlanGraph, type RunData } from './model';

const RestNodeSchema = z
  .object({
    nodeId: z.number().int(),
    nodeName: z.string(),
    wholeStageCodegenId: z.number().int().optional(),
    metrics: z
      .array(z.object({ name: z.string(), value: z.union([z.string(), z.number()]).transform(String) }).passthrough())
      .default([]),
  })
  .passthrough();

export const RestExecutionSchema = z
  .object({
    id: z.number().int(),
    status: z.string().optional(),
    description: z.string().default(''),
    planDescription: z.string().optional(),
    submissionTime: z.union([z.string(), z.number()]).optional(),
    duration: z.number().optional(),
    runningJobIds: z.array(z.number().int()).default([]),
    successJobIds: z.array(z.number().int()).default([]),
    failedJobIds: z.array(z.number().int()).default([]),
    nodes: z.array(RestNodeSchema).default([]),
    edges: z.array(z.object({ fromId: z.number().int(), toId: z.number().int() }).passthrough()).default([]),
    rootExecutionId: z.number().int().optional(),
    errorMessage: z.string().optional(),
  })
  .passthrough();
export type RestExecution = z.infer<typeof RestExecutionSchema>;

const RestAppSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    attempts: z
      .array(
        z
          .object({
            attemptId: z.string().optional(),
            startTime: z.union([z.string(), z.number()]).optional(),
            endTime: z.union([z.string(), z.number()]).optional(),
            startTimeEpoch: z.number().optional(),
            endTimeEpoch: z.number().optional(),
            completed: z.boolean().optional(),
            appSparkVersion: z.string().optional(),
          })
          .passthrough(),
      )
      .default([]),
  })
  .passthrough();
export type RestApp = z.infer<typeof RestAppSchema>;

/** "2026-04-15T20:59:55.511GMT" (Spark's JSON dates) or epoch ms → epoch ms. */
export function restTime(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return null;
  const t = Date.parse(v.replace(/GMT$/, 'Z'));
  return Number.isFinite(t) ? t : null;
}

export type RestAnswer =
  | { kind: 'restList'; executions: RestExecution[] }
  | { kind: 'restExecution'; executions: RestExecution[] }
  | { kind: 'appList'; apps: RestApp[] };

const issueText = (e: z.ZodError) =>
  e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');

/** Which REST answer a parsed JSON document is; RunsInputError when none. */
export function classifyRest(v: unknown, what: string): RestAnswer {
  if (Array.isArray(v)) {
    if (v.length === 0) return { kind: 'restList', executions: [] };
    const first = v[0] as Record<string, unknown> | null;
    if (first && typeof first === 'object' && 'attempts' in first) {
      const apps = z.array(RestAppSchema).safeParse(v);
      if (!apps.success)
        throw new RunsInputError(
          `${what} looks like the History Server's application list but ${issueText(apps.error)}`,
        );
      return { kind: 'appList', apps: apps.data };
    }
    const list = z.array(RestExecutionSchema).safeParse(v);
    if (!list.success)
      throw new RunsInputError(
        `${what} is a JSON array but not the History Server's SQL execution list (/applications/<app>/sql): ${issueText(list.error)}`,
      );
    return { kind: 'restList', executions: list.data };
  }
  if (v && typeof v === 'object' && 'id' in v && ('nodes' in v || 'planDescription' in v)) {
    const one = RestExecutionSchema.safeParse(v);
    if (!one.success)
      throw new RunsInputError(
        `${what} looks like a History Server SQL execution (/sql/<id>) but ${issueText(one.error)}`,
      );
    return { kind: 'restExecution', executions: [one.data] };
  }
  throw new RunsInputError(
    `${what} is JSON of an unknown shape: expected a Spark event log, the History Server's /applications/<app>/sql list, one /sql/<id> execution, or the /applications list`,
  );
}

/** The most recent attempt of an application (Spark lists attempts newest first; the order is not relied on). */
export function latestAttempt(app: RestApp): RestApp['attempts'][number] | undefined {
  let best: RestApp['attempts'][number] | undefined;
  let bestStart = -Infinity;
  for (const a of app.attempts) {
    const start = a.startTimeEpoch ?? restTime(a.startTime) ?? -Infinity;
    if (!best || start > bestStart) {
      best = a;
      bestStart = start;
    }
  }
  return best;
}

const STATUS: Record<string, RunStatus> = { COMPLETED: 'succeeded', FAILED: 'failed', RUNNING: 'running' };

function graphOf(x: RestExecution): PlanGraph | null {
  if (!x.nodes.length) return null;
  const nodes: GraphNode[] = x.nodes
    .map((n) => {
      const stage = /^WholeStageCodegen \((\d+)\)$/.exec(n.nodeName);
      return {
        sparkId: n.nodeId,
        name: n.nodeName,
        desc: n.nodeName,
        cluster: !!stage,
        codegenStage: stage ? Number(stage[1]) : n.wholeStageCodegenId,
        metricDefs: [],
        metrics: n.metrics.map((m) => parseMetricDisplay(m.name, m.value)),
      };
    })
    .sort((a, b) => a.sparkId - b.sparkId);
  return { nodes, edges: x.edges.map((e) => [e.fromId, e.toId] as [number, number]) };
}

/** The executions of a REST answer as a run (the application is known only when the server told it). */
export function runFromRest(executions: RestExecution[], app?: RestApp): RunData {
  const jobs = new Map<number, JobRecord>();
  const records: ExecutionRecord[] = executions
    .map((x) => {
      const start = restTime(x.submissionTime);
      const status = x.status ? STATUS[x.status.toUpperCase()] : undefined;
      for (const [ids, st] of [
        [x.successJobIds, 'succeeded'],
        [x.failedJobIds, 'failed'],
        [x.runningJobIds, 'running'],
      ] as const) {
        for (const j of ids) jobs.set(j, { jobId: j, status: st, stageIds: [], executionId: x.id });
      }
      return {
        executionId: x.id,
        rootExecutionId: x.rootExecutionId ?? null,
        description: x.description,
        details: '',
        startTime: start,
        endTime: start !== null && x.duration !== undefined && status !== 'running' ? start + x.duration : null,
        errorMessage:
          x.errorMessage ||
          (status === 'failed' ? 'the execution failed (the History Server gives no message)' : undefined),
        restStatus: x.status,
        planText: x.planDescription ?? null,
        graph: graphOf(x),
        planVersions: 1,
        metricDefs: new Map(),
        jobIds: [...x.successJobIds, ...x.failedJobIds, ...x.runningJobIds].sort((a, b) => a - b),
        taskFailures: [],
      };
    })
    .sort((a, b) => a.executionId - b.executionId);
  const a = app && latestAttempt(app);
  return {
    app: app
      ? {
          id: app.id,
          name: app.name ?? null,
          sparkVersion: a?.appSparkVersion ?? null,
          startTime: a?.startTimeEpoch ?? restTime(a?.startTime),
          endTime: a?.completed === false ? null : (a?.endTimeEpoch ?? restTime(a?.endTime)),
        }
      : emptyApp(),
    executions: records,
    jobs,
    skippedLines: 0,
    problems: [],
    stats: { bytes: 0, lines: 0, events: 0 },
  };
}

export function appListOf(apps: RestApp[], source: string): RunAppList {
  return {
    source,
    apps: apps.map((a) => {
      const last = latestAttempt(a);
      return {
        id: a.id,
        name: a.name ?? null,
        startTime: last ? (last.startTimeEpoch ?? restTime(last.startTime)) : null,
        endTime: last && last.completed !== false ? (last.endTimeEpoch ?? restTime(last.endTime)) : null,
        completed: last?.completed ?? true,
        sparkVersion: last?.appSparkVersion ?? null,
      };
    }),
  };
}
