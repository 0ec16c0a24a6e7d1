/**
 * Server-side state: one engine Workspace per workspace folder, plus a loose one for files outside
 * every folder. Routes paths to workspaces; holds settings; reports status. No request handling here.
 */
import path from 'node:path';
import { parseSettings, type EngineSettings } from '../engine/config';
import type { Logger } from '../engine/log';
import { Workspace } from '../engine/workspace/workspace';
import type { ServerStatus } from '../protocol';

export class Session {
  readonly workspaces: Workspace[] = [];
  /** Files open in the editor that belong to no workspace folder. */
  readonly loose: Workspace;
  settings: EngineSettings;
  status: ServerStatus = { health: 'ok', quiescent: true, message: 'starting' };

  constructor(
    roots: string[],
    rawSettings: unknown,
    readonly log: Logger,
    private readonly onStatus: (s: ServerStatus) => void,
  ) {
    const { settings, problems } = parseSettings(rawSettings);
    this.settings = settings;
    for (const p of problems) log.warn(p);
    for (const r of roots) this.workspaces.push(new Workspace(r, settings, log));
    this.loose = new Workspace(path.parse(process.cwd()).root, settings, log);
  }

  /** Applies new settings; returns the problems found (already logged). */
  applySettings(raw: unknown): string[] {
    const { settings, problems } = parseSettings(raw);
    for (const p of problems) this.log.warn(p);
    this.settings = settings;
    for (const w of this.workspaces) w.updateSettings(settings);
    return problems;
  }

  workspaceFor(filePath: string): Workspace {
    const abs = path.resolve(filePath);
    let best: Workspace | undefined;
    for (const w of this.workspaces) {
      const rel = path.relative(w.root, abs);
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && (!best || w.root.length > best.root.length)) best = w;
    }
    return best ?? this.loose;
  }

  setStatus(s: ServerStatus): void {
    this.status = s;
    this.onStatus(s);
  }

  async scanAll(onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    this.setStatus({ health: 'ok', quiescent: false, message: 'scanning workspace' });
    let files = 0;
    let skipped = 0;
    const started = Date.now();
    for (const w of this.workspaces) {
      const d = await w.scan((p) => {
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
