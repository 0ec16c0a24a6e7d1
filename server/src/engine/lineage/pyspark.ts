/**
 * The Spark-and-SQL calls of Python code, for one call node at a time: spark.read…/spark.table (reads),
 * df.write… / writeTo / temp views (writes), spark.sql("…") and SQL handed to pandas, DB-API cursors or
 * Airflow hooks (parsed with the SQL extractor, offsets mapped back into the string), DeltaTable handles.
 */
import type Parser from 'tree-sitter';
import type { NameDefaults } from './names';
import type { PyDraft, PyRef } from './python';
import { chainNames, isStringy, kwarg, stringText, upChain } from './pyAst';
import { extractSql } from './sql/extract';

type Node = Parser.SyntaxNode;

const READ_METHODS = new Set([
  'table',
  'parquet',
  'csv',
  'json',
  'orc',
  'text',
  'load',
  'avro',
  'delta',
  'jdbc',
  'textFile',
]);
const WRITE_TABLE = new Set(['saveAsTable', 'insertInto', 'toTable']);
const WRITE_PATH = new Set(['parquet', 'csv', 'json', 'orc', 'text', 'save', 'avro', 'delta', 'start']);
const EXECUTE_METHODS = new Set([
  'execute',
  'executemany',
  'run',
  'get_records',
  'get_first',
  'get_pandas_df',
  'exec_driver_sql',
]);
/** What a string must start with to be taken for SQL when given to a generic execute(). */
const SQL_START = /^\s*(select|with|insert|merge|update|delete|create|replace|copy|unload)\b/i;

export class SparkCalls {
  constructor(private readonly names: NameDefaults) {}

