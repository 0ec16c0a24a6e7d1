/**
 * The statements of PySpark / Scala Spark code that run a Spark job: `df.collect()`, `df.count()`,
 * `df.show()`, `df.write….parquet(path)`, `df.createOrReplaceTempView("v")`, `spark.sql("INSERT …")`, ….
 * Each is kept with its statement's lines and the words and literals it holds, including those of the
 * DataFrame variables it uses (followed back through their assignments), so a Spark execution can be told
 * apart from the others by the names, paths and numbers its plan carries.
 */
import { normLiteral } from '../spark/exprText';
import { tokenize, type PyToken } from './pythonAnchors';

export interface ActionCall {
  /** Workspace-relative file. */
  file: string;
  /** The method called: collect, count, show, parquet, saveAsTable, createOrReplaceTempView, sql, … */
  method: string;
  /** 1-based line of the method name (the line a Python traceback or callSite names). */
  line: number;
  /** The whole statement, 1-based inclusive. */
  startLine: number;
  endLine: number;
  /** The call hangs off `.write` / `.writeStream` / `.writeTo`. */
  write: boolean;
  /** Lower-cased words and normalised literals of the statement and of the DataFrames it uses. */
  terms: Set<string>;
  /** String literals of the statement itself. */
  strings: string[];
  /** Line ranges of the statement and of the assignments of the DataFrames it uses. */
  scope: Array<[number, number]>;
  /** String literals passed to the call itself (a path, a view or table name). */
  args: string[];
}

/** After these, `count()` / `sum()` … aggregate a group: a transformation, not an action. */
const GROUPING = new Set(['groupBy', 'groupby', 'rollup', 'cube', 'pivot', 'groupByKey']);

/** Methods that make Spark run (or register) something; anything else in a chain is a transformation. */
export const ACTION_METHODS = new Set([
  'collect',
  'collectAsList',
  'count',
  'show',
  'take',
  'head',
  'first',
  'tail',
  'toPandas',
  'toLocalIterator',
  'foreach',
  'foreachPartition',
  'save',
  'saveAsTable',
  'insertInto',
  'parquet',
  'csv',
  'json',
  'orc',
  'text',
  'jdbc',
  'avro',
  'delta',
  'createOrReplaceTempView',
  'createTempView',
  'createOrReplaceGlobalTempView',
  'createGlobalTempView',
  'registerTempTable',
  'sql',
  'start',
  'checkpoint',
  'toJSON',
  'describe',
  'summary',
  'cache',
  'persist',
  'isEmpty',
  'reduce',
  'aggregate',
  'collectAsMap',
  'countByKey',
  'saveAsTextFile',
  'toArrow',
  'createDataFrame',
  'overwrite',
  'append',
  'create',
  'merge',
]);

interface Statement {
  start: number; // token index
  end: number; // exclusive
}

/** Logical statements: a new one starts on a new line at bracket depth 0, unless the line continues a chain. */
function statements(tokens: PyToken[]): Statement[] {
  const out: Statement[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const prev = tokens[i - 1];
    if (
      i > start &&
      depth === 0 &&
      prev &&
      t.line > prev.endLine &&
      t.text !== '.' &&
      !/^[-+*/%&|=<>,]$|^(and|or)$/.test(prev.text) &&
      t.text !== ')'
    ) {
      out.push({ start, end: i });
      start = i;
    }
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if ((t.text === ')' || t.text === ']' || t.text === '}') && depth > 0) depth--;
  }
  if (start < tokens.length) out.push({ start, end: tokens.length });
  return out;
}

function termsOf(tokens: PyToken[], s: Statement, into: Set<string>): void {
  for (let i = s.start; i < s.end; i++) {
    const t = tokens[i];
    if (t.kind === 'word') into.add(t.text.toLowerCase());
    else if (t.kind === 'number') into.add(normLiteral(t.text));
    else if (t.kind === 'string') {
      into.add(normLiteral(t.value));
      for (const m of t.value.matchAll(/[A-Za-z_][\w]*/g)) into.add(m[0].toLowerCase());
      for (const m of t.value.matchAll(/\b\d+(?:\.\d+)?\b/g)) into.add(normLiteral(m[0]));
    }
  }
}

