/**
 * The one place where DagLens's custom LSP requests and notifications are declared, with their
 * parameter and result types. Server, client, CLI and webviews import from here (as `@daglens/protocol`),
 * so a change of shape is a type error everywhere at once. Data that crosses a process or webview
 * boundary has a zod schema beside its type.
 *
 * Sections (append in this order): status · search/index · lineage · DAG mapping · runs · LLM · webview messages · agents.
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import { z } from 'zod';

// ── status ───────────────────────────────────────────────────────────────────────────────────────────

export const ServerStatusSchema = z.object({
  /** ok: ready; warning: works but something is degraded; error: a feature is broken. */
  health: z.enum(['ok', 'warning', 'error']),
  /** False while the server is scanning or indexing. */
  quiescent: z.boolean(),
  /** One line for the status bar tooltip. */
  message: z.string().optional(),
  /** Files processed so far / to process, while not quiescent. */
  progress: z.object({ done: z.number(), total: z.number() }).optional(),
});
export type ServerStatus = z.infer<typeof ServerStatusSchema>;

export const serverStatus = new NotificationType<ServerStatus>('daglens/serverStatus');

/**
 * The DagLens client shows the workspace read as a cancellable notification driven by `serverStatus` (the status
 * item stays the one item in the status bar); it says so with `initializationOptions.readingProgress: 'status'`,
 * and cancels with this. Other clients get LSP work-done progress.
 */
export const cancelReading = new NotificationType0('daglens/cancelReading');

export interface WorkspaceInfo {
  roots: string[];
  files: number;
  skipped: Array<{ rel: string; reason: string; detail: string }>;
}
export const workspaceInfo = new RequestType0<WorkspaceInfo, void>('daglens/workspaceInfo');

// ── search/index ─────────────────────────────────────────────────────────────────────────────────────

export const IndexLanguageSchema = z.enum(['python', 'sql', 'java', 'scala', 'typescript', 'tsx', 'javascript', 'yaml']);

/** `daglens/search` and `daglens search`: hybrid (BM25 + vector) search over the workspace index. */
export const SearchParamsSchema = z.object({
  query: z.string().min(1).max(4000),
  /** Hits to return (default 10). */
  k: z.number().int().min(1).max(500).optional(),
  languages: z.array(IndexLanguageSchema).optional(),
  /** Workspace-relative glob, e.g. `models/**\/*.sql`. */
  pathGlob: z.string().max(1000).optional(),
  mode: z.enum(['hybrid', 'lexical', 'vector']).optional(),
});
export type SearchParams = z.infer<typeof SearchParamsSchema>;

export const SearchHitSchema = z.object({
  /** file: URI of the file (LSP only). */
  uri: z.string().optional(),
  /** Workspace-relative path. */
  file: z.string(),
  language: IndexLanguageSchema,
  /** A symbol kind (function, method, class, statement, cte, model, column, …) or `code` for file-level lines. */
  kind: z.string(),
  name: z.string(),
  container: z.array(z.string()),
  /** 1-based, inclusive. */
  startLine: z.number().int(),
  endLine: z.number().int(),
  /** UTF-16 offsets of the chunk in the file: [startOffset, endOffset). */
  startOffset: z.number().int(),
  endOffset: z.number().int(),
  /** 0 = a whole symbol; 1, 2, … = pieces of a long one. */
  part: z.number().int(),
  text: z.string(),
  score: z.number(),
  /** 1-based lines holding a query term (lexical matches). */
  matchedLines: z.array(z.number().int()),
  via: z.array(z.enum(['lexical', 'vector'])),
});
export type SearchHitDto = z.infer<typeof SearchHitSchema>;

export interface SearchResult {
  hits: SearchHitDto[];
  /** True while a folder is still being indexed (hits may be incomplete). */
  indexing: boolean;
}
export const search = new RequestType<SearchParams, SearchResult, void>('daglens/search');

/** `daglens/reindex` (editor commands Index Workspace / Rebuild Index): bring every folder's index up to date; `rebuild` first throws the saved and in-memory index away. */
export const ReindexParamsSchema = z.object({ rebuild: z.boolean().default(false) });
export interface ReindexResult {
  folders: Array<{ root: string; files: number; chunks: number }>;
  seconds: number;
}
export const reindex = new RequestType<z.input<typeof ReindexParamsSchema>, ReindexResult, void>('daglens/reindex');

/** `daglens index --json`. */
export interface IndexReportDto {
  workspace: string;
  indexDir: string;
  files: number;
  chunks: number;
  /** Files parsed and chunked in this run; the rest came from the saved index unchanged. */
  indexed: number;
  removed: number;
  skipped: Array<{ rel: string; reason: string; detail: string }>;
  loadedSavedIndex: boolean;
  vectorBackend: 'hnsw' | 'exact';
  embedder: string;
  seconds: number;
}

// ── lineage ──────────────────────────────────────────────────────────────────────────────────────────
// Table/column lineage and impact analysis (issue 4): what `daglens lineage --json` / `daglens impact --json`
// print and what `daglens/lineage` / `daglens/impact` return. Files relative to the workspace, lines 1-based.

export const LineageRefSchema = z.object({
  asset: z.string(),
  /** 1-based line of the code that names the asset. */
  line: z.number().int().min(1),
  /** Set when the reference is in another file than the process (an Airflow task's .sql file). */
  file: z.string().optional(),
  /** The name is only partly known (f-string placeholders, unresolvable Jinja). */
  dynamic: z.boolean().optional(),
  /** dbt: a relation named directly in SQL, not through ref()/source() — dbt itself draws no edge for it. */
  direct: z.boolean().optional(),
});
export type LineageRef = z.infer<typeof LineageRefSchema>;

export const LineageProcessSchema = z.object({
  id: z.string(),
  kind: z.enum(['sql_statement', 'dbt_model', 'pyspark', 'spark_scala', 'airflow_task']),
  file: z.string(),
  symbol: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  reads: z.array(LineageRefSchema),
  writes: z.array(LineageRefSchema),
  /** Why the extraction is partial; empty when complete. */
  partial: z.array(z.string()),
  /** dbt: macros called that are neither the project's nor installed (run `dbt deps`, or keep target/manifest.json). */
  unresolvedMacros: z.array(z.string()).optional(),
  /** Airflow: ids of the upstream tasks' processes. */
  upstream: z.array(z.string()).optional(),
  /** PySpark: which reads each written asset derives from (traced through DataFrame variables); others: all. */
  flows: z.array(z.object({ to: z.string(), from: z.array(z.string()) })).optional(),
});
export type LineageProcess = z.infer<typeof LineageProcessSchema>;

