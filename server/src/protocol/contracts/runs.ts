/**
 * Spark runs → code (issue 11): what `daglens runs --json` prints and what the Spark Runs view reads. An
 * application's SQL executions, each located in code and with its plan mapped and annotated with metrics.
 * Zod and plain types only (no LSP, no editor): the engine, the adapters and the webviews may import it.
 */
import { z } from 'zod';
import { DagMapProblemSchema, DagMapResultSchema } from './dag';

/** Where an execution (or a failing UDF) comes from in the workspace. Lines 1-based inclusive. */
export const RunLocationSchema = z.object({
  file: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  /** 0–1: ≥ 0.8 is a place DagLens is sure of; below, a best guess. */
  confidence: z.number().min(0).max(1),
  /** One sentence: which evidence placed it here (callSite, query name, plan, temp view, traceback). */
  evidence: z.string(),
});
export type RunLocation = z.infer<typeof RunLocationSchema>;

export const RunStatusSchema = z.enum(['succeeded', 'failed', 'running']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunJobSchema = z.object({
  jobId: z.number().int(),
  status: RunStatusSchema,
  stageIds: z.array(z.number().int()),
  /** spark.job.description (setJobDescription / setJobGroup), when set. */
  description: z.string().optional(),
  /** callSite.short: "collect at /app/job.py:102". */
  callSite: z.string().optional(),
});
export type RunJob = z.infer<typeof RunJobSchema>;

/** An operator's time and size in short, for lists and lenses (numbers in ms / rows / bytes). */
export const RunOperatorSummarySchema = z.object({
  nodeId: z.string(),
  sparkId: z.number().int().optional(),
  operator: z.string(),
  timeMs: z.number().optional(),
  rows: z.number().optional(),
  spillBytes: z.number().optional(),
  peakMemoryBytes: z.number().optional(),
  /** Where the operator maps in code (best location), if anywhere. */
  file: z.string().optional(),
  line: z.number().int().optional(),
});
export type RunOperatorSummary = z.infer<typeof RunOperatorSummarySchema>;

export const RunExecutionSummarySchema = z.object({
  executionId: z.number().int(),
  /** The execution this one ran under (Spark 3.4+ nests e.g. a cache or a subquery); itself for roots. */
  rootExecutionId: z.number().int().nullable(),
  description: z.string(),
  /** "collect at /app/job.py:102" when Spark recorded where the action was called. */
  callSite: z.string().nullable(),
  /** Epoch milliseconds. */
  startTime: z.number().nullable(),
  durationMs: z.number().nullable(),
  status: RunStatusSchema,
  /** The failure, first lines. */
  error: z.string().optional(),
  location: RunLocationSchema.nullable(),
  /** Failed tasks' Python tracebacks → the UDF lines they name. */
  errorLocations: z.array(RunLocationSchema).default([]),
  jobs: z.array(RunJobSchema).default([]),
  /** Adaptive execution re-planned it: the result holds the final plan (and the initial one, section `initial`). */
  adaptive: z.boolean().default(false),
  /** The slowest operators (by their own time), best first; at most 5. */
  topOperators: z.array(RunOperatorSummarySchema).default([]),
});
export type RunExecutionSummary = z.infer<typeof RunExecutionSummarySchema>;

export const RunExecutionSchema = RunExecutionSummarySchema.extend({
  /** The plan mapped to code, as `daglens map --json` prints it (nodes with sparkId and metrics). */
  result: DagMapResultSchema,
});
export type RunExecution = z.infer<typeof RunExecutionSchema>;

export const RunAppSchema = z.object({
  id: z.string().nullable(),
  name: z.string().nullable(),
  sparkVersion: z.string().nullable(),
  startTime: z.number().nullable(),
  endTime: z.number().nullable(),
});
export type RunApp = z.infer<typeof RunAppSchema>;

export const RunSourceInfoSchema = z.object({
  kind: z.enum(['eventLog', 'rollingEventLog', 'restList', 'restExecution', 'historyServer']),
  /** The file, folder or URL read. */
  path: z.string(),
  /** Files read (rolling logs: the parts, in order). */
  parts: z.number().int().default(1),
  /** The application had not finished when the log was written (`.inprogress`). */
  inProgress: z.boolean().default(false),
});

export const RunsResultSchema = z.object({
  source: RunSourceInfoSchema,
  app: RunAppSchema,
  /** Lines that were not JSON events (a cut last line, a corrupt line): skipped, counted here. */
  skippedLines: z.number().int(),
  /** What could not be read or understood; the rest of the result stands. */
  problems: z.array(DagMapProblemSchema).default([]),
  executions: z.array(RunExecutionSchema),
  stats: z.object({ ms: z.number(), bytes: z.number(), lines: z.number().int(), events: z.number().int() }),
});
export type RunsResult = z.infer<typeof RunsResultSchema>;

/** The same, with executions summarised (the Spark Runs view asks for one execution's plan when opened). */
export const RunsSummarySchema = RunsResultSchema.omit({ executions: true }).extend({
  /** Identifies this loaded run in later requests. */
  runId: z.string(),
  executions: z.array(RunExecutionSummarySchema),
});
export type RunsSummary = z.infer<typeof RunsSummarySchema>;

/** Applications a History Server (or a log directory) offers. */
export const RunAppListSchema = z.object({
  source: z.string(),
  apps: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable(),
      startTime: z.number().nullable(),
      endTime: z.number().nullable(),
      completed: z.boolean(),
      sparkVersion: z.string().nullable(),
    }),
  ),
});
export type RunAppList = z.infer<typeof RunAppListSchema>;

