/**
 * DagLens's custom LSP requests and notifications, typed with the contracts. The only protocol module
 * that imports vscode-languageserver-protocol: the server's LSP features and the client use it, the
 * engine and the webviews never do (eslint.config.mjs keeps it so).
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { z } from 'zod';
import type {
  AgentToolCallParams,
  AgentToolCallResult,
  AgentToolPreview,
  AskDelta,
  AskParams,
  AskResult,
  CloseRunParams,
  DagMapResult,
  ExplainAllParams,
  ExplainAllResult,
  ExplainParams,
  Explanation,
  FolderParams,
  ImpactParams,
  ImpactResult,
  LineageParams,
  LineageResult,
  LlmCheckResult,
  LlmStats,
  MapDagParams,
  OpenRunParams,
  OpenRunResult,
  ReindexParamsSchema,
  ReindexResult,
  RunExecution,
  RunExecutionParams,
  RunOperatorRef,
  RunProgress,
  RunsSummary,
  SearchParams,
  SearchResult,
  ServerStatus,
  SlowestOperatorsParams,
  VscodeLmChatParams,
  VscodeLmChatResult,
  VscodeLmDeltaSchema,
  VscodeLmModelsSchema,
  WorkspaceInfo,
  WorkspaceTrustSchema,
} from './contracts';

// ── status ───────────────────────────────────────────────────────────────────────────────────────────
export const serverStatus = new NotificationType<ServerStatus>('daglens/serverStatus');
/**
 * The DagLens client shows the workspace read as a cancellable notification driven by `serverStatus` (the status
 * item stays the one item in the status bar); it says so with `initializationOptions.readingProgress: 'status'`,
 * and cancels with this. Other clients get LSP work-done progress.
 */
export const cancelReading = new NotificationType0('daglens/cancelReading');
export const workspaceInfo = new RequestType0<WorkspaceInfo, void>('daglens/workspaceInfo');

// ── search/index ─────────────────────────────────────────────────────────────────────────────────────
export const search = new RequestType<SearchParams, SearchResult, void>('daglens/search');
export const reindex = new RequestType<z.input<typeof ReindexParamsSchema>, ReindexResult, void>('daglens/reindex');

// ── lineage ──────────────────────────────────────────────────────────────────────────────────────────
export const lineageRequest = new RequestType<LineageParams, LineageResult, void>('daglens/lineage');
export const impactRequest = new RequestType<ImpactParams, ImpactResult, void>('daglens/impact');

// ── DAG mapping ──────────────────────────────────────────────────────────────────────────────────────
/** Maps a DAG file to the code of the workspace it belongs to; cached by (content hash, index version). */
export const mapDag = new RequestType<MapDagParams, DagMapResult, void>('daglens/mapDag');

// ── runs ─────────────────────────────────────────────────────────────────────────────────────────────
/** Reads and maps a run; cancellable ($/cancelRequest stops the read and frees what was read). */
export const openRun = new RequestType<OpenRunParams, OpenRunResult, void>('daglens/runs/open');
export const runProgress = new NotificationType<RunProgress>('daglens/runs/progress');
/** One execution of a loaded run in full: its plan mapped, with metrics on the nodes. */
export const runExecution = new RequestType<RunExecutionParams, RunExecution, void>('daglens/runs/execution');
/** The runs loaded in this session (the Spark Runs view asks after a server restart). */
export const listRuns = new RequestType0<RunsSummary[], void>('daglens/runs/list');
/** Forgets a loaded run (its lenses and hovers go). */
export const closeRun = new RequestType<CloseRunParams, { closed: boolean }, void>('daglens/runs/close');
/** The slowest operators of the loaded runs (or of one), by their own time, with where they map. */
export const slowestOperators = new RequestType<SlowestOperatorsParams, RunOperatorRef[], void>('daglens/runs/slowest');

// ── LLM ──────────────────────────────────────────────────────────────────────────────────────────────
/** Spend, tokens, cache hits and latency of the workspace the uri belongs to (the first folder without one). */
export const llmStats = new RequestType<FolderParams, LlmStats, void>('daglens/llmStats');
/** Asks a question about the workspace; cancellable ($/cancelRequest stops the HTTP request). */
export const ask = new RequestType<AskParams, AskResult, void>('daglens/ask');
/** More text of a streamed answer, in order. */
export const askDelta = new NotificationType<AskDelta>('daglens/askDelta');
/** A one-paragraph summary of a symbol; null when storedOnly and none is stored. Errors say why (no LLM, budget…). */
export const explainSymbol = new RequestType<ExplainParams, Explanation | null, void>('daglens/explainSymbol');
/**
 * Startup check: configuration problems plus each provider's answer to a model listing (wrong key,
 * unreachable URL, HTML page, unknown model) — no code is sent. Empty when all is well or no LLM is set.
 */
export const llmCheck = new RequestType<FolderParams, LlmCheckResult, void>('daglens/llmCheck');
/** Explains every function, class, model and CTE of the folder (or of `uris`) under one job budget; cancellable. */
export const explainAll = new RequestType<ExplainAllParams, ExplainAllResult, void>('daglens/explainAll');
/** Forgets cached LLM replies and explanations of every workspace folder (spend records stay). */
export const clearLlmCache = new RequestType0<{ folders: number }, void>('daglens/clearLlmCache');
/** VS Code workspace trust: untrusted ⇒ nothing is sent to any model. Also accepted in initializationOptions. */
export const setWorkspaceTrust = new NotificationType<z.infer<typeof WorkspaceTrustSchema>>(
  'daglens/setWorkspaceTrust',
);

// ── agents ───────────────────────────────────────────────────────────────────────────────────────────
/** Runs one agent tool on the server (the VS Code language-model tools call this); cancellable. */
export const agentToolCall = new RequestType<AgentToolCallParams, AgentToolCallResult, void>('daglens/tools/call');
/** What a tool call is about to do (VS Code's prepareInvocation), without doing it. */
export const agentToolPrepare = new RequestType<AgentToolCallParams, AgentToolPreview, void>('daglens/tools/prepare');
/** Client → server: the chat models VS Code offers now (sent at start and whenever they change). */
export const vscodeLmModels = new NotificationType<z.infer<typeof VscodeLmModelsSchema>>('daglens/lm/models');
/**
 * Server → client: send a chat request to a VS Code model (the `vscode-lm` provider); cancellable. Errors carry
 * `data.kind`: auth (the user did not allow it), model (no such model), rate-limited (quota), bad-response.
 */
export const vscodeLmChat = new RequestType<VscodeLmChatParams, VscodeLmChatResult, { kind: string }>(
  'daglens/lm/chat',
);
/** Client → server: more text of a `daglens/lm/chat` reply, in order. */
export const vscodeLmDelta = new NotificationType<z.infer<typeof VscodeLmDeltaSchema>>('daglens/lm/chatDelta');