export const LineageAssetSchema = z.object({
  id: z.string(),
  kind: z.enum(['table', 'view', 'file', 'dbt_model', 'dbt_seed', 'dbt_snapshot', 'dbt_source', 'dataset']),
  name: z.string(),
  /** dbt nodes: the relation built or pointed at. */
  relation: z.string().optional(),
  writers: z.array(z.string()),
  readers: z.array(z.string()),
});
export type LineageAsset = z.infer<typeof LineageAssetSchema>;

export const LineageColumnSchema = z.object({
  process: z.string(),
  /** The asset the column belongs to (the process's output), when known. */
  asset: z.string().optional(),
  column: z.string(),
  line: z.number().int().min(1),
  sources: z.array(z.object({ asset: z.string().optional(), column: z.string(), candidates: z.array(z.string()).optional() })),
  /** e.g. "* kept: columns of x unknown". */
  note: z.string().optional(),
});
export type LineageColumn = z.infer<typeof LineageColumnSchema>;

export const LineageResultSchema = z.object({
  assets: z.array(LineageAssetSchema),
  processes: z.array(LineageProcessSchema),
  columns: z.array(LineageColumnSchema),
});
export type LineageResult = z.infer<typeof LineageResultSchema>;

export const LineageParamsSchema = z.object({
  /** The processes of this document (and the assets they touch)… */
  uri: z.string().optional(),
  /** …or of the assets/processes matching this name (a table, dbt model, process id); neither: the workspace. */
  symbol: z.string().optional(),
});
export type LineageParams = z.infer<typeof LineageParamsSchema>;
export const lineageRequest = new RequestType<LineageParams, LineageResult, void>('daglens/lineage');

export const ImpactStepSchema = z.object({ from: z.string(), process: z.string(), to: z.string() });
export const ImpactResultSchema = z.object({
  /** The resolved start: asset id, `asset.column`, or process id. */
  start: z.string(),
  kind: z.enum(['asset', 'column', 'process', 'unknown']),
  direction: z.enum(['downstream', 'upstream']),
  hits: z.array(z.object({ asset: z.string(), distance: z.number().int(), path: z.array(ImpactStepSchema) })),
  columns: z.array(z.object({ asset: z.string(), column: z.string(), distance: z.number().int(), path: z.array(ImpactStepSchema) })).optional(),
});
export type ImpactResult = z.infer<typeof ImpactResultSchema>;

export const ImpactParamsSchema = z.object({
  /** An asset (table, dbt model/source, path), `table.column`, or a process id… */
  asset: z.string().optional(),
  /** …or a code location: the asset named there, else the innermost process there. */
  uri: z.string().optional(),
  position: z.object({ line: z.number().int().min(0), character: z.number().int().min(0) }).optional(),
  direction: z.enum(['downstream', 'upstream']).default('downstream'),
});
export type ImpactParams = z.input<typeof ImpactParamsSchema>;
export const impactRequest = new RequestType<ImpactParams, ImpactResult, void>('daglens/impact');

/** Arguments of the `daglens.showLineage` client command that a resolved lineage code lens runs. */
export const ShowLineageArgsSchema = z.object({
  title: z.string(),
  items: z.array(z.object({
    /** "reads", "writes", "downstream", "upstream". */
    group: z.string(),
    label: z.string(),
    detail: z.string().optional(),
    uri: z.string().optional(),
    /** 0-based line to reveal in `uri`. */
    line: z.number().int().min(0).optional(),
  })),
});
export type ShowLineageArgs = z.infer<typeof ShowLineageArgsSchema>;
export const SHOW_LINEAGE_COMMAND = 'daglens.showLineage';

// ── DAG mapping ──────────────────────────────────────────────────────────────────────────────────────
// The DAG → code contract (issue 5): what `daglens map --json` prints, what `daglens/mapDag` returns and
// what the plan lenses and the graph view read. Lines are 1-based inclusive; files relative to the workspace.

export const DagMapLocationSchema = z.object({
  file: z.string(),
  /** The enclosing unit: CTE / derived table / function / dbt model / file stem. */
  symbol: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  /** 0–1, calibrated on the public corpus: ≥ 0.8 is `high`, 0.5–0.8 `low`. */
  confidence: z.number().min(0).max(1),
  /** One sentence naming the evidence that matched. */
  explanation: z.string(),
});
export type DagMapLocation = z.infer<typeof DagMapLocationSchema>;

export const DagMapStatusSchema = z.enum(['high', 'low', 'derived', 'unmapped']);
export type DagMapStatus = z.infer<typeof DagMapStatusSchema>;

export const DagNodeMappingSchema = z.object({
  nodeId: z.string(),
  status: DagMapStatusSchema,
  best: DagMapLocationSchema.nullable(),
  /** Up to 3 other places, best first (the hook for LLM verification of `low` nodes). */
  alternatives: z.array(DagMapLocationSchema).max(3),
});
export type DagNodeMapping = z.infer<typeof DagNodeMappingSchema>;

/**
 * A SQL metric of a plan node as Spark shows it (`value`, Spark's own display string and units), with its
 * figures as numbers in `unit` (counts, bytes, milliseconds) for sorting and heat maps.
 */
export const RunMetricSchema = z.object({
  /** Spark's name: "number of output rows", "duration", "spill size", "peak memory", … */
  name: z.string(),
  /** Spark's metric type: sum, size, timing, nsTiming, average (REST answers: read off the value). */
  type: z.string(),
  value: z.string(),
  unit: z.enum(['count', 'bytes', 'ms']),
  total: z.number().optional(),
  min: z.number().optional(),
  med: z.number().optional(),
  max: z.number().optional(),
  /** Where the largest value came from: "stage 14.0: task 31", or "driver". */
  maxAt: z.string().optional(),
});
export type RunMetric = z.infer<typeof RunMetricSchema>;

