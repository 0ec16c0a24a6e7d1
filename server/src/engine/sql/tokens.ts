/**
 * The one SQL tokenizer: forgiving (never throws, reads Spark SQL / ANSI / Snowflake-ish / T-SQL and files that
 * tree-sitter only parses with ERROR nodes), offset-based (exact UTF-16 offsets; lines come from a LineTable).
 * Comments are dropped. Two dialects tune it for its two readers, see `LINEAGE` and `ANCHORS` below.
 */
import { jinjaBlockAt } from './jinja';

export type TokenKind =
  'word' | 'quoted' | 'string' | 'number' | 'param' | 'jinja' | 'op' | 'lparen' | 'rparen' | 'comma' | 'dot' | 'semi';

export interface SqlToken {
  kind: TokenKind;
  /** Source text of the token (quotes included for `quoted` and `string`, delimiters for `jinja`). */
  text: string;
  /** Upper-cased text for `word` tokens (keyword tests), '' otherwise. */
  upper: string;
  start: number;
  end: number;
}

/**
 * Where the two readers differ. Each was tuned on its own corpus and its evals pin the results, so the differences
 * are kept as settings of one scanner rather than smoothed over.
 */
export interface SqlDialect {
  /** `{{ … }}` is a `jinja` token, `{% … %}` / `{# … #}` are skipped (dbt text read as it is written). */
  jinja: boolean;
  /** `${x}`, `{x}`, `?`, `%s` / `%(x)s`, `:x` are `param` tokens (SQL templated in f-strings, notebooks, DB-API). */
  params: boolean;
  /** A form feed is white space (else it is an operator character). */
  formFeedIsSpace: boolean;
  /** Backslash escapes inside '…' strings. */
  backslashEscapes: boolean;
  /** `""` inside "…" (and ``` `` ``` inside `…`) is an escaped quote, not the end of the identifier. */
  doubledQuoteEscapes: boolean;
  /**
   * `[x]` as a T-SQL identifier: 'tsql' where a name can start (else `[` is an operator); 'lenient' whenever the
   * brackets hold no space or comma (else the `[` is skipped).
   */
  brackets: 'tsql' | 'lenient';
  /** 'loose': digits, dots, exponents, hex digits and type suffixes (`0x1F`, `10L`, `1_000`); 'decimal': `1.5e3`. */
  numbers: 'loose' | 'decimal';
  /** Which characters make words (`@` and the U+0080–U+00BF range differ) and the longest word read at once. */
  words: { at: boolean; from: number; max: number };
  /** Multi-character operators, longest first; any other character is a one-character operator. */
  operators: readonly string[];
}

/** The lineage reader's dialect: SQL that may be built in code, with placeholders. */
export const LINEAGE: SqlDialect = {
  jinja: false,
  params: true,
  formFeedIsSpace: true,
  backslashEscapes: true,
  doubledQuoteEscapes: true,
  brackets: 'tsql',
  numbers: 'loose',
  words: { at: false, from: 0xc0, max: Infinity },
  operators: ['::', '||', '<=', '>=', '<>', '!=', '==', '=>', '->', '<<', '>>'],
};

/** The DAG anchors' dialect: SQL files as written (dbt Jinja included) and SQL in Python / Scala strings. */
export const ANCHORS: SqlDialect = {
  jinja: true,
  params: false,
  formFeedIsSpace: false,
  backslashEscapes: false,
  doubledQuoteEscapes: false,
  brackets: 'lenient',
  numbers: 'decimal',
  words: { at: true, from: 0x80, max: 256 },
  operators: ['<=>', '<>', '!=', '>=', '<=', '==', '||', '::'],
};

export function tokenizeSql(text: string, d: SqlDialect): SqlToken[] {
  const out: SqlToken[] = [];
  scanSql(text, d, (kind, start, end) => {
    const t = text.slice(start, end);
    out.push({ kind, text: t, upper: kind === 'word' ? t.toUpperCase() : '', start, end });
  });
  return out;
}

