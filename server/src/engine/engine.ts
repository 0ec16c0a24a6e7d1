/**
 * The engine for one workspace folder: the parsed workspace plus the features built on it
 * (index, lineage, DAG mapping, LLM). The LSP server holds one per folder; the CLI makes one per run.
 * Features subscribe to the workspace (`workspace.listen`) and are constructed here, in dependency order.
 */
import { workspaceCacheDir } from './storage';
import { parseSettings, type EngineSettings } from './config';
import { silentLogger, type Logger } from './log';
import { Lineage } from './lineage';
import { FileJobStore } from './dag/jobs';
import { DagService } from './dag/service';
import { RunsService } from './runs/service';
import { Workspace } from './workspace/workspace';
import { FactsStore } from './workspace/factsStore';
import { DEFAULT_NAMES } from './lineage/names';
import { syncIndex, type SyncOptions, type SyncReport } from './index/indexer';
import { CodeIndex } from './index/codeIndex';
import { createEmbedder } from './index/createEmbedder';
import { indexRetriever } from './llm/features/evidence';
import { lineageContext } from './llm/features/lineageContext';
import { lineageFirst } from './llm/features/lineageEvidence';
import { LlmService } from './llm/service';

export interface EngineOptions {
  root: string;
  settings?: unknown;
  log?: Logger;
  /** Key for an OpenAI-compatible embeddings endpoint (else OPENAI_API_KEY); never logged. */
  embeddingsApiKey?: string;
  /** Milliseconds the index waits after an edit before re-indexing a file (LSP: typing; CLI: 0). */
  indexDebounceMs?: number;
  /** Where LLM keys and CLI defaults are read (default process.env). */
  llmEnv?: NodeJS.ProcessEnv;
  /** LLM cache/ledger folder; null = memory only (default: the workspace's folder in the user cache, see storage.ts). */
  llmCacheDir?: string | null;
  /** DAG mapping results and resume checkpoints; null = memory only (default: as for the LLM cache). */
  dagCacheDir?: string | null;
}

export class Engine {
  readonly workspace: Workspace;
  /** Table/column lineage and impact analysis over the workspace (server/src/engine/lineage). */
  readonly lineage: Lineage;
  /** DAG → code mapping (server/src/engine/dag): `await engine.dag.map(planText, { fileName })`. */
  readonly dag: DagService;
  /** Spark runs → code (server/src/engine/runs): `await engine.runs.map(run, source)` after `readRunPath`. */
  readonly runs: RunsService;
  /** Chunks of every file, searchable by BM25 + vectors: `await engine.index.search(query, { k })`. */
  readonly index: CodeIndex;
  /** OpenAI-compatible providers under a budget; chat, explanations, mapping verification (server/src/engine/llm). */
  readonly llm: LlmService;
  readonly log: Logger;
  settings: EngineSettings;
  /** Problems found in the settings given (each replaced by its default). */
  readonly settingsProblems: string[];

  constructor(opts: EngineOptions) {
    this.log = opts.log ?? silentLogger;
    const { settings, problems } = parseSettings(opts.settings);
    this.settings = settings;
    this.settingsProblems = problems;
    this.workspace = new Workspace(opts.root, settings, this.log);
    // Features register here (index, lineage, dag, llm), each listening to this.workspace.
    this.lineage = new Lineage(opts.root, { names: settings.lineage, log: this.log });
    this.workspace.listen(this.lineage);
    const dagCache = opts.dagCacheDir === undefined ? workspaceCacheDir(opts.root, 'dag') : opts.dagCacheDir;
    this.dag = new DagService(
      opts.root,
      this.log,
      () => this.settings.mapping.maxParallel,
      dagCache ? new FileJobStore(dagCache, undefined, (m) => this.log.warn(m)) : undefined,
      (abs) => this.lineage.processesIn(abs),
      () => this.settings.limits,
    );
    this.workspace.listen(this.dag);
    this.runs = new RunsService(this.dag, this.log);
    this.index = new CodeIndex({
      root: this.workspace.root,
      log: this.log,
      embedder: createEmbedder(settings, this.log, opts.embeddingsApiKey),
      hnsw: {
        m: settings.index.hnswM,
        efConstruction: settings.index.efConstruction,
        efSearch: settings.index.efSearch,
      },
      debounceMs: opts.indexDebounceMs ?? 0,
    });
    this.workspace.listen(this.index);
    // Each file's facts travel with the index: a reopened workspace parses only what changed.
    this.index.facts = new FactsStore(opts.root, () => ({ ...DEFAULT_NAMES, ...this.settings.lineage }));
    this.workspace.listen(this.index.facts);
    this.llm = new LlmService({
      workspace: this.workspace,
      settings: opts.settings,
      env: opts.llmEnv,
      cacheDir: opts.llmCacheDir === undefined ? workspaceCacheDir(opts.root, 'llm') : opts.llmCacheDir,
      log: this.log,
    });
    // Questions that name a table or model get its readers and writers first, then what the index finds.
    this.llm.setRetriever(
      lineageFirst(
        indexRetriever(this.index),
        this.lineage,
        (abs) => this.workspace.relative(abs),
        (rel, a, b) => this.llm.text.lines(rel, a, b),
      ),
    );
    this.llm.setLineageContext(lineageContext(this.lineage, (abs) => this.workspace.relative(abs)));
  }

  get root(): string {
    return this.workspace.root;
  }

  /**
   * Reads the workspace in one pass: the saved index and file facts, then only the files that changed,
   * each parsed once (in worker threads) for its chunks, symbols and lineage together. What the workspace
   * already holds with the same content is left alone, so this also serves a later re-index.
   */
  async open(opts: Pick<SyncOptions, 'indexDir' | 'signal' | 'onProgress' | 'workers'> = {}): Promise<SyncReport> {
    const report = await syncIndex(this.index, this.settings, this.log, {
      ...opts,
      adoptUnchanged: true,
      onFile: (f) => {
        if (this.workspace.get(f.path)?.hash !== f.facts.hash) this.workspace.adopt(f.path, f.text, f.lang, f.facts);
      },
      onRemoved: (rel) => this.workspace.remove(rel),
    });
    this.workspace.skipped = report.skipped;
    return report;
  }

  updateSettings(raw: unknown): string[] {
    const { settings, problems } = parseSettings(raw);
    this.settings = settings;
    this.workspace.updateSettings(settings);
    this.lineage.setNames(settings.lineage);
    this.llm.updateSettings(raw);
    return problems;
  }
}
