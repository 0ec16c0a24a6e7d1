/**
 * What the localisers read off a unit's anchors: the words of a block, of its select list, of a GROUP BY / ORDER BY
 * (ordinals resolved), how many predicates name a column; and how plan literals compare with code literals.
 * Units are immutable once built, so the per-unit tables are cached.
 */
import type { Anchor, SourceUnit, Term } from '../source/anchors';

export function linesOf(terms: Term[], wanted: (t: string) => boolean): number[] {
  return terms.filter((x) => wanted(x.t)).map((x) => x.line);
}

/** Up to three distinct names for an explanation. */
export function fmtList(all: string[]): string {
  const xs = [...new Set(all)];
  return xs.slice(0, 3).join(', ') + (xs.length > 3 ? ', …' : '');
}

/** How a predicate's place reads in an explanation. */
export function clauseName(clause: string | undefined): string {
  switch (clause) {
    case 'filter':
      return '.filter(…)';
    case 'join':
      return '.join(…)';
    case undefined:
      return 'A predicate';
    default:
      return clause.toUpperCase();
  }
}

/**
 * A plan literal and a code literal are the same value: equal once normalised, or a LIKE pattern Spark
 * rewrote (`LIKE 'abc%'` → StartsWith(…, abc), `'%abc%'` → Contains, `'%abc'` → EndsWith).
 */
export function sameLiteral(code: string, plan: string): boolean {
  return code === plan || (code.includes('%') && code.replace(/%/g, '') === plan);
}

/** Per unit, per block: the words of the anchors `keep` accepts. */
function wordsByBlock(keep: (a: Anchor) => boolean): (unit: SourceUnit, block: number) => Set<string> {
  const cache = new WeakMap<SourceUnit, Map<number, Set<string>>>();
  return (unit, block) => {
    let m = cache.get(unit);
    if (!m) {
      m = new Map();
      for (const a of unit.anchors) {
        if (!keep(a)) continue;
        let s = m.get(a.block);
        if (!s) m.set(a.block, (s = new Set()));
        for (const w of a.words) s.add(w.t);
      }
      cache.set(unit, m);
    }
    return m.get(block) ?? new Set();
  };
}

/** Every word of a block's anchors. */
export const blockWords = wordsByBlock(() => true);
/** The words of a block's select items. */
export const blockSelectWords = wordsByBlock((a) => a.kind === 'select');

const predicateCache = new WeakMap<SourceUnit, Map<string, number>>();
/** How many predicates of a unit mention a column. */
export function predicatesWith(unit: SourceUnit, column: string): number {
  let m = predicateCache.get(unit);
  if (!m) {
    m = new Map();
    for (const a of unit.anchors) {
      if (a.kind !== 'predicate') continue;
      for (const w of new Set(a.words.map((x) => x.t))) m.set(w, (m.get(w) ?? 0) + 1);
    }
    predicateCache.set(unit, m);
  }
  return m.get(column) ?? 0;
}

/**
 * The names a GROUP BY / ORDER BY clause refers to: its own words, plus what its ordinals (`order by 1, 4`)
 * point at — the alias (else the column) of that select item of the block.
 */
export function clauseWords(unit: SourceUnit, a: Anchor): Set<string> {
  const words = new Set(a.words.map((w) => w.t));
  const items = unit.anchors.filter((x) => x.kind === 'select' && x.block === a.block);
  // `order by count(distinct x)` names the item `count(distinct x) as n` by its expression: add `n`.
  for (const item of items) {
    if (!item.name) continue;
    const expr = item.words.filter((w) => w.t !== item.name).map((w) => w.t);
    if (expr.length && expr.every((w) => words.has(w)) && a.words.some((w) => expr.includes(w.t))) words.add(item.name);
  }
  const ordinals = a.literals.map((l) => Number(l.t)).filter((n) => Number.isInteger(n) && n > 0);
  if (ordinals.length === 0) return words;
  for (const n of ordinals) {
    const item = items[n - 1];
    if (!item) continue;
    if (item.name) words.add(item.name);
    else if (item.words.length) words.add(item.words[item.words.length - 1].t);
  }
  return words;
}
