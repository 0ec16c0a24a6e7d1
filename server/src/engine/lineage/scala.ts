/**
 * Spark in Scala, the cheap part tree-sitter gives us: per `def`, the same reader/writer chains as PySpark
 * (spark.read.table/parquet/…/load, spark.table, spark.sql("…"), df.write.…saveAsTable/insertInto/parquet/save,
 * DeltaTable.forName/forPath(…).merge). `s"…$x…"` interpolations become `{x}` placeholders (dynamic names).
 */
import type Parser from 'tree-sitter';
import type { NameDefaults } from './names';
import type { PyDraft, PyRef } from './python';
import { extractSql } from './sql/extract';

type Node = Parser.SyntaxNode;

const READ = new Set(['table', 'parquet', 'csv', 'json', 'orc', 'text', 'load', 'avro', 'delta', 'textFile']);
const WRITE_TABLE = new Set(['saveAsTable', 'insertInto', 'toTable']);
const WRITE_PATH = new Set(['parquet', 'csv', 'json', 'orc', 'text', 'save', 'avro', 'delta']);
const MAX_DEPTH = 400;

export function extractScala(root: Node, names: NameDefaults): PyDraft[] {
  const drafts: PyDraft[] = [];
  const unit = (owner: Node, symbol: string, depth: number) => {
    const d: PyDraft = {
      kind: 'spark_scala',
      symbol,
      start: owner.startIndex,
      end: owner.endIndex,
      reads: [],
      writes: [],
      partial: [],
    };
    const strings = new Map<string, Node>();
    const visit = (n: Node, depth2: number): void => {
      if (depth2 > MAX_DEPTH) return;
      if (n !== owner && n.type === 'function_definition') {
        const name = n.childForFieldName('name')?.text ?? '?';
        unit(n, symbol === '<module>' ? name : `${symbol}.${name}`, depth2 + 1);
        return;
      }
      if ((n.type === 'object_definition' || n.type === 'class_definition') && n !== owner) {
        const name = n.childForFieldName('name')?.text ?? '?';
        unit(n, symbol === '<module>' ? name : `${symbol}.${name}`, depth2 + 1);
        return;
      }
      if (n.type === 'val_definition' || n.type === 'var_definition') {
        const p = n.childForFieldName('pattern');
        const v = n.childForFieldName('value');
        if (p?.type === 'identifier' && v && isString(v)) strings.set(p.text, v);
      }
      if (n.type === 'call_expression') call(n, d, strings, names);
      for (const c of n.namedChildren) visit(c, depth2 + 1);
    };
    for (const c of owner.namedChildren) visit(c, depth + 1);
    if (d.reads.length || d.writes.length) drafts.push(d);
  };
  unit(root, '<module>', 0);
  return drafts;
}

function isString(n: Node): boolean {
  return n.type === 'string' || n.type === 'interpolated_string_expression';
}

/**
 * A string literal's text (interpolations as `{x}`), where its content starts, and whether offsets inside it
 * map back to the file (plain literals) or only the whole literal can be pointed at (interpolated ones).
 */
function stringOf(n: Node): { value: string; start: number; dynamic: boolean; mappable: boolean } {
  if (n.type === 'interpolated_string_expression') {
    const s = n.namedChildren.find((c) => c.type === 'interpolated_string') ?? n;
    const q = s.text.startsWith('"""') ? 3 : 1;
    const body = s.text.slice(q, s.text.length - q);
    const value = body
      .replace(/\$\{([^}]*)\}/g, (_m, e: string) => `{${e}}`)
      .replace(/\$(\w+)/g, (_m, v: string) => `{${v}}`);
    return { value, start: s.startIndex + q, dynamic: true, mappable: false };
  }
  const q = n.text.startsWith('"""') ? 3 : 1;
  return { value: n.text.slice(q, n.text.length - q), start: n.startIndex + q, dynamic: false, mappable: true };
}

