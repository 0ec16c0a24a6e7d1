/**
 * The LLM layer (issue 6): chat backend, explanations, stats, trust. Lines are 1-based inclusive; `file` is
 * workspace-relative, `uri` opens it. Nothing here ever carries an API key.
 * Zod and plain types only (no LSP, no editor): the engine, the adapters and the webviews may import it.
 */
import { z } from 'zod';

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
  providers: z.array(
    z.object({
      name: z.string(),
      model: z.string(),
      local: z.boolean(),
      circuit: z.enum(['closed', 'open', 'half-open']),
    }),
  ),
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

export const AskDeltaSchema = z.object({ streamId: z.string(), text: z.string() });
export type AskDelta = z.infer<typeof AskDeltaSchema>;

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

export interface LlmCheckResult {
  state: LlmState;
  problems: string[];
}

export const ExplainAllParamsSchema = FolderParamsSchema.extend({ uris: z.array(z.string()).optional() });
export type ExplainAllParams = z.infer<typeof ExplainAllParamsSchema>;
export interface ExplainAllResult {
  explained: number;
  fromStore: number;
  stoppedBy?: string;
}

export const WorkspaceTrustSchema = z.object({ trusted: z.boolean() });