/** The variable a statement assigns (`x = …`, `val x = …`, `var x = …`), if any. */
function assigned(tokens: PyToken[], s: Statement): string | undefined {
  let i = s.start;
  if (tokens[i]?.text === 'val' || tokens[i]?.text === 'var') i++;
  const name = tokens[i];
  const eq =
    tokens[i + 1]?.text === ':'
      ? tokens.slice(i + 2, Math.min(s.end, i + 8)).findIndex((t) => t.text === '=')
      : tokens[i + 1]?.text === '='
        ? 0
        : -1;
  return name?.kind === 'word' && eq >= 0 ? name.text : undefined;
}

const FOLLOW_DEPTH = 4;

export function actionCalls(file: string, text: string): ActionCall[] {
  const scala = /\.(scala|sc|java)$/i.test(file);
  const tokens = tokenize(text, scala);
  const stmts = statements(tokens);
  // Assignments in order: a variable's definition is its last assignment before the use.
  const defs = new Map<string, Statement[]>();
  for (const s of stmts) {
    const v = assigned(tokens, s);
    if (v) defs.set(v, [...(defs.get(v) ?? []), s]);
  }
  const defBefore = (name: string, tokenIndex: number): Statement | undefined => {
    const list = defs.get(name);
    if (!list) return undefined;
    let best: Statement | undefined;
    for (const s of list) if (s.start < tokenIndex) best = s;
    return best;
  };
  const out: ActionCall[] = [];
  for (const s of stmts) {
    for (let i = s.start + 1; i < s.end - 1; i++) {
      const t = tokens[i];
      if (t.kind !== 'word' || tokens[i - 1].text !== '.' || tokens[i + 1].text !== '(' || !ACTION_METHODS.has(t.text))
        continue;
      if (GROUPING.has(previousCall(tokens, i, s.start) ?? '')) continue;
      const close = matching(tokens, i + 1, s.end);
      const args = tokens
        .slice(i + 2, close)
        .filter((x) => x.kind === 'string')
        .map((x) => x.value);
      const terms = new Set<string>();
      termsOf(tokens, s, terms);
      // Follow the variables this statement reads back to their assignments (a few levels).
      const seen = new Set<Statement>([s]);
      let frontier: Statement[] = [s];
      for (let d = 0; d < FOLLOW_DEPTH && frontier.length; d++) {
        const next: Statement[] = [];
        for (const f of frontier) {
          for (let k = f.start; k < f.end; k++) {
            const w = tokens[k];
            if (w.kind !== 'word' || tokens[k - 1]?.text === '.') continue;
            const def = defBefore(w.text, f.start);
            if (def && !seen.has(def)) {
              seen.add(def);
              termsOf(tokens, def, terms);
              next.push(def);
            }
          }
        }
        frontier = next;
      }
      out.push({
        file,
        method: t.text,
        line: t.line,
        startLine: tokens[s.start].line,
        endLine: tokens[s.end - 1].endLine,
        write: isWrite(tokens, s, i),
        terms,
        strings: tokens
          .slice(s.start, s.end)
          .filter((x) => x.kind === 'string')
          .map((x) => x.value),
        scope: [...seen]
          .map((st) => [tokens[st.start].line, tokens[st.end - 1].endLine] as [number, number])
          .sort((a, b) => a[0] - b[0]),
        args,
      });
    }
  }
  return out;
}

function isWrite(tokens: PyToken[], s: Statement, i: number): boolean {
  for (let k = i - 1; k >= s.start; k--) {
    const t = tokens[k];
    if (t.kind === 'word' && tokens[k - 1]?.text === '.' && /^(write|writeStream|writeTo)$/.test(t.text)) return true;
  }
  return false;
}

/** Index of the bracket closing the one at `open` (or `end`). */
function matching(tokens: PyToken[], open: number, end: number): number {
  let depth = 0;
  for (let k = open; k < end; k++) {
    const t = tokens[k].text;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if ((t === ')' || t === ']' || t === '}') && --depth === 0) return k;
  }
  return end;
}

/** The method called just before `.name(` in a chain (`x.groupBy("k").count()` → groupBy). */
function previousCall(tokens: PyToken[], i: number, start: number): string | undefined {
  let k = i - 2; // the token before `.name`
  if (tokens[k]?.text !== ')') return undefined;
  let depth = 0;
  for (; k >= start; k--) {
    const t = tokens[k].text;
    if (t === ')' || t === ']' || t === '}') depth++;
    else if ((t === '(' || t === '[' || t === '{') && --depth === 0) break;
  }
  const name = tokens[k - 1];
  return name?.kind === 'word' && tokens[k - 2]?.text === '.' ? name.text : undefined;
}
