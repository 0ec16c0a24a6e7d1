/**
 * Keeps a long-lived headless engine (the MCP server) in step with the disk. An agent edits files between
 * tool calls and no editor tells the engine: before a call, the workspace is re-discovered (a stat per file,
 * no reads of unchanged ones) and changed, new and deleted files are fed to the workspace, whose listeners
 * (lineage, index, DAG mapping, LLM text) update as they do for editor edits.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine';
import { errorMessage } from '../log';
import { discover } from '../workspace/discovery';

export interface SyncResult {
  changed: number;
  added: number;
  removed: number;
  ms: number;
}

export class DiskSync {
  /** Absolute path → size and mtime of the text the workspace holds. */
  private readonly known = new Map<string, { size: number; mtimeMs: number }>();
  private running: Promise<SyncResult> | undefined;

  constructor(private readonly engine: Engine) {}

  /** The first scan: every file parsed, its size and mtime remembered. */
  async scan(signal?: AbortSignal): Promise<number> {
    const found = await this.engine.workspace.scan(undefined, signal);
    for (const f of found.files) this.known.set(f.path, { size: f.size, mtimeMs: f.mtimeMs });
    return found.files.length;
  }

  /** Brings the workspace in line with the disk; concurrent callers share one pass. */
  sync(): Promise<SyncResult> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<SyncResult> {
    const started = performance.now();
    const ws = this.engine.workspace;
    const root = this.engine.root;
    // Unchanged files (same size and mtime) are not sniffed again.
    const found = await discover(root, this.engine.settings, undefined, (rel, size, mtimeMs) => {
      const k = this.known.get(path.join(root, rel));
      return !!k && k.size === size && k.mtimeMs === mtimeMs;
    });
    const present = new Set<string>();
    let changed = 0;
    let added = 0;
    for (const f of found.files) {
      present.add(f.path);
      const k = this.known.get(f.path);
      if (k && k.size === f.size && k.mtimeMs === f.mtimeMs) continue;
      try {
        const text = await fs.readFile(f.path, 'utf8');
        ws.setText(f.path, text, f.lang);
        this.known.set(f.path, { size: f.size, mtimeMs: f.mtimeMs });
        if (k) changed++;
        else added++;
      } catch (e) {
        this.engine.log.warn(`could not read ${f.rel}: ${errorMessage(e)}`);
      }
    }
    let removed = 0;
    for (const p of [...this.known.keys()]) {
      if (present.has(p)) continue;
      this.known.delete(p);
      ws.remove(p);
      removed++;
    }
    return { changed, added, removed, ms: performance.now() - started };
  }
}