export const DagContractNodeSchema = z.object({
  id: z.string(),
  operator: z.string(),
  label: z.string(),
  /** 1-based line where the node is printed in the DAG file; null for JSON inputs. */
  line: z.number().int().min(1).nullable(),
  /** An accelerated engine's operator (RAPIDS Gpu…, Photon…, Comet…, Gluten …Transformer): the Spark operator it stands for. */
  sparkOperator: z.string().optional(),
  /** Runs: the node's id in Spark's SQL plan graph (the History Server's `nodeId`, what the Spark UI shows). */
  sparkId: z.number().int().optional(),
  /** The operator id EXPLAIN FORMATTED prints, `(N)`, when the plan text has one. */
  planId: z.string().optional(),
  /** Where the node sits: the (final) plan, a subquery, or the adaptive plan's initial version. */
  section: z.enum(['main', 'subquery', 'initial']).optional(),
  /** Runs: the node's SQL metrics, as the run reported them. */
  metrics: z.array(RunMetricSchema).optional(),
});

export const DagMapProblemSchema = z.object({
  line: z.number().int().optional(),
  field: z.string().optional(),
  message: z.string(),
});
export type DagMapProblem = z.infer<typeof DagMapProblemSchema>;

export const DagMapResultSchema = z.object({
  dag: z.object({
    kind: z.string(),
    nodes: z.array(DagContractNodeSchema),
    /** [from, to]: data flows from `from` (an input) to `to` (its consumer). */
    edges: z.array(z.tuple([z.string(), z.string()])),
  }),
  mappings: z.array(DagNodeMappingSchema),
  stats: z.object({ ms: z.number(), llmCalls: z.number().int(), costUsd: z.number() }),
  /** The source units the DAG most likely came from, best first (file-level score 0–1). */
  sources: z.array(z.object({ file: z.string(), score: z.number() })).default([]),
  /** What was wrong with the input (line or field, message); the mapping keeps what could be read. */
  problems: z.array(DagMapProblemSchema).default([]),
});
export type DagMapResult = z.infer<typeof DagMapResultSchema>;

export const MapDagParamsSchema = z.object({
  /** The DAG file (plan text, manifest, JSON DAG, Airflow DAG file); its open editor text wins over the disk. */
  uri: z.string().min(1),
  /** Pass to map another text than the file's (e.g. an unsaved selection). */
  text: z.string().optional(),
});
export type MapDagParams = z.infer<typeof MapDagParamsSchema>;
/** Maps a DAG file to the code of the workspace it belongs to; cached by (content hash, index version). */
export const mapDag = new RequestType<MapDagParams, DagMapResult, void>('daglens/mapDag');

/** Client command the DAG lenses run: open `uri` and select 0-based lines `startLine`..`endLine`. */
export const OPEN_LOCATION_COMMAND = 'daglens.openLocation';
export const OpenLocationArgsSchema = z.object({
  uri: z.string().min(1),
  startLine: z.number().int().min(0),
  endLine: z.number().int().min(0),
});
export type OpenLocationArgs = z.infer<typeof OpenLocationArgsSchema>;

// ── runs ─────────────────────────────────────────────────────────────────────────────────────────────
// Spark runs → code (issue 11): what `daglens runs --json` prints and what the Spark Runs view reads. An
// application's SQL executions, each located in code and with its plan mapped and annotated with metrics.

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
  apps: z.array(z.object({
    id: z.string(),
    name: z.string().nullable(),
    startTime: z.number().nullable(),
    endTime: z.number().nullable(),
    completed: z.boolean(),
    sparkVersion: z.string().nullable(),
  })),
});
export type RunAppList = z.infer<typeof RunAppListSchema>;

/** `daglens/runs/open`: read a run (a path, or an application of a live History Server) and map it to the workspace. */
export const OpenRunParamsSchema = z.object({
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
}).refine((p) => !!p.path !== !!p.historyServer, { message: 'give a path or a historyServer URL' });
export type OpenRunParams = z.infer<typeof OpenRunParamsSchema>;

export const OpenRunResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('run'), run: RunsSummarySchema }),
  z.object({ kind: z.literal('apps'), apps: RunAppListSchema }),
]);
export type OpenRunResult = z.infer<typeof OpenRunResultSchema>;
/** Reads and maps a run; cancellable ($/cancelRequest stops the read and frees what was read). */
export const openRun = new RequestType<OpenRunParams, OpenRunResult, void>('daglens/runs/open');

export const RunProgressSchema = z.object({
  progressId: z.string(),
  message: z.string(),
  /** 0–100 when known. */
  percent: z.number().min(0).max(100).optional(),
});
export type RunProgress = z.infer<typeof RunProgressSchema>;
export const runProgress = new NotificationType<RunProgress>('daglens/runs/progress');

export const RunExecutionParamsSchema = z.object({ runId: z.string().min(1), executionId: z.number().int() });
export type RunExecutionParams = z.infer<typeof RunExecutionParamsSchema>;
/** One execution of a loaded run in full: its plan mapped, with metrics on the nodes. */
export const runExecution = new RequestType<RunExecutionParams, RunExecution, void>('daglens/runs/execution');

/** The runs loaded in this session (the Spark Runs view asks after a server restart). */
export const listRuns = new RequestType0<RunsSummary[], void>('daglens/runs/list');
export const CloseRunParamsSchema = z.object({ runId: z.string() });
export type CloseRunParams = z.infer<typeof CloseRunParamsSchema>;
/** Forgets a loaded run (its lenses and hovers go). */
export const closeRun = new RequestType<CloseRunParams, { closed: boolean }, void>('daglens/runs/close');

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
/** The slowest operators of the loaded runs (or of one), by their own time, with where they map. */
export const slowestOperators = new RequestType<SlowestOperatorsParams, RunOperatorRef[], void>('daglens/runs/slowest');

/** Arguments of the client command a runtime code lens runs: the execution's graph, the operator(s) at that line in focus. */
export const SHOW_RUN_EXECUTION_COMMAND = 'daglens.runs.showExecution';
export const ShowRunExecutionArgsSchema = z.object({ runId: z.string().min(1), executionId: z.number().int(), nodeIds: z.array(z.string()).default([]) });
export type ShowRunExecutionArgs = z.infer<typeof ShowRunExecutionArgsSchema>;

// ── LLM ──────────────────────────────────────────────────────────────────────────────────────────────
// The LLM layer (issue 6): chat backend, explanations, stats, trust. Lines are 1-based inclusive; `file` is
// workspace-relative, `uri` opens it. Nothing here ever carries an API key.

/** The environment variable through which the VS Code client hands the server the key from SecretStorage. */
export const LLM_API_KEY_ENV = 'DAGLENS_LLM_API_KEY';

/** ready: a provider is configured; otherwise why nothing is sent to a model. */
export const LlmStateSchema = z.enum(['ready', 'noProvider', 'untrusted', 'disabled']);
export type LlmState = z.infer<typeof LlmStateSchema>;

