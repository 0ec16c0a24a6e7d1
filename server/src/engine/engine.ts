/**
 * The engine for one workspace folder: the parsed workspace plus the features built on it
 * (index, lineage, DAG mapping, LLM). The LSP server holds one per folder; the CLI makes one per run.
 * Features subscribe to the workspace (`workspace.listen`) and are constructed here, in dependency order.
 */
import { parseSettings, type EngineSettings } from './config';
import { silentLogger, type Logger } from './log';
import { Workspace } from './workspace/workspace';

export interface EngineOptions {
  root: string;
  settings?: unknown;
  log?: Logger;
}

export class Engine {
  readonly workspace: Workspace;
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
