/** textDocument/documentSymbol and workspace/symbol over the engine's parsed files. */
import { SymbolInformation } from 'vscode-languageserver/node';
import path from 'node:path';
import type { Range } from 'vscode-languageserver/node';
import { LineTable } from '../../engine/text/lineTable';
import type { SymbolKind } from '../../engine/types';
import type { Feature } from '../context';
import { toDocumentSymbol, toRange, toSymbolKind } from '../convert';
import { engineFor } from '../handlers';
import { pathToUri } from '../uris';

export const symbolsFeature: Feature = {
  capabilities: { documentSymbolProvider: true, workspaceSymbolProvider: true },
  register(ctx) {
    ctx.connection.onDocumentSymbol((params) => {
      const { engine, file } = engineFor(ctx, params.textDocument.uri);
      if (!file) return [];
      const entry = engine.workspace.get(file);
      return entry ? entry.symbols.map(toDocumentSymbol) : [];
    });

    ctx.connection.onWorkspaceSymbol((params) => {
      const out: SymbolInformation[] = [];
      for (const e of ctx.session().all) {
        // From the index once it has the folder (it survives restarts); from the parsed files until then.
        if (e.index.stats().files > 0 && !e.index.bulkRunning) {
          const tables = new Map<string, LineTable>();
          for (const s of e.index.symbols(params.query)) {
            let lines = tables.get(s.file);
            if (!lines) tables.set(s.file, (lines = new LineTable(e.index.file(s.file)?.text ?? '')));
            out.push(
              SymbolInformation.create(
                s.name,
                toSymbolKind(s.kind as SymbolKind),
                rangeOfOffsets(lines, s.startOffset, s.endOffset),
                pathToUri(path.join(e.root, s.file)),
                s.container.join('.') || undefined,
              ),
            );
          }
          continue;
        }
        for (const hit of e.workspace.findSymbols(params.query)) {
          out.push(
            SymbolInformation.create(
              hit.symbol.name,
              toSymbolKind(hit.symbol.kind),
              toRange(hit.symbol.selection),
              pathToUri(hit.file.path),
              hit.container.join('.') || undefined,
            ),
          );
        }
      }
      return out;
    });
  },
};

/** UTF-16 offsets → LSP range (lines and UTF-16 columns, as LSP counts them). */
function rangeOfOffsets(lines: LineTable, start: number, end: number): Range {
  const pos = (offset: number) => {
    const line = lines.lineOf(offset);
    return { line, character: offset - lines.start(line) };
  };
  return { start: pos(start), end: pos(end) };
}