export const LlmUsageSchema = z.object({
  requests: z.number(),
  cacheHits: z.number(),
  errors: z.number(),
  /** Requests not sent because they would have exceeded a budget. */
  refused: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  costUsd: z.number(),
  latencyP50Ms: z.number(),
  latencyP95Ms: z.number(),
});
export type LlmUsage = z.infer<typeof LlmUsageSchema>;

export const LlmStatsSchema = z.object({
  state: LlmStateSchema,
  /** One line: the provider chain when ready, else what is wrong and what to do. */
  message: z.string(),
  /** Every problem found in the LLM settings, one line each. */
  problems: z.array(z.string()),
  providers: z.array(z.object({ name: z.string(), model: z.string(), local: z.boolean(), circuit: z.enum(['closed', 'open', 'half-open']) })),
  limits: z.object({ maxJobCostUsd: z.number(), maxHourlyCostUsd: z.number() }),
  lastHour: LlmUsageSchema,
  total: LlmUsageSchema,
  byFeature: z.record(LlmUsageSchema),
  byModel: z.record(LlmUsageSchema),
  cacheDir: z.string().nullable(),
});
export type LlmStats = z.infer<typeof LlmStatsSchema>;
/** The workspace folder a request is about: a file or folder URI in it (the first folder without one). */
export const FolderParamsSchema = z.object({ uri: z.string().optional() });
export type FolderParams = z.infer<typeof FolderParamsSchema>;
/** Spend, tokens, cache hits and latency of the workspace the uri belongs to (the first folder without one). */
export const llmStats = new RequestType<FolderParams, LlmStats, void>('daglens/llmStats');

export const LlmCitationSchema = z.object({
  file: z.string(),
  uri: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  symbol: z.string().optional(),
});
export type LlmCitation = z.infer<typeof LlmCitationSchema>;

export const AskParamsSchema = z.object({
  question: z.string().trim().min(1).max(8000),
  /** The file the user is in: selects the workspace and adds its context. */
  uri: z.string().optional(),
  /** Selected lines of `uri` (1-based inclusive), put first in the evidence. */
  selection: z.object({ startLine: z.number().int().min(1), endLine: z.number().int().min(1) }).optional(),
  /** Other context: a DAG node's details, lineage around the selection. */
  context: z.string().max(20_000).optional(),
  /** When set, the answer streams as `daglens/askDelta` notifications carrying this id. */
  streamId: z.string().min(1).max(100).optional(),
});
export type AskParams = z.infer<typeof AskParamsSchema>;

export const AskResultSchema = z.object({
  /** Markdown; the whole answer (also when it was streamed). */
  answer: z.string(),
  /** Only citations that exist in the workspace (file, lines, symbol checked). */
  citations: z.array(LlmCitationSchema),
  /** How many of the model's citations pointed nowhere and were dropped. */
  droppedCitations: z.number().int(),
  /** True when no model answered: the answer lists the evidence and `reason` says why. */
  offline: z.boolean(),
  reason: z.string().optional(),
  state: LlmStateSchema,
  costUsd: z.number(),
  cached: z.boolean(),
});
export type AskResult = z.infer<typeof AskResultSchema>;
/** Asks a question about the workspace; cancellable ($/cancelRequest stops the HTTP request). */
export const ask = new RequestType<AskParams, AskResult, void>('daglens/ask');

export const AskDeltaSchema = z.object({ streamId: z.string(), text: z.string() });
export type AskDelta = z.infer<typeof AskDeltaSchema>;
/** More text of a streamed answer, in order. */
export const askDelta = new NotificationType<AskDelta>('daglens/askDelta');

export const ExplainParamsSchema = z.object({
  uri: z.string(),
  /** 0-based line inside the symbol (the innermost symbol there is explained), or its (dotted) name. */
  line: z.number().int().min(0).optional(),
  /** 0-based UTF-16 column, with `atName`. */
  character: z.number().int().min(0).optional(),
  name: z.string().optional(),
  /** Hover mode: only the symbol whose name is at (line, character); null when none or no LLM is ready. */
  atName: z.boolean().optional(),
  /** Only return a stored explanation; never make a request. */
  storedOnly: z.boolean().optional(),
});
export type ExplainParams = z.infer<typeof ExplainParamsSchema>;
export const ExplanationSchema = z.object({
  file: z.string(),
  symbol: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  summary: z.string(),
  model: z.string(),
  cached: z.boolean(),
});
export type Explanation = z.infer<typeof ExplanationSchema>;
/** A one-paragraph summary of a symbol; null when storedOnly and none is stored. Errors say why (no LLM, budget…). */
export const explainSymbol = new RequestType<ExplainParams, Explanation | null, void>('daglens/explainSymbol');

export interface LlmCheckResult { state: LlmState; problems: string[] }
/**
 * Startup check: configuration problems plus each provider's answer to a model listing (wrong key,
 * unreachable URL, HTML page, unknown model) — no code is sent. Empty when all is well or no LLM is set.
 */
export const llmCheck = new RequestType<FolderParams, LlmCheckResult, void>('daglens/llmCheck');

export const ExplainAllParamsSchema = FolderParamsSchema.extend({ uris: z.array(z.string()).optional() });
export type ExplainAllParams = z.infer<typeof ExplainAllParamsSchema>;
export interface ExplainAllResult { explained: number; fromStore: number; stoppedBy?: string }
/** Explains every function, class, model and CTE of the folder (or of `uris`) under one job budget; cancellable. */
export const explainAll = new RequestType<ExplainAllParams, ExplainAllResult, void>('daglens/explainAll');

/** Forgets cached LLM replies and explanations of every workspace folder (spend records stay). */
export const clearLlmCache = new RequestType0<{ folders: number }, void>('daglens/clearLlmCache');

export const WorkspaceTrustSchema = z.object({ trusted: z.boolean() });
/** VS Code workspace trust: untrusted ⇒ nothing is sent to any model. Also accepted in initializationOptions. */
export const setWorkspaceTrust = new NotificationType<z.infer<typeof WorkspaceTrustSchema>>('daglens/setWorkspaceTrust');

// ── webview messages ─────────────────────────────────────────────────────────────────────────────────
// Messages between the extension and its webviews (chat sidebar, graph panel). Both sides parse every
// message with these schemas: a webview is a browser page, so nothing it posts is trusted unchecked.

