/** Engine values → LSP values. The only place that knows both shapes. */
import { DocumentSymbol, SymbolKind as LspSymbolKind, type Range } from 'vscode-languageserver';
import type { CodeSymbol, Span, SymbolKind } from '../engine/types';

export function toRange(span: Span): Range {
  return { start: { ...span.start }, end: { ...span.end } };
}

const KINDS: Record<SymbolKind, LspSymbolKind> = {
  module: LspSymbolKind.Module,
  class: LspSymbolKind.Class,
  interface: LspSymbolKind.Interface,
  trait: LspSymbolKind.Interface,
  object: LspSymbolKind.Object,
  enum: LspSymbolKind.Enum,
  function: LspSymbolKind.Function,
  method: LspSymbolKind.Method,
  variable: LspSymbolKind.Variable,
  statement: LspSymbolKind.Event,
  cte: LspSymbolKind.Struct,
  model: LspSymbolKind.Module,
  source: LspSymbolKind.Package,
  table: LspSymbolKind.Struct,
  column: LspSymbolKind.Field,
  key: LspSymbolKind.Key,
};

export function toSymbolKind(kind: SymbolKind): LspSymbolKind {
  return KINDS[kind];
}

export function toDocumentSymbol(s: CodeSymbol): DocumentSymbol {
  return DocumentSymbol.create(
    s.name,
    s.detail,
    toSymbolKind(s.kind),
    toRange(s.span),
    toRange(s.selection),
    s.children.map(toDocumentSymbol),
  );
}
