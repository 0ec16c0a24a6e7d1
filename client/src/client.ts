/** Creates the LanguageClient: the server runs as a separate Node process over IPC. */
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { editorMiddleware } from './middleware';

export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'file', language: 'sql' },
  { scheme: 'file', language: 'jinja-sql' },
  { scheme: 'file', language: 'java' },
  { scheme: 'file', language: 'scala' },
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'typescriptreact' },
  { scheme: 'file', language: 'javascript' },
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'sparkplan' },
];

/** `env` is added to the server's environment (the LLM key from SecretStorage travels this way, never over LSP). */
export function createClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  env: Record<string, string> = {},
): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const options = { env: { ...process.env, ...env } };
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options },
    debug: { module, transport: TransportKind.ipc, options: { ...options, execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    synchronize: { configurationSection: 'daglens' },
    // Lens/hover settings and hover action links (client-side: the server stays editor-agnostic).
    middleware: editorMiddleware(),
    // Untrusted workspaces send no code to any LLM, from the first request on.
    initializationOptions: {
      // The index and caches live in the user cache keyed by the folder's path (never in the workspace), shared
      // with the CLI and stable across windows: code-server gives each window a new storage folder.
      settings: vscode.workspace.getConfiguration('daglens'),
      workspaceTrusted: vscode.workspace.isTrusted,
      // The workspace read shows in the DagLens status item and a cancellable notification (readingProgress.ts).
      readingProgress: 'status',
    },
  };
  return new LanguageClient('daglens', 'DagLens', serverOptions, clientOptions);
}
