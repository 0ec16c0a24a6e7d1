/**
 * `engine.llm`: the LLM layer of one workspace. Owns the provider chain (rebuilt when settings change),
 * the budget, the cache and the ledger, and says — in one sentence — why it is unavailable when it is:
 * disabled, untrusted workspace, or misconfigured. Features (ask, explain, verify) run through it and fall
 * back to their offline results whenever it is unavailable or fails.
 */
import { workspaceCacheDir } from '../storage';
import path from 'node:path';
import type { LlmState, LlmStats } from '../../protocol/contracts';
import type { Logger } from '../log';
import type { Workspace } from '../workspace/workspace';
import { Budget, Job } from './budget';
import { ResponseCache } from './cache';
import { LlmClient, probeProviders, type ClientHooks } from './client';
import { ask, type AskInput, type AskOutput } from './features/ask';
import { symbolRetriever, type Evidence, type Retriever } from './features/evidence';
import type { LineageContext } from './features/lineageContext';
import {
  explainAll,
  explainSymbol,
  ExplanationStore,
  findSymbol,
  storedExplanation,
  type Explanation,
  type SymbolWhere,
} from './features/explain';
import {
  verifyDagResult,
  verifyMappings,
  type DagResultLike,
  type VerifyOptions,
  type VerifyOutcome,
  type VerifyTarget,
} from './features/verify';
import { Ledger } from './ledger';
import { resolveLlmConfig, type EditorModel, type LlmConfig } from './settings';
import type { EditorLm } from './vscodeLm';
import { groupTotals, totals } from './stats';
import { WorkspaceText } from './workspaceText';

export type { LlmState };

export interface LlmServiceOptions {
  workspace: Workspace;
  /** The whole `daglens` settings object (we read `llm` and `mapping.topK`). */
  settings: unknown;
  /** Where keys and CLI defaults come from (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** Cache, ledger and explanations folder; `null` keeps everything in memory. Default: the workspace's folder in the user cache (storage.ts). */
  cacheDir?: string | null;
  log: Logger;
  /** Test hooks for the client (recorded sleeps). */
  hooks?: ClientHooks;
}

/** Spend, tokens, cache hits and latency: what `daglens stats` prints and `daglens/llmStats` returns. */
export type LlmStatsReport = LlmStats;

export class LlmService {
  readonly text = new WorkspaceText();
  readonly ledger: Ledger;
  readonly budget: Budget;
  readonly cache: ResponseCache;
  readonly explanations: ExplanationStore;
  readonly cacheDir: string | null;
  config: LlmConfig;
  client: LlmClient | undefined;
  /** VS Code workspace trust; the CLI and other editors are trusted. */
  private trusted = true;
  private retriever: Retriever;
  private lineage: LineageContext | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private lastProblems = '';
  private rawSettings: unknown;
  /** The editor's models (`vscode-lm`) and the way to reach them; none outside VS Code. */
  private editor: { lm: EditorLm; models: EditorModel[] } | undefined;

  constructor(private readonly opts: LlmServiceOptions) {
    this.env = opts.env ?? process.env;
    this.cacheDir = opts.cacheDir === null ? null : (opts.cacheDir ?? workspaceCacheDir(opts.workspace.root, 'llm'));
    const dir = this.cacheDir ?? undefined;
    this.rawSettings = opts.settings;
    this.config = resolveLlmConfig(opts.settings, this.env);
    this.ledger = new Ledger(dir, undefined, (m) => opts.log.warn(m));
    this.budget = new Budget(this.ledger, this.config.settings.maxHourlyCostUsd);
    this.cache = new ResponseCache(dir, this.config.settings.cacheTtlHours * 3_600_000, undefined, (m) =>
      opts.log.warn(m),
    );
    this.explanations = new ExplanationStore(dir ? path.join(dir, 'explanations') : undefined);
    this.retriever = symbolRetriever(this.text);
    opts.workspace.listen(this.text);
    this.rebuild();
  }

  get log(): Logger {
    return this.opts.log;
  }

  /** Problems with the LLM settings, one clear line each (already logged once). */
  get problems(): string[] {
    return this.config.problems;
  }

  updateSettings(raw: unknown): void {
    this.rawSettings = raw;
    this.config = resolveLlmConfig(raw, this.env, this.editor?.models);
    this.budget.setHourlyCap(this.config.settings.maxHourlyCostUsd);
    this.cache.setTtl(this.config.settings.cacheTtlHours * 3_600_000);
    this.rebuild();
  }