/** A place in the workspace: absolute path or path relative to a workspace folder; 1-based inclusive lines. */
export const SourceRangeSchema = z.object({
  file: z.string().min(1).max(4096),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
}).refine((r) => r.endLine >= r.startLine, { message: 'endLine is before startLine' });
export type SourceRange = z.infer<typeof SourceRangeSchema>;

/** Something attached to a question: the current file, a selection, or a DAG node. */
export const ChatContextSchema = z.object({
  id: z.string().min(1).max(200),
  kind: z.enum(['file', 'selection', 'dagNode']),
  label: z.string().max(300),
  range: SourceRangeSchema.optional(),
  /** The selected text or the node's details, sent to the server with the question. */
  text: z.string().max(20_000).optional(),
});
export type ChatContext = z.infer<typeof ChatContextSchema>;

export const ChatCitationSchema = SourceRangeSchema.and(z.object({ label: z.string().max(300).optional() }));
export type ChatCitation = z.infer<typeof ChatCitationSchema>;

export const ChatTurnSchema = z.object({
  id: z.string().min(1).max(100),
  role: z.enum(['user', 'assistant']),
  /** Markdown for answers (rendered with raw HTML disabled), plain text for questions. */
  text: z.string().max(200_000),
  citations: z.array(ChatCitationSchema).max(100).default([]),
  contexts: z.array(ChatContextSchema).max(20).default([]),
  /** streaming: still arriving; stopped: cancelled by the user; error: see `error`. */
  status: z.enum(['streaming', 'done', 'stopped', 'error']).default('done'),
  error: z.string().max(2000).optional(),
});
export type ChatTurn = z.infer<typeof ChatTurnSchema>;

/** Whether the chat can ask anything, and if not, what the user can do about it. */
export const ChatAvailabilitySchema = z.object({
  state: z.enum(['ready', 'noProvider', 'untrusted', 'disabled', 'serverDown']),
  message: z.string().max(1000),
  /** Buttons the view offers for this state. */
  actions: z.array(z.enum(['setApiKey', 'openSettings', 'manageTrust', 'showLogs', 'restartServer'])).default([]),
});
export type ChatAvailability = z.infer<typeof ChatAvailabilitySchema>;
export type ChatAction = ChatAvailability['actions'][number];

export const ChatToExtensionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('ask'), question: z.string().trim().min(1).max(8000) }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('newChat') }),
  z.object({ type: z.literal('copy'), turnId: z.string().min(1).max(100) }),
  z.object({ type: z.literal('openCitation'), citation: SourceRangeSchema }),
  z.object({ type: z.literal('removeContext'), id: z.string().min(1).max(200) }),
  z.object({ type: z.literal('action'), action: z.enum(['setApiKey', 'openSettings', 'manageTrust', 'showLogs', 'restartServer']) }),
]);
export type ChatToExtension = z.infer<typeof ChatToExtensionSchema>;

export const ChatToWebviewSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('state'),
    turns: z.array(ChatTurnSchema),
    contexts: z.array(ChatContextSchema),
    availability: ChatAvailabilitySchema,
  }),
  /** More text of the answer being streamed (appended). */
  z.object({ type: z.literal('delta'), turnId: z.string(), text: z.string() }),
  /** A turn finished (done, stopped or error): replaces the streamed one. */
  z.object({ type: z.literal('turn'), turn: ChatTurnSchema }),
  z.object({ type: z.literal('contexts'), contexts: z.array(ChatContextSchema) }),
  z.object({ type: z.literal('availability'), availability: ChatAvailabilitySchema }),
  z.object({ type: z.literal('notice'), level: z.enum(['info', 'error']), message: z.string().max(2000) }),
]);
export type ChatToWebview = z.infer<typeof ChatToWebviewSchema>;

/** Mapping status of a DAG node (as the DAG mapper reports it); `none` for lineage graphs. */
export const GraphNodeStatusSchema = z.enum(['high', 'low', 'derived', 'unmapped', 'none']);
export const GraphNodeSchema = z.object({
  id: z.string().min(1).max(1000),
  label: z.string().max(500),
  /** table, view, model, column, process, task, operator, … (shown as an icon and in the tooltip). */
  kind: z.string().max(50),
  status: GraphNodeStatusSchema.default('none'),
  /** Tooltip lines (plain text). */
  detail: z.string().max(5000).optional(),
  /** The code this node opens when clicked. */
  location: SourceRangeSchema.optional(),
  /** The node the graph is about (drawn highlighted, centred after layout). */
  focus: z.boolean().optional(),
  /** Runs: the share of the run's time this node accounts for, 0–1 (drawn as heat). */
  heat: z.number().min(0).max(1).optional(),
});
export type GraphNode = z.infer<typeof GraphNodeSchema>;
export const GraphEdgeSchema = z.object({ source: z.string(), target: z.string(), label: z.string().max(200).optional() });
export type GraphEdge = z.infer<typeof GraphEdgeSchema>;
export const GraphModelSchema = z.object({
  title: z.string().max(500),
  mode: z.enum(['lineage', 'impact', 'dag']),
  nodes: z.array(GraphNodeSchema),
  edges: z.array(GraphEdgeSchema),
  /** Set when the graph was filtered: what was kept out of how many. */
  filter: z.object({ text: z.string(), shown: z.number(), total: z.number() }).optional(),
});
export type GraphModel = z.infer<typeof GraphModelSchema>;

export const GraphToWebviewSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('graph'), graph: GraphModelSchema }),
  z.object({ type: z.literal('loading'), message: z.string().max(500) }),
  /** The graph is over the drawing limit: the view asks for a filter instead. */
  z.object({ type: z.literal('tooLarge'), title: z.string().max(500), nodes: z.number(), limit: z.number(), message: z.string().max(1000) }),
  z.object({ type: z.literal('error'), message: z.string().max(2000) }),
  z.object({ type: z.literal('follow'), on: z.boolean() }),
]);
export type GraphToWebview = z.infer<typeof GraphToWebviewSchema>;

export const GraphToExtensionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('openNode'), nodeId: z.string().min(1).max(1000) }),
  /** Add the node to the chat as a context chip (`a` on a focused node). */
  z.object({ type: z.literal('askNode'), nodeId: z.string().min(1).max(1000) }),
  /** Keep nodes whose label matches `text` (case-insensitive) and their neighbours up to `depth`. */
  z.object({ type: z.literal('filter'), text: z.string().max(200), depth: z.number().int().min(0).max(10).default(1) }),
  z.object({ type: z.literal('follow'), on: z.boolean() }),
  z.object({ type: z.literal('refresh') }),
]);
export type GraphToExtension = z.infer<typeof GraphToExtensionSchema>;

