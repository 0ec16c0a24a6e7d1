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
  private markScannedNow!: () => void;
  /** Settles when the first read of the workspace has ended (well or not): features that need every file wait on it. */
  readonly scanned = new Promise<void>((resolve) => {
    this.markScannedNow = resolve;
  });

  constructor(
    roots: string[],
    rawSettings: unknown,
    readonly log: Logger,
    private readonly onStatus: (s: ServerStatus) => void,
    /** The editor's storage folder for this workspace (VS Code: the extension's workspace storage). */
    storageDir?: string,
  ) {
    this.rawSettings = rawSettings;
    for (const root of roots) {
      this.engines.push(
        new Engine({
          root,
          settings: rawSettings,
          log,
          llmCacheDir: workspaceCacheDir(root, 'llm', storageDir),
          dagCacheDir: workspaceCacheDir(root, 'dag', storageDir),
        }),
      );
    }
    // Until the first read of each folder, editor edits are parked for the index (replayed after it): an index
    // that already holds a file would not load the saved one.
    for (const e of this.engines) e.index.beginBulk();
    // The loose engine has no folder of its own to keep an LLM cache in: it keeps it in memory.
    this.loose = new Engine({
      root: path.parse(process.cwd()).root,
      settings: rawSettings,
      log,
      llmCacheDir: null,
      dagCacheDir: null,
    });
    for (const p of this.loose.settingsProblems) log.warn(p);
  }

  /** All engines, the loose one last. */
  get all(): Engine[] {
    return [...this.engines, this.loose];
  }

  /** The client shows the workspace read itself, from `serverStatus` (no LSP work-done progress for it). */
  readingInStatus = false;

  /** The `daglens` settings as the editor last sent them (lens switches are read here: no round trip per request). */
  rawSettings: unknown;

  /** Whether the editor's `daglens.codeLens.<kind>` switch is on (default on). */
  lensEnabled(kind: 'dagMapping' | 'runs'): boolean {
    const lens = (this.rawSettings as { codeLens?: Record<string, unknown> } | null | undefined)?.codeLens;
    return lens?.[kind] !== false;
  }

  /** Applies new settings; returns the problems found (already logged). */
  applySettings(raw: unknown): string[] {
    this.rawSettings = raw;
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

  /** The first read of the workspace has ended (well or not). */
  markScanned(): void {
    this.markScannedNow();
  }
}
