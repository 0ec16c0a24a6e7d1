/**
 * The query half of the SQL reader: WITH (CTEs resolved to their definitions), set operations, SELECT lists,
 * FROM items and joins, subqueries anywhere in expressions, and the column lineage of each select item.
 */
import { normalizeParts, type NameDefaults } from '../names';
import {
  renameCols,
  mergeSources,
  dedupeSources,
  resolveColumn,
  type OutCol,
  type Relation,
  type Scope,
} from './columns';
import { TokenCursor } from './cursor';
import type { SqlColumnSource, SqlTableRef } from './extract';
import { CLAUSE_WORDS, EXPR_KEYWORDS, FILE_FORMATS, TYPE_WORDS } from '../../sql/keywords';
import { identOf, stringValue, type SqlToken as Token } from '../../sql/tokens';

const MAX_DEPTH = 120;

export class QueryReader extends TokenCursor {
  protected readonly reads: SqlTableRef[] = [];
  protected readonly writes: SqlTableRef[] = [];
  protected readonly partial = new Set<string>();
  protected readonly scopes: Scope[] = [];
  /** Indexes of FROM/JOIN keywords whose relation the structured pass handled. */
  protected readonly handled = new Set<number>();
  /** Every select item of every SELECT in the statement (CTEs and subqueries too), for hovers. */
  protected readonly selectColumns: OutCol[] = [];
  private depth = 0;

  constructor(
    t: Token[],
    from: number,
    end: number,
    protected readonly names: NameDefaults,
    protected readonly schemaOf?: (table: string) => string[] | undefined,
    /** Schema set by an earlier `USE s` in the same text: unqualified names live there. */
    protected readonly session?: string,
  ) {
    super(t, from, end);
  }

  /** WITH … set-expression [ORDER BY …] [LIMIT …]; returns the output columns. */
  protected query(): OutCol[] {
    if (++this.depth > MAX_DEPTH) {
      this.partial.add(`nesting deeper than ${MAX_DEPTH}: inner queries found by token scan only`);
      this.depth--;
      this.skipToCloser();
      return [];
    }
    try {
      let pushed = false;
      if (this.isWord(0, 'WITH')) {
        this.pos++;
        const recursive = this.accept('RECURSIVE');
        this.scopes.push(this.ctes(recursive));
        pushed = true;
      }
      const cols = this.setExpr();
      if (pushed) this.scopes.pop();
      return cols;
    } finally {
      this.depth--;
    }
  }

  protected ctes(recursive = false): Scope {
    const scope: Scope = new Map();
    this.scopes.push(scope);
    while (!this.atEnd()) {
      const nameTok = this.peek();
      if (!nameTok || (nameTok.kind !== 'word' && nameTok.kind !== 'quoted')) break;
      const name = identOf(nameTok).toLowerCase();
      this.pos++;
      const declared: string[] = [];
      if (this.peek()?.kind === 'lparen') {
        const close = this.matchParen(this.pos);
        for (let i = this.pos + 1; i < close - 1; i++)
          if (this.t[i].kind === 'word' || this.t[i].kind === 'quoted') declared.push(identOf(this.t[i]).toLowerCase());
        this.pos = close;
      }
      this.accept('AS');
      while (this.isWord(0, 'NOT', 'MATERIALIZED')) this.pos++;
      if (this.peek()?.kind !== 'lparen') break;
      // Inside its own body a CTE name means itself only when recursive (or self-referencing in WITH RECURSIVE dialects).
      if (recursive) scope.set(name, 'pending');
      this.pos++;
      let cols = this.query();
      if (this.peek()?.kind === 'rparen') this.pos++;
      else this.skipParensRemainder();
      if (declared.length) cols = cols.map((c, i) => ({ ...c, name: declared[i] ?? c.name }));
      scope.set(name, cols);
      if (this.peek()?.kind !== 'comma') break;
      this.pos++;
    }
    this.scopes.pop();
    return scope;
  }