/** The tokenizer's core: calls `emit` for each token in order (a reader that builds its own tokens uses this). */
export function scanSql(text: string, d: SqlDialect, emit: (kind: TokenKind, start: number, end: number) => void) {
  const n = text.length;
  const ops = operatorTable(d);
  let i = 0;
  // The previous token (the T-SQL `[x]` rule looks at it).
  let prevKind: TokenKind | undefined;
  let prevStart = 0;
  let prevEnd = 0;
  const push = (kind: TokenKind, start: number, end: number) => {
    prevKind = kind;
    prevStart = start;
    prevEnd = end;
    emit(kind, start, end);
  };
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || (c === '\f' && d.formFeedIsSpace)) {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (d.jinja && c === '{') {
      const b = jinjaBlockAt(text, i);
      if (b) {
        if (b.kind === 'expression') push('jinja', i, b.end);
        i = b.end;
        continue;
      }
    }
    if (c === "'") {
      const e = closeQuote(text, i, "'", d.backslashEscapes, true);
      push('string', i, e);
      i = e;
      continue;
    }
    if (c === '"' || c === '`') {
      const e = closeQuote(text, i, c, false, d.doubledQuoteEscapes);
      push('quoted', i, e);
      i = e;
      continue;
    }
    if (c === '[') {
      const e = bracketEnd(text, i, d, () => prevAllowsBracketIdent(prevKind, text.slice(prevStart, prevEnd)));
      if (e > 0) {
        push('quoted', i, e);
        i = e;
        continue;
      }
      if (e === SKIP) {
        i++;
        continue;
      }
    }
    if (d.params) {
      const e = paramEnd(text, i);
      if (e > i) {
        push('param', i, e);
        i = e;
        continue;
      }
    }
    const code = text.charCodeAt(i);
    if (isWordStart(code, d)) {
      let e = i + 1;
      while (e < n && e - i < d.words.max && isWordPart(text.charCodeAt(e), d)) e++;
      push('word', i, e);
      i = e;
      continue;
    }
    const num = numberEnd(text, i, d);
    if (num > i) {
      push('number', i, num);
      i = num;
      continue;
    }
    if (c === '(') {
      push('lparen', i, i + 1);
      i++;
      continue;
    }
    if (c === ')') {
      push('rparen', i, i + 1);
      i++;
      continue;
    }
    if (c === ',') {
      push('comma', i, i + 1);
      i++;
      continue;
    }
    if (c === ';') {
      push('semi', i, i + 1);
      i++;
      continue;
    }
    if (c === '.') {
      push('dot', i, i + 1);
      i++;
      continue;
    }
    let len = 1;
    for (const l of ops.lengths)
      if (ops.set.has(text.slice(i, i + l))) {
        len = l;
        break;
      }
    push('op', i, i + len);
    i += len;
  }
}

const SKIP = -1;

const operatorTables = new WeakMap<SqlDialect, { set: Set<string>; lengths: number[] }>();
/** A dialect's operators by length, longest first. */
function operatorTable(d: SqlDialect): { set: Set<string>; lengths: number[] } {
  let t = operatorTables.get(d);
  if (!t) {
    t = { set: new Set(d.operators), lengths: [...new Set(d.operators.map((o) => o.length))].sort((a, b) => b - a) };
    operatorTables.set(d, t);
  }
  return t;
}

/** End of a `[name]` identifier at i; 0 when `[` is something else, SKIP when the dialect drops that `[`. */
function bracketEnd(text: string, i: number, d: SqlDialect, nameMayStart: () => boolean): number {
  if (d.brackets === 'tsql') {
    return /^\[[^\]\n]*\]/.test(text.slice(i, i + 256)) && nameMayStart() ? text.indexOf(']', i) + 1 : 0;
  }
  const j = text.indexOf(']', i + 1);
  return j < 0 || /[\s,]/.test(text.slice(i + 1, j)) ? SKIP : j + 1;
}

