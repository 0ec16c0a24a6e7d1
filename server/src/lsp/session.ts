/**
 * Server-side state: one engine per workspace folder, plus a loose one for files outside every folder.
 * Routes paths to engines, applies settings, reports status. No request handling here.
 */
import path from 'node:path';
import { Engine } from '../engine/engine';
import { workspaceCacheDir } from '../engine/storage';
import type { Logger } from '../engine/log';
import type { ServerStatus } from '../protocol';

export class Session {
  readonly engines: Engine[] = [];
  /** Files open in the editor that belong to no workspace folder. */
  readonly loose: Engine;
  status: ServerStatus = { health: 'ok', quiescent: true, message: 'starting' };
  private markScanned!: () => void;
  /** Settles when the first workspace scan has ended (well or not): features that need every file wait on it. */
  readonly scanned = new Promise<void>((resolve) => { this.markScanned = resolve; });

  constructor(
    roots: string[],
    rawSettings: unknown,
    readonly log: Logger,
    private readonly onStatus: (s: ServerStatus) => void,
    /** The editor's storage folder for this workspace (VS Code: the extension's workspace storage). */
    storageDir?: string,
  ) {
    for (const root of roots) {
      this.engines.push(new Engine({
        root, settings: rawSettings, log,
        llmCacheDir: workspaceCacheDir(root, 'llm', storageDir),
        dagCacheDir: workspaceCacheDir(root, 'dag', storageDir),
      }));
    }
    // The loose engine has no folder of its own to keep an LLM cache in: it keeps it in memory.
    this.loose = new Engine({ root: path.parse(process.cwd()).root, settings: rawSettings, log, llmCacheDir: null, dagCacheDir: null });
    for (const p of this.loose.settingsProblems) log.warn(p);
  }

  /** All engines, the loose one last. */
  get all(): Engine[] {
    return [...this.engines, this.loose];
  }

  /** Applies new settings; returns the problems found (already logged). */
  applySettings(raw: unknown): string[] {
    let problems: string[] = [];
    for (const e of this.all) problems = e.updateSettings(raw);
    for (const p of problems) this.log.warn(p);
    return problems;
  }

  engineFor(filePath: string): Engine {
    const abs = path.resolve(filePath);
    let best: Engine | undefined;
    for (const e of this.engines) {
      const rel = path.relative(e.root, abs);
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && (!best || e.root.length > best.root.length)) best = e;
    }
    return best ?? this.loose;
  }

  setStatus(s: ServerStatus): void {
    this.status = s;
    this.onStatus(s);
  }

  async scanAll(onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    try {
      await this.scanFolders(onProgress, signal);
    } finally {
      this.markScanned();
    }
  }

  private async scanFolders(onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    this.setStatus({ health: 'ok', quiescent: false, message: 'scanning workspace' });
    let files = 0;
    let skipped = 0;
    const started = Date.now();
    for (const e of this.engines) {
      const d = await e.workspace.scan((p) => {
        onProgress?.(p.done, p.total);
        this.setStatus({ health: 'ok', quiescent: false, message: 'parsing', progress: p });
      }, signal);
      files += d.files.length;
      skipped += d.skipped.length;
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    this.log.info(`scanned ${files} files (${skipped} skipped) in ${secs}s`);
    this.setStatus({ health: 'ok', quiescent: true, message: `${files} files parsed${skipped ? `, ${skipped} skipped` : ''}` });
  }
}