function chain(n: Node): string[] {
  const out: string[] = [];
  for (let cur: Node | null = n, guard = 0; cur && guard < 200; guard++) {
    if (cur.type === 'call_expression') cur = cur.childForFieldName('function');
    else if (cur.type === 'field_expression') {
      out.unshift(cur.childForFieldName('field')?.text ?? '');
      cur = cur.childForFieldName('value');
    } else {
      out.unshift(cur.text);
      break;
    }
  }
  return out;
}

function call(n: Node, d: PyDraft, strings: Map<string, Node>, names: NameDefaults): void {
  const fn = n.childForFieldName('function');
  if (fn?.type !== 'field_expression') return;
  const method = fn.childForFieldName('field')?.text ?? '';
  const recv = fn.childForFieldName('value');
  const args = n.childForFieldName('arguments')?.namedChildren ?? [];
  if (!recv) return;
  const calls = chain(recv);
  const arg = (i: number) => {
    const a = args[i];
    if (!a) return undefined;
    return isString(a) ? a : a.type === 'identifier' ? (strings.get(a.text) ?? a) : a;
  };
  const push = (list: PyRef[], a: Node | undefined, kind: 'table' | 'file') => {
    if (!a) return;
    if (!isString(a)) {
      list.push({ kind, name: `{${a.text.slice(0, 60)}}`, start: a.startIndex, end: a.endIndex, dynamic: true });
      d.partial.push(`dynamic ${kind === 'table' ? 'table name' : 'path'} '${a.text.slice(0, 60)}'`);
      return;
    }
    const s = stringOf(a);
    list.push({ kind, name: s.value, start: a.startIndex, end: a.endIndex, ...(s.dynamic ? { dynamic: true } : {}) });
    if (s.dynamic) d.partial.push(`dynamic ${kind === 'table' ? 'table name' : 'path'} '${s.value}'`);
  };
  if (method === 'sql' && /spark|session|sqlcontext/i.test(recv.text)) {
    const a = arg(0);
    if (!a || !isString(a)) {
      d.partial.push(`SQL built at run time ('${(a ?? n).text.slice(0, 60)}'): not analysed`);
      return;
    }
    const s = stringOf(a);
    const at = (x: { start: number; end: number }) =>
      s.mappable ? { start: s.start + x.start, end: s.start + x.end } : { start: a.startIndex, end: a.endIndex };
    for (const st of extractSql(s.value, { names })) {
      for (const r of st.reads)
        d.reads.push({ kind: r.kind, name: r.name, ...at(r), ...(r.dynamic ? { dynamic: true } : {}) });
      for (const w of st.writes)
        d.writes.push({ kind: w.kind, name: w.name, ...at(w), ...(w.dynamic ? { dynamic: true } : {}) });
      d.partial.push(...st.partial);
      for (const r of [...st.reads, ...st.writes])
        if (r.dynamic) d.partial.push(`dynamic name '${r.raw}' in SQL string`);
    }
    return;
  }
  const isRead = calls.includes('read') || calls.includes('readStream');
  if (isRead && READ.has(method)) return push(d.reads, arg(0), method === 'table' ? 'table' : 'file');
  if (method === 'table' && /spark|session/i.test(recv.text)) return push(d.reads, arg(0), 'table');
  if ((method === 'forName' || method === 'forPath') && /DeltaTable$/.test(recv.text)) {
    let up: Node | null = n.parent;
    const later: string[] = [];
    for (
      let g = 0;
      up && (up.type === 'field_expression' || up.type === 'call_expression') && g < 50;
      g++, up = up.parent
    ) {
      if (up.type === 'field_expression') later.push(up.childForFieldName('field')?.text ?? '');
    }
    const writes = later.some((m) => m === 'merge' || m === 'update' || m === 'delete');
    return push(writes ? d.writes : d.reads, arg(1), method === 'forName' ? 'table' : 'file');
  }
  const isWrite = calls.includes('write') || calls.includes('writeStream');
  if (isWrite && WRITE_TABLE.has(method)) return push(d.writes, arg(0), 'table');
  if (isWrite && WRITE_PATH.has(method) && args.length) return push(d.writes, arg(0), 'file');
  if (method === 'writeTo') return push(d.writes, arg(0), 'table');
}
