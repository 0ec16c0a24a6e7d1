/**
 * A forgiving SQL tokenizer for clause localisation: it never fails (TPC-DS and dbt files that
 * tree-sitter only parses with ERROR nodes still tokenize), keeps 0-based lines, skips comments, and
 * turns dbt's `{{ ref('x') }}` / `{{ source('s', 'x') }}` into the table name they stand for.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'open' | 'close' | 'comma' | 'semi' | 'dot';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Lower-cased text; for strings, the content without quotes. */
  lower: string;
  /** 0-based line of the token's start (counted in the original text). */
  line: number;
  endLine: number;
}

export function tokenizeSql(text: string, lineOffset = 0): Token[] {
  const out: Token[] = [];
  let line = lineOffset;
  let i = 0;
  const n = text.length;
  const push = (kind: TokenKind, t: string, lower: string, startLine: number) => out.push({ kind, text: t, lower, line: startLine, endLine: line });
  const advance = (to: number) => {
    for (let k = i; k < to && k < n; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  while (i < n) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '-' && text[i + 1] === '-') { const e = text.indexOf('\n', i); advance(e < 0 ? n : e); continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); advance(e < 0 ? n : e + 2); continue; }
    if (c === '{' && (text[i + 1] === '{' || text[i + 1] === '%' || text[i + 1] === '#')) {
      const close = text[i + 1] === '{' ? '}}' : text[i + 1] === '%' ? '%}' : '#}';
      const e = text.indexOf(close, i + 2);
      const end = e < 0 ? n : e + 2;
      const inner = text.slice(i + 2, e < 0 ? n : e);
      const start = line;
      if (text[i + 1] === '{') {
        const ref = /\b(?:ref|source)\s*\(([^)]*)\)/.exec(inner);
        const name = ref ? ref[1].split(',').pop()!.trim().replace(/^['"]|['"]$/g, '') : '';
        advance(end);
        if (name) push('word', name, name.toLowerCase(), start);
        else push('word', '__jinja__', '__jinja__', start);
      } else advance(end);
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < n && !(text[j] === "'" && text[j + 1] !== "'")) j += text[j] === "'" ? 2 : 1;
      const start = line;
      const raw = text.slice(i, j + 1);
      advance(Math.min(n, j + 1));
      push('string', raw, raw.slice(1, -1).replace(/''/g, "'").toLowerCase(), start);
      continue;
    }
    if (c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      const j = text.indexOf(close, i + 1);
      if (c === '[' && (j < 0 || /[\s,]/.test(text.slice(i + 1, j)))) { i++; continue; }
      const start = line;
      const raw = text.slice(i + 1, j < 0 ? n : j);
      advance(j < 0 ? n : j + 1);
      push('quoted', raw, raw.toLowerCase(), start);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 64))!;
      push('number', m[0], String(Number(m[0])), line);
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$@]/.test(c) || c.charCodeAt(0) > 127) {
      const m = /^[A-Za-z_$@\u0080-\uffff][\w$@\u0080-\uffff]*/.exec(text.slice(i, i + 256))!;
      push('word', m[0], m[0].toLowerCase(), line);
      i += m[0].length;
      continue;
    }
    if (c === '(') { push('open', c, c, line); i++; continue; }
    if (c === ')') { push('close', c, c, line); i++; continue; }
    if (c === ',') { push('comma', c, c, line); i++; continue; }
    if (c === ';') { push('semi', c, c, line); i++; continue; }
    if (c === '.') { push('dot', c, c, line); i++; continue; }
    const op = /^(<=>|<>|!=|>=|<=|==|\|\||::|[=<>+\-*/%|&^~!:?])/.exec(text.slice(i, i + 3));
    const t = op ? op[0] : c;
    push('op', t, t, line);
    i += t.length;
  }
  return out;
}