  /** The chat models the editor offers now and how to reach them (the language server's `daglens/lm/*` bridge). */
  setEditorModels(lm: EditorLm | undefined, models: EditorModel[]): void {
    this.editor = lm ? { lm, models } : undefined;
    this.config = resolveLlmConfig(this.rawSettings, this.env, this.editor?.models);
    this.rebuild();
  }

  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
  }

  /** Uses the workspace index (or any retriever) for evidence instead of the built-in symbol search. */
  setRetriever(r: Retriever): void {
    this.retriever = r;
  }

  /** Adds table lineage of the user's file/selection to chat questions. */
  setLineageContext(l: LineageContext): void {
    this.lineage = l;
  }

  lineageOf(file: string, selection?: { startLine: number; endLine: number }): string | undefined {
    try {
      return this.lineage?.(file, selection);
    } catch (e) {
      this.log.warn(`lineage context for ${file}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  retrieve(query: string, k: number, signal?: AbortSignal): Promise<Evidence[]> {
    return this.retriever(query, k, signal);
  }

  get state(): LlmState {
    if (!this.config.settings.enabled) return 'disabled';
    if (!this.trusted) return 'untrusted';
    return this.client ? 'ready' : 'noProvider';
  }

  /** Why nothing may be sent to a model right now; undefined when it may. */
  unavailableReason(): string | undefined {
    switch (this.state) {
      case 'disabled':
        return 'the LLM is disabled (daglens.llm.enabled is false), so no code leaves this machine';
      case 'untrusted':
        return 'this workspace is not trusted, so no code leaves this machine';
      case 'noProvider':
        return (
          this.config.problems[0] ??
          'no LLM is configured (set daglens.llm.model, and a key with "DagLens: Set API Key")'
        );
      case 'ready':
        return undefined;
    }
  }

  job(name: string, maxUsd = this.config.settings.maxJobCostUsd): Job {
    return new Job(name, maxUsd);
  }

  ask(input: AskInput, onToken?: (delta: string) => void, signal?: AbortSignal): Promise<AskOutput> {
    return ask(this, input, onToken, signal);
  }

  explain(file: string, where: SymbolWhere, signal?: AbortSignal): Promise<Explanation> {
    return explainSymbol(this, file, where, signal);
  }

  /** Whether there is a symbol to explain there (hovers ask before spending anything). */
  hasSymbol(file: string, where: SymbolWhere): boolean {
    const entry = this.text.entry(file);
    return !!entry && !!findSymbol(entry.symbols, where);
  }

  /** An explanation already generated for the symbol at this place (no request). */
  storedExplanation(file: string, where: SymbolWhere): Explanation | undefined {
    return storedExplanation(this, file, where);
  }

  explainAll(files?: string[], signal?: AbortSignal, onProgress?: (done: number, total: number) => void) {
    return explainAll(this, files, signal, onProgress);
  }

  verify(targets: VerifyTarget[], opts: VerifyOptions = {}): Promise<VerifyOutcome> {
    return verifyMappings(this, targets, opts);
  }

  /** Verifies the low or ambiguous nodes of a DAG mapping result (stats and problems updated). */
  verifyDag<R extends DagResultLike>(result: R, opts: VerifyOptions = {}) {
    return verifyDagResult(this, result, opts);
  }

  stats(): LlmStatsReport {
    const all = this.ledger.all();
    const hourAgo = Date.now() - 3_600_000;
    return {
      state: this.state,
      message: this.unavailableReason() ?? `ready: ${this.client!.providers.map((p) => p.config.name).join(' → ')}`,
      problems: [...this.config.problems],
      providers: (this.client?.providers ?? []).map((p) => ({
        name: p.config.name,
        model: p.config.model,
        local: p.config.local,
        circuit: p.breaker.state,
      })),
      limits: {
        maxJobCostUsd: this.config.settings.maxJobCostUsd,
        maxHourlyCostUsd: this.config.settings.maxHourlyCostUsd,
      },
      lastHour: totals(all.filter((e) => e.t >= hourAgo)),
      total: totals(all),
      byFeature: groupTotals(all, (e) => e.feature),
      byModel: groupTotals(all, (e) => e.model),
      cacheDir: this.cacheDir,
    };
  }

  /**
   * Configuration problems plus what each provider says when asked for its models (no code is sent; skipped
   * when disabled or untrusted). One line per problem.
   */
  async check(): Promise<string[]> {
    const problems = [...this.config.problems];
    if (this.client && this.state === 'ready') problems.push(...(await probeProviders(this.client)));
    for (const p of problems.slice(this.config.problems.length)) this.log.warn(p);
    return problems;
  }

  /** Forgets cached replies and explanations (the ledger stays: it is the spending record). */
  clearCache(): void {
    this.cache.clear();
    this.explanations.clear();
  }

  private rebuild(): void {
    // Settings arrive twice at startup (initialize, then the configuration request): say each problem once.
    const said = this.config.problems.join('\n');
    if (said !== this.lastProblems) for (const p of this.config.problems) this.log.warn(p);
    this.lastProblems = said;
    this.client =
      this.config.settings.enabled && this.config.providers.length > 0
        ? new LlmClient(this.config, this.budget, this.cache, this.ledger, this.opts.hooks, this.editor?.lm)
        : undefined;
  }
}
