/**
 * DagLens for AI agents (issue 13). Each tool has one zod input and one output here and one implementation
 * (server/src/engine/agents); it is served as an MCP tool (`daglens mcp`), a CLI command (`daglens tool NAME
 * --json`) and a VS Code language-model tool (through `daglens/tools/call`). Paths are workspace-relative and
 * never leave the workspace; lines are 1-based inclusive; long lists are paged (`offset`, `limit` → `page`).
 * The `vscode-lm` chat provider (the editor's own models) reaches the server's LLM layer through the
 * `daglens/lm/*` messages at the end of this section.
 * Zod and plain types only (no LSP, no editor): the engine, the adapters and the webviews may import it.
 */
import { z } from 'zod';
import { DagMapLocationSchema, DagMapProblemSchema, DagMapStatusSchema } from './dag';
import { RunAppSchema, RunExecutionSummarySchema } from './runs';
import { IndexLanguageSchema, SearchHitSchema } from './search';

const offsetField = z
  .number()
  .int()
  .min(0)
  .optional()
  .describe('Skip this many items (paging; default 0). Use `page.nextOffset` of the previous answer.');
const limitField = (d: number) =>
  z.number().int().min(1).max(500).optional().describe(`Items per page (default ${d}, at most 500).`);

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

const AssetUseSchema = z.object({
  asset: z.string(),
  name: z.string(),
  kind: z.string(),
  file: z.string(),
  line: z.number().int(),
});
const AssetHitSchema = z.object({
  asset: z.string(),
  name: z.string(),
  kind: z.string(),
  /** Steps of code between the start and this asset. */
  distance: z.number().int(),
  /** The code that makes the last step: the process, and the line where it reads the step's input (the FROM, ref(), spark.read). */
  via: z.object({ process: z.string(), symbol: z.string(), file: z.string(), line: z.number().int() }).nullable(),
});
const ColumnHitSchema = z.object({
  asset: z.string(),
  column: z.string(),
  distance: z.number().int(),
  via: z.string().nullable(),
});

// map_plan
export const MapPlanInputSchema = z.object({
  plan: z
    .string()
    .min(1)
    .max(20_000_000)
    .optional()
    .describe(
      'The plan text: EXPLAIN [EXTENDED|FORMATTED] output, Spark plan JSON, a dbt manifest or a JSON DAG {nodes, edges}.',
    ),
  file: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('Or a workspace-relative path of such a file (e.g. "plans/q3.explain.txt"); give `plan` or `file`.'),
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
  counts: z.object({
    high: z.number().int(),
    low: z.number().int(),
    derived: z.number().int(),
    unmapped: z.number().int(),
  }),
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
  name: z
    .string()
    .min(1)
    .max(1000)
    .describe(
      'A table (db.t or t), a column (table.column), a dbt model or source, a workspace file path, or a process id.',
    ),
  limit: limitField(50),
});
export type LineageToolInput = z.infer<typeof LineageToolInputSchema>;
export const LineageToolOutputSchema = z.object({
  name: z.string(),
  resolved: z.object({ kind: z.enum(['asset', 'column', 'file', 'process']), id: z.string(), name: z.string() }),
  /** For an asset or column: the asset, with its known columns. */
  asset: z
    .object({
      id: z.string(),
      kind: z.string(),
      name: z.string(),
      relation: z.string().optional(),
      columns: z.array(z.string()),
    })
    .optional(),
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
  totals: z.object({
    writers: z.number().int(),
    readers: z.number().int(),
    processes: z.number().int(),
    reads: z.number().int(),
    writes: z.number().int(),
    upstream: z.number().int(),
    downstream: z.number().int(),
  }),
});
export type LineageToolOutput = z.infer<typeof LineageToolOutputSchema>;

// impact
export const ImpactToolInputSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(1000)
    .describe('A table, a column (table.column), a dbt model or source, a workspace file path, or a process id.'),
  direction: z
    .enum(['downstream', 'upstream'])
    .optional()
    .describe('downstream (default): what breaks if it changes; upstream: what it depends on.'),
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
  hits: z.array(
    z.object({
      asset: z.string(),
      name: z.string(),
      kind: z.string(),
      /** Set for column hits (`asset`.`column`). */
      column: z.string().optional(),
      distance: z.number().int(),
      /** The chain of code from the start to this hit. */
      path: z.array(AgentPathStepSchema),
    }),
  ),
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
  line: z
    .number()
    .int()
    .min(1)
    .describe('A 1-based line inside the symbol (function, class, dbt model, CTE, statement).'),
});
export type ExplainSymbolInput = z.infer<typeof ExplainSymbolInputSchema>;
export const ExplainSymbolOutputSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  language: z.string(),
  /** The innermost symbol at the line; null when the line is outside every symbol. */
  symbol: z
    .object({ name: z.string(), kind: z.string(), startLine: z.number().int(), endLine: z.number().int() })
    .nullable(),
  /** The symbol's code (or the lines around `line`), at most 80 lines from `codeStartLine`. */
  code: z.string(),
  codeStartLine: z.number().int(),
  truncated: z.boolean(),
  /** Lineage of the code units in these lines: what they read and write, and how much is downstream. */
  lineage: z.array(
    z.object({
      process: z.string(),
      kind: z.string(),
      symbol: z.string(),
      startLine: z.number().int(),
      endLine: z.number().int(),
      reads: z.array(z.string()),
      writes: z.array(z.string()),
      downstream: z.number().int(),
      partial: z.array(z.string()),
    }),
  ),
  /** Plan nodes mapped (by map_plan in this session) to these lines. */
  planNodes: z.array(
    z.object({
      plan: z.string(),
      node: z.string(),
      operator: z.string(),
      status: DagMapStatusSchema,
      line: z.number().int(),
    }),
  ),
  /** What runs mapped (by map_run in this session) spent on these lines. */
  runs: z.array(
    z.object({
      run: z.string(),
      line: z.number().int(),
      timeMs: z.number(),
      rows: z.number().optional(),
      spillBytes: z.number(),
      executions: z.array(z.number().int()),
      operators: z.array(z.string()),
    }),
  ),
  /** A one-paragraph LLM summary: stored, or generated when an LLM is configured; null otherwise (see `summaryNote`). */
  summary: z.object({ text: z.string(), model: z.string(), cached: z.boolean() }).nullable(),
  summaryNote: z.string().optional(),
});
export type ExplainSymbolOutput = z.infer<typeof ExplainSymbolOutputSchema>;

