/**
 * The language server: LSP wiring only. Each handler is a few lines that call the engine through the
 * Session and convert the result. Started with --stdio (other editors, tests) or --node-ipc (VS Code).
 */
import {
  createConnection, DidChangeWatchedFilesNotification, FileChangeType, ProposedFeatures, SymbolInformation,
  TextDocuments, TextDocumentSyncKind, type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { promises as fs } from 'node:fs';
import { errorMessage, type Logger } from '../engine/log';
import { languageOf } from '../engine/parsing/languages';
import { serverStatus, workspaceInfo } from '../protocol';
import { toDocumentSymbol, toRange, toSymbolKind } from './convert';
import { Session } from './session';
import { pathToUri, uriToPath } from './uris';

export function startServer(): void {
  const connection: Connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const log: Logger = {
    info: (m) => connection.console.info(m),
    warn: (m) => connection.console.warn(m),
    error: (m) => connection.console.error(m),
  };
  let session: Session | undefined;
  let supportsConfiguration = false;
  let supportsWatchRegistration = false;
  /** uri → version whose text the engine has parsed. */
  const parsedVersions = new Map<string, number>();

  const sessionOrThrow = () => {
    if (!session) throw new Error('server not initialized');
    return session;
  };

  /** Makes sure the engine has parsed the editor's current text of a document. */
  const sync = (doc: TextDocument) => {
    const p = uriToPath(doc.uri);
    if (!p || parsedVersions.get(doc.uri) === doc.version) return p;
    const s = sessionOrThrow();
    s.workspaceFor(p).setText(p, doc.getText(), languageOf(p, doc.languageId));
    parsedVersions.set(doc.uri, doc.version);
    return p;
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (roots.length === 0 && params.rootUri) {
      const r = uriToPath(params.rootUri);
      if (r) roots.push(r);
    }
    supportsConfiguration = !!params.capabilities.workspace?.configuration;
    supportsWatchRegistration = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    const initSettings = (params.initializationOptions as { settings?: unknown } | undefined)?.settings;
    session = new Session(roots, initSettings, log, (st) => void connection.sendNotification(serverStatus, st));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
      },
      serverInfo: { name: 'daglens', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    const s = sessionOrThrow();
    if (supportsConfiguration) {
      try {
        s.applySettings(await connection.workspace.getConfiguration('daglens'));
      } catch (e) {
        log.warn(`could not read settings: ${errorMessage(e)}`);
      }
    }
    if (supportsWatchRegistration) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.{py,pyi,sql,hql,java,scala,sc,ts,tsx,mts,cts,js,mjs,cjs,jsx,yml,yaml}' }],
      });
    }
    const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin('DagLens: parsing workspace', 0, 'discovering files', false);
    try {
      await s.scanAll((done, total) => progress?.report(total ? Math.round((done / total) * 100) : 0, `${done}/${total} files`));
    } catch (e) {
      log.error(`workspace scan failed: ${errorMessage(e)}`);
      s.setStatus({ health: 'error', quiescent: true, message: `scan failed: ${errorMessage(e)}` });
    } finally {
      progress?.done();
    }
    // Editors opened before the scan finished hold newer text than the disk.
    for (const doc of documents.all()) {
      parsedVersions.delete(doc.uri);
      sync(doc);
    }
  });

  connection.onDidChangeConfiguration(async (change) => {
    const s = sessionOrThrow();
    const raw = supportsConfiguration
      ? await connection.workspace.getConfiguration('daglens').catch(() => undefined)
      : (change.settings as { daglens?: unknown } | undefined)?.daglens;
    s.applySettings(raw);
  });

  documents.onDidChangeContent((e) => {
    try {
      sync(e.document);
    } catch (err) {
      log.error(`update of ${e.document.uri} failed: ${errorMessage(err)}`);
    }
  });

  documents.onDidClose(async (e) => {
    parsedVersions.delete(e.document.uri);
    const p = uriToPath(e.document.uri);
    if (!p || !session) return;
    // Back to what is on disk (the editor may have held unsaved changes).
    const w = session.workspaceFor(p);
    if (w === session.loose) return w.remove(p);
    try {
      w.setText(p, await fs.readFile(p, 'utf8'));
    } catch {
      w.remove(p);
    }
  });

  connection.onDidChangeWatchedFiles(async ({ changes }) => {
    const s = sessionOrThrow();
    for (const c of changes) {
      const p = uriToPath(c.uri);
      if (!p || documents.get(c.uri)) continue; // open documents follow the editor, not the disk
      const w = s.workspaceFor(p);
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

  connection.onDocumentSymbol((params) => {
    const doc = documents.get(params.textDocument.uri);
    const p = doc ? sync(doc) : uriToPath(params.textDocument.uri);
    if (!p) return [];
    const entry = sessionOrThrow().workspaceFor(p).get(p);
    return entry ? entry.symbols.map(toDocumentSymbol) : [];
  });

  connection.onWorkspaceSymbol((params) => {
    const s = sessionOrThrow();
    const out: SymbolInformation[] = [];
    for (const w of [...s.workspaces, s.loose]) {
      for (const hit of w.findSymbols(params.query)) {
        out.push(SymbolInformation.create(
          hit.symbol.name, toSymbolKind(hit.symbol.kind), toRange(hit.symbol.selection), pathToUri(hit.file.path),
          hit.container.join('.') || undefined,
        ));
      }
    }
    return out;
  });

  connection.onRequest(workspaceInfo, () => {
    const s = sessionOrThrow();
    return {
      roots: s.workspaces.map((w) => w.root),
      files: s.workspaces.reduce((n, w) => n + w.size, 0),
      skipped: s.workspaces.flatMap((w) => [...w.skipped]),
    };
  });

  documents.listen(connection);
  connection.listen();
}
