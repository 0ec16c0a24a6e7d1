/** Starts dist/server.js --stdio as a separate process and speaks real LSP to it (vscode-languageserver-protocol). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  ExitNotification,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgress,
  type MessageConnection,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';
import { REPO } from './helpers';

export interface LspSession {
  conn: MessageConnection;
  proc: ChildProcess;
  init: InitializeResult;
  /** Notifications received, by method. */
  notifications: Map<string, unknown[]>;
  stderr: string[];
  /** Resolves when a notification matching the predicate arrives (or has arrived). */
  waitFor(method: string, pred?: (params: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export const uri = (p: string) => pathToFileURL(p).toString();

/** `server`: another server.js to start (e.g. one unpacked from the .vsix); `cwd`: its working directory. */
export interface StartOptions {
  server?: string;
  cwd?: string;
  /** Where the server keeps its index (as VS Code's workspace storage would be); default: a temp dir removed on close. */
  indexStoragePath?: string;
  /** Environment of the server process (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export async function startLsp(
  workspace: string,
  settings: Record<string, unknown> = {},
  opts: StartOptions = {},
): Promise<LspSession> {
  const server = opts.server ?? path.join(REPO, 'dist/server.js');
  const proc = spawn(process.execPath, [server, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: opts.cwd,
    env: opts.env,
  });
  // Tests never write indexes into the user's cache.
  const ownStorage = opts.indexStoragePath ? undefined : mkdtempSync(path.join(os.tmpdir(), 'daglens-lsp-storage-'));
  const indexStoragePath = opts.indexStoragePath ?? ownStorage;
  const stderr: string[] = [];
  proc.stderr!.on('data', (d) => stderr.push(String(d)));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const notifications = new Map<string, unknown[]>();
  const waiters: Array<{ method: string; pred: (p: any) => boolean; resolve: (p: any) => void }> = [];
  const record = (method: string, params: unknown) => {
    if (!notifications.has(method)) notifications.set(method, []);
    notifications.get(method)!.push(params);
    for (const w of [...waiters]) {
      if (w.method === method && w.pred(params)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params);
      }
    }
  };
  conn.onNotification(record);
  // The server asks for configuration and progress tokens: answer like an editor would.
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => settings));
  // jsonrpc routes $/progress to per-token handlers, not to onNotification: record them as notifications.
  conn.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
    conn.onProgress(WorkDoneProgress.type, p.token, (value) => record('$/progress', { token: p.token, value }));
    return null;
  });
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: uri(workspace),
    workspaceFolders: [{ uri: uri(workspace), name: path.basename(workspace) }],
    capabilities: {
      workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
      window: { workDoneProgress: true },
      textDocument: { documentSymbol: { hierarchicalDocumentSymbolSupport: true } },
    },
    initializationOptions: { settings, indexStoragePath },
  });
  await conn.sendNotification(InitializedNotification.type, {});
  const session: LspSession = {
    conn,
    proc,
    init,
    notifications,
    stderr,
    waitFor(method, pred = () => true, timeoutMs = 60_000) {
      const seen = (notifications.get(method) ?? []).find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${method} within ${timeoutMs} ms; stderr: ${stderr.join('')}`)),
          timeoutMs,
        );
        waiters.push({
          method,
          pred,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        });
      });
    },
    async close() {
      try {
        await conn.sendRequest(ShutdownRequest.type);
        await conn.sendNotification(ExitNotification.type);
      } catch {
        /* already gone */
      }
      conn.dispose();
      await new Promise<void>((r) => {
        if (proc.exitCode !== null) r();
        else {
          proc.once('exit', () => r());
          setTimeout(() => {
            proc.kill();
            r();
          }, 3000);
        }
      });
      if (ownStorage) rmSync(ownStorage, { recursive: true, force: true });
    },
  };
  return session;
}

/** Waits until the server says it is quiescent (initial scan done). */
export function ready(s: LspSession): Promise<unknown> {
  return s.waitFor('daglens/serverStatus', (p) => p.quiescent === true && p.message !== 'starting');
}
