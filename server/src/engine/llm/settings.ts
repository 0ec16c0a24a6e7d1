/**
 * LLM settings (`daglens.llm.*`) and how they become a provider chain. The same resolution serves the
 * language server (VS Code settings + the key the client passes in the environment) and the CLI (flags +
 * environment). API keys are read from the environment only, never from a settings object, and never logged.
 */
import { z } from 'zod';
import type { VscodeLmModel } from '../../protocol/contracts';

const ProviderSchema = z.object({
  /** Shown in messages and stats; defaults to the host of the base URL. */
  name: z.string().min(1).optional(),
  baseUrl: z.string().url().optional(),
  model: z.string().min(1).optional(),
  /** Name of the environment variable that holds this provider's key (never the key itself). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  azure: z
    .object({
      endpoint: z.string().url(),
      deployment: z.string().min(1).optional(),
      apiVersion: z.string().min(1).default('2024-10-21'),
    })
    .optional(),
  /** Tokens the model accepts (prompt + reply). */
  contextWindow: z.number().int().positive().optional(),
});
export type ProviderSettings = z.infer<typeof ProviderSchema>;

/** A fallback as the Settings editor can edit it: `MODEL@BASE_URL`, or a `MODEL` of the primary endpoint. */
const ProviderLineSchema = z
  .string()
  .regex(/^[^@\s]+(@https?:\/\/\S+)?$/, 'must be MODEL or MODEL@BASE_URL')
  .transform((line): ProviderSettings => {
    const at = line.indexOf('@');
    return at < 0 ? { model: line } : { model: line.slice(0, at), baseUrl: line.slice(at + 1) };
  });

const PriceSchema = z.object({
  /** USD per million prompt tokens. */
  input: z.number().nonnegative(),
  /** USD per million completion tokens. */
  output: z.number().nonnegative().default(0),
});
export type Price = z.infer<typeof PriceSchema>;

export const LlmSettingsSchema = ProviderSchema.extend({
  enabled: z.boolean().default(true),
  /** Providers tried, in order, when the primary one fails or its circuit is open. */
  fallback: z.array(z.union([ProviderLineSchema, ProviderSchema])).default([]),
  timeoutMs: z.number().int().positive().default(60_000),
  maxRetries: z.number().int().min(0).max(10).default(3),
  maxConcurrency: z.number().int().positive().default(4),
  requestsPerMinute: z.number().int().positive().default(60),
  maxJobCostUsd: z.number().nonnegative().default(0.5),
  maxHourlyCostUsd: z.number().nonnegative().default(2),
  maxOutputTokens: z.number().int().positive().default(1024),
  /** Model → price; merged over the built-in table. */
  prices: z.record(PriceSchema).default({}),
  cacheTtlHours: z
    .number()
    .nonnegative()
    .default(24 * 7),
  /** Repair retries when a structured reply does not validate. */
  repairAttempts: z.number().int().min(0).max(5).default(2),
  /** `json_schema` (OpenAI, vLLM, Ollama ≥0.5, LM Studio) or `json_object` for servers without schemas. */
  structuredOutput: z.enum(['json_schema', 'json_object']).default('json_schema'),
  /**
   * Which models answer: `auto` (the OpenAI-compatible chain when one is usable, else a model the editor offers),
   * `openai` (only the OpenAI-compatible chain), `vscode-lm` (only the editor's models, VS Code's `vscode.lm`).
   */
  provider: z.enum(['auto', 'openai', 'vscode-lm']).default('auto'),
  /** Which editor model (`vscode-lm`): its id, family, `vendor/family` or name; empty: the editor's first. */
  vscodeModel: z.string().default(''),
});
export type LlmSettings = z.infer<typeof LlmSettingsSchema>;

/** One endpoint of the chain, ready to build a client for. Holds the key: never log or serialise it. */
export interface ProviderConfig {
  name: string;
  baseUrl: string;
  model: string;
  contextWindow: number;
  azure?: { endpoint: string; deployment?: string; apiVersion: string };
  apiKey: string;
  /** Loopback endpoints (Ollama, LM Studio, vLLM on this machine) need no key and cost nothing by default. */
  local: boolean;
  /** `vscode-lm`: a model the editor offers, reached through the editor (llm/vscodeLm.ts); default an OpenAI-compatible endpoint. */
  kind?: 'openai' | 'vscode-lm';
  /** `vscode-lm`: the editor's id of the model. */
  vscodeModelId?: string;
}

