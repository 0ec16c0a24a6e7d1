/**
 * SQL lineage extractor: for each statement of a SQL text, the tables it reads and writes (each reference
 * with its exact offsets), CTEs resolved to their definitions, and column-level lineage of its output.
 *
 *   extractSql(text, { names, schemaOf }) → SqlStatement[]
 *
 * It works on tokens (./lexer) with a small recursive-descent reader of query structure (WITH, set
 * operations, SELECT lists, FROM items, joins, subqueries anywhere in expressions). It never throws and
 * never gives up on a statement: anything it does not understand is skipped to the next clause, and a
 * token-level safety net then picks up any FROM/JOIN relation the structured pass did not see, marking the
 * statement partial with the reason. That keeps results exact on dialect corners (Spark, Snowflake, dbt
 * Jinja already neutralised by the caller) where a full grammar would produce error nodes.
 */
import { normalizeParts, DEFAULT_NAMES, type NameDefaults } from '../names';
import { CLAUSE_WORDS, EXPR_KEYWORDS, FILE_FORMATS, FROM_ARG_FUNCTIONS, TYPE_WORDS } from './keywords';
import { identOf, stringValue, tokenize, type Token } from './lexer';

export interface SqlTableRef {
  /** Normalised name (`schema.table`, or the path for files). */
  name: string;
  /** The text as written. */
  raw: string;
  kind: 'table' | 'file';
  start: number;
  end: number;
  /** The name holds a placeholder (`{var}`, `${var}`, `:p`): only partly known. */
  dynamic?: boolean;
}

export interface SqlColumnSource {
  table?: string;
  column: string;
  /** When the column's table could not be decided: the tables it may come from. */
  candidates?: string[];
}

export interface SqlColumn {
  name: string;
  sources: SqlColumnSource[];
  start: number;
  end: number;
  note?: string;
}

export interface SqlStatement {
  start: number;
  end: number;
  /** SELECT, INSERT INTO, CREATE TABLE, MERGE INTO, … */
  verb: string;
  reads: SqlTableRef[];
  writes: SqlTableRef[];
  /** Lineage of the statement's output columns (the query's select list, mapped onto the target's columns). */
  columns: SqlColumn[];
  /** Columns declared by DDL (`CREATE TABLE t (a INT, …)`) or by an INSERT column list. */
  defines?: { table: string; columns: string[] };
  /** Empty when the statement was fully understood; otherwise why not. */
  partial: string[];
}

export interface ExtractOptions {
  names?: NameDefaults;
  /** Known columns of a (normalised) table, for `*` expansion and unqualified columns. */
  schemaOf?: (table: string) => string[] | undefined;
}

const MAX_DEPTH = 120;

interface OutCol {
  name: string;
  sources: SqlColumnSource[];
  start: number;
  end: number;
  note?: string;
}

/** What a FROM item makes visible to the rest of its SELECT. */
interface Relation {
  alias?: string;
  /** Base table (normalised) when the item is a table. */
  table?: string;
  /** Output columns of a derived table / CTE / lateral view. */
  columns?: OutCol[];
}

type Scope = Map<string, OutCol[] | 'pending'>;

export function extractSql(text: string, opts: ExtractOptions = {}): SqlStatement[] {
  const tokens = tokenize(text);
  const out: SqlStatement[] = [];
  const names = { ...DEFAULT_NAMES, ...opts.names };
  let session: string | undefined;
  let from = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && tokens[i].kind !== 'semi') continue;
    if (i > from) {
      const p = new StatementReader(tokens, from, i, names, opts.schemaOf, session);
      const st = p.read();
      if (p.useSchema) session = p.useSchema;
      if (st) out.push(st);
    }
    from = i + 1;
  }
  return out;
}

class StatementReader {
  private pos: number;
  private readonly reads: SqlTableRef[] = [];
  private readonly writes: SqlTableRef[] = [];
  private readonly partial = new Set<string>();
  private readonly scopes: Scope[] = [];
  /** Indexes of FROM/JOIN keywords whose relation the structured pass handled. */
  private readonly handled = new Set<number>();
  private depth = 0;
  useSchema?: string;

  constructor(
    private readonly t: Token[],
    private readonly from: number,
    private end: number,
    private readonly names: NameDefaults,
    private readonly schemaOf?: (table: string) => string[] | undefined,
    /** Schema set by an earlier `USE s` in the same text: unqualified names live there. */
    private readonly session?: string,
  ) {
    this.pos = from;
  }