/** `daglens/runs/open`: read a run (a path, or an application of a live History Server) and map it to the workspace. */
export const OpenRunParamsSchema = z
  .object({
    /** An event log file or folder, or a saved History Server answer. */
    path: z.string().min(1).max(4096).optional(),
    /** A live History Server's URL… */
    historyServer: z.string().url().max(2048).optional(),
    /** …and the application to read (without it: the applications it has). In a folder of logs: which one. */
    app: z.string().min(1).max(500).optional(),
    /** A file or folder URI in the workspace folder whose code made the run (default: the first folder). */
    workspaceUri: z.string().optional(),
    /** Progress comes as `daglens/runs/progress` notifications carrying this id. */
    progressId: z.string().min(1).max(100).optional(),
  })
  .refine((p) => !!p.path !== !!p.historyServer, { message: 'give a path or a historyServer URL' });
export type OpenRunParams = z.infer<typeof OpenRunParamsSchema>;

export const OpenRunResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('run'), run: RunsSummarySchema }),
  z.object({ kind: z.literal('apps'), apps: RunAppListSchema }),
]);
export type OpenRunResult = z.infer<typeof OpenRunResultSchema>;

export const RunProgressSchema = z.object({
  progressId: z.string(),
  message: z.string(),
  /** 0–100 when known. */
  percent: z.number().min(0).max(100).optional(),
});
export type RunProgress = z.infer<typeof RunProgressSchema>;

export const RunExecutionParamsSchema = z.object({ runId: z.string().min(1), executionId: z.number().int() });
export type RunExecutionParams = z.infer<typeof RunExecutionParamsSchema>;

export const CloseRunParamsSchema = z.object({ runId: z.string() });
export type CloseRunParams = z.infer<typeof CloseRunParamsSchema>;

/** An operator of a loaded run, with its place in code: the slowest-operators list and lens clicks. */
export const RunOperatorRefSchema = RunOperatorSummarySchema.extend({
  runId: z.string(),
  executionId: z.number().int(),
  uri: z.string().optional(),
  endLine: z.number().int().optional(),
});
export type RunOperatorRef = z.infer<typeof RunOperatorRefSchema>;
export const SlowestOperatorsParamsSchema = z.object({ runId: z.string().optional(), limit: z.number().optional() });
export type SlowestOperatorsParams = z.infer<typeof SlowestOperatorsParamsSchema>;

/** Arguments of the client command a runtime code lens runs: the execution's graph, the operator(s) at that line in focus. */
export const SHOW_RUN_EXECUTION_COMMAND = 'daglens.runs.showExecution';
export const ShowRunExecutionArgsSchema = z.object({
  runId: z.string().min(1),
  executionId: z.number().int(),
  nodeIds: z.array(z.string()).default([]),
});
export type ShowRunExecutionArgs = z.infer<typeof ShowRunExecutionArgsSchema>;