  protected setExpr(): OutCol[] {
    let cols = this.queryTerm();
    while (this.isWord(0, 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS')) {
      this.pos++;
      this.accept('ALL', 'DISTINCT');
      if (this.isWord(0, 'BY') && this.isWord(1, 'NAME')) this.pos += 2;
      const right = this.queryTerm();
      cols = cols.map((c, i) => (right[i] ? { ...c, sources: mergeSources(c.sources, right[i].sources) } : c));
    }
    // ORDER BY / LIMIT / … after a set operation or a parenthesised query.
    this.expr(new Set(), []);
    return cols;
  }

  protected queryTerm(): OutCol[] {
    const tok = this.peek();
    if (!tok) return [];
    if (tok.kind === 'lparen') {
      this.pos++;
      const cols = this.query();
      if (this.peek()?.kind === 'rparen') this.pos++;
      else this.skipParensRemainder();
      return cols;
    }
    if (this.isWord(0, 'SELECT')) return this.select();
    if (this.isWord(0, 'FROM')) return this.fromFirst();
    if (this.isWord(0, 'VALUES')) {
      this.pos++;
      this.expr(new Set(), []);
      return [];
    }
    if (this.isWord(0, 'TABLE')) {
      this.pos++;
      const r = this.relationName();
      return r?.columns ?? [];
    }
    this.partial.add(`query not understood at '${tok.text.slice(0, 40)}'`);
    this.skipToCloser();
    return [];
  }

  /** Spark's FROM-first form: FROM t [INSERT …] SELECT … */
  protected fromFirst(): OutCol[] {
    this.handled.add(this.pos);
    this.pos++;
    const rels = this.fromList();
    let cols: OutCol[] = [];
    while (!this.atEnd() && this.peek()!.kind !== 'rparen') {
      if (this.isWord(0, 'INSERT')) {
        this.pos++;
        this.accept('INTO', 'OVERWRITE');
        this.accept('TABLE');
        this.tableRef('write');
        if (this.isWord(0, 'PARTITION')) {
          this.pos++;
          if (this.peek()?.kind === 'lparen') this.skipParens();
        }
      } else if (this.isWord(0, 'SELECT')) {
        cols = this.select(rels);
      } else this.pos++;
    }
    return cols;
  }

  protected select(outerRels?: Relation[]): OutCol[] {
    this.pos++; // SELECT
    while (this.isWord(0, 'DISTINCT', 'ALL') || (this.isWord(0, 'TOP') && this.peek(1)?.kind === 'number')) {
      this.pos += this.isWord(0, 'TOP') ? 2 : 1;
    }
    if (this.isWord(0, 'ON') && this.peek(1)?.kind === 'lparen') {
      this.pos++;
      this.skipParens();
    } // DISTINCT ON (…)
    // Select items: remember their token ranges; resolve them once the FROM clause is known.
    const items: Array<[number, number]> = [];
    let start = this.pos;
    let depth = 0;
    while (!this.atEnd()) {
      const tok = this.peek()!;
      if (tok.kind === 'lparen') depth++;
      else if (tok.kind === 'rparen') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && tok.kind === 'comma') {
        items.push([start, this.pos]);
        start = this.pos + 1;
      } else if (
        depth === 0 &&
        tok.kind === 'word' &&
        [
          'FROM',
          'WHERE',
          'GROUP',
          'HAVING',
          'ORDER',
          'LIMIT',
          'UNION',
          'INTERSECT',
          'EXCEPT',
          'MINUS',
          'WINDOW',
          'QUALIFY',
          'INTO',
          'LATERAL',
          'SORT',
          'CLUSTER',
          'DISTRIBUTE',
          'INSERT',
        ].includes(tok.upper)
      ) {
        if (!(tok.upper === 'FROM' && this.t[this.pos - 1]?.upper === 'DISTINCT')) break;
      }
      this.pos++;
    }
    if (this.pos > start) items.push([start, this.pos]);
    const rels: Relation[] = [...(outerRels ?? [])];
    if (this.isWord(0, 'INTO')) {
      this.pos++;
      this.tableRef('write');
    } // SELECT … INTO t (T-SQL)
    if (this.isWord(0, 'FROM')) {
      this.handled.add(this.pos);
      this.pos++;
      rels.push(...this.fromList());
    }
    while (this.isWord(0, 'LATERAL') && this.isWord(1, 'VIEW')) rels.push(this.lateralView(rels));
    // WHERE, GROUP BY, HAVING, QUALIFY, WINDOW, ORDER BY, LIMIT: only subqueries matter for lineage.
    this.expr(new Set(['UNION', 'INTERSECT', 'EXCEPT', 'MINUS', 'INSERT']), rels, true);
    const out: OutCol[] = [];
    for (const [a, b] of items) out.push(...this.selectItem(a, b, rels));
    this.selectColumns.push(...out);
    return out;
  }

