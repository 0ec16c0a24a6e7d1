/**
 * Token-cursor helpers shared by the SQL readers: peeking, keyword tests, parenthesis matching, dotted names.
 * A cursor works on one statement's token range [from, end) and never reads past it.
 */
import { CLAUSE_WORDS } from '../../sql/keywords';
import { identOf, type SqlToken as Token } from '../../sql/tokens';

export class TokenCursor {
  protected pos: number;

  constructor(
    protected readonly t: Token[],
    protected readonly from: number,
    protected end: number,
  ) {
    this.pos = from;
  }

  protected peek(k = 0): Token | undefined {
    const i = this.pos + k;
    return i < this.end ? this.t[i] : undefined;
  }

  protected isWord(k: number, ...words: string[]): boolean {
    const tok = this.peek(k);
    return !!tok && tok.kind === 'word' && words.includes(tok.upper);
  }

  protected accept(...words: string[]): boolean {
    if (this.isWord(0, ...words)) {
      this.pos++;
      return true;
    }
    return false;
  }

  protected atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** From a `(`: moves past its matching `)` (or to the statement end). */
  protected skipParens(): void {
    let depth = 0;
    while (!this.atEnd()) {
      const k = this.t[this.pos++].kind;
      if (k === 'lparen') depth++;
      else if (k === 'rparen' && --depth <= 0) return;
    }
  }

  protected startsQuery(k = 0): boolean {
    if (this.isWord(k, 'SELECT', 'WITH', 'VALUES', 'FROM', 'TABLE')) return true;
    return this.peek(k)?.kind === 'lparen' && this.startsQuery(k + 1);
  }

  /** Index after the `)` matching the `(` at i. */
  protected matchParen(i: number): number {
    let depth = 0;
    for (; i < this.end; i++) {
      if (this.t[i].kind === 'lparen') depth++;
      else if (this.t[i].kind === 'rparen' && --depth === 0) return i + 1;
    }
    return this.end;
  }

  /** Moves to the `)` closing the current level (or the end), without consuming it. */
  protected skipToCloser(): void {
    while (!this.atEnd() && this.peek()!.kind !== 'rparen') {
      if (this.peek()!.kind === 'lparen') this.skipParens();
      else this.pos++;
    }
  }

  /** After a query that stopped early inside parens: move past the closing `)`. */
  protected skipParensRemainder(): void {
    let depth = 1;
    while (!this.atEnd()) {
      const k = this.t[this.pos++].kind;
      if (k === 'lparen') depth++;
      else if (k === 'rparen' && --depth === 0) return;
    }
  }

  /** A dotted name: word/quoted/param parts joined by dots. */
  protected name(): { parts: string[]; start: number; end: number; dynamic: boolean; raw: string } | undefined {
    const first = this.peek();
    if (!first || !(first.kind === 'word' || first.kind === 'quoted' || first.kind === 'param')) return undefined;
    if (first.kind === 'word' && CLAUSE_WORDS.has(first.upper)) return undefined;
    const parts: string[] = [];
    let dynamic = false;
    const start = first.start;
    let end = first.end;
    for (;;) {
      const tok = this.peek();
      if (!tok || !(tok.kind === 'word' || tok.kind === 'quoted' || tok.kind === 'param')) break;
      // Adjacent pieces with no space form one part: my_{env}_table.
      let part = tok.kind === 'quoted' ? identOf(tok) : tok.text;
      if (tok.kind === 'param') dynamic = true;
      end = tok.end;
      this.pos++;
      while (this.peek() && this.peek()!.start === end && ['word', 'param', 'number'].includes(this.peek()!.kind)) {
        const nx = this.peek()!;
        if (nx.kind === 'param') dynamic = true;
        part += nx.text;
        end = nx.end;
        this.pos++;
      }
      parts.push(part);
      if (this.peek()?.kind === 'dot' && this.peek(1) && ['word', 'quoted', 'param'].includes(this.peek(1)!.kind)) {
        this.pos++;
        continue;
      }
      break;
    }
    return { parts, start, end, dynamic, raw: '' };
  }

  protected rawText(start: number, end: number): string {
    let s = '';
    for (let i = this.from; i < this.end; i++) {
      const tok = this.t[i];
      if (tok.start >= end) break;
      if (tok.start >= start) s += tok.text;
    }
    return s;
  }
}