// ── agents ───────────────────────────────────────────────────────────────────────────────────────────
// DagLens for AI agents (issue 13). Each tool has one zod input and one output here and one implementation
// (server/src/engine/agents); it is served as an MCP tool (`daglens mcp`), a CLI command (`daglens tool NAME
// --json`) and a VS Code language-model tool (through `daglens/tools/call`). Paths are workspace-relative and
// never leave the workspace; lines are 1-based inclusive; long lists are paged (`offset`, `limit` → `page`).
// The `vscode-lm` chat provider (the editor's own models) reaches the server's LLM layer through the
// `daglens/lm/*` messages at the end of this section.

const offsetField = z.number().int().min(0).optional().describe('Skip this many items (paging; default 0). Use `page.nextOffset` of the previous answer.');
const limitField = (d: number) => z.number().int().min(1).max(500).optional().describe(`Items per page (default ${d}, at most 500).`);

export const PageInfoSchema = z.object({
  offset: z.number().int(),
  limit: z.number().int(),
  total: z.number().int(),
  /** Pass as `offset` for the next page; null on the last page. */
  nextOffset: z.number().int().nullable(),
});
export type PageInfo = z.infer<typeof PageInfoSchema>;

/** A place in the workspace's code: 1-based inclusive lines. */
const CodeRefSchema = z.object({
  /** The lineage process (a SQL statement, dbt model, PySpark function, Airflow task): `file#symbol@offset`. */
  process: z.string(),
  kind: z.string(),
  symbol: z.string(),
  file: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  /** The line that names the asset (the table reference, the ref(), the path literal). */
  line: z.number().int(),
});
export type AgentCodeRef = z.infer<typeof CodeRefSchema>;

const AssetUseSchema = z.object({ asset: z.string(), name: z.string(), kind: z.string(), file: z.string(), line: z.number().int() });
const AssetHitSchema = z.object({
  asset: z.string(),
  name: z.string(),
  kind: z.string(),
  /** Steps of code between the start and this asset. */
  distance: z.number().int(),
  /** The code that makes the last step: the process, and the line where it reads the step's input (the FROM, ref(), spark.read). */
  via: z.object({ process: z.string(), symbol: z.string(), file: z.string(), line: z.number().int() }).nullable(),
});
const ColumnHitSchema = z.object({ asset: z.string(), column: z.string(), distance: z.number().int(), via: z.string().nullable() });

// map_plan
export const MapPlanInputSchema = z.object({
  plan: z.string().min(1).max(20_000_000).optional().describe('The plan text: EXPLAIN [EXTENDED|FORMATTED] output, Spark plan JSON, a dbt manifest or a JSON DAG {nodes, edges}.'),
  file: z.string().min(1).max(4096).optional().describe('Or a workspace-relative path of such a file (e.g. "plans/q3.explain.txt"); give `plan` or `file`.'),
  offset: offsetField,
  limit: limitField(50),
});
export type MapPlanInput = z.infer<typeof MapPlanInputSchema>;
export const AgentPlanNodeSchema = z.object({
  id: z.string(),
  operator: z.string(),
  label: z.string(),
  /** 1-based line of the node in the plan text; null for JSON inputs. */
  line: z.number().int().nullable(),
  sparkOperator: z.string().optional(),
  section: z.enum(['main', 'subquery', 'initial']).optional(),
  status: DagMapStatusSchema,
  /** The code that made the node: file, enclosing unit, lines, confidence 0–1 (≥ 0.8 sure), evidence. */
  best: DagMapLocationSchema.nullable(),
  alternatives: z.array(DagMapLocationSchema),
  /** Ids of the nodes whose output this node consumes. */
  inputs: z.array(z.string()),
});
export const MapPlanOutputSchema = z.object({
  /** The workspace-relative file mapped, or "(text)". */
  plan: z.string(),
  kind: z.string(),
  counts: z.object({ high: z.number().int(), low: z.number().int(), derived: z.number().int(), unmapped: z.number().int() }),
  /** The files the plan most likely came from, best first. */
  sources: z.array(z.object({ file: z.string(), score: z.number() })),
  problems: z.array(DagMapProblemSchema),
  nodes: z.array(AgentPlanNodeSchema),
  page: PageInfoSchema,
  ms: z.number(),
});
export type MapPlanOutput = z.infer<typeof MapPlanOutputSchema>;

// lineage
export const LineageToolInputSchema = z.object({
  name: z.string().min(1).max(1000).describe('A table (db.t or t), a column (table.column), a dbt model or source, a workspace file path, or a process id.'),
  limit: limitField(50),
});
export type LineageToolInput = z.infer<typeof LineageToolInputSchema>;
export const LineageToolOutputSchema = z.object({
  name: z.string(),
  resolved: z.object({ kind: z.enum(['asset', 'column', 'file', 'process']), id: z.string(), name: z.string() }),
  /** For an asset or column: the asset, with its known columns. */
  asset: z.object({ id: z.string(), kind: z.string(), name: z.string(), relation: z.string().optional(), columns: z.array(z.string()) }).optional(),
  /** Code that writes the asset / reads it. */
  writers: z.array(CodeRefSchema),
  readers: z.array(CodeRefSchema),
  /** For a file or process: its code units, and what they read and write. */
  processes: z.array(CodeRefSchema),
  reads: z.array(AssetUseSchema),
  writes: z.array(AssetUseSchema),
  /** Assets upstream (what it comes from) and downstream (what is built from it), nearest first. */
  upstream: z.array(AssetHitSchema),
  downstream: z.array(AssetHitSchema),
  /** For a column: the columns it derives from and the columns derived from it. */
  columns: z.object({ upstream: z.array(ColumnHitSchema), downstream: z.array(ColumnHitSchema) }).optional(),
  /** Full sizes of the lists above (each list holds at most `limit`; `impact` pages through them). */
  totals: z.object({ writers: z.number().int(), readers: z.number().int(), processes: z.number().int(), reads: z.number().int(), writes: z.number().int(), upstream: z.number().int(), downstream: z.number().int() }),
});
export type LineageToolOutput = z.infer<typeof LineageToolOutputSchema>;

