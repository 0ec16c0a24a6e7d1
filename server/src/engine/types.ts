/**
 * Engine-wide value types. Positions are 0-based lines and UTF-16 columns (as tree-sitter's Node binding
 * and LSP count them); offsets are UTF-16 indexes into the file text. Outputs meant for people and for
 * the CLI/JSON contracts convert to 1-based lines at the edge (see `toLineRange`).
 */
export interface Position {
  line: number;
  character: number;
}

export interface Span {
  start: Position;
  end: Position;
  startOffset: number;
  endOffset: number;
}

export type SymbolKind =
  | 'module'
  | 'class'
  | 'interface'
  | 'trait'
  | 'object'
  | 'enum'
  | 'function'
  | 'method'
  | 'variable'
  | 'statement'
  | 'cte'
  | 'model'
  | 'source'
  | 'table'
  | 'column'
  | 'key';

export interface CodeSymbol {
  name: string;
  kind: SymbolKind;
  /** The whole declaration, decorators and doc comments included where the grammar attaches them. */
  span: Span;
  /** The part to highlight when the symbol is chosen: usually its name. */
  selection: Span;
  detail?: string;
  children: CodeSymbol[];
}

/** 1-based inclusive line range, as shown to people and written in JSON outputs. */
export interface LineRange {
  startLine: number;
  endLine: number;
}

export function toLineRange(span: Span): LineRange {
  // A span that ends at column 0 of a line does not include that line.
  const endLine = span.end.character === 0 && span.end.line > span.start.line ? span.end.line - 1 : span.end.line;
  return { startLine: span.start.line + 1, endLine: endLine + 1 };
}
