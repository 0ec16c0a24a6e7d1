/**
 * The language server: LSP wiring only. Features (features/*.ts) register thin handlers that call the
 * engine through the Session. Started with --stdio (other editors, tests) or --node-ipc (VS Code).
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { errorMessage, type Logger } from '../engine/log';
import { serverStatus } from '../protocol';
import { DAGLENS_VERSION } from '../shared/version';
import { mergeCapabilities } from './capabilities';
import { safeTextDocuments } from './textDocuments';
import type { Feature, ServerContext } from './context';
import { dagMappingFeature } from './features/dagMapping';
import { applyDocument, documentsFeature, flushPending, registerWatchers } from './features/documents';
import { lineageFeature } from './features/lineage';
import { llmFeature } from './features/llm';
import { indexWorkspaces, searchFeature } from './features/search';
import { runsFeature } from './features/runs';
import { symbolsFeature } from './features/symbols';
import { workspaceInfoFeature } from './features/workspaceInfo';
import { agentToolsFeature } from './features/agentTools';
import { vscodeLmFeature } from './features/vscodeLm';
import { Freshness } from './freshness';
import { multiplex } from './multiplex';
import { Session } from './session';
import { uriToPath } from './uris';

/** Every feature of the server, in registration order. */
const FEATURES: Feature[] = [
  dagMappingFeature,
  documentsFeature,
  symbolsFeature,
  workspaceInfoFeature,
  lineageFeature,
  llmFeature,
  searchFeature,
  runsFeature,
  agentToolsFeature,
  vscodeLmFeature,
];

export function startServer(): void {
  // Merged before anything starts: features that disagree stop the server here, not in some editor.
  const capabilities = mergeCapabilities(
    { textDocumentSync: TextDocumentSyncKind.Incremental },
    ...FEATURES.map((f) => f.capabilities),
  );
  const connection: Connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(safeTextDocuments);
  const log: Logger = {
    info: (m) => connection.console.info(m),
    warn: (m) => connection.console.warn(m),
    error: (m) => connection.console.error(m),
  };
  let session: Session | undefined;
  let supportsConfiguration = false;
  let supportsWatchRegistration = false;
  let indexStorage: string | undefined;
  /** uri → version whose text the engine has parsed. */
  const parsedVersions = new Map<string, number>();

  const freshness = new Freshness(connection, log);
  const ctx: ServerContext = {
    freshness,
    // Several features answer code lens / definition / hover requests: the wrapper merges them.
    connection: multiplex(connection, log),
    documents,
    log,
    session() {
      if (!session) throw new Error('server not initialized');
      return session;
    },
    sync(doc) {
      const p = uriToPath(doc.uri);
      if (!p || parsedVersions.get(doc.uri) === doc.version) return p;
      applyDocument(ctx.session().engineFor(p), p, doc);
      parsedVersions.set(doc.uri, doc.version);
      return p;
    },
    pathOf(uri) {
      flushPending(); // edits still coalescing (in any document) land before a request reads the engine
      const doc = documents.get(uri);
      return doc ? ctx.sync(doc) : uriToPath(uri);
    },
  };
  documents.onDidClose((e) => parsedVersions.delete(e.document.uri));

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (roots.length === 0 && params.rootUri) {
      const r = uriToPath(params.rootUri);
      if (r) roots.push(r);
    }
    supportsConfiguration = !!params.capabilities.workspace?.configuration;
    supportsWatchRegistration = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    const initSettings = (params.initializationOptions as { settings?: unknown } | undefined)?.settings;
    // Where VS Code lets the extension keep per-workspace data (the index); other clients: the user cache.
    indexStorage = (params.initializationOptions as { indexStoragePath?: unknown } | undefined)?.indexStoragePath as
      string | undefined;
    session = new Session(
      roots,
      initSettings,
      log,
      (st) => void connection.sendNotification(serverStatus, st),
      indexStorage,
    );
    for (const e of session.all) freshness.attach(e);
    session.readingInStatus =
      (params.initializationOptions as { readingProgress?: unknown } | undefined)?.readingProgress === 'status';
    // VS Code says whether the workspace is trusted; untrusted means no code goes to any LLM, from the start.
    if ((params.initializationOptions as { workspaceTrusted?: unknown } | undefined)?.workspaceTrusted === false) {
      for (const e of session.all) e.llm.setTrusted(false);
    }
    return { capabilities, serverInfo: { name: 'daglens', version: DAGLENS_VERSION } };
  });

  connection.onInitialized(async () => {
    const s = ctx.session();
    if (supportsConfiguration) {
      try {
        s.applySettings(await connection.workspace.getConfiguration('daglens'));
      } catch (e) {
        log.warn(`could not read settings: ${errorMessage(e)}`);
      }
    }
    if (supportsWatchRegistration)
      void registerWatchers(ctx).catch((e) => log.warn(`file watching unavailable: ${errorMessage(e)}`));
    // One pass reads the workspace (saved index and facts, changed files parsed once in workers); requests
    // are answered from what is read so far, marked partial, and refreshed when it ends.
    try {
      await indexWorkspaces(ctx, indexStorage);
    } finally {
      // Editors opened before the read finished hold newer text than the disk.
      for (const doc of documents.all()) {
        parsedVersions.delete(doc.uri);
        ctx.sync(doc);
      }
      s.markScanned();
      freshness.readingDone(s.all);
    }
  });

  connection.onDidChangeConfiguration(async (change) => {
    const raw = supportsConfiguration
      ? await connection.workspace.getConfiguration('daglens').catch(() => undefined)
      : (change.settings as { daglens?: unknown } | undefined)?.daglens;
    ctx.session().applySettings(raw);
    // Lens switches and lineage defaults may have changed what the editor shows.
    freshness.refreshSoon();
  });

  for (const f of FEATURES) f.register(ctx);
  documents.listen(connection);
  connection.listen();
}
