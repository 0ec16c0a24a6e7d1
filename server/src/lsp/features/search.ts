/**
 * The workspace index over LSP: `daglens/search` (hybrid search, typed hits), indexing at start-up with
 * cancellable `window/workDoneProgress`, and periodic saves. workspace/symbol reads the index too
 * (features/symbols.ts). Thin: the engine's CodeIndex and syncIndex do the work.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { syncIndex } from '../../engine/index/indexer';
import { defaultIndexDir } from '../../engine/index/location';
import { saveIndex } from '../../engine/index/store';
import { errorMessage } from '../../engine/log';
import { reindex, ReindexParamsSchema, search, SearchParamsSchema, type SearchHitDto } from '../../protocol';
import type { Feature, ServerContext } from '../context';
import { pathToUri } from '../uris';

/** Edits to a file are re-indexed once typing pauses this long (searches flush earlier). */
const TYPING_DEBOUNCE_MS = 300;
/** A changed index is saved at most this often. */
const SAVE_EVERY_MS = 30_000;

let indexing = false;
/** The storage folder the start-up indexing used: re-indexing on request uses the same one. */
let indexStorage: string | undefined;
/** Engines whose periodic saves are scheduled (once each, however often they are re-indexed). */
const saving = new WeakSet<Engine>();

export const searchFeature: Feature = {
  register(ctx) {
    ctx.connection.onRequest(search, async (raw) => {
      const parsed = SearchParamsSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ResponseError(ErrorCodes.InvalidParams, `daglens/search: ${issue.path.join('.') || 'params'}: ${issue.message}`);
      }
      const params = parsed.data;
      const k = params.k ?? 10;
      const hits: SearchHitDto[] = [];
      for (const e of indexedEngines(ctx)) {
        for (const h of await e.index.search(params.query, params)) hits.push({ ...h, uri: pathToUri(path.join(e.root, h.file)) });
      }
      hits.sort((a, b) => b.score - a.score);
      return { hits: hits.slice(0, k), indexing };
    });

    ctx.connection.onRequest(reindex, async (raw) => {
      const parsed = ReindexParamsSchema.safeParse(raw ?? {});
      if (!parsed.success) throw new ResponseError(ErrorCodes.InvalidParams, `daglens/reindex: ${parsed.error.issues[0]?.message ?? 'bad params'}`);
      if (indexing) throw new ResponseError(ErrorCodes.InvalidRequest, 'the workspace is being indexed already: wait for it to finish');
      const started = performance.now();
      const engines = ctx.session().engines;
      if (parsed.data.rebuild) {
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
    });
  },
};

function indexedEngines(ctx: ServerContext): Engine[] {
  const s = ctx.session();
  return s.loose.index.stats().files ? [...s.engines, s.loose] : s.engines;
}

/**
 * Brings every folder's index up to date (saved index + changed files), reporting progress; the user can
 * cancel. Runs beside the workspace scan: the index parks the scan's events and replays only real edits.
 */
export async function indexWorkspaces(ctx: ServerContext, storageDir?: string): Promise<void> {
  indexStorage = storageDir;
  const s = ctx.session();
  const controller = new AbortController();
  const progress = await ctx.connection.window.createWorkDoneProgress().catch(() => undefined);
  progress?.begin('DagLens: indexing', 0, 'loading the saved index', true);
  progress?.token.onCancellationRequested(() => controller.abort());
  indexing = true;
  try {
    for (const e of s.engines) {
      if (controller.signal.aborted) break;
      e.index.debounceMs = TYPING_DEBOUNCE_MS;
      const indexDir = indexDirFor(e.root, storageDir);
      const r = await syncIndex(e.index, e.settings, ctx.log, {
        indexDir,
        signal: controller.signal,
        onProgress: ({ done, total }) => progress?.report(total ? Math.round((done / total) * 100) : 100, `${done}/${total} files`),
      });
      ctx.log.info(
        `index of ${e.root}: ${r.files} files, ${r.chunks} chunks, ${r.skipped.length} skipped, ${r.indexed} (re)indexed` +
        `${r.loaded ? ', the rest from the saved index' : ''} in ${r.seconds.toFixed(1)} s (${indexDir})${r.cancelled ? ' — cancelled' : ''}`,
      );
      if (e.index.stats().vectorBackend === 'exact') ctx.log.warn('vector search is exact (hnswlib-node did not load): slower on large workspaces');
      scheduleSaves(ctx, e, indexDir);
    }
  } catch (e) {
    ctx.log.error(`indexing failed: ${errorMessage(e)}; search falls back to what is indexed`);
  } finally {
    indexing = false;
    progress?.done();
  }
}

/** The extension's workspace storage when the client gave one, else the per-workspace user cache. */
function indexDirFor(root: string, storageDir?: string): string {
  return defaultIndexDir(root, storageDir);
}

function scheduleSaves(ctx: ServerContext, e: Engine, dir: string): void {
  if (saving.has(e)) return;
  saving.add(e);
  const timer = setInterval(() => {
    if (!e.index.dirty || e.index.bulkRunning) return;
    try {
      saveIndex(e.index, dir);
    } catch (err) {
      ctx.log.warn(`could not save the index to ${dir}: ${errorMessage(err)}`);
    }
  }, SAVE_EVERY_MS);
  timer.unref();
}
