/**
 * The SQL clause scanner behind sqlAnchors.ts: one pass over the tokens with a stack of open query blocks, one
 * method per clause (SELECT items, FROM/JOIN tables, WHERE/HAVING/ON/QUALIFY/USING atoms, GROUP BY with its
 * ROLLUP/CUBE/GROUPING SETS, ORDER/SORT/CLUSTER/DISTRIBUTE BY, LIMIT, OVER(…), set operations, LATERAL VIEW).
 */
import type { Anchor, SourceUnit, Term } from './anchors';
import { ANCHOR_CLAUSES, JOIN_WORDS, NOT_ALIAS, SQL_WORDS } from '../../sql/keywords';
import type { Token } from './anchorTokens';

const term = (tok: Token): Term => ({ t: tok.lower, line: tok.line + 1 });
const isName = (tok: Token | undefined): tok is Token => !!tok && (tok.kind === 'word' || tok.kind === 'quoted');
const isTerm = (tok: Token) => isName(tok) && !SQL_WORDS.has(tok.lower);
const isLiteral = (tok: Token) => tok.kind === 'string' || tok.kind === 'number';

interface OpenBlock {
  id: number;
  /** Parenthesis depth of the block's SELECT. */
  depth: number;
  /** The clause being read: select, from, where, having, on, qualify, using, limit, window, group, order, union, … */
  clause: string;
}

/** A predicate being read, up to the AND / OR that ends it (a BETWEEN's AND does not). */
interface Atom {
  tokens: Token[];
  clause: string;
  block: number;
  between: boolean;
}

const PREDICATE_CLAUSES = new Set(['where', 'having', 'on', 'qualify', 'using']);
const SET_OPERATORS = new Set(['union', 'intersect', 'except', 'minus']);
const LIST_CLAUSES = new Set(['group', 'order', 'sort', 'cluster', 'distribute']);

/**
 * One pass over the tokens, one method per clause. State: the stack of open query blocks (by parenthesis depth),
 * and whatever the current clause is collecting — a predicate atom, a select item, a GROUP BY / ORDER BY anchor, or
 * the table a FROM expects next.
 */
export class ClauseScanner {
  private readonly anchors: Anchor[];
  private readonly stack: OpenBlock[] = [];
  private depth = 0;
  private i = 0;
  /** A CTE's name (`name AS (`), waiting for its SELECT. */
  private pendingCte: string | undefined;
  /** Set after a UNION: the anchor waiting for its right-hand block. */
  private pendingUnion: Anchor | undefined;
  private atom: Atom | undefined;
  private item: { tokens: Token[]; block: number } | undefined;
  /** In FROM, at the start of an item (after FROM, JOIN or a comma): the next name is a table. */
  private expectTable = false;
  /** The GROUP BY or ORDER BY anchor of the current clause, taking its terms. */
  private listAnchor: Anchor | undefined;
  /** OVER (…) anchors and the depth of their parenthesis while it is open (-1 once closed). */
  private readonly windows: Array<{ anchor: Anchor; depth: number }> = [];

  constructor(
    private readonly unit: SourceUnit,
    private readonly tokens: Token[],
  ) {
    this.anchors = unit.anchors;
  }

  run(): void {
    const { tokens } = this;
    for (this.i = 0; this.i < tokens.length; this.i++) this.step(tokens[this.i]);
    while (this.stack.length) this.popBlock(tokens[tokens.length - 1], tokens.length - 1);
    this.giveRollupsTheirWords();
  }

  private get top(): OpenBlock | undefined {
    return this.stack[this.stack.length - 1];
  }

  private next(k = 1): Token | undefined {
    return this.tokens[this.i + k];
  }

