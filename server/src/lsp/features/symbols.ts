/** textDocument/documentSymbol and workspace/symbol over the engine's parsed files. */
import { SymbolInformation } from 'vscode-languageserver/node';
import type { Feature } from '../context';
import { toDocumentSymbol, toRange, toSymbolKind } from '../convert';
import { pathToUri } from '../uris';

export const symbolsFeature: Feature = {
  capabilities: { documentSymbolProvider: true, workspaceSymbolProvider: true },
  register(ctx) {
    ctx.connection.onDocumentSymbol((params) => {
      const p = ctx.pathOf(params.textDocument.uri);
      if (!p) return [];
      const entry = ctx.session().engineFor(p).workspace.get(p);
      return entry ? entry.symbols.map(toDocumentSymbol) : [];
    });

    ctx.connection.onWorkspaceSymbol((params) => {
      const out: SymbolInformation[] = [];
      for (const e of ctx.session().all) {
        for (const hit of e.workspace.findSymbols(params.query)) {
          out.push(SymbolInformation.create(
            hit.symbol.name, toSymbolKind(hit.symbol.kind), toRange(hit.symbol.selection), pathToUri(hit.file.path),
            hit.container.join('.') || undefined,
          ));
        }
      }
      return out;
    });
  },
};
