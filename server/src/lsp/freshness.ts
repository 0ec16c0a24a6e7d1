/**
 * Keeps what the editor shows (lenses, hovers) right without making requests wait for lineage rebuilds.
 * Requests answer from the last lineage graph; when files changed since, the graph is rebuilt shortly after
 * (at most once a second while the workspace is being read) and the editor is asked to fetch its lenses
 * again (`workspace/codeLens/refresh`). When the first read of the workspace ends, everything is rebuilt and
 * refreshed once more, so a lens computed early (and marked so) never stays stale.
 */
import { CodeLensRefreshRequest, type Connection } from 'vscode-languageserver/node';
import type { Engine } from '../engine/engine';
import { errorMessage, type Logger } from '../engine/log';

/** A graph that last built faster than this is rebuilt inline: small workspaces are never shown stale. */
const INLINE_BUILD_MS = 15;
/** While the workspace is read, rebuilds are at most this frequent (each one covers what was read so far). */
const READING_GAP_MS = 1000;
/** After a change, the rebuild waits this long for the next one (a save touching several files). */
const SETTLE_MS = 50;

export class Freshness {
  /** True until the first read of the workspace has ended. */
  reading = true;
  private readonly timers = new Map<Engine, NodeJS.Timeout>();
  private readonly lastBuild = new Map<Engine, number>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
  ) {}

  attach(engine: Engine): void {
    engine.lineage.serveStale(() => this.rebuildSoon(engine), INLINE_BUILD_MS);
    // Another file's change can change this one's lens: once the workspace is read, refresh by itself.
    const changed = () => {
      if (!this.reading) this.rebuildSoon(engine);
    };
    engine.workspace.listen({ fileChanged: changed, fileRemoved: changed });
  }

  /** Whether an answer drawn from the engine's lineage may be incomplete right now. */
  partial(engine: Engine): 'reading' | 'updating' | undefined {
    return this.reading ? 'reading' : engine.lineage.stale ? 'updating' : undefined;
  }

  rebuildSoon(engine: Engine): void {
    if (this.timers.has(engine)) return;
    const wait = this.reading
      ? Math.max(0, (this.lastBuild.get(engine) ?? 0) + READING_GAP_MS - Date.now())
      : SETTLE_MS;
    const timer = setTimeout(() => {
      this.timers.delete(engine);
      this.lastBuild.set(engine, Date.now());
      try {
        if (engine.lineage.rebuild()) this.refreshSoon();
      } catch (e) {
        this.log.error(`lineage rebuild failed: ${errorMessage(e)}`);
      }
    }, wait);
    timer.unref?.();
    this.timers.set(engine, timer);
  }

  /** The first read of the workspace ended: rebuild now and have the editor fetch every lens again. */
  readingDone(engines: Engine[]): void {
    this.reading = false;
    for (const e of engines) {
      clearTimeout(this.timers.get(e));
      this.timers.delete(e);
      try {
        e.lineage.rebuild();
      } catch (err) {
        this.log.error(`lineage rebuild failed: ${errorMessage(err)}`);
      }
    }
    this.refreshSoon(0);
  }

  /** Asks the editor to request lenses again (coalesced). */
  refreshSoon(delay = 100): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      // Clients without refresh support answer with an error: nothing to do then.
      void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    }, delay);
    this.refreshTimer.unref?.();
  }
}
