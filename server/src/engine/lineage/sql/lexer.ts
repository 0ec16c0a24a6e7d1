/**
 * A forgiving SQL tokenizer (Spark SQL / ANSI / Snowflake-ish): never throws, keeps exact UTF-16 offsets.
 * Comments are dropped; `{name}` / `${name}` / `:name` / `?` become `param` tokens so that templated SQL
 * from f-strings and notebooks still tokenizes, and a param inside a table name marks that name dynamic.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'op' | 'lparen' | 'rparen' | 'comma' | 'dot' | 'semi';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (quotes included for `quoted` and `string`). */
  text: string;
  /** Upper-cased text for `word` tokens (keyword tests), '' otherwise. */
  upper: string;
  start: number;
  end: number;
}

// Character classes by code (the lexer's hot path: no regex per character).
function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0xc0;
}
function isWordChar(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number) => {
    const t = text.slice(start, end);
    out.push({ kind, text: t, upper: kind === 'word' ? t.toUpperCase() : '', start, end });
  };
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') { i++; continue; }
    if (c === '-' && text[i + 1] === '-') { i = lineEnd(text, i); continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
    if (c === "'") { const e = closeQuote(text, i, "'", true); push('string', i, e); i = e; continue; }
    if (c === '"' || c === '`') { const e = closeQuote(text, i, c, false); push('quoted', i, e); i = e; continue; }
    if (c === '[' && /^\[[^\]\n]*\]/.test(text.slice(i, i + 256)) && prevAllowsBracketIdent(out)) {
      const e = text.indexOf(']', i) + 1; push('quoted', i, e); i = e; continue;
    }
    if (c === '$' && text[i + 1] === '{') { const e = closeBrace(text, i + 1); push('param', i, e); i = e; continue; }
    if (c === '{') { const e = closeBrace(text, i); push('param', i, e); i = e; continue; }
    if (c === '?' ) { push('param', i, i + 1); i++; continue; }
    if (c === '%') {
      // Python %-formatting placeholders (%s, %(name)s) in SQL strings built at run time.
      const m = /^%(\([A-Za-z_]\w*\))?s(?![A-Za-z0-9_])/.exec(text.slice(i, i + 64));
      if (m) { push('param', i, i + m[0].length); i += m[0].length; continue; }
    }
    if (c === ':' && isWordStart(text.charCodeAt(i + 1) || 0) && text[i - 1] !== ':') {
      let e = i + 1; while (e < n && isWordChar(text.charCodeAt(e))) e++; push('param', i, e); i = e; continue;
    }
    const code = text.charCodeAt(i);
    if (isWordStart(code)) { let e = i + 1; while (e < n && isWordChar(text.charCodeAt(e))) e++; push('word', i, e); i = e; continue; }
    if (c >= '0' && c <= '9') {
      let e = i + 1;
      while (e < n && /[0-9.eE_xXa-fA-FLlDdSsYyBb]/.test(text[e])) {
        if ((text[e] === 'e' || text[e] === 'E') && (text[e + 1] === '-' || text[e + 1] === '+')) e++;
        e++;
      }
      push('number', i, e); i = e; continue;
    }
    if (c === '(') { push('lparen', i, i + 1); i++; continue; }
    if (c === ')') { push('rparen', i, i + 1); i++; continue; }
    if (c === ',') { push('comma', i, i + 1); i++; continue; }
    if (c === ';') { push('semi', i, i + 1); i++; continue; }
    if (c === '.' && !/[0-9]/.test(text[i + 1] ?? '')) { push('dot', i, i + 1); i++; continue; }
    if (c === '.') { let e = i + 1; while (e < n && /[0-9eE]/.test(text[e])) e++; push('number', i, e); i = e; continue; }
    // Operators: take the longest of the common multi-character ones.
    const two = text.slice(i, i + 2);
    const len = ['::', '||', '<=', '>=', '<>', '!=', '==', '=>', '->', '<<', '>>'].includes(two) ? 2 : 1;
    push('op', i, i + len);
    i += len;
  }
  return out;
}

function lineEnd(text: string, i: number): number {
  const e = text.indexOf('\n', i);
  return e < 0 ? text.length : e;
}

/** Index after the closing quote; doubled quotes escape, and backslashes too inside string literals. */
function closeQuote(text: string, start: number, q: string, backslash: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslash && c === '\\') { i += 2; continue; }
    if (c === q) {
      if (text[i + 1] === q) { i += 2; continue; }
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

/** `[x]` is a T-SQL quoted identifier only where a name can start (not an array subscript). */
function prevAllowsBracketIdent(out: Token[]): boolean {
  const p = out[out.length - 1];
  if (!p) return true;
  return p.kind === 'comma' || p.kind === 'dot' || p.kind === 'lparen' || (p.kind === 'word' && ['FROM', 'JOIN', 'INTO', 'TABLE', 'UPDATE', 'SELECT', 'AS', 'ON'].includes(p.upper));
}

/** The identifier a token stands for: unquoted, and case-folded unless it was quoted. */
export function identOf(t: Token): string {
  if (t.kind === 'quoted') {
    const q = t.text[0];
    const close = q === '[' ? ']' : q;
    const inner = t.text.endsWith(close) && t.text.length > 1 ? t.text.slice(1, -1) : t.text.slice(1);
    return q === '[' ? inner : inner.split(q + q).join(q);
  }
  return t.text;
}

/** The value of a string literal token, quotes removed. */
export function stringValue(t: Token): string {
  const body = t.text.length > 1 && t.text.endsWith("'") ? t.text.slice(1, -1) : t.text.slice(1);
  return body.replace(/''/g, "'").replace(/\\(.)/g, '$1');
}