  private step(tok: Token): void {
    const cur = this.top;
    if (tok.kind === 'lparen') return this.openParen(tok, cur);
    if (tok.kind === 'rparen') return this.closeParen(tok);
    if (tok.kind === 'semi') return this.endStatement(tok);
    this.feedWindows(tok);
    const lower = tok.kind === 'word' ? tok.lower : '';
    const atBlockDepth = !!cur && this.depth === cur.depth;
    if (lower === 'with' && (!cur || atBlockDepth)) {
      this.pendingCte = undefined;
      return;
    }
    // `name AS (` before a SELECT at the next depth: a CTE.
    if (
      isName(tok) &&
      this.next()?.lower === 'as' &&
      this.next(2)?.kind === 'lparen' &&
      (this.next(3)?.lower === 'select' || this.next(3)?.lower === 'with')
    )
      this.pendingCte = tok.lower;
    if (lower === 'select') return this.select(tok, cur);
    if (!cur) return;
    if (atBlockDepth && this.clauseStart(tok, lower, cur)) return;
    switch (cur.clause) {
      case 'select':
        return this.selectToken(tok, lower, cur, atBlockDepth);
      case 'from':
        return this.fromToken(tok, cur, atBlockDepth);
      case 'where':
      case 'having':
      case 'on':
      case 'qualify':
      case 'using':
        return this.predicateToken(tok, lower, cur, atBlockDepth);
      case 'group':
        return this.groupToken(tok, lower, cur);
      case 'order':
        return this.listToken(tok, lower);
      default:
        return;
    }
  }

  // ---- Parentheses and statements ----

  private openParen(tok: Token, cur: OpenBlock | undefined): void {
    this.depth++;
    // `from (select …) x` or `from f(…)`: the parenthesis is the item.
    if (cur && cur.clause === 'from' && this.expectTable) this.expectTable = false;
    const prev = this.tokens[this.i - 1];
    if (prev?.lower === 'over') {
      this.windows.push({ anchor: this.addAnchor('window', cur?.id ?? 0, prev, tok), depth: this.depth });
    }
    this.atom?.tokens.push(tok);
  }

  private closeParen(tok: Token): void {
    for (const w of this.windows)
      if (w.depth === this.depth) {
        w.anchor.endLine = tok.line + 1;
        w.depth = -1;
      }
    this.depth--;
    while (this.top && this.top.depth > this.depth) this.popBlock(tok, this.i);
    this.atom?.tokens.push(tok);
    this.item?.tokens.push(tok);
  }

  private endStatement(tok: Token): void {
    while (this.stack.length) this.popBlock(tok, this.i);
    this.depth = 0;
  }

  /** Tokens inside an open OVER (…) are its terms. */
  private feedWindows(tok: Token): void {
    for (const w of this.windows) {
      if (w.depth <= 0 || this.depth < w.depth) continue;
      if (isTerm(tok)) w.anchor.words.push(term(tok));
      w.anchor.endLine = Math.max(w.anchor.endLine, tok.endLine + 1);
    }
  }

  // ---- Blocks ----

  /** A SELECT opens a block: the main query, a CTE, a derived table, a subquery, or the right side of a UNION. */
  private select(tok: Token, cur: OpenBlock | undefined): void {
    let opener: Anchor | undefined;
    if (cur && this.depth === cur.depth) {
      // A sibling after UNION: close the left-hand block.
      this.popBlock(tok, this.i - 1);
    } else {
      // A select inside a predicate (`x = (select …`, `x in (select …`, `exists (select …`) ends that predicate.
      const before = this.anchors.length;
      this.closeClause();
      opener = this.anchors.slice(before).find((a) => a.kind === 'predicate');
    }
    const blocks = this.unit.blocks;
    const parent = this.top?.id ?? null;
    const parentClause = this.top?.clause;
    const id = blocks.length;
    const kind = this.pendingCte ? 'cte' : parent === null ? 'main' : parentClause === 'from' ? 'derived' : 'subquery';
    blocks.push({ name: this.pendingCte, kind, parent, tables: [], startLine: tok.line + 1, endLine: tok.line + 1 });
    if (opener && kind === 'subquery') opener.subquery = id;
    this.pendingCte = undefined;
    this.stack.push({ id, depth: this.depth, clause: 'select' });
    if (this.pendingUnion) {
      this.pendingUnion.block = parent ?? id;
      this.pendingUnion.sides!.push(id);
      this.pendingUnion = undefined;
    }
    const next = this.next();
    if (next?.lower === 'distinct') this.addAnchor('distinct', id, tok, next);
    this.item = { tokens: [], block: id };
  }

  private popBlock(endTok: Token | undefined, i: number): void {
    this.closeClause();
    const b = this.stack.pop()!;
    const block = this.unit.blocks[b.id];
    block.endLine = (endTok ?? this.tokens[i]).line + 1;
    // `(select …) alias`: the derived table's name.
    let j = i + 1;
    if (this.tokens[j]?.lower === 'as') j++;
    const alias = this.tokens[j];
    if (!block.name && isName(alias) && !NOT_ALIAS.has(alias.lower)) block.name = alias.lower;
  }

  // ---- Clause starts ----

