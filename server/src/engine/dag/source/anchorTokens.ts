/**
 * SQL tokens as the anchor scanner reads them: the shared tokenizer in its ANCHORS dialect, with 0-based lines and
 * terms normalised like plan literals (`lower`), and dbt's `{{ ref('x') }}` / `{{ source('s', 'x') }}` read as the
 * table they name (any other `{{ … }}` as the word `__jinja__`).
 */
import { jinjaBlockAt, refTarget } from '../../sql/jinja';
import { ANCHORS, scanSql, type TokenKind } from '../../sql/tokens';
import { LineTable } from '../../text/lineTable';

export interface Token {
  kind: Exclude<TokenKind, 'jinja' | 'param'>;
  /** Source text. */
  text: string;
  /** Lower-cased text; for strings, the content without quotes; for numbers, the normalised value. */
  lower: string;
  /** 0-based line of the token's start (counted in the original text when `lineOffset` says where it starts). */
  line: number;
  endLine: number;
}

export function anchorTokens(text: string, lineOffset = 0): Token[] {
  const lines = new LineTable(text);
  // Tokens come in order: walk the line table instead of searching it per token.
  let at = 0;
  const lineOf = (offset: number) => {
    while (at + 1 < lines.count && lines.start(at + 1) <= offset) at++;
    return at + lineOffset;
  };
  const out: Token[] = [];
  scanSql(text, ANCHORS, (kind, start, end) => {
    const t = text.slice(start, end);
    const line = lineOf(start);
    const endLine = lineOf(end);
    if (kind === 'jinja') {
      const name = refTarget(jinjaBlockAt(text, start)!.inner).toLowerCase() || '__jinja__';
      out.push({ kind: 'word', text: t, lower: name, line, endLine });
    } else out.push({ kind: kind as Token['kind'], text: t, lower: termOf(kind, t), line, endLine });
  });
  return out;
}

function termOf(kind: TokenKind, text: string): string {
  switch (kind) {
    case 'string':
      return text.slice(1, -1).replace(/''/g, "'").toLowerCase();
    case 'quoted': {
      const closed = text.length > 1 && text.endsWith(text[0] === '[' ? ']' : text[0]);
      return (closed ? text.slice(1, -1) : text.slice(1)).toLowerCase();
    }
    case 'number':
      return String(Number(text));
    default:
      return text.toLowerCase();
  }
}
