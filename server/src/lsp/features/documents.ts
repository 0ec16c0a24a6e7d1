/** Keeps the engines in step with the editor (open documents) and the disk (watched files). */
import { DidChangeWatchedFilesNotification, FileChangeType } from 'vscode-languageserver/node';
import { promises as fs } from 'node:fs';
import { errorMessage } from '../../engine/log';
import type { Feature } from '../context';
import { uriToPath } from '../uris';

export const WATCH_GLOB = '**/*.{py,pyi,sql,hql,java,scala,sc,ts,tsx,mts,cts,js,mjs,cjs,jsx,yml,yaml,json,sparkplan}';

export const documentsFeature: Feature = {
  register(ctx) {
    const { connection, documents, log } = ctx;

    documents.onDidChangeContent((e) => {
      try {
        ctx.sync(e.document);
      } catch (err) {
        log.error(`update of ${e.document.uri} failed: ${errorMessage(err)}`);
      }
    });

    documents.onDidClose(async (e) => {
      const p = uriToPath(e.document.uri);
      if (!p) return;
      // Back to what is on disk (the editor may have held unsaved changes).
      const s = ctx.session();
      const engine = s.engineFor(p);
      if (engine === s.loose) return engine.workspace.remove(p);
      try {
        engine.workspace.setText(p, await fs.readFile(p, 'utf8'));
      } catch {
        engine.workspace.remove(p);
      }
    });

    connection.onDidChangeWatchedFiles(async ({ changes }) => {
      const s = ctx.session();
      for (const c of changes) {
        const p = uriToPath(c.uri);
        if (!p || documents.get(c.uri)) continue; // open documents follow the editor, not the disk
        const w = s.engineFor(p).workspace;
        if (c.type === FileChangeType.Deleted) w.remove(p);
        else {
          try {
            w.setText(p, await fs.readFile(p, 'utf8'));
          } catch (e) {
            log.warn(`could not read ${p}: ${errorMessage(e)}`);
          }
        }
      }
    });
  },
};

export async function registerWatchers(ctx: { connection: import('vscode-languageserver/node').Connection }): Promise<void> {
  await ctx.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: WATCH_GLOB }] });
}