  /** LATERAL VIEW [OUTER] f(args) alias [AS] c1, c2 */
  protected lateralView(rels: Relation[]): Relation {
    this.pos += 2;
    this.accept('OUTER');
    const fnStart = this.pos;
    if (this.peek()?.kind === 'word') this.pos++;
    const refs: SqlColumnSource[] = [];
    if (this.peek()?.kind === 'lparen') {
      const close = this.matchParen(this.pos);
      const save = this.pos;
      this.pos++;
      this.expr(new Set(), rels, false, refs);
      this.pos = Math.max(close, save + 1);
    }
    let alias: string | undefined;
    const a = this.peek();
    if (a && (a.kind === 'word' || a.kind === 'quoted') && !CLAUSE_WORDS.has(a.upper)) {
      alias = identOf(a).toLowerCase();
      this.pos++;
    }
    const columns: OutCol[] = [];
    if (this.accept('AS')) {
      for (;;) {
        const c = this.peek();
        if (!c || (c.kind !== 'word' && c.kind !== 'quoted')) break;
        columns.push({ name: identOf(c).toLowerCase(), sources: refs, start: this.t[fnStart].start, end: c.end });
        this.pos++;
        if (this.peek()?.kind !== 'comma' || this.isWord(1, 'LATERAL')) break;
        this.pos++;
      }
    }
    return { alias, columns };
  }