  /** A keyword at the block's depth that starts a clause; false when the word is not one. */
  private clauseStart(tok: Token, lower: string, cur: OpenBlock): boolean {
    if (JOIN_WORDS.has(lower) && lower !== 'join' && this.startsJoin()) this.startClause(cur, 'from');
    else if (!ANCHOR_CLAUSES.has(lower)) return false;
    else if (SET_OPERATORS.has(lower)) this.setOperation(tok, lower, cur);
    else if (lower === 'join' || lower === 'from') this.startClause(cur, 'from', true);
    else if (PREDICATE_CLAUSES.has(lower)) this.predicateClause(lower, cur);
    else if (lower === 'limit') this.limit(tok, cur);
    else if (lower === 'window') this.startClause(cur, 'window');
    else if (LIST_CLAUSES.has(lower) && this.next()?.lower === 'by') this.groupOrOrderBy(tok, lower, cur);
    else if (lower === 'lateral') this.lateral(tok, cur);
    else return false;
    return true;
  }

  private startClause(cur: OpenBlock, clause: string, expectTable = false): void {
    this.closeClause();
    cur.clause = clause;
    this.expectTable = expectTable;
  }

  /** UNION / INTERSECT / EXCEPT / MINUS: the anchor waits for the block on its right. */
  private setOperation(tok: Token, lower: string, cur: OpenBlock): void {
    this.closeClause();
    const next = this.next();
    const last = next?.lower === 'all' || next?.lower === 'distinct' ? next : tok;
    // The block that follows gets id blocks.length (after the left block is popped by its SELECT).
    this.pendingUnion = {
      kind: 'union',
      name: lower,
      block: cur.id,
      sides: [cur.id],
      words: [],
      literals: [],
      startLine: tok.line + 1,
      endLine: last.line + 1,
    };
    this.anchors.push(this.pendingUnion);
    cur.clause = 'union';
  }

  private predicateClause(lower: string, cur: OpenBlock): void {
    this.startClause(cur, lower);
    this.atom = { tokens: [], clause: lower, block: cur.id, between: false };
  }

  private limit(tok: Token, cur: OpenBlock): void {
    this.startClause(cur, 'limit');
    const n = this.next();
    this.addAnchor('limit', cur.id, tok, n ?? tok, n ? [term(n)] : []);
  }

  /** GROUP BY, and ORDER / SORT / CLUSTER / DISTRIBUTE BY (all read as an order): the anchor takes the list. */
  private groupOrOrderBy(tok: Token, lower: string, cur: OpenBlock): void {
    this.closeClause();
    const kind = lower === 'group' ? 'group' : 'order';
    cur.clause = kind;
    this.listAnchor = this.addAnchor(kind, cur.id, tok, this.next()!);
    this.i++;
  }

  private lateral(tok: Token, cur: OpenBlock): void {
    this.startClause(cur, 'lateral');
    this.addAnchor('generate', cur.id, tok, tok);
  }

  /** `left outer join`, `cross join`, …: join words running into JOIN (not `left(` the function). */
  private startsJoin(): boolean {
    const { tokens, i } = this;
    for (let j = i; j < tokens.length && j < i + 4; j++) {
      if (tokens[j].lower === 'join') return true;
      if (!JOIN_WORDS.has(tokens[j].lower)) return false;
    }
    return false;
  }

  // ---- Tokens inside a clause ----

  private selectToken(tok: Token, lower: string, cur: OpenBlock, atBlockDepth: boolean): void {
    if (atBlockDepth && tok.kind === 'comma') {
      this.flushItem();
      this.item = { tokens: [], block: cur.id };
    } else if (lower !== 'distinct' || this.item?.tokens.length) {
      (this.item ??= { tokens: [], block: cur.id }).tokens.push(tok);
    }
  }

  /** FROM / JOIN: a table (qualified names read whole) and its alias. */
  private fromToken(tok: Token, cur: OpenBlock, atBlockDepth: boolean): void {
    if (atBlockDepth && tok.kind === 'comma') {
      this.expectTable = true;
      return;
    }
    if (!this.expectTable || !isName(tok) || NOT_ALIAS.has(tok.lower)) return;
    const { tokens } = this;
    let j = this.i;
    while (tokens[j + 1]?.kind === 'dot' && isName(tokens[j + 2])) j += 2;
    const name = tokens[j].lower;
    this.unit.blocks[cur.id].tables.push(name);
    const words: Term[] = [term(tokens[j])];
    let k = j + 1;
    if (tokens[k]?.lower === 'as') k++;
    if (isName(tokens[k]) && !NOT_ALIAS.has(tokens[k].lower)) words.push(term(tokens[k]));
    const endLine = tokens[j].endLine + 1;
    this.anchors.push({ kind: 'table', name, block: cur.id, words, literals: [], startLine: tok.line + 1, endLine });
    this.expectTable = false;
    this.i = j;
  }