export interface LlmConfig {
  settings: LlmSettings;
  providers: ProviderConfig[];
  /** Why no provider is usable, or which entries were dropped: one line each, no secrets. */
  problems: string[];
  /** The user asked for an LLM (a model is set), whether or not it resolved. */
  requested: boolean;
  topK: number;
}

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** The environment variable the VS Code client fills from SecretStorage when it starts the server. */
export const SECRET_KEY_ENV = 'DAGLENS_LLM_API_KEY';

/** CLI/environment overlay: these fill what the settings leave unset. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.OPENAI_BASE_URL) out.baseUrl = env.OPENAI_BASE_URL;
  if (env.DAGLENS_LLM_MODEL) out.model = env.DAGLENS_LLM_MODEL;
  const num = (v: string | undefined) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  if (env.DAGLENS_LLM_MAX_JOB_COST_USD) out.maxJobCostUsd = num(env.DAGLENS_LLM_MAX_JOB_COST_USD);
  if (env.DAGLENS_LLM_MAX_HOURLY_COST_USD) out.maxHourlyCostUsd = num(env.DAGLENS_LLM_MAX_HOURLY_COST_USD);
  if (env.DAGLENS_LLM_ENABLED) out.enabled = !/^(0|false|no|off)$/i.test(env.DAGLENS_LLM_ENABLED);
  if (env.AZURE_OPENAI_ENDPOINT)
    out.azure = {
      endpoint: env.AZURE_OPENAI_ENDPOINT,
      deployment: env.AZURE_OPENAI_DEPLOYMENT,
      apiVersion: env.OPENAI_API_VERSION,
    };
  return out;
}

function isLoopback(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\./.test(h);
  } catch {
    return false;
  }
}

function contextWindowOf(model: string): number {
  if (/gpt-4\.1/.test(model)) return 1_000_000;
  if (/gpt-5/.test(model)) return 400_000;
  if (/gpt-4o|o[134]-|o[134]$/.test(model)) return 128_000;
  if (/gpt-3\.5/.test(model)) return 16_000;
  // Local and unknown models: a conservative window (Ollama's default context is small).
  return 8_192;
}

/**
 * Lenient parse: each invalid field is reported (`daglens.llm.x: why`) and replaced by its default.
 * `raw` is the whole `daglens` settings object (we read `.llm` and `.mapping.topK`).
 */
export function parseLlmSettings(
  raw: unknown,
  env: NodeJS.ProcessEnv = {},
): { settings: LlmSettings; problems: string[]; topK: number } {
  const all = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const llmRaw = (all.llm && typeof all.llm === 'object' ? all.llm : {}) as Record<string, unknown>;
  const fromEnv = settingsFromEnv(env);
  const input: Record<string, unknown> = { ...fromEnv };
  // Unset (VS Code sends a declared default: null, '' or an object of empty fields) means "the default".
  const unset = (v: unknown) =>
    v === undefined ||
    v === null ||
    v === '' ||
    (typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.values(v as object).every((x) => x === undefined || x === null || x === ''));
  for (const [k, v] of Object.entries(llmRaw)) if (!unset(v)) input[k] = v;
  const problems: string[] = [];
  if ('apiKey' in llmRaw) {
    delete input.apiKey;
    problems.push(
      'daglens.llm.apiKey is ignored: keys are never read from settings files — run "DagLens: Set API Key" or use an environment variable (daglens.llm.apiKeyEnv)',
    );
  }
  let parsed = LlmSettingsSchema.safeParse(input);
  // Each invalid field falls back to the environment's value, then to the default.
  for (let pass = 0; !parsed.success && pass < 2; pass++) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      const fallback = pass === 0 && key in fromEnv && input[key] !== fromEnv[key];
      problems.push(
        `${pass === 0 ? 'daglens.llm' : 'environment: llm'}.${issue.path.join('.')}: ${issue.message}; using ${fallback ? "the environment's value" : 'the default'}`,
      );
      if (fallback) input[key] = fromEnv[key];
      else delete input[key];
    }
    parsed = LlmSettingsSchema.safeParse(input);
  }
  const settings = parsed.success ? parsed.data : LlmSettingsSchema.parse({});
  const mapping = (all.mapping && typeof all.mapping === 'object' ? all.mapping : {}) as Record<string, unknown>;
  const topK =
    typeof mapping.topK === 'number' && Number.isInteger(mapping.topK) && mapping.topK > 0 ? mapping.topK : 10;
  return { settings, problems, topK };
}

/**
 * Settings + environment (+ the chat models the editor offers, for `vscode-lm`) → the provider chain, with one
 * clear line for each thing that is wrong.
 */
