/**
 * DagLens's protocol, imported as `@daglens/protocol` by the server's adapters, the client and the CLI: every
 * shape that crosses a process or webview boundary, declared once, so a change of shape is a type error
 * everywhere at once. Three layers, each importable on its own:
 * - `contracts/` — zod schemas and their types by area (status · search/index · lineage · DAG mapping · runs ·
 *   LLM · agents); zod only, so the engine imports these;
 * - `lsp.ts` — the custom LSP requests and notifications (the only module importing vscode-languageserver-protocol);
 * - `webview.ts` — the messages between the extension and its webviews (zod only; the pages import it directly).
 */
export * from './contracts';
export * from './lsp';
export * from './webview';