  /** WHERE / HAVING / ON / QUALIFY / USING: atoms split at AND / OR. */
  private predicateToken(tok: Token, lower: string, cur: OpenBlock, atBlockDepth: boolean): void {
    if (atBlockDepth && tok.kind === 'comma' && (cur.clause === 'on' || cur.clause === 'using')) {
      // `a join b on (…), c`: the comma starts the next FROM item.
      this.flushAtom();
      cur.clause = 'from';
      this.expectTable = true;
      return;
    }
    const atom = (this.atom ??= { tokens: [], clause: cur.clause, block: cur.id, between: false });
    if (lower === 'between') atom.between = true;
    if ((lower === 'and' && !atom.between) || lower === 'or') {
      this.flushAtom();
      this.atom = { tokens: [], clause: cur.clause, block: cur.id, between: false };
      return;
    }
    if (lower === 'and') atom.between = false;
    atom.tokens.push(tok);
  }

  private groupToken(tok: Token, lower: string, cur: OpenBlock): void {
    if (!this.listAnchor) return;
    if (lower === 'rollup' || lower === 'cube' || (lower === 'grouping' && this.next()?.lower === 'sets')) {
      const line = tok.line + 1;
      this.anchors.push({
        kind: 'rollup',
        name: lower,
        block: cur.id,
        words: [],
        literals: [],
        startLine: line,
        endLine: line,
      });
    }
    this.listToken(tok, lower);
  }

  private listToken(tok: Token, lower: string): void {
    const a = this.listAnchor;
    if (!a) return;
    if (isName(tok) && !SQL_WORDS.has(lower)) a.words.push(term(tok));
    if (tok.kind === 'number') a.literals.push(term(tok));
    a.endLine = Math.max(a.endLine, tok.endLine + 1);
  }

  // ---- Ending what a clause collected ----

  private closeClause(): void {
    this.flushAtom();
    this.flushItem();
    this.expectTable = false;
    this.listAnchor = undefined;
  }

  private flushAtom(): void {
    const atom = this.atom;
    this.atom = undefined;
    if (!atom || !atom.tokens.length) return;
    const toks = atom.tokens;
    this.anchors.push({
      kind: 'predicate',
      clause: atom.clause,
      block: atom.block,
      words: toks.filter(isTerm).map(term),
      literals: toks.filter(isLiteral).map(term),
      eq: toks.some((t) => t.kind === 'op' && (t.text === '=' || t.text === '==' || t.text === '<=>')),
      startLine: toks[0].line + 1,
      endLine: toks[toks.length - 1].endLine + 1,
    });
  }

  private flushItem(): void {
    const item = this.item;
    this.item = undefined;
    if (!item || !item.tokens.length) return;
    const toks = item.tokens;
    const last = toks[toks.length - 1];
    const prev = toks[toks.length - 2];
    const named = isName(last) && toks.length > 1 && (prev?.lower === 'as' || prev?.kind === 'rparen' || isName(prev));
    this.anchors.push({
      kind: 'select',
      block: item.block,
      name: named ? last.lower : undefined,
      words: toks.filter(isTerm).map(term),
      literals: toks.filter(isLiteral).map(term),
      startLine: toks[0].line + 1,
      endLine: last.endLine + 1,
    });
  }

  private addAnchor(kind: Anchor['kind'], block: number, first: Token, last: Token, literals: Term[] = []): Anchor {
    const a: Anchor = { kind, block, words: [], literals, startLine: first.line + 1, endLine: last.line + 1 };
    this.anchors.push(a);
    return a;
  }

  /** Rollup anchors hold the grouping words too (they are the same clause). */
  private giveRollupsTheirWords(): void {
    for (const a of this.anchors) {
      if (a.kind !== 'rollup') continue;
      const g = this.anchors.find(
        (x) => x.kind === 'group' && x.block === a.block && x.startLine <= a.startLine && x.endLine >= a.startLine,
      );
      if (g) a.words = g.words.filter((w) => w.line >= a.startLine);
    }
  }
}