  read(): SqlStatement | undefined {
    if (this.from >= this.end) return undefined;
    // Nothing but template placeholders (a dbt model that is one macro call): no SQL to read here.
    if (this.t.slice(this.from, this.end).every((t) => t.kind === 'word' && /^__dbt/.test(t.text))) return undefined;
    let verb = 'STATEMENT';
    let columns: OutCol[] = [];
    let defines: SqlStatement['defines'];
    try {
      const r = this.statement();
      verb = r.verb;
      columns = r.columns;
      defines = r.defines;
    } catch (e) {
      // A bug here must not cost the file its lineage: keep what was found, say so.
      this.partial.add(`extractor error: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.safetyNet();
    const dedupe = (refs: SqlTableRef[]) => {
      const seen = new Set<number>();
      return refs.filter((r) => (seen.has(r.start) ? false : (seen.add(r.start), true))).sort((a, b) => a.start - b.start);
    };
    return {
      start: this.t[this.from].start,
      end: this.t[this.end - 1].end,
      verb,
      reads: dedupe(this.reads),
      writes: dedupe(this.writes),
      columns: columns.map(({ name, sources, start, end, note }) => ({ name, sources, start, end, ...(note ? { note } : {}) })),
      ...(defines ? { defines } : {}),
      partial: [...this.partial],
    };
  }

  // ── token helpers ────────────────────────────────────────────────────────────────────────────────

  private peek(k = 0): Token | undefined {
    const i = this.pos + k;
    return i < this.end ? this.t[i] : undefined;
  }
  private isWord(k: number, ...words: string[]): boolean {
    const tok = this.peek(k);
    return !!tok && tok.kind === 'word' && words.includes(tok.upper);
  }
  private accept(...words: string[]): boolean {
    if (this.isWord(0, ...words)) { this.pos++; return true; }
    return false;
  }
  private atEnd(): boolean {
    return this.pos >= this.end;
  }
  /** From a `(`: moves past its matching `)` (or to the statement end). */
  private skipParens(): void {
    let depth = 0;
    while (!this.atEnd()) {
      const k = this.t[this.pos++].kind;
      if (k === 'lparen') depth++;
      else if (k === 'rparen' && --depth <= 0) return;
    }
  }
  private startsQuery(k = 0): boolean {
    if (this.isWord(k, 'SELECT', 'WITH', 'VALUES', 'FROM', 'TABLE')) return true;
    return this.peek(k)?.kind === 'lparen' && this.startsQuery(k + 1);
  }

  // ── statements ───────────────────────────────────────────────────────────────────────────────────

  private statement(): { verb: string; columns: OutCol[]; defines?: SqlStatement['defines'] } {
    // Template expressions standing where a statement starts (dbt macro calls, `{{ config(…) }}`) carry no SQL.
    while (this.peek()?.kind === 'word' && /^__dbt/.test(this.peek()!.text) && this.pos + 1 < this.end) this.pos++;
    const first = this.peek();
    if (!first) return { verb: 'STATEMENT', columns: [] };
    const w = first.kind === 'word' ? first.upper : '';
    if (w === 'WITH' && !this.startsQueryAfterWith()) {
      // WITH … INSERT/MERGE (Spark, T-SQL): the CTEs scope the whole statement.
      this.pos++;
      this.accept('RECURSIVE');
      const scope = this.ctes();
      this.scopes.push(scope);
      const r = this.statement();
      this.scopes.pop();
      return r;
    }
    if (w === 'SELECT' || w === 'WITH' || w === 'VALUES' || w === 'TABLE' || first.kind === 'lparen') {
      return { verb: 'SELECT', columns: this.query() };
    }
    if (w === 'FROM') return { verb: 'SELECT', columns: this.query() };
    if (w === 'INSERT' || w === 'UPSERT' || w === 'REPLACE') return this.insert();
    if (w === 'CREATE') return this.create();
    if (w === 'MERGE') return this.merge();
    if (w === 'UPDATE') return this.update();
    if (w === 'DELETE') return this.del();
    if (w === 'COPY') return this.copy();
    if (w === 'LOAD') return this.load();
    if (w === 'CACHE') return this.cache();
    if (w === 'EXPLAIN') {
      this.pos++;
      while (this.isWord(0, 'EXTENDED', 'FORMATTED', 'CODEGEN', 'COST', 'ANALYZE', 'VERBOSE', 'LOGICAL', 'PLAN')) this.pos++;
      return this.statement();
    }
    if (w === 'USE') {
      this.pos++;
      this.accept('DATABASE', 'SCHEMA', 'CATALOG', 'NAMESPACE');
      const n = this.name();
      if (n && !n.dynamic) this.useSchema = n.parts[n.parts.length - 1].toLowerCase();
      return { verb: 'USE', columns: [] };
    }
    if (['DROP', 'ALTER', 'TRUNCATE', 'SET', 'RESET', 'SHOW', 'DESCRIBE', 'DESC', 'GRANT', 'REVOKE', 'ANALYZE', 'REFRESH',
      'MSCK', 'COMMENT', 'BEGIN', 'COMMIT', 'ROLLBACK', 'CALL', 'EXECUTE', 'DECLARE', 'UNCACHE', 'CLEAR', 'ADD', 'LIST',
      'OPTIMIZE', 'VACUUM', 'PUT', 'GET', 'REMOVE'].includes(w)) {
      return { verb: w, columns: [] };
    }
    this.partial.add(`statement not understood (starts with '${first.text.slice(0, 40)}'): tables found by token scan only`);
    return { verb: 'STATEMENT', columns: [] };
  }

  private startsQueryAfterWith(): boolean {
    // Skip the CTE list: name [(cols)] AS [NOT] [MATERIALIZED] (…), … and look at what follows.
    let i = this.pos + 1;
    if (this.t[i]?.upper === 'RECURSIVE') i++;
    for (let guard = 0; i < this.end && guard < 10_000; guard++) {
      i++; // name
      if (this.t[i]?.kind === 'lparen') i = this.matchParen(i);
      if (this.t[i]?.upper === 'AS') i++;
      while (this.t[i]?.upper === 'NOT' || this.t[i]?.upper === 'MATERIALIZED') i++;
      if (this.t[i]?.kind !== 'lparen') return true;
      i = this.matchParen(i);
      if (this.t[i]?.kind === 'comma') { i++; continue; }
      break;
    }
    const next = this.t[i];
    return !(next && next.kind === 'word' && ['INSERT', 'MERGE', 'UPDATE', 'DELETE', 'CREATE'].includes(next.upper));
  }

  /** Index after the `)` matching the `(` at i. */
  private matchParen(i: number): number {
    let depth = 0;
    for (; i < this.end; i++) {
      if (this.t[i].kind === 'lparen') depth++;
      else if (this.t[i].kind === 'rparen' && --depth === 0) return i + 1;
    }
    return this.end;
  }

  private insert() {
    const verbTok = this.t[this.pos++];
    let verb = verbTok.upper === 'INSERT' ? 'INSERT INTO' : verbTok.upper;
    if (this.accept('OVERWRITE')) verb = 'INSERT OVERWRITE';
    this.accept('INTO');
    if (this.isWord(0, 'LOCAL', 'DIRECTORY')) {
      this.accept('LOCAL');
      this.accept('DIRECTORY');
      const p = this.peek();
      if (p?.kind === 'string') { this.writes.push(this.fileRef(p)); this.pos++; }
      this.skipUntilQuery();
      return { verb: 'INSERT OVERWRITE DIRECTORY', columns: this.query() };
    }
    this.accept('TABLE');
    const target = this.tableRef('write');
    const targetCols: string[] = [];
    for (;;) {
      if (this.isWord(0, 'PARTITION')) { this.pos++; if (this.peek()?.kind === 'lparen') this.skipParens(); continue; }
      if (this.isWord(0, 'IF') && this.isWord(1, 'NOT')) { this.pos += 3; continue; }
      if (this.peek()?.kind === 'lparen' && !this.startsQuery(1)) {
        const close = this.matchParen(this.pos);
        for (let i = this.pos + 1; i < close - 1; i++) if (this.t[i].kind === 'word' || this.t[i].kind === 'quoted') {
          if (this.t[i + 1]?.kind !== 'dot') targetCols.push(identOf(this.t[i]).toLowerCase());
        }
        this.pos = close;
        continue;
      }
      if (this.isWord(0, 'BY', 'NAME')) { this.pos++; continue; }
      break;
    }
    const cols = this.startsQuery() ? this.query() : [];
    if (!this.atEnd() && this.peek()?.kind !== 'semi') this.expr(new Set(), []);
    const columns = targetCols.length ? cols.map((c, i) => ({ ...c, name: targetCols[i] ?? c.name })) : cols;
    return { verb: target ? `${verb}` : verb, columns, ...(target && targetCols.length ? { defines: { table: target.name, columns: targetCols } } : {}) };
  }

  private create() {
    this.pos++;
    let kind = '';
    while (!this.atEnd()) {
      if (this.isWord(0, 'TABLE', 'VIEW')) { kind = this.t[this.pos++].upper; break; }
      if (this.isWord(0, 'FUNCTION', 'SCHEMA', 'DATABASE', 'INDEX', 'CATALOG', 'ROLE', 'USER', 'MACRO', 'PROCEDURE', 'STAGE', 'SEQUENCE', 'TYPE')) {
        return { verb: `CREATE ${this.t[this.pos].upper}`, columns: [] };
      }
      this.pos++; // OR REPLACE, TEMP, TEMPORARY, GLOBAL, EXTERNAL, TRANSIENT, MATERIALIZED, LIVE, STREAMING, …
    }
    if (!kind) return { verb: 'CREATE', columns: [] };
    if (this.isWord(0, 'IF') && this.isWord(1, 'NOT')) this.pos += 3;
    const target = this.tableRef('write');
    let declared: string[] = [];
    if (this.peek()?.kind === 'lparen' && !this.startsQuery(1)) declared = this.columnDefs();
    if (this.isWord(0, 'LIKE', 'CLONE')) { this.pos++; this.tableRef('read'); }
    // Skip USING fmt, OPTIONS (…), PARTITIONED BY (…), LOCATION '…', TBLPROPERTIES (…), COMMENT '…' up to AS/query.
    while (!this.atEnd() && !this.startsQuery() && !this.isWord(0, 'AS')) {
      if (this.isWord(0, 'LOCATION') && this.peek(1)?.kind === 'string') {
        this.writes.push(this.fileRef(this.peek(1)!));
        this.pos += 2;
        continue;
      }
      if (this.peek()?.kind === 'lparen') this.skipParens();
      else this.pos++;
    }
    this.accept('AS');
    const cols = this.startsQuery() ? this.query() : [];
    const columns = declared.length && cols.length ? cols.map((c, i) => ({ ...c, name: declared[i] ?? c.name })) : cols;
    const defined = declared.length ? declared : cols.filter((c) => c.name !== '*').map((c) => c.name);
    return {
      verb: `CREATE ${kind}`,
      columns,
      ...(target && defined.length ? { defines: { table: target.name, columns: defined } } : {}),
    };
  }

  /** `(a INT, b STRING COMMENT '…', PRIMARY KEY (a))` → [a, b]. */
  private columnDefs(): string[] {
    const close = this.matchParen(this.pos);
    const cols: string[] = [];
    let expectName = true;
    let depth = 0;
    for (let i = this.pos + 1; i < close - 1; i++) {
      const tok = this.t[i];
      if (tok.kind === 'lparen') depth++;
      else if (tok.kind === 'rparen') depth--;
      else if (tok.kind === 'comma' && depth === 0) expectName = true;
      else if (expectName && depth === 0) {
        expectName = false;
        const up = tok.upper;
        if (['PRIMARY', 'CONSTRAINT', 'FOREIGN', 'UNIQUE', 'CHECK', 'KEY', 'INDEX'].includes(up)) continue;
        if (tok.kind === 'word' || tok.kind === 'quoted') cols.push(identOf(tok).toLowerCase());
      }
    }
    this.pos = close;
    return cols;
  }

  private merge() {
    this.pos++;
    this.accept('INTO');
    const target = this.tableRef('write');
    this.alias();
    const rels: Relation[] = target ? [{ table: target.name }] : [];
    if (this.accept('USING')) rels.push(...this.fromItem());
    this.expr(new Set(), rels);
    return { verb: 'MERGE INTO', columns: [] };
  }

  private update() {
    this.pos++;
    const target = this.tableRef('write');
    this.alias();
    const rels: Relation[] = target ? [{ table: target.name }] : [];
    this.expr(new Set(['FROM']), rels);
    if (this.isWord(0, 'FROM')) { this.handled.add(this.pos); this.pos++; rels.push(...this.fromList()); }
    this.expr(new Set(), rels);
    return { verb: 'UPDATE', columns: [] };
  }

  private del() {
    this.pos++;
    if (this.isWord(0, 'FROM')) this.handled.add(this.pos);
    this.accept('FROM');
    const target = this.tableRef('write');
    this.alias();
    const rels: Relation[] = target ? [{ table: target.name }] : [];
    if (this.accept('USING')) rels.push(...this.fromList());
    this.expr(new Set(), rels);
    return { verb: 'DELETE FROM', columns: [] };
  }

  private copy() {
    this.pos++;
    this.accept('INTO');
    const p = this.peek();
    if (p?.kind === 'string' || p?.kind === 'op') {
      // COPY INTO 'path' / @stage FROM table|(query): an unload.
      const start = this.pos;
      while (!this.atEnd() && !this.isWord(0, 'FROM')) this.pos++;
      const s = this.t[start];
      this.writes.push(s.kind === 'string' ? this.fileRef(s) : this.stageRef(start, this.pos));
      if (this.isWord(0, 'FROM')) { this.handled.add(this.pos); this.pos++; }
      if (this.peek()?.kind === 'lparen') { this.pos++; this.query(); } else this.tableRef('read');
      return { verb: 'COPY INTO', columns: [] };
    }
    this.tableRef('write');
    if (this.peek()?.kind === 'lparen' && !this.startsQuery(1)) this.skipParens();
    if (this.isWord(0, 'FROM')) {
      this.handled.add(this.pos);
      this.pos++;
      const s = this.peek();
      if (s?.kind === 'string') this.reads.push(this.fileRef(s));
      else if (s?.kind === 'op' && s.text === '@') {
        const start = this.pos;
        while (!this.atEnd() && !this.isWord(0, 'FILE_FORMAT', 'FILES', 'PATTERN', 'ON_ERROR') && this.peek()?.kind !== 'lparen') this.pos++;
        this.reads.push(this.stageRef(start, this.pos));
      } else if (s?.kind === 'lparen') { this.pos++; this.query(); }
    }
    return { verb: 'COPY INTO', columns: [] };
  }

  private load() {
    this.pos++;
    this.accept('DATA');
    this.accept('LOCAL');
    this.accept('INPATH');
    const p = this.peek();
    if (p?.kind === 'string') { this.reads.push(this.fileRef(p)); this.pos++; }
    this.accept('OVERWRITE');
    this.accept('INTO');
    this.accept('TABLE');
    this.tableRef('write');
    return { verb: 'LOAD DATA', columns: [] };
  }

  private cache() {
    this.pos++;
    this.accept('LAZY');
    this.accept('TABLE');
    const target = this.tableRef('write');
    if (this.isWord(0, 'OPTIONS')) { this.pos++; if (this.peek()?.kind === 'lparen') this.skipParens(); }
    this.accept('AS');
    const columns = this.startsQuery() ? this.query() : [];
    if (!target) return { verb: 'CACHE TABLE', columns };
    return { verb: 'CACHE TABLE', columns };
  }

  private skipUntilQuery(): void {
    while (!this.atEnd() && !this.startsQuery()) {
      if (this.peek()?.kind === 'lparen') this.skipParens();
      else this.pos++;
    }
  }

  // ── queries ──────────────────────────────────────────────────────────────────────────────────────

  /** WITH … set-expression [ORDER BY …] [LIMIT …]; returns the output columns. */
  private query(): OutCol[] {
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

  /** Moves to the `)` closing the current level (or the end), without consuming it. */
  private skipToCloser(): void {
    while (!this.atEnd() && this.peek()!.kind !== 'rparen') {
      if (this.peek()!.kind === 'lparen') this.skipParens();
      else this.pos++;
    }
  }

  private ctes(recursive = false): Scope {
    const scope: Scope = new Map();
    this.scopes.push(scope);
    while (!this.atEnd()) {
      const nameTok = this.peek();
      if (!nameTok || (nameTok.kind !== 'word' && nameTok.kind !== 'quoted')) break;
      const name = identOf(nameTok).toLowerCase();
      this.pos++;
      let declared: string[] = [];
      if (this.peek()?.kind === 'lparen') {
        const close = this.matchParen(this.pos);
        for (let i = this.pos + 1; i < close - 1; i++) if (this.t[i].kind === 'word' || this.t[i].kind === 'quoted') declared.push(identOf(this.t[i]).toLowerCase());
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

  /** After a query that stopped early inside parens: move past the closing `)`. */
  private skipParensRemainder(): void {
    let depth = 1;
    while (!this.atEnd()) {
      const k = this.t[this.pos++].kind;
      if (k === 'lparen') depth++;
      else if (k === 'rparen' && --depth === 0) return;
    }
  }

  private setExpr(): OutCol[] {
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

  private queryTerm(): OutCol[] {
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
  private fromFirst(): OutCol[] {
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
        if (this.isWord(0, 'PARTITION')) { this.pos++; if (this.peek()?.kind === 'lparen') this.skipParens(); }
      } else if (this.isWord(0, 'SELECT')) {
        cols = this.select(rels);
      } else this.pos++;
    }
    return cols;
  }

  private select(outerRels?: Relation[]): OutCol[] {
    this.pos++; // SELECT
    while (this.isWord(0, 'DISTINCT', 'ALL') || (this.isWord(0, 'TOP') && this.peek(1)?.kind === 'number')) {
      this.pos += this.isWord(0, 'TOP') ? 2 : 1;
    }
    if (this.isWord(0, 'ON') && this.peek(1)?.kind === 'lparen') { this.pos++; this.skipParens(); } // DISTINCT ON (…)
    // Select items: remember their token ranges; resolve them once the FROM clause is known.
    const items: Array<[number, number]> = [];
    let start = this.pos;
    let depth = 0;
    while (!this.atEnd()) {
      const tok = this.peek()!;
      if (tok.kind === 'lparen') depth++;
      else if (tok.kind === 'rparen') { if (depth === 0) break; depth--; }
      else if (depth === 0 && tok.kind === 'comma') { items.push([start, this.pos]); start = this.pos + 1; }
      else if (depth === 0 && tok.kind === 'word' && (['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS', 'WINDOW', 'QUALIFY', 'INTO', 'LATERAL', 'SORT', 'CLUSTER', 'DISTRIBUTE', 'INSERT'].includes(tok.upper))) {
        if (!(tok.upper === 'FROM' && this.t[this.pos - 1]?.upper === 'DISTINCT')) break;
      }
      this.pos++;
    }
    if (this.pos > start) items.push([start, this.pos]);
    const rels: Relation[] = [...(outerRels ?? [])];
    if (this.isWord(0, 'INTO')) { this.pos++; this.tableRef('write'); } // SELECT … INTO t (T-SQL)
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
    return out;
  }

  /** LATERAL VIEW [OUTER] f(args) alias [AS] c1, c2 */
  private lateralView(rels: Relation[]): Relation {
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
    if (a && (a.kind === 'word' || a.kind === 'quoted') && !CLAUSE_WORDS.has(a.upper)) { alias = identOf(a).toLowerCase(); this.pos++; }
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

  // ── FROM ─────────────────────────────────────────────────────────────────────────────────────────

  private fromList(): Relation[] {
    const rels: Relation[] = [];
    rels.push(...this.fromItem());
    for (let guard = 0; !this.atEnd() && guard < 100_000; guard++) {
      const tok = this.peek()!;
      if (tok.kind === 'comma') { this.pos++; rels.push(...this.fromItem()); continue; }
      if (tok.kind === 'word' && ['JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'OUTER', 'SEMI', 'ANTI', 'NATURAL', 'STRAIGHT_JOIN', 'POSITIONAL', 'ASOF', 'ANY', 'GLOBAL'].includes(tok.upper)) {
        let j = 0;
        while (this.peek(j)?.kind === 'word' && this.peek(j)!.upper !== 'JOIN' && this.peek(j)!.upper !== 'STRAIGHT_JOIN' && j < 5) j++;
        if (!this.isWord(j, 'JOIN', 'STRAIGHT_JOIN')) {
          if (this.isWord(0, 'CROSS', 'OUTER') && this.isWord(1, 'APPLY')) { this.pos += 2; rels.push(...this.fromItem()); continue; }
          break;
        }
        this.handled.add(this.pos + j);
        this.pos += j + 1;
        rels.push(...this.fromItem());
        if (this.isWord(0, 'ON')) { this.pos++; this.expr(new Set(['JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'SEMI', 'ANTI']), rels, true, undefined, true); }
        else if (this.isWord(0, 'USING') && this.peek(1)?.kind === 'lparen') { this.pos++; this.skipParens(); }
        continue;
      }
      if (this.isWord(0, 'LATERAL') && this.isWord(1, 'VIEW')) { rels.push(this.lateralView(rels)); continue; }
      if (this.isWord(0, 'PIVOT', 'UNPIVOT', 'MATCH_RECOGNIZE')) { this.pos++; this.skipModifiers(); if (this.peek()?.kind === 'lparen') this.skipParens(); this.alias(); continue; }
      break;
    }
    return rels;
  }

  /** One FROM item (a parenthesised join counts as one): what it makes visible, by alias. */
  private fromItem(): Relation[] {
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
        return [{ alias, columns: alias?.columns ? renameCols(cols, alias.columns) : cols }].map((r) => ({ alias: r.alias?.name, columns: r.columns }));
      }
      // ( t1 JOIN t2 … ) [alias]
      this.pos++;
      const inner = this.fromList();
      if (this.peek()?.kind === 'rparen') this.pos++;
      else this.skipParensRemainder();
      this.alias();
      return inner;
    }
    if (tok.kind === 'word' && (tok.upper === 'UNNEST' || tok.upper === 'TABLE' || tok.upper === 'FLATTEN') && this.peek(1)?.kind === 'lparen') {
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
      if (tok.kind !== 'rparen' && tok.kind !== 'comma' && !(tok.kind === 'word' && CLAUSE_WORDS.has(tok.upper))) this.pos++;
      return [];
    }
    return [rel];
  }

  /** A table, CTE or table function at the current position, with its alias. */
  private relationName(): Relation | undefined {
    const n = this.name();
    if (!n) return undefined;
    if (this.peek()?.kind === 'lparen') {
      // Table-valued function: range(10), read_parquet('x'), json_tuple… Its string arguments may be files.
      const close = this.matchParen(this.pos);
      const fn = n.parts[n.parts.length - 1].toUpperCase();
      if (/^READ_(PARQUET|CSV|JSON|CSV_AUTO|JSON_AUTO|DELTA)$/.test(fn) && this.t[this.pos + 1]?.kind === 'string') this.reads.push(this.fileRef(this.t[this.pos + 1]));
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
      return { alias: a.name, columns: a.columns.map((c) => ({ name: c, sources: [{ table, column: c }], start: n.start, end: n.end })) };
    }
    return { alias: a?.name ?? short, table };
  }

  /** Table modifiers that carry no lineage: TABLESAMPLE (…), FOR SYSTEM_TIME AS OF …, VERSION AS OF n, WITH (NOLOCK), FINAL, @v. */
  private skipModifiers(): void {
    for (let guard = 0; guard < 20; guard++) {
      if (this.isWord(0, 'TABLESAMPLE') && this.peek(1)?.kind === 'lparen') { this.pos++; this.skipParens(); continue; }
      if (this.isWord(0, 'TIMESTAMP', 'VERSION', 'FOR') && (this.isWord(1, 'AS') || this.isWord(1, 'SYSTEM_TIME', 'SYSTEM_VERSION', 'TIMESTAMP', 'VERSION'))) {
        while (!this.atEnd() && !this.isWord(0, 'OF')) this.pos++;
        this.pos++;
        if (this.peek()) this.pos++;
        continue;
      }
      if (this.isWord(0, 'WITH') && this.peek(1)?.kind === 'lparen' && !this.startsQuery(2)) { this.pos++; this.skipParens(); continue; }
      if (this.isWord(0, 'FINAL')) { this.pos++; continue; }
      break;
    }
  }

  /** [AS] alias [(c1, c2)] — undefined when the next token cannot be an alias. */
  private alias(): { name: string; columns?: string[] } | undefined {
    const hadAs = this.accept('AS');
    const tok = this.peek();
    if (!tok || (tok.kind !== 'word' && tok.kind !== 'quoted')) return undefined;
    if (tok.kind === 'word' && !hadAs && (CLAUSE_WORDS.has(tok.upper) || tok.upper === 'TABLESAMPLE')) return undefined;
    this.pos++;
    const name = identOf(tok).toLowerCase();
    if (this.peek()?.kind === 'lparen' && !this.startsQuery(1)) {
      const close = this.matchParen(this.pos);
      const columns: string[] = [];
      for (let i = this.pos + 1; i < close - 1; i++) if (this.t[i].kind === 'word' || this.t[i].kind === 'quoted') columns.push(identOf(this.t[i]).toLowerCase());
      this.pos = close;
      return { name, columns };
    }
    return { name };
  }

  private lookupCte(name: string): OutCol[] | 'pending' | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const hit = this.scopes[i].get(name);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** A dotted name: word/quoted/param parts joined by dots. */
  private name(): { parts: string[]; start: number; end: number; dynamic: boolean; raw: string } | undefined {
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
      if (this.peek()?.kind === 'dot' && this.peek(1) && ['word', 'quoted', 'param'].includes(this.peek(1)!.kind)) { this.pos++; continue; }
      break;
    }
    return { parts, start, end, dynamic, raw: '' };
  }

  private refFromName(n: { parts: string[]; start: number; end: number; dynamic: boolean }): SqlTableRef {
    const raw = this.rawText(n.start, n.end);
    const last = n.parts[n.parts.length - 1];
    // Spark: parquet.`/data/x` reads files directly.
    if (n.parts.length === 2 && FILE_FORMATS.has(n.parts[0].toLowerCase()) && /[/:]/.test(last)) {
      return { name: last, raw, kind: 'file', start: n.start, end: n.end, ...(n.dynamic ? { dynamic: true } : {}) };
    }
    const parts = n.parts.length === 1 && this.session ? [this.session, ...n.parts] : n.parts;
    return { name: normalizeParts(parts, this.names), raw, kind: 'table', start: n.start, end: n.end, ...(n.dynamic ? { dynamic: true } : {}) };
  }

  private rawText(start: number, end: number): string {
    let s = '';
    for (let i = this.from; i < this.end; i++) {
      const tok = this.t[i];
      if (tok.start >= end) break;
      if (tok.start >= start) s += tok.text;
    }
    return s;
  }

  private tableRef(mode: 'read' | 'write'): SqlTableRef | undefined {
    const n = this.name();
    if (!n) return undefined;
    const ref = this.refFromName(n);
    (mode === 'read' ? this.reads : this.writes).push(ref);
    return ref;
  }

  private fileRef(tok: Token): SqlTableRef {
    const value = stringValue(tok);
    return { name: value, raw: tok.text, kind: 'file', start: tok.start, end: tok.end, ...(/\{|\$\{/.test(value) ? { dynamic: true } : {}) };
  }

  private stageRef(from: number, to: number): SqlTableRef {
    const a = this.t[from];
    const b = this.t[Math.max(from, to - 1)];
    const raw = this.rawText(a.start, b.end);
    return { name: raw, raw, kind: 'file', start: a.start, end: b.end };
  }

  // ── expressions ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Scans an expression region (to a depth-0 stop word, `)` closing the region, or the statement end),
   * reading every subquery in it and collecting column references into `refs` when given.
   * `clauses`: also run through WHERE/GROUP BY/… keywords (the tail of a SELECT).
   */
  private expr(stop: Set<string>, rels: Relation[], clauses = false, refs?: SqlColumnSource[], stopAtJoin = false): void {
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
      } else if (tok.kind === 'word' && depth === 0 && (stop.has(tok.upper) || (stopAtJoin && (tok.upper === 'WHERE' || tok.upper === 'GROUP' || tok.upper === 'ORDER' || tok.upper === 'LIMIT' || tok.upper === 'HAVING' || tok.upper === 'UNION' || tok.upper === 'WINDOW' || tok.upper === 'QUALIFY' || tok.upper === 'LATERAL' || tok.upper === 'PIVOT' || tok.upper === 'UNPIVOT' || tok.upper === 'EXCEPT' || tok.upper === 'INTERSECT' || tok.upper === 'MINUS')))) {
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
  private columnChain(prev: Token | undefined): string[] | undefined {
    const tok = this.peek()!;
    if (tok.kind === 'word' && (EXPR_KEYWORDS.has(tok.upper))) return undefined;
    if (prev && prev.kind === 'dot') return undefined;
    if (prev && prev.kind === 'word' && (prev.upper === 'AS' || prev.upper === 'INTERVAL')) { return undefined; }
    if (prev && prev.kind === 'op' && prev.text === '::') return undefined;
    if (tok.kind === 'word' && TYPE_WORDS.has(tok.upper) && prev?.kind === 'word' && prev.upper === 'AS') return undefined;
    const parts: string[] = [identOf(tok)];
    let i = this.pos + 1;
    while (this.t[i]?.kind === 'dot' && i + 1 < this.end && (this.t[i + 1].kind === 'word' || this.t[i + 1].kind === 'quoted' || (this.t[i + 1].kind === 'op' && this.t[i + 1].text === '*'))) {
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

  private selectItem(a: number, b: number, rels: Relation[]): OutCol[] {
    if (b <= a) return [];
    const first = this.t[a];
    const last = this.t[b - 1];
    // `*` and `t.*`
    if (b - a === 1 && first.kind === 'op' && first.text === '*') return this.star(undefined, rels, first);
    if (b - a === 3 && last.kind === 'op' && last.text === '*' && this.t[a + 1].kind === 'dot') return this.star(identOf(first).toLowerCase(), rels, first, last);
    // Alias: `expr AS x`, or `expr x` where x follows something that ends an expression.
    let alias: string | undefined;
    let exprEnd = b;
    if (b - a >= 2 && (last.kind === 'word' || last.kind === 'quoted') && !(last.kind === 'word' && EXPR_KEYWORDS.has(last.upper) && this.t[b - 2].upper !== 'AS')) {
      const before = this.t[b - 2];
      if (before.kind === 'word' && before.upper === 'AS') { alias = identOf(last); exprEnd = b - 2; }
      else if (before.kind !== 'dot' && before.kind !== 'op' && !(before.kind === 'word' && EXPR_KEYWORDS.has(before.upper) && before.upper !== 'END')) { alias = identOf(last); exprEnd = b - 1; }
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
      const single = exprEnd - a === 1 || (exprEnd - a >= 3 && this.t.slice(a, exprEnd).every((t, i) => (i % 2 === 1 ? t.kind === 'dot' : t.kind === 'word' || t.kind === 'quoted')));
      name = single ? identOf(this.t[exprEnd - 1]).toLowerCase() : this.rawText(first.start, this.t[exprEnd - 1].end).replace(/\s+/g, ' ').slice(0, 80);
    }
    return [{ name, sources: dedupeSources(refs), start: first.start, end: last.end }];
  }

  private star(qualifier: string | undefined, rels: Relation[], first: Token, last: Token = first): OutCol[] {
    const out: OutCol[] = [];
    const targets = qualifier ? rels.filter((r) => r.alias === qualifier || (r.table && r.table.split('.').pop() === qualifier)) : rels;
    for (const r of targets) {
      if (r.columns) {
        out.push(...r.columns.map((c) => ({ ...c, start: first.start, end: last.end })));
        continue;
      }
      if (!r.table) continue;
      const known = this.schemaOf?.(r.table);
      if (known?.length) out.push(...known.map((c) => ({ name: c, sources: [{ table: r.table, column: c }], start: first.start, end: last.end })));
      else out.push({ name: '*', sources: [{ table: r.table, column: '*' }], start: first.start, end: last.end, note: `* kept: columns of ${r.table} unknown` });
    }
    if (!targets.length) out.push({ name: '*', sources: [], start: first.start, end: last.end, note: qualifier ? `* kept: ${qualifier} not found in FROM` : '* kept: no FROM' });
    return out;
  }

  // ── safety net ───────────────────────────────────────────────────────────────────────────────────

  /** Any FROM/JOIN the structured pass skipped (inside something it did not understand): read its name. */
  private safetyNet(): void {
    const known = new Set(this.reads.map((r) => r.start).concat(this.writes.map((r) => r.start)));
    const parenFn: string[] = [];
    for (let i = this.from; i < this.end; i++) {
      const tok = this.t[i];
      if (tok.kind === 'lparen') { parenFn.push(this.t[i - 1]?.upper ?? ''); continue; }
      if (tok.kind === 'rparen') { parenFn.pop(); continue; }
      if (tok.kind !== 'word' || (tok.upper !== 'FROM' && tok.upper !== 'JOIN') || this.handled.has(i)) continue;
      if (FROM_ARG_FUNCTIONS.has(parenFn[parenFn.length - 1] ?? '')) continue;
      if (tok.upper === 'FROM' && this.t[i - 1]?.upper === 'DISTINCT') continue;
      const next = this.t[i + 1];
      if (!next || i + 1 >= this.end || !(next.kind === 'word' || next.kind === 'quoted' || next.kind === 'param')) continue;
      if (next.kind === 'word' && CLAUSE_WORDS.has(next.upper)) continue;
      const save = this.pos;
      this.pos = i + 1;
      const n = this.name();
      const isCall = this.peek()?.kind === 'lparen';
      this.pos = save;
      if (!n || isCall || known.has(n.start)) continue;
      if (n.parts.length === 1 && this.anyCteNamed(n.parts[0].toLowerCase())) continue;
      this.reads.push(this.refFromName(n));
      known.add(n.start);
      this.partial.add('some relations were found by token scan (syntax not fully understood)');
    }
  }

  /** CTE names defined anywhere in this statement (the safety net has no scope information). */
  private anyCteNamed(name: string): boolean {
    for (let i = this.from; i + 2 < this.end; i++) {
      const t = this.t[i];
      if ((t.kind === 'word' || t.kind === 'quoted') && identOf(t).toLowerCase() === name) {
        const nx = this.t[i + 1];
        if (nx.upper === 'AS' && this.t[i + 2].kind === 'lparen') return true;
        if (nx.kind === 'lparen' && (this.t[i - 1]?.upper === 'WITH' || this.t[i - 1]?.kind === 'comma')) return true;
      }
    }
    return false;
  }
}

function renameCols(cols: OutCol[], names: string[]): OutCol[] {
  return cols.map((c, i) => ({ ...c, name: names[i] ?? c.name }));
}

function sourceKey(s: SqlColumnSource): string {
  return `${s.table ?? '?'}\u0000${s.column}\u0000${s.candidates?.join(',') ?? ''}`;
}

function dedupeSources(sources: SqlColumnSource[]): SqlColumnSource[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const k = sourceKey(s);
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

function mergeSources(a: SqlColumnSource[], b: SqlColumnSource[]): SqlColumnSource[] {
  return dedupeSources([...a, ...b]);
}

/** Resolves `c`, `t.c`, `s.t.c` against the FROM items of the SELECT it appears in. */
function resolveColumn(chain: string[], rels: Relation[], schemaOf?: (t: string) => string[] | undefined): SqlColumnSource[] {
  const col = chain[chain.length - 1];
  if (chain.length >= 2) {
    const q = chain[chain.length - 2];
    const rel = rels.find((r) => r.alias === q) ?? rels.find((r) => r.table !== undefined && r.table.split('.').pop() === q);
    if (rel) return fromRelation(rel, col) ?? [{ column: col }];
    // Not a qualifier: a struct field access (col.field); resolve the first part as the column.
    return resolveColumn([chain[0]], rels, schemaOf);
  }
  if (rels.length === 1) return fromRelation(rels[0], col) ?? [{ column: col }];
  const sure: SqlColumnSource[][] = [];
  const maybe: Relation[] = [];
  for (const r of rels) {
    if (r.columns) {
      const hit = fromRelation(r, col);
      if (hit) sure.push(hit);
      else if (r.columns.some((c) => c.name === '*')) maybe.push(r);
    } else if (r.table) {
      const known = schemaOf?.(r.table);
      if (known) { if (known.includes(col)) sure.push([{ table: r.table, column: col }]); }
      else maybe.push(r);
    }
  }
  if (sure.length === 1) return sure[0];
  if (sure.length === 0 && maybe.length === 1 && maybe[0].table) return [{ table: maybe[0].table, column: col }];
  const candidates = [...new Set([...sure.flat().map((s) => s.table), ...maybe.map((m) => m.table ?? m.alias)].filter((x): x is string => !!x))];
  return [{ column: col, ...(candidates.length ? { candidates } : {}) }];
}

function fromRelation(rel: Relation, col: string): SqlColumnSource[] | undefined {
  if (rel.columns) {
    const hit = rel.columns.find((c) => c.name === col);
    if (hit) return hit.sources;
    const star = rel.columns.find((c) => c.name === '*' && c.sources.length === 1 && c.sources[0].table);
    if (star) return [{ table: star.sources[0].table, column: col }];
    return undefined;
  }
  if (rel.table) return [{ table: rel.table, column: col }];
  return undefined;
}
