/**
 * The engine for one workspace folder: the parsed workspace plus the features built on it
 * (index, lineage, DAG mapping, LLM). The LSP server holds one per folder; the CLI makes one per run.
 * Features subscribe to the workspace (`workspace.listen`) and are constructed here, in dependency order.
 */
import { parseSettings, type EngineSettings } from './config';
import { silentLogger, type Logger } from './log';
import { Workspace } from './workspace/workspace';
import { CodeIndex } from './index/codeIndex';
import { createEmbedder } from './index/createEmbedder';

export interface EngineOptions {
  root: string;
  settings?: unknown;
  log?: Logger;
  /** Key for an OpenAI-compatible embeddings endpoint (else OPENAI_API_KEY); never logged. */
  embeddingsApiKey?: string;
  /** Milliseconds the index waits after an edit before re-indexing a file (LSP: typing; CLI: 0). */
  indexDebounceMs?: number;
}

export class Engine {
  readonly workspace: Workspace;
  /** Chunks of every file, searchable by BM25 + vectors: `await engine.index.search(query, { k })`. */
  readonly index: CodeIndex;
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
    this.index = new CodeIndex({
      root: this.workspace.root,
      log: this.log,
      embedder: createEmbedder(settings, this.log, opts.embeddingsApiKey),
      hnsw: { m: settings.index.hnswM, efConstruction: settings.index.efConstruction, efSearch: settings.index.efSearch },
      debounceMs: opts.indexDebounceMs ?? 0,
    });
    this.workspace.listen(this.index);
  }

  get root(): string {
    return this.workspace.root;
  }

  updateSettings(raw: unknown): string[] {
    const { settings, problems } = parseSettings(raw);
    this.settings = settings;
    this.workspace.updateSettings(settings);
    return problems;
  }
}