// impact
export const ImpactToolInputSchema = z.object({
  name: z.string().min(1).max(1000).describe('A table, a column (table.column), a dbt model or source, a workspace file path, or a process id.'),
  direction: z.enum(['downstream', 'upstream']).optional().describe('downstream (default): what breaks if it changes; upstream: what it depends on.'),
  offset: offsetField,
  limit: limitField(100),
});
export type ImpactToolInput = z.infer<typeof ImpactToolInputSchema>;
export const AgentPathStepSchema = z.object({
  from: z.string(),
  to: z.string(),
  process: z.string(),
  /** Where the step happens in code: the line that reads `from` (else the one that writes `to`). */
  symbol: z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().optional(),
});
export const ImpactToolOutputSchema = z.object({
  start: z.string(),
  kind: z.enum(['asset', 'column', 'process', 'file']),
  direction: z.enum(['downstream', 'upstream']),
  hits: z.array(z.object({
    asset: z.string(),
    name: z.string(),
    kind: z.string(),
    /** Set for column hits (`asset`.`column`). */
    column: z.string().optional(),
    distance: z.number().int(),
    /** The chain of code from the start to this hit. */
    path: z.array(AgentPathStepSchema),
  })),
  page: PageInfoSchema,
});
export type ImpactToolOutput = z.infer<typeof ImpactToolOutputSchema>;

// search_code
export const SearchCodeInputSchema = z.object({
  query: z.string().min(1).max(4000).describe('What to look for: words, identifiers, a SQL fragment.'),
  k: z.number().int().min(1).max(50).optional().describe('Hits to return (default 10, at most 50).'),
  language: IndexLanguageSchema.optional().describe('Only this language.'),
  glob: z.string().max(1000).optional().describe('Only files matching this workspace-relative glob, e.g. "models/**".'),
});
export type SearchCodeInput = z.infer<typeof SearchCodeInputSchema>;
export const SearchCodeOutputSchema = z.object({
  query: z.string(),
  hits: z.array(SearchHitSchema.omit({ uri: true, startOffset: true, endOffset: true, part: true })),
  /** True while the index is still being built (hits may be incomplete). */
  indexing: z.boolean(),
});
export type SearchCodeOutput = z.infer<typeof SearchCodeOutputSchema>;

// explain_symbol
export const ExplainSymbolInputSchema = z.object({
  file: z.string().min(1).max(4096).describe('Workspace-relative path of the file.'),
  line: z.number().int().min(1).describe('A 1-based line inside the symbol (function, class, dbt model, CTE, statement).'),
});
export type ExplainSymbolInput = z.infer<typeof ExplainSymbolInputSchema>;
export const ExplainSymbolOutputSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  language: z.string(),
  /** The innermost symbol at the line; null when the line is outside every symbol. */
  symbol: z.object({ name: z.string(), kind: z.string(), startLine: z.number().int(), endLine: z.number().int() }).nullable(),
  /** The symbol's code (or the lines around `line`), at most 80 lines from `codeStartLine`. */
  code: z.string(),
  codeStartLine: z.number().int(),
  truncated: z.boolean(),
  /** Lineage of the code units in these lines: what they read and write, and how much is downstream. */
  lineage: z.array(z.object({
    process: z.string(), kind: z.string(), symbol: z.string(), startLine: z.number().int(), endLine: z.number().int(),
    reads: z.array(z.string()), writes: z.array(z.string()), downstream: z.number().int(), partial: z.array(z.string()),
  })),
  /** Plan nodes mapped (by map_plan in this session) to these lines. */
  planNodes: z.array(z.object({ plan: z.string(), node: z.string(), operator: z.string(), status: DagMapStatusSchema, line: z.number().int() })),
  /** What runs mapped (by map_run in this session) spent on these lines. */
  runs: z.array(z.object({ run: z.string(), line: z.number().int(), timeMs: z.number(), rows: z.number().optional(), spillBytes: z.number(), executions: z.array(z.number().int()), operators: z.array(z.string()) })),
  /** A one-paragraph LLM summary: stored, or generated when an LLM is configured; null otherwise (see `summaryNote`). */
  summary: z.object({ text: z.string(), model: z.string(), cached: z.boolean() }).nullable(),
  summaryNote: z.string().optional(),
});
export type ExplainSymbolOutput = z.infer<typeof ExplainSymbolOutputSchema>;

// list_runs
export const ListRunsInputSchema = z.object({
  paths: z.array(z.string().min(1).max(4096)).max(100).optional().describe('Workspace-relative files or folders to look in (default: the whole workspace).'),
  offset: offsetField,
  limit: limitField(100),
});
export type ListRunsInput = z.infer<typeof ListRunsInputSchema>;
export const ListRunsOutputSchema = z.object({
  runs: z.array(z.object({
    path: z.string(),
    kind: z.enum(['eventLog', 'rollingEventLog', 'logDirectory', 'restList', 'restExecution', 'appList']),
    what: z.string(),
    bytes: z.number(),
    modified: z.string(),
    /** Set once map_run has read it in this session. */
    mapped: z.object({ app: z.string().nullable(), executions: z.number().int(), located: z.number().int() }).nullable(),
  })),
  page: PageInfoSchema,
});
export type ListRunsOutput = z.infer<typeof ListRunsOutputSchema>;

// map_run
export const MapRunInputSchema = z.object({
  path: z.string().min(1).max(4096).describe('Workspace-relative path of an event log (plain, .gz, .zstd), a rolling eventlog_v2_* folder, or a saved History Server answer.'),
  app: z.string().min(1).max(500).optional().describe('In a folder of event logs: the application to read.'),
  execution: z.number().int().min(0).optional().describe('One SQL execution in full: its operators mapped to code, with metrics.'),
  offset: offsetField,
  limit: limitField(50),
});
export type MapRunInput = z.infer<typeof MapRunInputSchema>;
export const AgentRunOperatorSchema = z.object({
  id: z.string(),
  sparkId: z.number().int().optional(),
  operator: z.string(),
  status: DagMapStatusSchema,
  best: DagMapLocationSchema.nullable(),
  timeMs: z.number().optional(),
  rows: z.number().optional(),
  spillBytes: z.number().optional(),
  metrics: z.array(z.object({ name: z.string(), value: z.string() })),
});
export const MapRunOutputSchema = z.object({
  path: z.string(),
  source: z.object({ kind: z.string(), parts: z.number().int(), inProgress: z.boolean() }),
  app: RunAppSchema,
  skippedLines: z.number().int(),
  problems: z.array(DagMapProblemSchema),
  /** The executions (a page of them), each placed in code with its slowest operators; empty with `execution`. */
  executions: z.array(RunExecutionSummarySchema),
  /** With `execution`: that execution, and a page of its operators. */
  execution: RunExecutionSummarySchema.extend({ operators: z.array(AgentRunOperatorSchema) }).optional(),
  page: PageInfoSchema,
  ms: z.number(),
});
export type MapRunOutput = z.infer<typeof MapRunOutputSchema>;

