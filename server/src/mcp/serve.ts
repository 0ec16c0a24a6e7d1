/**
 * `daglens mcp`: one engine on one workspace, served over stdio (stdout carries only MCP messages; logs go to
 * stderr). The MCP handshake is answered at once; the workspace scan and the index load run behind it and every
 * call waits for them. A long-lived server must follow the agent's edits: a recursive file watcher marks the
 * workspace dirty, and the next call first re-reads what changed on disk (freshness.ts).
 */
import { watch, type FSWatcher } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { DiskSync } from '../engine/agents/freshness';
import { AgentTools } from '../engine/agents/tools';
import { Engine } from '../engine/engine';
import { syncIndex } from '../engine/index/indexer';
import { errorMessage, type Logger } from '../engine/log';
import { workspaceCacheDir } from '../engine/storage';
import { DAGLENS_VERSION } from '../shared/version';
import { createMcpServer } from './server';

export const MCP_SERVER_VERSION = DAGLENS_VERSION;

export interface ServeOptions {
  root: string;
  /** The `daglens` settings object (LLM flags, excludes). */
  settings?: unknown;
  log: Logger;
  /** Where the saved index is read from and written to; undefined keeps it in memory. */
  indexDir?: string;
  /** Where the LLM cache/ledger and DAG results live (default: the user cache); null: memory only. */
  cacheDir?: string | null;
  /** An editor's storage folder for this workspace (VS Code's): the LLM and DAG caches go there, as the language server's do. */
  storageDir?: string;
  llmEnv?: NodeJS.ProcessEnv;
  /** Workspaces with more files than this are not watched: each call re-checks the disk instead (at most once a second). */
  maxWatchedFiles?: number;
}

/** Paths under these folders never make the workspace dirty. */
const IGNORED_CHANGE =
  /(^|[\\/])(\.git|node_modules|__pycache__|\.venv|venv|\.daglens-cache|target|dbt_packages)([\\/]|$)/;

export async function serveMcp(opts: ServeOptions): Promise<{ closed: Promise<void> }> {
  const { root, log } = opts;
  const cache = (kind: 'llm' | 'dag') =>
    opts.cacheDir === null ? null : workspaceCacheDir(root, kind, opts.storageDir);
  const engine = new Engine({
    root,
    settings: opts.settings,
    log,
    llmEnv: opts.llmEnv ?? process.env,
    llmCacheDir: cache('llm'),
    dagCacheDir: cache('dag'),
  });
  const disk = new DiskSync(engine);
  let indexing = true;
  const tools = new AgentTools(engine, { indexing: () => indexing });

  let dirty = false;
  let lastSync = 0;
  let watcher: FSWatcher | undefined;
  const ready = (async () => {
    const started = performance.now();
    // The index parks the scan's file events and indexes in its workers meanwhile (as the language server does).
    const indexed = syncIndex(engine.index, engine.settings, log, { indexDir: opts.indexDir })
      .catch((e) => log.warn(`indexing failed: ${errorMessage(e)}; search covers what is indexed`))
      .finally(() => {
        indexing = false;
      });
    const files = await disk.scan();
    lastSync = Date.now();
    if (files <= (opts.maxWatchedFiles ?? 20_000)) {
      try {
        watcher = watch(root, { recursive: true, persistent: false }, (_ev, name) => {
          if (!name || !IGNORED_CHANGE.test(String(name))) dirty = true;
        });
        watcher.on('error', (e) => {
          log.warn(`file watching stopped (${errorMessage(e)}): each call re-checks the disk`);
          watcher?.close();
          watcher = undefined;
        });
      } catch (e) {
        log.warn(`cannot watch ${root} (${errorMessage(e)}): each call re-checks the disk`);
      }
    }
    await indexed;
    // Built now rather than on the first call: the lineage graph and the DAG mapper's source units.
    engine.lineage.graph();
    engine.dag.units();
    log.info(`workspace ready: ${files} files in ${Math.round(performance.now() - started)} ms`);
  })();
  ready.catch((e) => log.error(`loading the workspace failed: ${errorMessage(e)}`));

  const beforeCall = async () => {
    const due = watcher ? dirty || Date.now() - lastSync > 30_000 : Date.now() - lastSync > 1000;
    if (!due) return;
    dirty = false;
    const r = await disk.sync();
    lastSync = Date.now();
    if (r.changed || r.added || r.removed)
      log.info(
        `workspace changed on disk: ${r.changed} changed, ${r.added} new, ${r.removed} removed (${Math.round(r.ms)} ms)`,
      );
  };

  const server = createMcpServer({ tools, ready, beforeCall, log, version: MCP_SERVER_VERSION });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      watcher?.close();
      resolve();
    };
    transport.onclose = done;
    // The client went away (its end of stdin closed): nothing more will come.
    process.stdin.once('end', () => void server.close().finally(done));
  });
  await server.connect(transport);
  log.info(`DagLens MCP server on ${root} (stdio)`);
  return { closed };
}
