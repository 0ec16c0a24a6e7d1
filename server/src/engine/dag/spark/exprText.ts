/**
 * Small readers for the expression text Spark prints: bracket lists, top-level splits, attribute
 * references (`name#12L`) and the atoms of a condition with the literals they compare against.
 */

/** Splits `s` at `sep` where no (), [] or {} is open. */
export function splitTopLevel(s: string, sep = ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && s.startsWith(sep, i)) {
      out.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

/** The top-level `[...]` groups of `s`, in order, without their brackets. */
export function bracketLists(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[' || c === '(') {
      if (c === '[' && depth === 0) start = i + 1;
      depth++;
    } else if (c === ']' || c === ')') {
      depth--;
      if (c === ']' && depth === 0 && start >= 0) {
        out.push(s.slice(start, i));
        start = -1;
      }
    }
  }
  return out;
}

/** The value of `name=[…]` / `name=…` inside `Op(name=[…], other=…)` text. */
export function namedArg(s: string, name: string): string | undefined {
  const i = s.indexOf(`${name}=`);
  if (i < 0) return undefined;
  const rest = s.slice(i + name.length + 1);
  if (rest.startsWith('[')) return bracketLists(rest)[0];
  return splitTopLevel(rest)[0]?.replace(/\)$/, '');
}

const ATTR = /([A-Za-z_][\w]*)#\d+L?/g;

/** Attribute names referenced in `s` (`ss_item_sk#38` → `ss_item_sk`), lower-cased, in order, unique. */
export function attributes(s: string): string[] {
  const seen = new Set<string>();
  for (const m of s.matchAll(ATTR)) seen.add(m[1].toLowerCase());
  return [...seen];
}

/** Expressions of a key list, each reduced to the attributes it uses. */
export function keyAttributes(list: string | undefined): string[][] {
  if (!list) return [];
  return splitTopLevel(list)
    .map(attributes)
    .filter((a) => a.length > 0);
}

/** One comparison of a condition. */
export interface ConditionAtom {
  text: string;
  columns: string[];
  /** Literal values compared against (normalised with `normLiteral`). */
  literals: string[];
  /** isnotnull/isnull tests Spark infers from joins: no trace in the code. */
  inferred: boolean;
}

function stripParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')') && matchingClose(t, 0) === t.length - 1) t = t.slice(1, -1).trim();
  return t;
}

function matchingClose(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits at top-level AND / OR (Spark 3 prints AND/OR, Spark 2 `&&`/`||`). */
function splitBoolean(s: string): string[] {
  const t = stripParens(s);
  for (const sep of [' AND ', ' && ', ' OR ', ' || ']) {
    const parts = splitTopLevel(t, sep);
    if (parts.length > 1) return parts.flatMap(splitBoolean);
  }
  if (/^NOT /.test(t)) return splitBoolean(t.slice(4));
  return [t];
}

const COMPARISON = / (<=>|=|!=|<>|>=|<=|>|<|IN|INSET|LIKE|RLIKE) /;

export function conditionAtoms(cond: string | undefined): ConditionAtom[] {
  if (!cond || cond === 'None') return [];
  return splitBoolean(cond).map((text) => {
    const columns = attributes(text);
    const inferred = /^(isnotnull|isnull|dynamicpruning|might_contain)/i.test(text);
    return { text, columns, literals: inferred ? [] : literalsOf(text), inferred };
  });
}

function literalsOf(atom: string): string[] {
  const fn = /^(StartsWith|EndsWith|Contains)\((.*)\)$/.exec(atom);
  if (fn) {
    const args = splitTopLevel(fn[2]);
    return args.filter((a) => !/#\d/.test(a)).map(normLiteral);
  }
  // Split at the first top-level comparison operator.
  let depth = 0;
  for (let i = 0; i < atom.length; i++) {
    const c = atom[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && c === ' ') {
      const m = COMPARISON.exec(atom.slice(i));
      if (m && m.index === 0) {
        const left = atom.slice(0, i);
        const right = atom.slice(i + m[0].length);
        const side = /#\d/.test(right) ? (/#\d/.test(left) ? undefined : left) : right;
        if (side === undefined) return [];
        if (m[1] === 'IN') return splitTopLevel(stripParens(side)).map(unwrapLiteral).map(normLiteral);
        if (m[1] === 'INSET') return splitTopLevel(side).map(unwrapLiteral).map(normLiteral);
        return [normLiteral(unwrapLiteral(side))];
      }
    }
  }
  return [];
}

/** `cast(2000-08-23 as date)` → `2000-08-23`; `'abc'` → `abc`. */
function unwrapLiteral(s: string): string {
  let t = stripParens(s);
  for (;;) {
    const c = /^cast\((.*) as [\w(), ]+\)$/i.exec(t);
    if (!c) break;
    t = stripParens(c[1]);
  }
  return t.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
}

/** Canonical form of a literal for comparing plan and code: numbers by value, text lower-cased. */
export function normLiteral(v: string): string {
  const t = v.trim().replace(/^'(.*)'$/, '$1');
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?[LDdBSY]?$/.test(t)) {
    const n = Number(t.replace(/[LDdBSY]$/, ''));
    if (Number.isFinite(n)) return String(n);
  }
  return t.toLowerCase();
}
