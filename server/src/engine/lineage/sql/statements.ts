/**
 * The statement half of the SQL reader: what a statement writes (INSERT, CREATE … AS, MERGE, UPDATE, DELETE,
 * COPY, LOAD, CACHE), USE, EXPLAIN, and the token-level safety net that picks up any FROM/JOIN relation the
 * structured pass did not reach, marking the statement partial.
 */
import { CLAUSE_WORDS, FROM_ARG_FUNCTIONS } from '../../sql/keywords';
import { identOf, type SqlToken as Token } from '../../sql/tokens';
import type { OutCol, Relation } from './columns';
import type { SqlStatement, SqlTableRef } from './extract';
import { QueryReader } from './queries';

export class StatementReader extends QueryReader {
  useSchema?: string;

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
      // A bug here must not cost the file its lineage: keep what was found, say so. Thousands of nested
      // parentheses or subqueries exhaust the recursive reader's stack: that is the input's shape, said plainly.
      this.partial.add(
        e instanceof RangeError && /call stack/i.test(e.message)
          ? 'nested too deeply to read fully (thousands of parentheses or subqueries)'
          : `extractor error: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    this.safetyNet();
    const dedupe = (refs: SqlTableRef[]) => {
      const seen = new Set<number>();
      return refs
        .filter((r) => (seen.has(r.start) ? false : (seen.add(r.start), true)))
        .sort((a, b) => a.start - b.start);
    };
    return {
      start: this.t[this.from].start,
      end: this.t[this.end - 1].end,
      verb,
      reads: dedupe(this.reads),
      writes: dedupe(this.writes),
      columns: columns.map(plain),
      innerColumns: this.selectColumns
        .filter((c, i, all) => all.findIndex((x) => x.start === c.start && x.end === c.end && x.name === c.name) === i)
        .map(plain),
      ...(defines ? { defines } : {}),
      partial: [...this.partial],
    };
  }

  protected statement(): { verb: string; columns: OutCol[]; defines?: SqlStatement['defines'] } {
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
      while (this.isWord(0, 'EXTENDED', 'FORMATTED', 'CODEGEN', 'COST', 'ANALYZE', 'VERBOSE', 'LOGICAL', 'PLAN'))
        this.pos++;
      return this.statement();
    }
    if (w === 'USE') {
      this.pos++;
      this.accept('DATABASE', 'SCHEMA', 'CATALOG', 'NAMESPACE');
      const n = this.name();
      if (n && !n.dynamic) this.useSchema = n.parts[n.parts.length - 1].toLowerCase();
      return { verb: 'USE', columns: [] };
    }
    if (
      [
        'DROP',
        'ALTER',
        'TRUNCATE',
        'SET',
        'RESET',
        'SHOW',
        'DESCRIBE',
        'DESC',
        'GRANT',
        'REVOKE',
        'ANALYZE',
        'REFRESH',
        'MSCK',
        'COMMENT',
        'BEGIN',
        'COMMIT',
        'ROLLBACK',
        'CALL',
        'EXECUTE',
        'DECLARE',
        'UNCACHE',
        'CLEAR',
        'ADD',
        'LIST',
        'OPTIMIZE',
        'VACUUM',
        'PUT',
        'GET',
        'REMOVE',
      ].includes(w)
    ) {
      return { verb: w, columns: [] };
    }
    this.partial.add(
      `statement not understood (starts with '${first.text.slice(0, 40)}'): tables found by token scan only`,
    );
    return { verb: 'STATEMENT', columns: [] };
  }

  protected startsQueryAfterWith(): boolean {
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
      if (this.t[i]?.kind === 'comma') {
        i++;
        continue;
      }
      break;
    }
    const next = this.t[i];
    return !(next && next.kind === 'word' && ['INSERT', 'MERGE', 'UPDATE', 'DELETE', 'CREATE'].includes(next.upper));
  }

  protected insert() {
    const verbTok = this.t[this.pos++];
    let verb = verbTok.upper === 'INSERT' ? 'INSERT INTO' : verbTok.upper;
    if (this.accept('OVERWRITE')) verb = 'INSERT OVERWRITE';
    this.accept('INTO');
    if (this.isWord(0, 'LOCAL', 'DIRECTORY')) {
      this.accept('LOCAL');
      this.accept('DIRECTORY');
      const p = this.peek();
      if (p?.kind === 'string') {
        this.writes.push(this.fileRef(p));
        this.pos++;
      }
      this.skipUntilQuery();
      return { verb: 'INSERT OVERWRITE DIRECTORY', columns: this.query() };
    }
    this.accept('TABLE');
    const target = this.tableRef('write');
    const targetCols: string[] = [];
    for (;;) {
      if (this.isWord(0, 'PARTITION')) {
        this.pos++;
        if (this.peek()?.kind === 'lparen') this.skipParens();
        continue;
      }
      if (this.isWord(0, 'IF') && this.isWord(1, 'NOT')) {
        this.pos += 3;
        continue;
      }
      if (this.peek()?.kind === 'lparen' && !this.startsQuery(1)) {
        const close = this.matchParen(this.pos);
        for (let i = this.pos + 1; i < close - 1; i++)
          if (this.t[i].kind === 'word' || this.t[i].kind === 'quoted') {
            if (this.t[i + 1]?.kind !== 'dot') targetCols.push(identOf(this.t[i]).toLowerCase());
          }
        this.pos = close;
        continue;
      }
      if (this.isWord(0, 'BY', 'NAME')) {
        this.pos++;
        continue;
      }
      break;
    }
    const cols = this.startsQuery() ? this.query() : [];
    if (!this.atEnd() && this.peek()?.kind !== 'semi') this.expr(new Set(), []);
    const columns = targetCols.length ? cols.map((c, i) => ({ ...c, name: targetCols[i] ?? c.name })) : cols;
    return {
      verb,
      columns,
      ...(target && targetCols.length ? { defines: { table: target.name, columns: targetCols } } : {}),
    };
  }

  protected create() {
    this.pos++;
    let kind = '';
    while (!this.atEnd()) {
      if (this.isWord(0, 'TABLE', 'VIEW')) {
        kind = this.t[this.pos++].upper;
        break;
      }
      if (
        this.isWord(
          0,
          'FUNCTION',
          'SCHEMA',
          'DATABASE',
          'INDEX',
          'CATALOG',
          'ROLE',
          'USER',
          'MACRO',
          'PROCEDURE',
          'STAGE',
          'SEQUENCE',
          'TYPE',
        )
      ) {
        return { verb: `CREATE ${this.t[this.pos].upper}`, columns: [] };
      }
      this.pos++; // OR REPLACE, TEMP, TEMPORARY, GLOBAL, EXTERNAL, TRANSIENT, MATERIALIZED, LIVE, STREAMING, …
    }
    if (!kind) return { verb: 'CREATE', columns: [] };
    if (this.isWord(0, 'IF') && this.isWord(1, 'NOT')) this.pos += 3;
    const target = this.tableRef('write');
    let declared: string[] = [];
    if (this.peek()?.kind === 'lparen' && !this.startsQuery(1)) declared = this.columnDefs();
    if (this.isWord(0, 'LIKE', 'CLONE')) {
      this.pos++;
      this.tableRef('read');
    }
    // Skip USING fmt, OPTIONS (…), PARTITIONED BY (…), LOCATION '…', TBLPROPERTIES (…), COMMENT '…' up to AS/query.
    const locations: Token[] = [];
    while (!this.atEnd() && !this.startsQuery() && !this.isWord(0, 'AS')) {
      if (this.isWord(0, 'LOCATION') && this.peek(1)?.kind === 'string') {
        locations.push(this.peek(1)!);
        this.pos += 2;
        continue;
      }
      if (this.isWord(0, 'STORED') && this.isWord(1, 'AS')) {
        this.pos += 3;
        continue;
      } // Hive: STORED AS PARQUET
      if (this.isWord(0, 'OPTIONS') && this.peek(1)?.kind === 'lparen') {
        const close = this.matchParen(this.pos + 1);
        for (let i = this.pos + 2; i + 1 < close; i++)
          if (this.t[i].upper === 'PATH' && this.t[i + 1].kind === 'string') locations.push(this.t[i + 1]);
        this.pos = close;
        continue;
      }
      if (this.peek()?.kind === 'lparen') this.skipParens();
      else this.pos++;
    }
    this.accept('AS');
    const hasQuery = this.startsQuery();
    // With a query the table's files are written there; without one the table is defined over existing files.
    for (const l of locations) (hasQuery ? this.writes : this.reads).push(this.fileRef(l));
    const cols = hasQuery ? this.query() : [];
    const columns = declared.length && cols.length ? cols.map((c, i) => ({ ...c, name: declared[i] ?? c.name })) : cols;
    const defined = declared.length ? declared : cols.filter((c) => c.name !== '*').map((c) => c.name);
    return {
      verb: `CREATE ${kind}`,
      columns,
      ...(target && defined.length ? { defines: { table: target.name, columns: defined } } : {}),
    };
  }

  /** `(a INT, b STRING COMMENT '…', PRIMARY KEY (a))` → [a, b]. */
  protected columnDefs(): string[] {
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

  protected merge() {
    this.pos++;
    this.accept('INTO');
    const target = this.tableRef('write');
    this.alias();
    const rels: Relation[] = target ? [{ table: target.name }] : [];
    if (this.accept('USING')) rels.push(...this.fromItem());
    this.expr(new Set(), rels);
    return { verb: 'MERGE INTO', columns: [] };
  }

  protected update() {
    this.pos++;
    const target = this.tableRef('write');
    this.alias();
    const rels: Relation[] = target ? [{ table: target.name }] : [];
    this.expr(new Set(['FROM']), rels);
    if (this.isWord(0, 'FROM')) {
      this.handled.add(this.pos);
      this.pos++;
      rels.push(...this.fromList());
    }
    this.expr(new Set(), rels);
    return { verb: 'UPDATE', columns: [] };
  }

  protected del() {
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

  protected copy() {
    this.pos++;
    this.accept('INTO');
    const p = this.peek();
    if (p?.kind === 'string' || p?.kind === 'op') {
      // COPY INTO 'path' / @stage FROM table|(query): an unload.
      const start = this.pos;
      while (!this.atEnd() && !this.isWord(0, 'FROM')) this.pos++;
      const s = this.t[start];
      this.writes.push(s.kind === 'string' ? this.fileRef(s) : this.stageRef(start, this.pos));
      if (this.isWord(0, 'FROM')) {
        this.handled.add(this.pos);
        this.pos++;
      }
      if (this.peek()?.kind === 'lparen') {
        this.pos++;
        this.query();
      } else this.tableRef('read');
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
        while (
          !this.atEnd() &&
          !this.isWord(0, 'FILE_FORMAT', 'FILES', 'PATTERN', 'ON_ERROR') &&
          this.peek()?.kind !== 'lparen'
        )
          this.pos++;
        this.reads.push(this.stageRef(start, this.pos));
      } else if (s?.kind === 'lparen') {
        this.pos++;
        this.query();
      }
    }
    return { verb: 'COPY INTO', columns: [] };
  }

  protected load() {
    this.pos++;
    this.accept('DATA');
    this.accept('LOCAL');
    this.accept('INPATH');
    const p = this.peek();
    if (p?.kind === 'string') {
      this.reads.push(this.fileRef(p));
      this.pos++;
    }
    this.accept('OVERWRITE');
    this.accept('INTO');
    this.accept('TABLE');
    this.tableRef('write');
    return { verb: 'LOAD DATA', columns: [] };
  }

  protected cache() {
    this.pos++;
    this.accept('LAZY');
    this.accept('TABLE');
    this.tableRef('write');
    if (this.isWord(0, 'OPTIONS')) {
      this.pos++;
      if (this.peek()?.kind === 'lparen') this.skipParens();
    }
    this.accept('AS');
    return { verb: 'CACHE TABLE', columns: this.startsQuery() ? this.query() : [] };
  }

  protected skipUntilQuery(): void {
    while (!this.atEnd() && !this.startsQuery()) {
      if (this.peek()?.kind === 'lparen') this.skipParens();
      else this.pos++;
    }
  }

  /** Any FROM/JOIN the structured pass skipped (inside something it did not understand): read its name. */
  protected safetyNet(): void {
    const known = new Set(this.reads.map((r) => r.start).concat(this.writes.map((r) => r.start)));
    const parenFn: string[] = [];
    for (let i = this.from; i < this.end; i++) {
      const tok = this.t[i];
      if (tok.kind === 'lparen') {
        parenFn.push(this.t[i - 1]?.upper ?? '');
        continue;
      }
      if (tok.kind === 'rparen') {
        parenFn.pop();
        continue;
      }
      if (tok.kind !== 'word' || (tok.upper !== 'FROM' && tok.upper !== 'JOIN') || this.handled.has(i)) continue;
      if (FROM_ARG_FUNCTIONS.has(parenFn[parenFn.length - 1] ?? '')) continue;
      if (tok.upper === 'FROM' && this.t[i - 1]?.upper === 'DISTINCT') continue;
      const next = this.t[i + 1];
      if (!next || i + 1 >= this.end || !(next.kind === 'word' || next.kind === 'quoted' || next.kind === 'param'))
        continue;
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
  protected anyCteNamed(name: string): boolean {
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

function plain({ name, sources, start, end, note, star }: OutCol) {
  return { name, sources, start, end, ...(note ? { note } : {}), ...(star ? { star } : {}) };
}
