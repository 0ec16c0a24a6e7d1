/**
 * The workspace index over LSP: `daglens/search` (hybrid search, typed hits), indexing at start-up with
 * cancellable `window/workDoneProgress`, and periodic saves. workspace/symbol reads the index too
 * (features/symbols.ts). Thin: the engine's CodeIndex and syncIndex do the work.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { defaultIndexDir } from '../../engine/index/location';
import { saveIndex } from '../../engine/index/store';
import { errorMessage } from '../../engine/log';
import {
  cancelReading,
  reindex,
  ReindexParamsSchema,
  search,
  SearchParamsSchema,
  type SearchHitDto,
} from '../../protocol';
import type { Feature, ServerContext } from '../context';
import { validated } from '../handlers';
import { flushPending } from './documents';
import { pathToUri } from '../uris';

/** Edits to a file are re-indexed once typing pauses this long (searches flush earlier). */
const TYPING_DEBOUNCE_MS = 300;
/** A changed index is saved at most this often. */
const SAVE_EVERY_MS = 30_000;

let indexing = false;
/** Aborts the read in progress (`daglens/cancelReading`, or the progress's cancel button). */
let reading: AbortController | undefined;
/** The storage folder the start-up indexing used: re-indexing on request uses the same one. */
let indexStorage: string | undefined;
/** Engines whose periodic saves are scheduled (once each, however often they are re-indexed). */
const saving = new WeakSet<Engine>();

export const searchFeature: Feature = {
  register(ctx) {
    ctx.connection.onRequest(
      search,
      validated(search, SearchParamsSchema, async (params) => {
        // Edits still being coalesced reach the index first: a search sees what was just typed.
        flushPending();
        const k = params.k ?? 10;
        const hits: SearchHitDto[] = [];
        for (const e of indexedEngines(ctx)) {
          for (const h of await e.index.search(params.query, params))
            hits.push({ ...h, uri: pathToUri(path.join(e.root, h.file)) });
        }
        hits.sort((a, b) => b.score - a.score);
        return { hits: hits.slice(0, k), indexing };
      }),
    );

    ctx.connection.onNotification(cancelReading, () => reading?.abort());

    ctx.connection.onRequest(
      reindex,
      validated(reindex, ReindexParamsSchema, async ({ rebuild }) => {
        if (indexing)
          throw new ResponseError(
            ErrorCodes.InvalidRequest,
            'the workspace is being indexed already: wait for it to finish',
          );
        const started = performance.now();
        const engines = ctx.session().engines;
        if (rebuild) {
          for (const e of engines) {
            rmSync(indexDirFor(e.root, indexStorage), { recursive: true, force: true });
            e.index.retain(() => false);
          }
          ctx.log.info('index: rebuilding from scratch on request');
        }
        await indexWorkspaces(ctx, indexStorage);
        return {
          folders: engines.map((e) => ({ root: e.root, files: e.index.stats().files, chunks: e.index.stats().chunks })),
          seconds: (performance.now() - started) / 1000,
        };
      }),
    );
  },
};

function indexedEngines(ctx: ServerContext): Engine[] {
  const s = ctx.session();
  return s.loose.index.stats().files ? [...s.engines, s.loose] : s.engines;
}

/**
 * Reads every folder in one pass (Engine.open): the saved index and file facts, then the files that changed,
 * each parsed once in worker threads for its chunks, symbols and lineage. One cancellable progress and the
 * server status report it; requests are answered all along (the work yields between files).
 */
export async function indexWorkspaces(ctx: ServerContext, storageDir?: string): Promise<void> {
  indexStorage = storageDir;
  const s = ctx.session();
  const controller = new AbortController();
  reading = controller;
  // The DagLens client draws this from the status notifications (one status item, a cancellable notification).
  const progress = s.readingInStatus
    ? undefined
    : await ctx.connection.window.createWorkDoneProgress().catch(() => undefined);
  progress?.begin('DagLens: reading workspace', 0, 'loading the saved index', true);
  progress?.token.onCancellationRequested(() => controller.abort());
  indexing = true;
  s.setStatus({ health: 'ok', quiescent: false, message: 'reading workspace' });
  let files = 0;
  let skipped = 0;
  let lastReport = 0;
  try {
    for (const e of s.engines) {
      if (controller.signal.aborted) break;
      e.index.debounceMs = TYPING_DEBOUNCE_MS;
      const indexDir = indexDirFor(e.root, storageDir);
      const r = await e.open({
        indexDir,
        signal: controller.signal,
        onProgress: ({ done, total }) => {
          // Progress messages are cheap but not free: a few a second is plenty.
          if (Date.now() - lastReport < 250 && done < total) return;
          lastReport = Date.now();
          progress?.report(total ? Math.round((done / total) * 100) : 100, `${done}/${total} files`);
          s.setStatus({ health: 'ok', quiescent: false, message: 'reading workspace', progress: { done, total } });
        },
      });
      files += r.files;
      skipped += r.skipped.length;
      ctx.log.info(
        `read ${e.root}: ${r.files} files, ${r.chunks} chunks, ${r.skipped.length} skipped, ${r.indexed} (re)indexed` +
          `${r.loaded ? ', the rest from the saved index' : ''} in ${r.seconds.toFixed(1)} s (${indexDir})${r.cancelled ? ' — cancelled' : ''}`,
      );
      if (e.index.stats().vectorBackend === 'exact')
        ctx.log.warn('vector search is exact (hnswlib-node did not load): slower on large workspaces');
      scheduleSaves(ctx, e, indexDir);
    }
    const cancelled = controller.signal.aborted ? ' (reading cancelled: what was read so far is used)' : '';
    s.setStatus({
      health: 'ok',
      quiescent: true,
      message: `${files} files read${skipped ? `, ${skipped} skipped` : ''}${cancelled}`,
    });
  } catch (e) {
    ctx.log.error(`reading the workspace failed: ${errorMessage(e)}; what was read so far is used`);
    s.setStatus({ health: 'error', quiescent: true, message: `reading the workspace failed: ${errorMessage(e)}` });
  } finally {
    indexing = false;
    reading = undefined;
    // Parked editor edits (Session) reach the index even when a folder was never read (cancelled, failed).
    for (const e of s.engines) e.index.endBulk();
    progress?.done();
  }
}

/** The storage folder the client gave (tests), else the per-workspace user cache the CLI shares. */
function indexDirFor(root: string, storageDir?: string): string {
  return defaultIndexDir(root, storageDir);
}

function scheduleSaves(ctx: ServerContext, e: Engine, dir: string): void {
  if (saving.has(e)) return;
  saving.add(e);
  const timer = setInterval(() => {
    if (!(e.index.dirty || e.index.facts?.dirty) || e.index.bulkRunning) return;
    try {
      // Never wait on the server thread: when a CLI run is saving the same index, save at the next tick.
      saveIndex(e.index, dir, { waitMs: 0 });
    } catch (err) {
      ctx.log.warn(`could not save the index to ${dir}: ${errorMessage(err)}`);
    }
  }, SAVE_EVERY_MS);
  timer.unref();
}