export function resolveLlmConfig(raw: unknown, env: NodeJS.ProcessEnv, editorModels: EditorModel[] = []): LlmConfig {
  const { settings, problems, topK } = parseLlmSettings(raw, env);
  if (settings.provider === 'vscode-lm')
    return withEditorModel({ settings, providers: [], problems, requested: true, topK }, editorModels, true);
  const chain = resolveOpenAiChain(settings, problems, env, topK);
  // auto: the editor's model when no OpenAI-compatible provider is usable (no key set, no model set).
  if (settings.provider === 'auto' && settings.enabled && chain.providers.length === 0 && editorModels.length > 0) {
    return withEditorModel(
      { ...chain, problems: problems.filter((p) => !/^daglens\.llm: no API key/.test(p)) },
      editorModels,
      false,
    );
  }
  return chain;
}

/** A chat model the editor offers (vscode.lm.selectChatModels), as the client sends it. */
export type EditorModel = VscodeLmModel;

/** The editor model `vscodeModel` names (id, family, vendor/family or name), else the first one. */
export function pickEditorModel(models: EditorModel[], wanted: string): EditorModel | undefined {
  const w = wanted.trim().toLowerCase();
  if (!w) return models[0];
  return (
    models.find((m) => m.id.toLowerCase() === w) ??
    models.find((m) => `${m.vendor}/${m.family}`.toLowerCase() === w) ??
    models.find((m) => m.family.toLowerCase() === w) ??
    models.find((m) => m.name.toLowerCase() === w)
  );
}

function withEditorModel(c: LlmConfig, models: EditorModel[], explicit: boolean): LlmConfig {
  const m = pickEditorModel(models, c.settings.vscodeModel);
  if (!m) {
    if (explicit && c.settings.enabled) {
      c.problems.push(
        models.length
          ? `daglens.llm.vscodeModel: no model '${c.settings.vscodeModel}' among the editor's (${models.map((x) => `${x.vendor}/${x.family}`).join(', ')})`
          : 'daglens.llm.provider is vscode-lm, but the editor offers no chat model (VS Code with a model provider such as GitHub Copilot is needed; not the CLI)',
      );
    }
    return { ...c, providers: [] };
  }
  const provider: ProviderConfig = {
    kind: 'vscode-lm',
    name: `VS Code: ${m.name} (${m.vendor})`,
    baseUrl: `vscode-lm://${m.vendor}`,
    model: m.family || m.id,
    contextWindow: m.maxInputTokens,
    apiKey: '',
    local: false,
    vscodeModelId: m.id,
  };
  return { ...c, providers: [provider], requested: true };
}

function resolveOpenAiChain(
  settings: LlmSettings,
  problems: string[],
  env: NodeJS.ProcessEnv,
  topK: number,
): LlmConfig {
  const entries: Array<{ p: ProviderSettings; primary: boolean }> = [
    { p: settings, primary: true },
    ...settings.fallback.map((p) => ({ p, primary: false })),
  ];
  const providers: ProviderConfig[] = [];
  const requested = !!settings.model || !!settings.azure?.deployment;
  entries.forEach(({ p, primary }, i) => {
    const where = primary ? 'daglens.llm' : `daglens.llm.fallback[${i - 1}]`;
    const model = p.model ?? p.azure?.deployment;
    if (!model) {
      if (!primary) problems.push(`${where}: no model set; provider skipped`);
      return;
    }
    const baseUrl = p.azure
      ? p.azure.endpoint
      : (p.baseUrl ?? (primary ? undefined : settings.baseUrl) ?? DEFAULT_BASE_URL);
    const local = isLoopback(baseUrl);
    const keyVars = [
      p.apiKeyEnv,
      ...(primary ? [SECRET_KEY_ENV] : []),
      p.azure ? 'AZURE_OPENAI_API_KEY' : undefined,
      'OPENAI_API_KEY',
    ].filter((v): v is string => !!v);
    const keyVar = keyVars.find((v) => !!env[v]);
    if (p.apiKeyEnv && !env[p.apiKeyEnv])
      problems.push(`${where}.apiKeyEnv: the environment variable ${p.apiKeyEnv} is not set`);
    if (!keyVar && !local) {
      problems.push(
        `${where}: no API key for ${hostOf(baseUrl)} — run "DagLens: Set API Key" or set ${p.apiKeyEnv ?? 'OPENAI_API_KEY'}`,
      );
      return;
    }
    providers.push({
      name: p.name ?? `${hostOf(baseUrl)}/${model}`,
      baseUrl,
      model,
      contextWindow: p.contextWindow ?? contextWindowOf(model),
      azure: p.azure,
      // Local servers ignore the key, but the openai client insists on one.
      apiKey: keyVar ? env[keyVar]! : 'local',
      local,
    });
  });
  if (!settings.enabled) problems.length = 0;
  return { settings, providers, problems, requested, topK };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
