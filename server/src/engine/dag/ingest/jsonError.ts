/**
 * Where and why a text is not JSON, in one line: "line 3, column 12: unexpected '}'". V8's JSON.parse messages
 * quote a multi-line snippet of the input and, in Node 20, no position; this scanner (iterative, so no nesting
 * depth can overflow it) finds the first error itself.
 */

export interface JsonErrorAt {
  line: number;
  column: number;
  /** "unexpected '}'", "the text ends inside a string", … */
  message: string;
}

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the text';
  if (ch === '\uFEFF') return 'byte-order mark';
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${ch}'`;
}

/** The first JSON syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonError(text: string): JsonErrorAt | undefined {
  let i = 0;
  const n = text.length;
  const at = (pos: number, message: string): JsonErrorAt => {
    let line = 1;
    let lineStart = 0;
    for (let k = text.indexOf('\n'); k >= 0 && k < pos; k = text.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    return { line, column: pos - lineStart + 1, message };
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  /** Expect a value at i; returns an error or advances past scalars / pushes containers. */
  const stack: Array<'{' | '['> = [];
  type State = 'value' | 'afterValue' | 'key';
  let state: State = 'value';
  const str = (): JsonErrorAt | undefined => {
    const start = i;
    i++;
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return at(i, 'a \\u escape needs four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return at(i, `invalid escape ${describe(e) === 'the end of the text' ? '\\' : `\\${e}`}`);
        continue;
      }
      if (c.charCodeAt(0) < 0x20)
        return at(i, `${describe(c)} inside a string (starting at column ${at(start, '').column})`);
      i++;
    }
    return at(start, 'the text ends inside this string');
  };
  for (;;) {
    ws();
    const c = text[i];
    if (state === 'value') {
      if (c === '{') {
        stack.push('{');
        i++;
        ws();
        if (text[i] === '}') {
          i++;
          stack.pop();
          state = 'afterValue';
        } else state = 'key';
        continue;
      }
      if (c === '[') {
        stack.push('[');
        i++;
        ws();
        if (text[i] === ']') {
          i++;
          stack.pop();
          state = 'afterValue';
        } else state = 'value';
        continue;
      }
      if (c === '"') {
        const e = str();
        if (e) return e;
        state = 'afterValue';
        continue;
      }
      const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
      if (lit) {
        i += lit[0].length;
        state = 'afterValue';
        continue;
      }
      return at(
        i,
        c === undefined
          ? stack.length || i > 0
            ? 'the text ends where a value should be'
            : 'the text is empty'
          : `unexpected ${describe(c)} where a value should be`,
      );
    }
    if (state === 'key') {
      if (c !== '"') return at(i, `unexpected ${describe(c)} where a "key" should be`);
      const e = str();
      if (e) return e;
      ws();
      if (text[i] !== ':') return at(i, `expected ':' after the key, found ${describe(text[i])}`);
      i++;
      state = 'value';
      continue;
    }
    // afterValue
    const top = stack[stack.length - 1];
    if (!top) return c === undefined ? undefined : at(i, `unexpected ${describe(c)} after the end of the JSON value`);
    if (c === ',') {
      i++;
      ws();
      state = top === '{' ? 'key' : 'value';
      continue;
    }
    if ((top === '{' && c === '}') || (top === '[' && c === ']')) {
      stack.pop();
      i++;
      continue;
    }
    return at(
      i,
      c === undefined
        ? `the text ends before this ${top === '{' ? 'object' : 'array'} is closed`
        : `unexpected ${describe(c)}: expected ',' or '${top === '{' ? '}' : ']'}'`,
    );
  }
}

/** One line for a text JSON.parse refused: where and what, never V8's snippet of the input. */
export function jsonErrorMessage(text: string): string {
  const e = findJsonError(text);
  return e ? `line ${e.line}, column ${e.column}: ${e.message}` : 'it does not parse as JSON';
}
