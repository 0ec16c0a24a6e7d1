/**
 * The data contracts of DagLens, by area: the zod schemas and types of what the CLI prints, the LSP requests
 * carry and the engine returns. Zod only, so the engine may import them (`protocol/lsp.ts` adds the LSP
 * message types on top; `protocol/webview.ts` holds the webview messages).
 */
export * from './status';
export * from './search';
export * from './lineage';
export * from './dag';
export * from './runs';
export * from './llm';
export * from './agents';