/** The tools, their model-facing descriptions and their schemas: what `tools/list`, the CLI and package.json show. */
export const AGENT_TOOLS = {
  map_plan: {
    title: 'Map a plan to code',
    description: 'Map every node of a Spark plan (EXPLAIN text or JSON), a dbt manifest or a JSON DAG to the exact code that made it: file, enclosing unit, lines, confidence and evidence. Give the plan text or a workspace file. Paged over nodes.',
    input: MapPlanInputSchema,
    output: MapPlanOutputSchema,
  },
  lineage: {
    title: 'Lineage of a table, column, model or file',
    description: 'What a table, column, dbt model or source, or code file reads and writes, which code writes and reads it (file:line), and what is upstream and downstream of it.',
    input: LineageToolInputSchema,
    output: LineageToolOutputSchema,
  },
  impact: {
    title: 'Impact of changing a table, column, model or file',
    description: 'Everything downstream (or upstream) of a table, column, dbt model, code file or process, nearest first, each with the path of code (file:line) that connects it. Paged.',
    input: ImpactToolInputSchema,
    output: ImpactToolOutputSchema,
  },
  search_code: {
    title: 'Search the code',
    description: 'Hybrid (BM25 + vector) search over the workspace\'s code: functions, classes, SQL statements, CTEs, dbt models, with their lines and text.',
    input: SearchCodeInputSchema,
    output: SearchCodeOutputSchema,
  },
  explain_symbol: {
    title: 'Explain the code at a line',
    description: 'Facts about the symbol at a file and line: its code, its lineage (reads, writes, downstream), plan nodes and run time mapped to it, and a one-paragraph LLM summary when a model is configured.',
    input: ExplainSymbolInputSchema,
    output: ExplainSymbolOutputSchema,
  },
  list_runs: {
    title: 'List Spark runs',
    description: 'Spark event logs and saved History Server answers in the workspace (or in the given folders), with their size and whether they have been mapped.',
    input: ListRunsInputSchema,
    output: ListRunsOutputSchema,
  },
  map_run: {
    title: 'Map a Spark run to code',
    description: 'Read a Spark event log and place every SQL execution in the code, with duration, status, failures and slowest operators; with `execution`, that execution\'s operators mapped to code with their metrics. Paged.',
    input: MapRunInputSchema,
    output: MapRunOutputSchema,
  },
} as const;
export type AgentToolName = keyof typeof AGENT_TOOLS;
export const AGENT_TOOL_NAMES = Object.keys(AGENT_TOOLS) as AgentToolName[];
export type AgentToolInput<N extends AgentToolName> = z.infer<(typeof AGENT_TOOLS)[N]['input']>;
export type AgentToolOutput<N extends AgentToolName> = z.infer<(typeof AGENT_TOOLS)[N]['output']>;
/** VS Code language-model tool names (`languageModelTools` in package.json): `daglens_<tool>`. */
export const lmToolName = (tool: AgentToolName) => `daglens_${tool}`;

export const AgentToolCallParamsSchema = z.object({
  tool: z.enum(AGENT_TOOL_NAMES as [AgentToolName, ...AgentToolName[]]),
  /** The tool's input (checked against its schema by the server). */
  input: z.unknown(),
  /** A file or folder URI in the workspace folder to use (default: the first folder). */
  uri: z.string().optional(),
});
export type AgentToolCallParams = z.infer<typeof AgentToolCallParamsSchema>;
export interface AgentToolCallResult {
  /** A short summary for people (and models that read text only). */
  text: string;
  /** The tool's output, matching its output schema. */
  structured: unknown;
}
/** Runs one agent tool on the server (the VS Code language-model tools call this); cancellable. */
export const agentToolCall = new RequestType<AgentToolCallParams, AgentToolCallResult, void>('daglens/tools/call');

export interface AgentToolPreview {
  /** Shown while the tool runs: "Mapping plans/q3.explain.txt to code". */
  invocationMessage: string;
  /** Set when the call would send code to a model: VS Code asks the user first. */
  confirmation?: { title: string; message: string };
}
/** What a tool call is about to do (VS Code's prepareInvocation), without doing it. */
export const agentToolPrepare = new RequestType<AgentToolCallParams, AgentToolPreview, void>('daglens/tools/prepare');

/** A chat model the editor offers (vscode.lm.selectChatModels). */
export const VscodeLmModelSchema = z.object({
  id: z.string().min(1).max(500),
  vendor: z.string().max(200),
  family: z.string().max(200),
  name: z.string().max(500),
  version: z.string().max(200),
  maxInputTokens: z.number().int().min(1),
});
export type VscodeLmModel = z.infer<typeof VscodeLmModelSchema>;
export const VscodeLmModelsSchema = z.object({ models: z.array(VscodeLmModelSchema).max(200) });
/** Client → server: the chat models VS Code offers now (sent at start and whenever they change). */
export const vscodeLmModels = new NotificationType<z.infer<typeof VscodeLmModelsSchema>>('daglens/lm/models');

export const VscodeLmChatParamsSchema = z.object({
  /** Deltas of the reply come as `daglens/lm/chatDelta` notifications carrying this id. */
  streamId: z.string().min(1).max(100),
  modelId: z.string().min(1),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
  /** Why DagLens asks (VS Code shows it in its consent prompt). */
  justification: z.string().max(500),
});
export type VscodeLmChatParams = z.infer<typeof VscodeLmChatParamsSchema>;
export interface VscodeLmChatResult {
  text: string;
  /** The model that answered (its id). */
  model: string;
}
/**
 * Server → client: send a chat request to a VS Code model (the `vscode-lm` provider); cancellable. Errors carry
 * `data.kind`: auth (the user did not allow it), model (no such model), rate-limited (quota), bad-response.
 */
export const vscodeLmChat = new RequestType<VscodeLmChatParams, VscodeLmChatResult, { kind: string }>('daglens/lm/chat');
export const VscodeLmDeltaSchema = z.object({ streamId: z.string(), text: z.string() });
/** Client → server: more text of a `daglens/lm/chat` reply, in order. */
export const vscodeLmDelta = new NotificationType<z.infer<typeof VscodeLmDeltaSchema>>('daglens/lm/chatDelta');