  call(call: Node, draft: PyDraft, strings: Map<string, Node>): void {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'attribute') return;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    const recv = fn.childForFieldName('object');
    const args = call.childForFieldName('arguments');
    if (!recv || !args) return;
    const chain = chainNames(recv);
    const first = args.namedChildren.find((a) => a.type !== 'keyword_argument' && a.type !== 'comment');
    const argOf = (kw: string) => kwarg(call, kw) ?? first;
    // dbt Python model: dbt.ref("m") / dbt.source("s", "t")
    if (recv.type === 'identifier' && recv.text === 'dbt' && (method === 'ref' || method === 'source')) {
      const vals = args.namedChildren.filter(isStringy).map((s) => stringText(s).value);
      if (vals.length)
        draft.reads.push({
          kind: method,
          name: vals[vals.length - 1],
          args: vals,
          start: call.startIndex,
          end: call.endIndex,
        });
      return;
    }
    if (method === 'sql' && /spark|session|sqlcontext|ctx|hive/i.test(recv.text)) {
      const a = argOf('sqlQuery');
      if (a) this.sqlArg(a, draft, strings);
      return;
    }
    // pandas: pd.read_sql("select …", conn) / read_sql_table("t") / df.to_sql("t", conn)
    if ((method === 'read_sql' || method === 'read_sql_query') && first) {
      this.sqlArg(argOf('sql') ?? first, draft, strings);
      return;
    }
    if (method === 'read_sql_table' && first) {
      this.nameArg(argOf('table_name') ?? first, 'table', draft.reads, draft, strings);
      return;
    }
    if (method === 'to_sql' && first) {
      this.nameArg(argOf('name') ?? first, 'table', draft.writes, draft, strings);
      return;
    }
    // DB-API cursors, SQLAlchemy connections, Airflow hooks: .execute/.run/.get_records(…) given literal SQL.
    if (EXECUTE_METHODS.has(method) && first) {
      const lit = isStringy(first) ? first : first.type === 'identifier' ? strings.get(first.text) : undefined;
      if (lit && SQL_START.test(stringText(lit).value)) this.sqlArg(lit, draft, strings);
      return;
    }
    const isRead = chain.includes('read') || chain.includes('readStream');
    if (isRead && READ_METHODS.has(method)) {
      const a =
        method === 'jdbc'
          ? (kwarg(call, 'table') ?? args.namedChildren[1])
          : argOf(method === 'table' ? 'tableName' : 'path');
      if (a) this.nameArg(a, method === 'table' || method === 'jdbc' ? 'table' : 'file', draft.reads, draft, strings);
      else if (method === 'load' && !this.optionPath(recv, 'path', draft.reads, draft, strings))
        this.optionPath(recv, 'dbtable', draft.reads, draft, strings, 'table');
      return;
    }
    if (method === 'table' && !isRead && /spark|session/i.test(recv.text) && first) {
      this.nameArg(first, 'table', draft.reads, draft, strings);
      return;
    }
    if ((method === 'forName' || method === 'forPath') && /DeltaTable$/.test(recv.text)) {
      const a =
        args.namedChildren.filter((c) => c.type !== 'keyword_argument')[1] ??
        kwarg(call, method === 'forName' ? 'tableOrViewName' : 'path');
      if (!a) return;
      const kind = method === 'forName' ? 'table' : 'file';
      // A Delta table handle that is merged, updated or deleted is written; otherwise read.
      const parent = call.parent?.type === 'attribute' ? call.parent : undefined;
      const chained = parent ? upChain(parent) : [];
      const writes =
        chained.some((m) => m === 'merge' || m === 'update' || m === 'delete' || m === 'execute') ||
        this.handleWritten(call);
      this.nameArg(a, kind, writes ? draft.writes : draft.reads, draft, strings);
      return;
    }
    const isWrite = chain.includes('write') || chain.includes('writeStream');
    if (isWrite && WRITE_TABLE.has(method) && first) {
      this.nameArg(argOf('name') ?? first, 'table', draft.writes, draft, strings);
      return;
    }
    if (isWrite && WRITE_PATH.has(method)) {
      const a = argOf('path');
      if (a && a.type !== 'keyword_argument') this.nameArg(a, 'file', draft.writes, draft, strings);
      else this.optionPath(recv, 'path', draft.writes, draft, strings);
      return;
    }
    if (method === 'writeTo' && first) {
      this.nameArg(first, 'table', draft.writes, draft, strings);
      return;
    }
    if (
      method === 'createOrReplaceTempView' ||
      method === 'createTempView' ||
      method === 'createOrReplaceGlobalTempView'
    ) {
      if (first) this.nameArg(first, 'table', draft.writes, draft, strings);
    }
  }

  /** `t = DeltaTable.forName(…)` followed by `t.….merge(…)` / `.update(…)` / `.delete(…)` in the same function. */
  private handleWritten(call: Node): boolean {
    const assign = call.parent?.type === 'assignment' ? call.parent : undefined;
    const v = assign?.childForFieldName('left');
    if (v?.type !== 'identifier') return false;
    let scope: Node | null = assign ?? null;
    while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = scope.parent;
    if (!scope) return false;
    return scope.descendantsOfType('attribute').some((a) => {
      if (a.startIndex < call.endIndex) return false;
      const names = chainNames(a);
      return names[0] === v.text && names.some((m) => m === 'merge' || m === 'update' || m === 'delete');
    });
  }

  /** `.option("path", "…")` (or "dbtable" for JDBC) earlier in a reader/writer chain; true when found. */
  private optionPath(
    recv: Node,
    key: string,
    out: PyRef[],
    draft: PyDraft,
    strings: Map<string, Node>,
    kind: 'table' | 'file' = 'file',
  ): boolean {
    for (
      let n: Node | null = recv;
      n;
      n =
        n.type === 'call'
          ? n.childForFieldName('function')
          : n.type === 'attribute'
            ? n.childForFieldName('object')
            : null
    ) {
      if (n.type !== 'call') continue;
      const f = n.childForFieldName('function');
      if (f?.type === 'attribute' && f.childForFieldName('attribute')?.text === 'option') {
        const [k, v] = n.childForFieldName('arguments')?.namedChildren ?? [];
        if (k && v && isStringy(k) && stringText(k).value === key) {
          this.nameArg(v, kind, out, draft, strings);
          return true;
        }
      }
    }
    return false;
  }

  nameArg(a: Node, kind: 'table' | 'file', out: PyRef[], draft: PyDraft, strings: Map<string, Node>): void {
    const s = isStringy(a) ? a : a.type === 'identifier' ? strings.get(a.text) : undefined;
    if (!s) {
      out.push({ kind, name: `{${a.text.slice(0, 60)}}`, start: a.startIndex, end: a.endIndex, dynamic: true });
      draft.partial.push(
        `dynamic ${kind === 'table' ? 'table name' : 'path'} '${a.text.slice(0, 60)}' at offset ${a.startIndex}`,
      );
      return;
    }
    const { value, dynamic } = stringText(s);
    out.push({ kind, name: value, start: s.startIndex, end: s.endIndex, ...(dynamic ? { dynamic: true } : {}) });
    if (dynamic) draft.partial.push(`dynamic ${kind === 'table' ? 'table name' : 'path'} '${value}'`);
  }

  /** SQL text given to spark.sql() or an operator: parsed with the SQL extractor, offsets mapped back. */
  sqlArg(a: Node, draft: PyDraft, strings: Map<string, Node>): void {
    const s = isStringy(a) ? a : a.type === 'identifier' ? strings.get(a.text) : undefined;
    if (!s) {
      draft.partial.push(`SQL built at run time ('${a.text.slice(0, 60)}'): not analysed`);
      return;
    }
    const { value, contentStart, mappable } = stringText(s);
    if (/^[\w./{}-]+\.(sql|hql)$/i.test(value.trim())) {
      (draft.sqlFiles ??= []).push({ path: value.trim() });
      return;
    }
    const at = (o: number, e: number) =>
      mappable ? { start: contentStart + o, end: contentStart + e } : { start: s.startIndex, end: s.endIndex };
    for (const st of extractSql(value, { names: this.names })) {
      const firstRead = draft.reads.length;
      for (const r of st.reads)
        draft.reads.push({
          kind: r.kind,
          name: r.name,
          ...at(r.start, r.end),
          ...(r.dynamic || /^__dbt/.test(r.raw) ? { dynamic: true } : {}),
        });
      const stReads = Array.from({ length: draft.reads.length - firstRead }, (_, i) => firstRead + i);
      // A SQL statement is self-contained: what it writes derives from what it reads, nothing else.
      for (const w of st.writes) {
        (draft.flows ??= []).push({ write: draft.writes.length, reads: stReads });
        draft.writes.push({
          kind: w.kind,
          name: w.name,
          ...at(w.start, w.end),
          ...(w.dynamic ? { dynamic: true } : {}),
        });
      }
      draft.partial.push(...st.partial);
      for (const r of [...st.reads, ...st.writes])
        if (r.dynamic) draft.partial.push(`dynamic name '${r.raw}' in SQL string`);
    }
  }
}
