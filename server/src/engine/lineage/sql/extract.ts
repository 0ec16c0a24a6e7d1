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
import { DEFAULT_NAMES, type NameDefaults } from '../names';
import { LINEAGE, tokenizeSql } from '../../sql/tokens';
import { StatementReader } from './statements';

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
  /** Expanded from this table's `*` with the columns known then (read again when more become known). */
  star?: string;
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
  /** Every select item of the statement's SELECTs (CTEs and subqueries included), with its sources. */
  innerColumns: SqlColumn[];
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

export function extractSql(text: string, opts: ExtractOptions = {}): SqlStatement[] {
  const tokens = tokenizeSql(text, LINEAGE);
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
