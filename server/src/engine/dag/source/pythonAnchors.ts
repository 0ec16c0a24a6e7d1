/**
 * PySpark (and Scala Spark) code → anchors: SQL inside strings (`spark.sql("""…""")`) goes through the
 * SQL localiser with its lines kept; DataFrame calls become anchors by what they do — `spark.read…` /
 * `spark.table` reads, `.filter/.where` predicates, `.join` keys, `.groupBy/.rollup/.cube`, `.orderBy`,
 * `.limit`, `Window.partitionBy`, `.union`, `.select/.withColumn` items. Blocks are the enclosing functions.
 */
import type { Anchor, AnchorKind, SourceUnit, Term, UnitLinks } from './anchors';
import { addSqlAnchors } from './sqlAnchors';
import { anchorTokens } from './anchorTokens';
import { normLiteral } from '../spark/exprText';

export interface PyToken {
  kind: 'word' | 'string' | 'number' | 'punct';
  text: string;
  /** String content without quotes and prefixes. */
  value: string;
  line: number; // 1-based
  endLine: number;
  /** Line of the string's content start (after the opening quotes). */
  contentLine: number;
}

export function tokenize(text: string, scala: boolean): PyToken[] {
  const out: PyToken[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\\') {
      i++;
      continue;
    }
    if ((c === '#' && !scala) || (scala && c === '/' && text[i + 1] === '/')) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (scala && c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      for (let k = i; k < end; k++) if (text[k] === '\n') line++;
      i = end;
      continue;
    }
    const pre = /^([rRbBfFuUs]{0,2})("""|'''|"|')/.exec(text.slice(i, i + 5));
    if (pre && (pre[1].length === 0 || /[A-Za-z]/.test(c))) {
      const q = pre[2];
      const start = i + pre[0].length;
      let j = start;
      while (j < n) {
        if (text[j] === '\\' && q.length === 1) {
          j += 2;
          continue;
        }
        if (text.startsWith(q, j)) break;
        if (q.length === 1 && text[j] === '\n') break;
        j++;
      }
      const value = text.slice(start, j);
      const startLine = line;
      for (let k = i; k < Math.min(n, j + q.length); k++) if (text[k] === '\n') line++;
      out.push({
        kind: 'string',
        text: text.slice(i, j + q.length),
        value,
        line: startLine,
        endLine: line,
        contentLine: startLine,
      });
      i = Math.min(n, j + q.length);
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 200))!;
      out.push({ kind: 'word', text: m[0], value: m[0], line, endLine: line, contentLine: line });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9_]*(\.[0-9]+)?([eE][-+]?[0-9]+)?[lLdDfF]?/.exec(text.slice(i, i + 64))!;
      out.push({ kind: 'number', text: m[0], value: m[0], line, endLine: line, contentLine: line });
      i += m[0].length;
      continue;
    }
    const two = text.slice(i, i + 2);
    const t = ['==', '!=', '>=', '<=', '&&', '||', '=>', '**'].includes(two) ? two : c;
    out.push({ kind: 'punct', text: t, value: t, line, endLine: line, contentLine: line });
    i += t.length;
  }
  return out;
}

const METHOD_KIND: Record<string, AnchorKind> = {
  table: 'table',
  range: 'table',
  parquet: 'table',
  csv: 'table',
  json: 'table',
  orc: 'table',
  load: 'table',
  jdbc: 'table',
  textFile: 'table',
  delta: 'table',
  filter: 'predicate',
  where: 'predicate',
  join: 'predicate',
  crossJoin: 'predicate',
  groupBy: 'group',
  groupby: 'group',
  rollup: 'rollup',
  cube: 'rollup',
  orderBy: 'order',
  sort: 'order',
  sortWithinPartitions: 'order',
  limit: 'limit',
  partitionBy: 'window',
  over: 'window',
  union: 'union',
  unionAll: 'union',
  unionByName: 'union',
  intersect: 'union',
  intersectAll: 'union',
  subtract: 'union',
  exceptAll: 'union',
  select: 'select',
  selectExpr: 'select',
  withColumn: 'select',
  withColumnRenamed: 'select',
  alias: 'select',
  agg: 'select',
  distinct: 'distinct',
  dropDuplicates: 'distinct',
  drop_duplicates: 'distinct',
  explode: 'generate',
  explode_outer: 'generate',
  posexplode: 'generate',
};
/** Methods a DataFrame chain goes on with (a chain's first name is a DataFrame). */
const DF_TRANSFORMS = new Set([
  'filter',
  'where',
  'join',
  'crossJoin',
  'select',
  'selectExpr',
  'groupBy',
  'groupby',
  'agg',
  'withColumn',
  'withColumnRenamed',
  'orderBy',
  'sort',
  'limit',
  'distinct',
  'dropDuplicates',
  'union',
  'unionAll',
  'unionByName',
  'alias',
  'as',
  'drop',
  'rollup',
  'cube',
]);
/** Names that start chains but are not data: sessions, function modules, Window, columns. */
const NOT_DATAFRAME = new Set([
  'spark',
  'session',
  'sparkSession',
  'sqlContext',
  'sc',
  'self',
  'this',
  'F',
  'f',
  'functions',
  'Window',
  'col',
  'expr',
  'lit',
  'df',
  'utils',
  'super',
  'pd',
  'np',
  'os',
  'sys',
  'logger',
  'log',
  'math',
  'json',
  'result',
  'res',
]);

const SET_OP: Record<string, string> = {
  intersect: 'intersect',
  intersectAll: 'intersect',
  subtract: 'except',
  exceptAll: 'except',
};

/** `"s3://b/raw/orders/"`, `"data/orders.parquet"`, `"db.orders"` → `orders`. */
export function tableFromArg(v: string): string | undefined {
  const last =
    v
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop() ?? '';
  const name =
    last
      .replace(/\.(parquet|csv|json|orc|avro|txt|delta)$/i, '')
      .split('.')
      .pop() ?? '';
  return /^[A-Za-z_][\w-]*$/.test(name) ? name.toLowerCase() : undefined;
}

function wordsOfString(s: string, line: number): Term[] {
  const out: Term[] = [];
  const lines = s.split('\n');
  lines.forEach((l, k) => {
    for (const m of l.matchAll(/[A-Za-z_][\w]*/g)) out.push({ t: m[0].toLowerCase(), line: line + k });
  });
  return out;
}

export function pythonUnit(
  file: string,
  text: string,
  unitName: string,
  scala = /\.(scala|sc)$/.test(file),
): SourceUnit {
  const tokens = tokenize(text, scala);
  const unit: SourceUnit = { file, anchors: [], blocks: [], bag: new Map(), unitName };
  const bagAdd = (t: string) => unit.bag.set(t, (unit.bag.get(t) ?? 0) + 1);

  // Blocks: functions (def / Scala def), by indentation.
  const lines = text.split('\n');
  const funcs: Array<{ name: string; start: number; end: number; indent: number }> = [];
  lines.forEach((l, k) => {
    const m = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(l);
    if (m) funcs.push({ name: m[2], start: k + 1, end: lines.length, indent: m[1].length });
  });
  for (const f of funcs) {
    for (let k = f.start; k < lines.length; k++) {
      const l = lines[k];
      if (!l.trim() || /^\s*(#|\/\/)/.test(l)) continue;
      if (l.length - l.trimStart().length <= f.indent && !/^\s*[)\]}]/.test(l)) {
        f.end = k;
        break;
      }
    }
  }
  unit.blocks.push({ name: undefined, parent: null, tables: [], startLine: 1, endLine: lines.length });
  for (const f of funcs) {
    const parent = funcs.filter((g) => g !== f && g.start <= f.start && g.end >= f.end).pop();
    unit.blocks.push({
      name: f.name,
      parent: parent ? funcs.indexOf(parent) + 1 : 0,
      tables: [],
      startLine: f.start,
      endLine: f.end,
    });
  }
  const blockAt = (line: number): number => {
    let best = 0;
    funcs.forEach((f, k) => {
      if (f.start <= line && line <= f.end && (best === 0 || f.start >= funcs[best - 1].start)) best = k + 1;
    });
    return best;
  };

  // Names bound to one literal (`SEGMENT = "BUILDING"`, `val cutoff = "1995-03-15"`): filters use them as literals.
  const constants = new Map<string, string>();
  for (let i = 1; i + 2 < tokens.length; i++) {
    const rhs = tokens[i + 2];
    const endsHere = !tokens[i + 3] || tokens[i + 3].line > rhs.endLine || tokens[i + 3].text === ';';
    if (
      tokens[i].kind === 'word' &&
      tokens[i + 1].text === '=' &&
      (rhs.kind === 'string' || rhs.kind === 'number') &&
      endsHere &&
      (tokens[i - 1].line < tokens[i].line || /^(val|var|final)$/.test(tokens[i - 1].text))
    ) {
      constants.set(tokens[i].text, rhs.kind === 'string' ? rhs.value : rhs.text);
    }
  }
  // Functions of this file that read the table a parameter names (`def load(spark, name): return spark.table(name)`):
  // a call of one with a literal (`load(spark, "customer")`) reads that table.
  const readers = readerFunctions(tokens);

  // Variables the file assigns; any other name a DataFrame chain starts from (`customer.filter(…)`, imported from a
  // schema provider or passed in) stands for a table's data: a read of it.
  const assigned = new Set<string>();
  for (let i = 0; i + 1 < tokens.length; i++)
    if (tokens[i].kind === 'word' && tokens[i + 1].text === '=') assigned.add(tokens[i].text);
  const dataFrameName = (k: number): string | undefined => {
    const w = tokens[k];
    // `schemaProvider.lineitem.filter(…)`, `self.orders.join(…)`: one qualifier is allowed.
    const qualified =
      tokens[k - 1]?.text === '.' &&
      tokens[k - 2]?.kind === 'word' &&
      tokens[k - 3]?.text !== '.' &&
      tokens[k - 3]?.text !== ')';
    if (
      w?.kind !== 'word' ||
      (tokens[k - 1]?.text === '.' && !qualified) ||
      assigned.has(w.text) ||
      NOT_DATAFRAME.has(w.text)
    )
      return undefined;
    return /^[a-z][a-z0-9_]*$/i.test(w.text) ? w.text.toLowerCase() : undefined;
  };
  const addRead = (name: string, line: number) => {
    const block = blockAt(line);
    unit.anchors.push({
      kind: 'table',
      block,
      name,
      words: [{ t: name, line }],
      literals: [],
      startLine: line,
      endLine: line,
    });
    unit.blocks[block].tables.push(name);
  };

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const reader =
      tok.kind === 'word' && tokens[i + 1]?.text === '(' && tokens[i - 1]?.text !== 'def'
        ? readers.get(tok.text)
        : undefined;
    if (reader !== undefined) {
      const arg = callArgs(tokens, i + 1)[reader];
      const name = arg?.length === 1 && arg[0].kind === 'string' ? tableFromArg(arg[0].value) : undefined;
      if (name) addRead(name, tok.line);
    }
    if (
      tok.kind === 'word' &&
      tokens[i + 1]?.text === '.' &&
      DF_TRANSFORMS.has(tokens[i + 2]?.text ?? '') &&
      tokens[i + 3]?.text === '('
    ) {
      const name = dataFrameName(i);
      if (name) addRead(name, tok.line);
    }
    if (tok.kind === 'word') bagAdd(tok.text.toLowerCase());
    else if (tok.kind === 'number') bagAdd(normLiteral(tok.text));
    else if (tok.kind === 'string') {
      bagAdd(normLiteral(tok.value));
      for (const w of wordsOfString(tok.value, 0)) bagAdd(w.t);
      if (/\bselect\b[\s\S]*\bfrom\b/i.test(tok.value)) {
        // SQL in a string: localise it like a .sql file, keeping its lines.
        const before = unit.blocks.length;
        addSqlAnchors(unit, anchorTokens(tok.value, tok.contentLine - 1));
        const owner = blockAt(tok.line);
        for (let b = before; b < unit.blocks.length; b++)
          if (unit.blocks[b].parent === null) unit.blocks[b].parent = owner;
        continue;
      }
    }
    // `.method(` calls (and bare `explode(` / `F.explode(`).
    if (tok.kind !== 'word' || tokens[i + 1]?.text !== '(') continue;
    const kind = METHOD_KIND[tok.text];
    if (!kind) continue;
    const isMethod = tokens[i - 1]?.text === '.';
    if (!isMethod && kind !== 'generate') continue;
    let depth = 0;
    let j = i + 1;
    for (; j < tokens.length && j - i < MAX_CALL_TOKENS; j++) {
      if (tokens[j].text === '(' || tokens[j].text === '[' || tokens[j].text === '{') depth++;
      else if (tokens[j].text === ')' || tokens[j].text === ']' || tokens[j].text === '}') {
        if (--depth === 0) break;
      }
    }
    const args = tokens.slice(i + 2, j);
    const words: Term[] = [];
    const literals: Term[] = [];
    for (const a of args) {
      if (a.kind === 'word') {
        words.push({ t: a.text.toLowerCase(), line: a.line });
        // `F.col("c_mktsegment") == SEGMENT`: the constant's value is the literal the plan shows.
        const value = tokens[i + 3 + args.indexOf(a)]?.text !== '(' ? constants.get(a.text) : undefined;
        if (value !== undefined) literals.push({ t: normLiteral(value), line: a.line });
      } else if (a.kind === 'number') literals.push({ t: normLiteral(a.text), line: a.line });
      else if (a.kind === 'string') {
        literals.push({ t: normLiteral(a.value), line: a.line });
        words.push(...wordsOfString(a.value, a.contentLine));
      }
    }
    const block = blockAt(tok.line);
    const endLine = tokens[j]?.line ?? tok.line;
    const anchor: Anchor = { kind, block, words, literals, startLine: tok.line, endLine };
    if (kind === 'table') {
      if (isWriteChain(tokens, i)) continue; // `df.write.parquet(path)` writes, it does not read
      const arg = args.find((a) => a.kind === 'string');
      // `spark.range(n)` generates its rows: a source named by its numbers.
      const name =
        tok.text === 'range'
          ? args.some((a) => a.kind === 'number')
            ? 'range'
            : undefined
          : arg
            ? tableFromArg(arg.value)
            : undefined;
      if (!name) continue;
      anchor.name = name;
      unit.blocks[block].tables.push(name);
      words.push({ t: name, line: tok.line });
    }
    if (kind === 'predicate') {
      anchor.clause = tok.text === 'join' || tok.text === 'crossJoin' ? 'join' : 'filter';
      // `.join(supplier, …)`: the other side, when it is a table's data rather than a variable of this file.
      const other = anchor.clause === 'join' ? dataFrameName(i + 2) : undefined;
      if (other && tokens[i + 3]?.text !== '.' && tokens[i + 3]?.text !== '(') addRead(other, tokens[i + 2].line);
      anchor.eq =
        anchor.clause === 'join' ||
        args.some((a) => a.text === '==' || (a.text === '=' && false)) ||
        args.some((a) => a.kind === 'string' && /(^|[^<>!=])=/.test(a.value));
    }
    if (kind === 'union') anchor.name = SET_OP[tok.text] ?? 'union';
    if (kind === 'rollup') {
      anchor.name = tok.text;
      unit.anchors.push({ ...anchor, kind: 'group' });
    }
    if (kind === 'select' && (tok.text === 'selectExpr' || tok.text === 'expr')) {
      // `selectExpr("id % 10 as key", …)`: each `… as name` is a select item of its own.
      let named = false;
      for (const a of args) {
        const alias = a.kind === 'string' ? /\bas\s+`?([A-Za-z_]\w*)`?\s*$/i.exec(a.value)?.[1] : undefined;
        if (!alias) continue;
        named = true;
        unit.anchors.push({
          kind: 'select',
          block,
          name: alias.toLowerCase(),
          words: wordsOfString(a.value, a.contentLine),
          literals: [],
          startLine: a.line,
          endLine: a.endLine,
        });
      }
      if (named) continue;
    }
    if (kind === 'select' && (tok.text === 'withColumn' || tok.text === 'alias' || tok.text === 'withColumnRenamed')) {
      const names = args.filter((a) => a.kind === 'string');
      const alias = tok.text === 'withColumnRenamed' ? names[1] : names[0];
      if (alias) anchor.name = alias.value.toLowerCase();
    }
    unit.anchors.push(anchor);
  }
  const links = crossModuleLinks(tokens, readers, blockAt);
  if (links) unit.links = links;
  return unit;
}

/** Whether the call at `i` (`.parquet(`, `.csv(`, …) hangs off a `.write` / `.writeStream` chain. */
function isWriteChain(tokens: PyToken[], i: number): boolean {
  let j = i - 2; // the receiver of `.method(`
  for (let steps = 0; j >= 0 && steps < 12; steps++) {
    const t = tokens[j];
    if (t.text === ')') {
      // skip back over `(...)` and the method name before it
      let depth = 0;
      for (; j >= 0; j--) {
        if (tokens[j].text === ')') depth++;
        else if (tokens[j].text === '(' && --depth === 0) break;
      }
      j -= 1;
      continue;
    }
    if (t.kind !== 'word') return false;
    if (t.text === 'write' || t.text === 'writeStream' || t.text === 'writeTo') return true;
    if (t.text === 'read' || t.text === 'readStream') return false;
    if (tokens[j - 1]?.text !== '.') return false;
    j -= 2;
  }
  return false;
}

/** The arguments of the call whose `(` is at `open`, split at top-level commas. */
/**
 * Longest argument list a call is read over. Real calls close within a few hundred tokens; an unclosed bracket
 * (a file cut short or pasted twice) would otherwise make every later call's arguments run to the end of the
 * file — quadratic time and memory (a 600 KB file held the language server for minutes at 2.6 GB).
 */
const MAX_CALL_TOKENS = 5_000;

function callArgs(tokens: PyToken[], open: number): PyToken[][] {
  const out: PyToken[][] = [[]];
  let depth = 0;
  for (let k = open; k < tokens.length && k - open < MAX_CALL_TOKENS; k++) {
    const t = tokens[k].text;
    if (t === '(' || t === '[' || t === '{') {
      if (depth++ === 0) continue;
    } else if (t === ')' || t === ']' || t === '}') {
      if (--depth === 0) break;
    } else if (t === ',' && depth === 1) {
      out.push([]);
      continue;
    }
    if (depth >= 1) out[out.length - 1].push(tokens[k]);
  }
  return out.filter((a, i) => a.length || i < out.length - 1);
}

const READ_CALLS = new Set(['table', 'parquet', 'csv', 'json', 'orc', 'load', 'jdbc', 'textFile', 'delta', 'avro']);

/** `def name(…, param, …)` whose body reads (`.table(param)`, `.parquet(param)`, …): name → the parameter's index. */
export function readerFunctions(tokens: PyToken[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (tokens[i].text !== 'def' || tokens[i + 1].kind !== 'word' || tokens[i + 2].text !== '(') continue;
    const params = callArgs(tokens, i + 2).map((a) => a.find((t) => t.kind === 'word')?.text);
    // The body: up to the next `def` (enough for the small helpers this is for).
    let end = i + 3;
    while (end < tokens.length && tokens[end].text !== 'def') end++;
    for (let k = i + 3; k + 2 < end; k++) {
      if (tokens[k].text !== '.' || !READ_CALLS.has(tokens[k + 1].text) || tokens[k + 2].text !== '(') continue;
      // The path or name holds the parameter: `.table(name)`, `.parquet(f"{base}/{name}")`, `os.path.join(base, name)`.
      const first = callArgs(tokens, k + 2)[0] ?? [];
      const p = params.findIndex(
        (name) =>
          !!name &&
          first.some(
            (t) =>
              (t.kind === 'word' && t.text === name) ||
              (t.kind === 'string' && /^[fs]/i.test(t.text) && new RegExp(`[{$]\\{?${name}\\b`).test(t.value)),
          ),
      );
      if (p >= 0) out.set(tokens[i + 1].text, p);
    }
  }
  return out;
}

/**
 * What another file's helpers may add to this one: the reader functions it defines, and its calls with literal
 * arguments of functions it imports (`from jobs.io import load` → `load(spark, "orders")`; `import jobs.io as io`
 * → `io.load(…)`; Scala `Tables.load(…)`). Linked across units in link.ts.
 */
function crossModuleLinks(
  tokens: PyToken[],
  readers: Map<string, number>,
  blockAt: (line: number) => number,
): UnitLinks | undefined {
  const imported = new Map<string, { module: string; name: string }>(); // local name → module + its name there
  const modules = new Map<string, string>(); // local alias → module
  const dotted = (k: number): [string, number] => {
    let name = tokens[k]?.text ?? '';
    while (tokens[k + 1]?.text === '.' && tokens[k + 2]?.kind === 'word') {
      name += `.${tokens[k + 2].text}`;
      k += 2;
    }
    return [name, k + 1];
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const lineStart = tokens[i - 1]?.line !== t.line;
    if (t.text === 'from' && lineStart && tokens[i + 1]?.kind === 'word') {
      const [module, k] = dotted(i + 1);
      if (tokens[k]?.text !== 'import') continue;
      let j = k + 1;
      const paren = tokens[j]?.text === '(';
      if (paren) j++;
      for (; j < tokens.length; j++) {
        const w = tokens[j];
        if (paren ? w.text === ')' : w.line !== tokens[k].line) break;
        if (w.kind !== 'word') continue;
        let alias = w.text;
        if (tokens[j + 1]?.text === 'as' && tokens[j + 2]?.kind === 'word') {
          alias = tokens[j + 2].text;
          j += 2;
        }
        imported.set(alias, { module, name: w.text });
        modules.set(alias, `${module}.${w.text}`); // `from pkg import helpers` → helpers.load(…)
      }
    } else if (t.text === 'import' && lineStart && tokens[i + 1]?.kind === 'word') {
      const [module, k] = dotted(i + 1);
      const alias = tokens[k]?.text === 'as' && tokens[k + 1]?.kind === 'word' ? tokens[k + 1].text : module;
      modules.set(alias, module);
      // Scala `import jobs.Tables.load`: a member of an object.
      const cut = module.lastIndexOf('.');
      if (cut > 0) imported.set(module.slice(cut + 1), { module: module.slice(0, cut), name: module.slice(cut + 1) });
    }
  }
  const calls: UnitLinks['calls'] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'word' || tokens[i + 1].text !== '(' || tokens[i - 1]?.text === 'def' || readers.has(t.text))
      continue;
    const qualifier =
      tokens[i - 1]?.text === '.' && tokens[i - 2]?.kind === 'word' && tokens[i - 3]?.text !== '.'
        ? tokens[i - 2].text
        : undefined;
    if (!qualifier && tokens[i - 1]?.text === '.') continue;
    const target = qualifier
      ? { module: modules.get(qualifier) ?? (/^[A-Z]/.test(qualifier) ? qualifier : ''), name: t.text }
      : imported.get(t.text);
    if (!target?.module) continue;
    const args = callArgs(tokens, i + 1).map((a) =>
      a.length === 1 && a[0].kind === 'string' ? a[0].value : undefined,
    );
    if (args.some((a) => a !== undefined))
      calls.push({ fn: target.name, module: target.module, args, line: t.line, block: blockAt(t.line) });
  }
  if (!readers.size && !calls.length) return undefined;
  return { readers: Object.fromEntries(readers), calls };
}