  protected fromList(): Relation[] {
    const rels: Relation[] = [];
    rels.push(...this.fromItem());
    for (let guard = 0; !this.atEnd() && guard < 100_000; guard++) {
      const tok = this.peek()!;
      if (tok.kind === 'comma') {
        this.pos++;
        rels.push(...this.fromItem());
        continue;
      }
      if (
        tok.kind === 'word' &&
        [
          'JOIN',
          'INNER',
          'LEFT',
          'RIGHT',
          'FULL',
          'CROSS',
          'OUTER',
          'SEMI',
          'ANTI',
          'NATURAL',
          'STRAIGHT_JOIN',
          'POSITIONAL',
          'ASOF',
          'ANY',
          'GLOBAL',
        ].includes(tok.upper)
      ) {
        let j = 0;
        while (
          this.peek(j)?.kind === 'word' &&
          this.peek(j)!.upper !== 'JOIN' &&
          this.peek(j)!.upper !== 'STRAIGHT_JOIN' &&
          j < 5
        )
          j++;
        if (!this.isWord(j, 'JOIN', 'STRAIGHT_JOIN')) {
          if (this.isWord(0, 'CROSS', 'OUTER') && this.isWord(1, 'APPLY')) {
            this.pos += 2;
            rels.push(...this.fromItem());
            continue;
          }
          break;
        }
        this.handled.add(this.pos + j);
        this.pos += j + 1;
        rels.push(...this.fromItem());
        if (this.isWord(0, 'ON')) {
          this.pos++;
          this.expr(
            new Set(['JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'SEMI', 'ANTI']),
            rels,
            true,
            undefined,
            true,
          );
        } else if (this.isWord(0, 'USING') && this.peek(1)?.kind === 'lparen') {
          this.pos++;
          this.skipParens();
        }
        continue;
      }
      if (this.isWord(0, 'LATERAL') && this.isWord(1, 'VIEW')) {
        rels.push(this.lateralView(rels));
        continue;
      }
      if (this.isWord(0, 'PIVOT', 'UNPIVOT', 'MATCH_RECOGNIZE')) {
        this.pos++;
        this.skipModifiers();
        if (this.peek()?.kind === 'lparen') this.skipParens();
        this.alias();
        continue;
      }
      break;
    }
    return rels;
  }

  /** One FROM item (a parenthesised join counts as one): what it makes visible, by alias. */
  protected fromItem(): Relation[] {
    this.accept('LATERAL');
    this.accept('ONLY');
    const tok = this.peek();
    if (!tok) return [];
    if (tok.kind === 'lparen') {
      if (this.startsQuery(1)) {
        this.pos++;
        const cols = this.query();
        if (this.peek()?.kind === 'rparen') this.pos++;
        else this.skipParensRemainder();
        const alias = this.alias();
        return [{ alias, columns: alias?.columns ? renameCols(cols, alias.columns) : cols }].map((r) => ({
          alias: r.alias?.name,
          columns: r.columns,
        }));
      }
      // ( t1 JOIN t2 … ) [alias]
      this.pos++;
      const inner = this.fromList();
      if (this.peek()?.kind === 'rparen') this.pos++;
      else this.skipParensRemainder();
      this.alias();
      return inner;
    }
    if (
      tok.kind === 'word' &&
      (tok.upper === 'UNNEST' || tok.upper === 'TABLE' || tok.upper === 'FLATTEN') &&
      this.peek(1)?.kind === 'lparen'
    ) {
      this.pos++;
      const save = this.pos;
      this.pos++;
      this.expr(new Set(), []);
      this.pos = Math.max(this.matchParen(save), this.pos);
      const a = this.alias();
      return [{ alias: a?.name, columns: [] }];
    }
    if (tok.kind === 'string') {
      // Snowflake/duckdb: FROM 'path' or @stage; a file read.
      this.reads.push(this.fileRef(tok));
      this.pos++;
      const a = this.alias();
      return [{ alias: a?.name, columns: [] }];
    }
    const rel = this.relationName();
    if (!rel) {
      // Not a name: skip to the next separator so the rest of the clause still reads.
      if (tok.kind !== 'rparen' && tok.kind !== 'comma' && !(tok.kind === 'word' && CLAUSE_WORDS.has(tok.upper)))
        this.pos++;
      return [];
    }
    return [rel];
  }

  /** A table, CTE or table function at the current position, with its alias. */
  protected relationName(): Relation | undefined {
    const n = this.name();
    if (!n) return undefined;
    if (this.peek()?.kind === 'lparen') {
      // Table-valued function: range(10), read_parquet('x'), json_tuple… Its string arguments may be files.
      const close = this.matchParen(this.pos);
      const fn = n.parts[n.parts.length - 1].toUpperCase();
      if (/^READ_(PARQUET|CSV|JSON|CSV_AUTO|JSON_AUTO|DELTA)$/.test(fn) && this.t[this.pos + 1]?.kind === 'string')
        this.reads.push(this.fileRef(this.t[this.pos + 1]));
      this.pos++;
      this.expr(new Set(), []);
      this.pos = Math.max(close, this.pos);
      const a = this.alias();
      return { alias: a?.name, columns: [] };
    }
    this.skipModifiers();
    const a = this.alias();
    this.skipModifiers();
    const single = n.parts.length === 1 ? n.parts[0].toLowerCase() : undefined;
    const cte = single !== undefined ? this.lookupCte(single) : undefined;
    if (cte !== undefined) {
      const cols = cte === 'pending' ? [] : cte;
      return { alias: a?.name ?? single, columns: a?.columns ? renameCols(cols, a.columns) : cols };
    }
    const ref = this.refFromName(n);
    this.reads.push(ref);
    const table = ref.name;
    const short = n.parts[n.parts.length - 1].toLowerCase();
    if (a?.columns) {
      return {
        alias: a.name,
        columns: a.columns.map((c) => ({ name: c, sources: [{ table, column: c }], start: n.start, end: n.end })),
      };
    }
    return { alias: a?.name ?? short, table };
  }

  /** Table modifiers that carry no lineage: TABLESAMPLE (…), FOR SYSTEM_TIME AS OF …, VERSION AS OF n, WITH (NOLOCK), FINAL, @v. */
  protected skipModifiers(): void {
    for (let guard = 0; guard < 20; guard++) {
      if (this.isWord(0, 'TABLESAMPLE') && this.peek(1)?.kind === 'lparen') {
        this.pos++;
        this.skipParens();
        continue;
      }
      if (
        this.isWord(0, 'TIMESTAMP', 'VERSION', 'FOR') &&
        (this.isWord(1, 'AS') || this.isWord(1, 'SYSTEM_TIME', 'SYSTEM_VERSION', 'TIMESTAMP', 'VERSION'))
      ) {
        while (!this.atEnd() && !this.isWord(0, 'OF')) this.pos++;
        this.pos++;
        if (this.peek()) this.pos++;
        continue;
      }
      if (this.isWord(0, 'WITH') && this.peek(1)?.kind === 'lparen' && !this.startsQuery(2)) {
        this.pos++;
        this.skipParens();
        continue;
      }
      if (this.isWord(0, 'FINAL')) {
        this.pos++;
        continue;
      }
      break;
    }
  }

  /** [AS] alias [(c1, c2)] — undefined when the next token cannot be an alias. */
  protected alias(): { name: string; columns?: string[] } | undefined {
    const hadAs = this.accept('AS');
    const tok = this.peek();
    if (!tok || (tok.kind !== 'word' && tok.kind !== 'quoted')) return undefined;
    if (tok.kind === 'word' && !hadAs && (CLAUSE_WORDS.has(tok.upper) || tok.upper === 'TABLESAMPLE')) return undefined;
    this.pos++;
    const name = identOf(tok).toLowerCase();
    if (this.peek()?.kind === 'lparen' && !this.startsQuery(1)) {
      const close = this.matchParen(this.pos);
      const columns: string[] = [];
      for (let i = this.pos + 1; i < close - 1; i++)
        if (this.t[i].kind === 'word' || this.t[i].kind === 'quoted') columns.push(identOf(this.t[i]).toLowerCase());
      this.pos = close;
      return { name, columns };
    }
    return { name };
  }

  protected lookupCte(name: string): OutCol[] | 'pending' | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const hit = this.scopes[i].get(name);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  protected refFromName(n: { parts: string[]; start: number; end: number; dynamic: boolean }): SqlTableRef {
    const raw = this.rawText(n.start, n.end);
    const last = n.parts[n.parts.length - 1];
    // Spark: parquet.`/data/x` reads files directly.
    if (n.parts.length === 2 && FILE_FORMATS.has(n.parts[0].toLowerCase()) && /[/:]/.test(last)) {
      return { name: last, raw, kind: 'file', start: n.start, end: n.end, ...(n.dynamic ? { dynamic: true } : {}) };
    }
    const parts = n.parts.length === 1 && this.session ? [this.session, ...n.parts] : n.parts;
    return {
      name: normalizeParts(parts, this.names),
      raw,
      kind: 'table',
      start: n.start,
      end: n.end,
      ...(n.dynamic ? { dynamic: true } : {}),
    };
  }

  protected tableRef(mode: 'read' | 'write'): SqlTableRef | undefined {
    const n = this.name();
    if (!n) return undefined;
    const ref = this.refFromName(n);
    (mode === 'read' ? this.reads : this.writes).push(ref);
    return ref;
  }

  protected fileRef(tok: Token): SqlTableRef {
    const value = stringValue(tok);
    return {
      name: value,
      raw: tok.text,
      kind: 'file',
      start: tok.start,
      end: tok.end,
      ...(/\{|\$\{/.test(value) ? { dynamic: true } : {}),
    };
  }

  protected stageRef(from: number, to: number): SqlTableRef {
    const a = this.t[from];
    const b = this.t[Math.max(from, to - 1)];
    const raw = this.rawText(a.start, b.end);
    return { name: raw, raw, kind: 'file', start: a.start, end: b.end };
  }

  /**
   * Scans an expression region (to a depth-0 stop word, `)` closing the region, or the statement end),
   * reading every subquery in it and collecting column references into `refs` when given.
   * `clauses`: also run through WHERE/GROUP BY/… keywords (the tail of a SELECT).
   */
  protected expr(
    stop: Set<string>,
    rels: Relation[],
    clauses = false,
    refs?: SqlColumnSource[],
    stopAtJoin = false,
  ): void {
    let depth = 0;
    let prev: Token | undefined;
    while (!this.atEnd()) {
      const tok = this.peek()!;
      if (tok.kind === 'rparen') {
        if (depth === 0) return;
        depth--;
      } else if (tok.kind === 'lparen') {
        if (this.startsQuery(1)) {
          this.pos++;
          const cols = this.query();
          if (refs) for (const c of cols) refs.push(...c.sources);
          if (this.peek()?.kind === 'rparen') this.pos++;
          else this.skipParensRemainder();
          prev = this.t[this.pos - 1];
          continue;
        }
        depth++;
      } else if (
        tok.kind === 'word' &&
        depth === 0 &&
        (stop.has(tok.upper) ||
          (stopAtJoin &&
            (tok.upper === 'WHERE' ||
              tok.upper === 'GROUP' ||
              tok.upper === 'ORDER' ||
              tok.upper === 'LIMIT' ||
              tok.upper === 'HAVING' ||
              tok.upper === 'UNION' ||
              tok.upper === 'WINDOW' ||
              tok.upper === 'QUALIFY' ||
              tok.upper === 'LATERAL' ||
              tok.upper === 'PIVOT' ||
              tok.upper === 'UNPIVOT' ||
              tok.upper === 'EXCEPT' ||
              tok.upper === 'INTERSECT' ||
              tok.upper === 'MINUS')))
      ) {
        return;
      } else if (tok.kind === 'comma' && depth === 0 && stopAtJoin) {
        return;
      } else if ((tok.kind === 'word' || tok.kind === 'quoted') && refs) {
        const chain = this.columnChain(prev);
        if (chain) {
          refs.push(...resolveColumn(chain, rels, this.schemaOf));
          prev = this.t[this.pos - 1];
          continue;
        }
      }
      prev = tok;
      this.pos++;
    }
  }

  /** At a word: a column reference `a`, `t.a`, `s.t.a` (not a function, keyword, type or alias). */
  protected columnChain(prev: Token | undefined): string[] | undefined {
    const tok = this.peek()!;
    if (tok.kind === 'word' && EXPR_KEYWORDS.has(tok.upper)) return undefined;
    if (prev && prev.kind === 'dot') return undefined;
    if (prev && prev.kind === 'word' && (prev.upper === 'AS' || prev.upper === 'INTERVAL')) {
      return undefined;
    }
    if (prev && prev.kind === 'op' && prev.text === '::') return undefined;
    if (tok.kind === 'word' && TYPE_WORDS.has(tok.upper) && prev?.kind === 'word' && prev.upper === 'AS')
      return undefined;
    const parts: string[] = [identOf(tok)];
    let i = this.pos + 1;
    while (
      this.t[i]?.kind === 'dot' &&
      i + 1 < this.end &&
      (this.t[i + 1].kind === 'word' ||
        this.t[i + 1].kind === 'quoted' ||
        (this.t[i + 1].kind === 'op' && this.t[i + 1].text === '*'))
    ) {
      parts.push(this.t[i + 1].kind === 'op' ? '*' : identOf(this.t[i + 1]));
      i += 2;
    }
    const next = this.t[i];
    if (i < this.end && next?.kind === 'lparen') return undefined; // function call
    if (i < this.end && next?.kind === 'string' && parts.length === 1) return undefined; // DATE '2000-01-01'
    if (i < this.end && next?.kind === 'op' && next.text === '->') return undefined; // lambda parameter
    this.pos = i;
    return parts.map((p) => p.toLowerCase());
  }

  protected selectItem(a: number, b: number, rels: Relation[]): OutCol[] {
    if (b <= a) return [];
    const first = this.t[a];
    const last = this.t[b - 1];
    // `*` and `t.*`
    if (b - a === 1 && first.kind === 'op' && first.text === '*') return this.star(undefined, rels, first);
    if (b - a === 3 && last.kind === 'op' && last.text === '*' && this.t[a + 1].kind === 'dot')
      return this.star(identOf(first).toLowerCase(), rels, first, last);
    // Alias: `expr AS x`, or `expr x` where x follows something that ends an expression.
    let alias: string | undefined;
    let exprEnd = b;
    if (
      b - a >= 2 &&
      (last.kind === 'word' || last.kind === 'quoted') &&
      !(last.kind === 'word' && EXPR_KEYWORDS.has(last.upper) && this.t[b - 2].upper !== 'AS')
    ) {
      const before = this.t[b - 2];
      if (before.kind === 'word' && before.upper === 'AS') {
        alias = identOf(last);
        exprEnd = b - 2;
      } else if (
        before.kind !== 'dot' &&
        before.kind !== 'op' &&
        !(before.kind === 'word' && EXPR_KEYWORDS.has(before.upper) && before.upper !== 'END')
      ) {
        alias = identOf(last);
        exprEnd = b - 1;
      }
    }
    const refs: SqlColumnSource[] = [];
    const save = this.pos;
    const saveEnd = this.end;
    this.pos = a;
    this.end = exprEnd;
    try {
      this.expr(new Set(), rels, false, refs);
    } finally {
      this.pos = save;
      this.end = saveEnd;
    }
    let name = alias?.toLowerCase();
    if (!name) {
      const single =
        exprEnd - a === 1 ||
        (exprEnd - a >= 3 &&
          this.t
            .slice(a, exprEnd)
            .every((t, i) => (i % 2 === 1 ? t.kind === 'dot' : t.kind === 'word' || t.kind === 'quoted')));
      name = single
        ? identOf(this.t[exprEnd - 1]).toLowerCase()
        : this.rawText(first.start, this.t[exprEnd - 1].end)
            .replace(/\s+/g, ' ')
            .slice(0, 80);
    }
    return [{ name, sources: dedupeSources(refs), start: first.start, end: last.end }];
  }

  protected star(qualifier: string | undefined, rels: Relation[], first: Token, last: Token = first): OutCol[] {
    const out: OutCol[] = [];
    const targets = qualifier
      ? rels.filter((r) => r.alias === qualifier || (r.table && r.table.split('.').pop() === qualifier))
      : rels;
    for (const r of targets) {
      if (r.columns) {
        out.push(...r.columns.map((c) => ({ ...c, start: first.start, end: last.end })));
        continue;
      }
      if (!r.table) continue;
      const known = this.schemaOf?.(r.table);
      if (known?.length)
        out.push(
          ...known.map((c) => ({
            name: c,
            sources: [{ table: r.table, column: c }],
            start: first.start,
            end: last.end,
            star: r.table,
          })),
        );
      else
        out.push({
          name: '*',
          sources: [{ table: r.table, column: '*' }],
          start: first.start,
          end: last.end,
          note: `* kept: columns of ${r.table} unknown`,
        });
    }
    if (!targets.length)
      out.push({
        name: '*',
        sources: [],
        start: first.start,
        end: last.end,
        note: qualifier ? `* kept: ${qualifier} not found in FROM` : '* kept: no FROM',
      });
    return out;
  }
}