const NAME_INTRODUCERS = ['FROM', 'JOIN', 'INTO', 'TABLE', 'UPDATE', 'SELECT', 'AS', 'ON'];
/** `[x]` is a T-SQL quoted identifier only where a name can start (not an array subscript). */
function prevAllowsBracketIdent(kind: TokenKind | undefined, text: string): boolean {
  if (!kind) return true;
  return (
    kind === 'comma' ||
    kind === 'dot' ||
    kind === 'lparen' ||
    (kind === 'word' && NAME_INTRODUCERS.includes(text.toUpperCase()))
  );
}

/** End of a placeholder at i (`${x}`, `{x}`, `?`, `%s`, `%(x)s`, `:x`), or i when there is none. */
function paramEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '$' && text[i + 1] === '{') return closeBrace(text, i + 1);
  if (c === '{') return closeBrace(text, i);
  if (c === '?') return i + 1;
  if (c === '%') {
    // Python %-formatting placeholders (%s, %(name)s) in SQL strings built at run time.
    const m = /^%(\([A-Za-z_]\w*\))?s(?![A-Za-z0-9_])/.exec(text.slice(i, i + 64));
    return m ? i + m[0].length : i;
  }
  if (c === ':' && isLetter(text.charCodeAt(i + 1) || 0) && text[i - 1] !== ':') {
    let e = i + 1;
    while (e < text.length && isLineageWordPart(text.charCodeAt(e))) e++;
    return e;
  }
  return i;
}

/** End of a number at i, or i when none starts there (`.5` does; `.x` is a dot). */
function numberEnd(text: string, i: number, d: SqlDialect): number {
  const c = text[i];
  const digitNext = text[i + 1] >= '0' && text[i + 1] <= '9';
  if (d.numbers === 'decimal') {
    if (!(c >= '0' && c <= '9') && !(c === '.' && digitNext)) return i;
    return i + /^[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 64))![0].length;
  }
  let e = i + 1;
  if (c >= '0' && c <= '9') {
    while (e < text.length && /[0-9.eE_xXa-fA-FLlDdSsYyBb]/.test(text[e])) {
      if ((text[e] === 'e' || text[e] === 'E') && (text[e + 1] === '-' || text[e + 1] === '+')) e++;
      e++;
    }
    return e;
  }
  if (c !== '.' || !digitNext) return i;
  while (e < text.length && /[0-9eE]/.test(text[e])) e++;
  return e;
}

// Character classes by code (the lexer's hot path: no regex per character).
function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0xc0;
}
function isLineageWordPart(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57) || c === 36;
}
function isWordStart(c: number, d: SqlDialect): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= d.words.from) return true;
  return d.words.at && (c === 36 || c === 64);
}
function isWordPart(c: number, d: SqlDialect): boolean {
  return isWordStart(c, d) || (c >= 48 && c <= 57) || c === 36;
}

/** Index after the closing quote (the text's end when there is none). */
function closeQuote(text: string, start: number, q: string, backslash: boolean, doubled: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslash && c === '\\') {
      i += 2;
      continue;
    }
    if (c === q) {
      if (doubled && text[i + 1] === q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

function closeBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i + 1;
    else if (text[i] === '\n' && depth > 0 && i - open > 200) return i;
  }
  return text.length;
}

/** The identifier a token stands for: unquoted (doubled quotes undone), as written otherwise. */
export function identOf(t: SqlToken): string {
  if (t.kind === 'quoted') {
    const q = t.text[0];
    const close = q === '[' ? ']' : q;
    const inner = t.text.endsWith(close) && t.text.length > 1 ? t.text.slice(1, -1) : t.text.slice(1);
    return q === '[' ? inner : inner.split(q + q).join(q);
  }
  return t.text;
}

/** The value of a string literal token, quotes removed and escapes undone. */
export function stringValue(t: SqlToken): string {
  const body = t.text.length > 1 && t.text.endsWith("'") ? t.text.slice(1, -1) : t.text.slice(1);
  return body.replace(/''/g, "'").replace(/\\(.)/g, '$1');
}
