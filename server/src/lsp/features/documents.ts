/**
 * Keeps the engines in step with the editor (open documents) and the disk (watched files).
 * Bounded work per document: edits are coalesced (a burst of a thousand changes parses once, when it pauses or
 * a request needs the text), and a document over `daglens.maxFileBytes` is not parsed at all — its outline and
 * lenses say so instead of the server spending gigabytes on it.
 */
import { DidChangeWatchedFilesNotification, FileChangeType, type CodeLens } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { promises as fs } from 'node:fs';
import type { Engine } from '../../engine/engine';
import { errorMessage } from '../../engine/log';
import { languageOf } from '../../engine/parsing/languages';
import type { Feature } from '../context';
import { uriToPath } from '../uris';

/** A burst of edits is parsed once it pauses this long… */
const COALESCE_MS = 75;
/** …or at least this often while it goes on. */
const COALESCE_MAX_MS = 750;

/** Open documents over the size limit (uri → what to tell the user); they are not in the engine. */
const oversized = new Map<string, string>();

/** Bytes of a string, without encoding it when its length already decides. */
function exceeds(text: string, limit: number): number | undefined {
  if (text.length > limit) return Buffer.byteLength(text, 'utf8');
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
}

/**
 * Hands an editor's text to the engine (ServerContext.sync calls this). A document over the limit is taken out
 * of the engine (so nothing keeps a stale version of it) and remembered, with the message its lens shows.
 */
export function applyDocument(engine: Engine, filePath: string, doc: TextDocument): void {
  const lang = languageOf(filePath, doc.languageId);
  const text = doc.getText();
  const limit = engine.settings.maxFileBytes;
  const bytes = lang ? exceeds(text, limit) : undefined;
  if (bytes !== undefined) {
    if (!oversized.has(doc.uri))
      engine.log.warn(
        `${filePath}: ${mb(bytes)}, over daglens.maxFileBytes (${mb(limit)}): not parsed; no outline, lineage or search for it`,
      );
    oversized.set(
      doc.uri,
      `DagLens: this file (${mb(bytes)}) is over daglens.maxFileBytes (${mb(limit)}): no outline, lenses, lineage or search for it`,
    );
    engine.workspace.remove(filePath);
    return;
  }
  oversized.delete(doc.uri);
  engine.workspace.setText(filePath, text, lang);
}

export const WATCH_GLOB = '**/*.{py,pyi,sql,hql,java,scala,sc,ts,tsx,mts,cts,js,mjs,cjs,jsx,yml,yaml,json,sparkplan}';

export const documentsFeature: Feature = {
  register(ctx) {
    const { connection, documents, log } = ctx;
    const pending = new Map<string, { timer: NodeJS.Timeout; since: number }>();

    const syncNow = (uri: string) => {
      const p = pending.get(uri);
      if (p) clearTimeout(p.timer);
      pending.delete(uri);
      const doc = documents.get(uri);
      if (!doc) return;
      try {
        ctx.sync(doc);
      } catch (err) {
        log.error(`update of ${uri} failed: ${errorMessage(err)}`);
      }
    };
    flushPending = () => {
      for (const uri of [...pending.keys()]) syncNow(uri);
    };

    documents.onDidChangeContent((e) => {
      const uri = e.document.uri;
      const p = pending.get(uri);
      const since = p?.since ?? Date.now();
      if (p) clearTimeout(p.timer);
      const wait = Math.max(0, Math.min(COALESCE_MS, since + COALESCE_MAX_MS - Date.now()));
      const timer = setTimeout(() => syncNow(uri), wait);
      pending.set(uri, { timer, since });
    });

    ctx.connection.onCodeLens((params): CodeLens[] => {
      const message = oversized.get(params.textDocument.uri);
      return message
        ? [
            {
              range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
              command: { title: message, command: '' },
            },
          ]
        : [];
    });

    documents.onDidClose(async (e) => {
      const waiting = pending.get(e.document.uri);
      if (waiting) clearTimeout(waiting.timer);
      pending.delete(e.document.uri);
      oversized.delete(e.document.uri);
      const p = uriToPath(e.document.uri);
      if (!p) return;
      // Back to what is on disk (the editor may have held unsaved changes).
      const s = ctx.session();
      const engine = s.engineFor(p);
      if (engine === s.loose) return engine.workspace.remove(p);
      try {
        // Only what discovery would take: a file over the limit on disk stays out, as at start-up.
        const st = await fs.stat(p);
        if (!st.isFile() || st.size > engine.settings.maxFileBytes) return engine.workspace.remove(p);
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
        const engine = s.engineFor(p);
        const w = engine.workspace;
        if (c.type === FileChangeType.Deleted) w.remove(p);
        else {
          try {
            const st = await fs.stat(p);
            if (!st.isFile() || st.size > engine.settings.maxFileBytes) {
              w.remove(p);
              continue;
            }
            w.setText(p, await fs.readFile(p, 'utf8'));
          } catch (e) {
            log.warn(`could not read ${p}: ${errorMessage(e)}`);
          }
        }
      }
    });
  },
};

/** Syncs every document with edits waiting (before a request reads the engine, so it sees every edit). */
export let flushPending: () => void = () => undefined;

export async function registerWatchers(ctx: {
  connection: import('vscode-languageserver/node').Connection;
}): Promise<void> {
  await ctx.connection.client.register(DidChangeWatchedFilesNotification.type, {
    watchers: [{ globPattern: WATCH_GLOB }],
  });
}