// list_runs
export const ListRunsInputSchema = z.object({
  paths: z
    .array(z.string().min(1).max(4096))
    .max(100)
    .optional()
    .describe('Workspace-relative files or folders to look in (default: the whole workspace).'),
  offset: offsetField,
  limit: limitField(100),
});
export type ListRunsInput = z.infer<typeof ListRunsInputSchema>;
export const ListRunsOutputSchema = z.object({
  runs: z.array(
    z.object({
      path: z.string(),
      kind: z.enum(['eventLog', 'rollingEventLog', 'logDirectory', 'restList', 'restExecution', 'appList']),
      what: z.string(),
      bytes: z.number(),
      modified: z.string(),
      /** Set once map_run has read it in this session. */
      mapped: z
        .object({ app: z.string().nullable(), executions: z.number().int(), located: z.number().int() })
        .nullable(),
    }),
  ),
  page: PageInfoSchema,
});
export type ListRunsOutput = z.infer<typeof ListRunsOutputSchema>;

// map_run
export const MapRunInputSchema = z.object({
  path: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      'Workspace-relative path of an event log (plain, .gz, .zstd), a rolling eventlog_v2_* folder, or a saved History Server answer.',
    ),
  app: z.string().min(1).max(500).optional().describe('In a folder of event logs: the application to read.'),
  execution: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('One SQL execution in full: its operators mapped to code, with metrics.'),
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
    description:
      'Map every node of a Spark plan (EXPLAIN text or JSON), a dbt manifest or a JSON DAG to the exact code that made it: file, enclosing unit, lines, confidence and evidence. Give the plan text or a workspace file. Paged over nodes.',
    input: MapPlanInputSchema,
    output: MapPlanOutputSchema,
  },
  lineage: {
    title: 'Lineage of a table, column, model or file',
    description:
      'What a table, column, dbt model or source, or code file reads and writes, which code writes and reads it (file:line), and what is upstream and downstream of it.',
    input: LineageToolInputSchema,
    output: LineageToolOutputSchema,
  },
  impact: {
    title: 'Impact of changing a table, column, model or file',
    description:
      'Everything downstream (or upstream) of a table, column, dbt model, code file or process, nearest first, each with the path of code (file:line) that connects it. Paged.',
    input: ImpactToolInputSchema,
    output: ImpactToolOutputSchema,
  },
  search_code: {
    title: 'Search the code',
    description:
      "Hybrid (BM25 + vector) search over the workspace's code: functions, classes, SQL statements, CTEs, dbt models, with their lines and text.",
    input: SearchCodeInputSchema,
    output: SearchCodeOutputSchema,
  },
  explain_symbol: {
    title: 'Explain the code at a line',
    description:
      'Facts about the symbol at a file and line: its code, its lineage (reads, writes, downstream), plan nodes and run time mapped to it, and a one-paragraph LLM summary when a model is configured.',
    input: ExplainSymbolInputSchema,
    output: ExplainSymbolOutputSchema,
  },
  list_runs: {
    title: 'List Spark runs',
    description:
      'Spark event logs and saved History Server answers in the workspace (or in the given folders), with their size and whether they have been mapped.',
    input: ListRunsInputSchema,
    output: ListRunsOutputSchema,
  },
  map_run: {
    title: 'Map a Spark run to code',
    description:
      "Read a Spark event log and place every SQL execution in the code, with duration, status, failures and slowest operators; with `execution`, that execution's operators mapped to code with their metrics. Paged.",
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

export interface AgentToolPreview {
  /** Shown while the tool runs: "Mapping plans/q3.explain.txt to code". */
  invocationMessage: string;
  /** Set when the call would send code to a model: VS Code asks the user first. */
  confirmation?: { title: string; message: string };
}

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
export const VscodeLmDeltaSchema = z.object({ streamId: z.string(), text: z.string() });
