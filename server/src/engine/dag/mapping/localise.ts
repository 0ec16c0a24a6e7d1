/**
 * Localises one operator in one source unit by what it means: a scan → the FROM/JOIN (or read) of its
 * table, a filter → the predicate holding its columns and literals, a join → the equality of its keys,
 * an aggregate → GROUP BY, a sort → ORDER BY/LIMIT, a window → OVER(…), a union → UNION, an expand →
 * ROLLUP/CUBE/GROUPING SETS, a project with aliases → the select items. Each candidate gets a score in
 * 0–1 from the evidence that matched; ties between query blocks are broken by the tables each block reads.
 */
import { effectiveTables, tableNameMatches, type Anchor, type SourceUnit, type Term } from '../source/anchors';
import type { OperatorEvidence } from '../spark/operators';

export interface Candidate {
  unit: SourceUnit;
  block: number;
  startLine: number;
  endLine: number;
  /** Evidence score 0–1 before ambiguity and file-rank adjustments. */
  score: number;
  explanation: string;
}

export interface NodeContext {
  ev: OperatorEvidence;
  operator: string;
  /** Tables read below the node. */
  tables: Set<string>;
  /** For a union: the tables below each input. */
  inputTables: Array<Set<string>>;
  /** Keys of the aggregate an Expand feeds (its grouping columns). */
  consumerKeys: string[];
  /** A join Spark made of a subquery: `IN`/`EXISTS` (semi/anti), or a column compared with a scalar subquery. */
  subqueryJoin?: { kind: 'semi' | 'scalar'; columns: string[] };
}

/** A clause range the contract allows: at most 5 lines, starting at the first matched line. */
const MAX_SPAN = 5;
function clamp(start: number, end: number): [number, number] {
  return [start, Math.min(end, start + MAX_SPAN - 1)];
}

function linesOf(terms: Term[], wanted: (t: string) => boolean): number[] {
  return terms.filter((x) => wanted(x.t)).map((x) => x.line);
}

/** Share of the node's tables the anchor's block reads (1 when the node reads none). */
function scopeFit(unit: SourceUnit, block: number, tables: Set<string>, cache: Map<number, Set<string>>): number {
  if (tables.size === 0) return 1;
  let eff = cache.get(block);
  if (!eff) {
    eff = effectiveTables(unit, block);
    cache.set(block, eff);
  }
  let hit = 0;
  for (const t of tables) if (eff.has(t)) hit++;
  return hit / tables.size;
}

const fmtList = (all: string[]) => {
  const xs = [...new Set(all)];
  return xs.slice(0, 3).join(', ') + (xs.length > 3 ? ', …' : '');
};

export function localise(unit: SourceUnit, ctx: NodeContext): Candidate[] {
  const scopes = new Map<number, Set<string>>();
  const fit = (block: number) => scopeFit(unit, block, ctx.tables, scopes);
  const out: Candidate[] = [];
  const push = (a: Anchor | { block: number }, start: number, end: number, score: number, explanation: string) => {
    const [s, e] = clamp(start, end);
    out.push({ unit, block: a.block, startLine: s, endLine: e, score: Math.max(0, Math.min(1, score)), explanation });
  };
  const { ev } = ctx;
  const anchors = unit.anchors;

  switch (ev.role) {
    case 'scan': {
      if (!ev.table) break;
      for (const a of anchors) {
        if (a.kind !== 'table' || !a.name || !tableNameMatches(a.name, ev.table)) continue;
        if (ev.literals?.length) {
          // A generated source (`spark.range(n)`): told apart by the numbers it was written with.
          const hit = ev.literals.filter((l) => a.literals.some((x) => sameLiteral(x.t, l))).length;
          if (hit) push(a, a.startLine, a.endLine, 0.8 + 0.15 * (hit / ev.literals.length), `${ev.table}(${ev.literals.join(', ')}) is written here`);
          continue;
        }
        // Several reads of one table: prefer the block that uses the columns the scan reads.
        const words = blockWords(unit, a.block);
        const used = ev.columns.filter((c) => words.has(c)).length;
        const share = ev.columns.length ? used / ev.columns.length : 1;
        push(a, a.startLine, a.endLine, 0.85 + 0.1 * share, `reads table ${ev.table}${used ? ` and uses ${used} of its ${ev.columns.length} scanned columns nearby` : ''}`);
      }
      break;
    }
    case 'filter': {
      const atoms = ev.atoms.filter((x) => !x.inferred);
      if (atoms.length === 0) break;
      for (const a of anchors) {
        if (a.kind !== 'predicate') continue;
        let score = 0;
        let matched = 0;
        const lines: number[] = [];
        const said: string[] = [];
        for (const atom of atoms) {
          const cols = atom.columns.filter((c) => a.words.some((w) => w.t === c));
          if (cols.length === 0) continue;
          const lits = atom.literals.filter((l) => a.literals.some((x) => sameLiteral(x.t, l)));
          if (atom.literals.length > 0 && lits.length > 0) {
            score = Math.max(score, 1);
            matched++;
            lines.push(...linesOf(a.words, (t) => cols.includes(t)), ...linesOf(a.literals, (t) => lits.some((l) => sameLiteral(t, l))));
            said.push(`${cols[0]} vs ${lits[0]}`);
          } else if (atom.literals.length === 0 && cols.length >= Math.min(2, atom.columns.length)) {
            score = Math.max(score, 0.8);
            matched++;
            lines.push(...linesOf(a.words, (t) => cols.includes(t)));
            said.push(cols.join(' vs '));
          } else if (atom.literals.length > 0 && atom.literals.every((l) => !unit.bag.has(l))) {
            // The literal is nowhere in this code: it came in at run time (a parameter, a config value).
            score = Math.max(score, 0.7);
            lines.push(...linesOf(a.words, (t) => cols.includes(t)));
            said.push(`${cols[0]}; its value ${atom.literals[0]} is not written in the code (computed or passed in)`);
          } else if (predicatesWith(unit, cols[0]) === 1) {
            // The only predicate on that column in this code: the value is computed or passed in.
            score = Math.max(score, 0.7);
            lines.push(...linesOf(a.words, (t) => cols.includes(t)));
            said.push(`${cols[0]}, the only predicate on it here`);
          } else {
            score = Math.max(score, 0.45);
            lines.push(...linesOf(a.words, (t) => cols.includes(t)));
            said.push(cols[0]);
          }
        }
        if (score === 0) continue;
        const s = Math.min(...lines);
        const f = fit(a.block);
        push(a, s, Math.max(...lines.filter((l) => l < s + MAX_SPAN)), score * (0.8 + 0.2 * f) + Math.min(0.05, 0.02 * (matched - 1)),
          `${clauseName(a.clause)} holds the filter's ${score >= 1 ? 'column and literal' : 'columns'} (${fmtList(said)})`);
      }
      break;
    }
    case 'join': {
      if (ctx.subqueryJoin) {
        // `x in (select …`, `x = (select min(…) …`: the predicate that opens the subquery, holding the compared column.
        const { kind, columns } = ctx.subqueryJoin;
        for (const a of anchors) {
          if (a.kind !== 'predicate' || a.subquery === undefined) continue;
          const hit = columns.find((c) => a.words.some((w) => w.t === c));
          if (hit) push(a, a.startLine, a.startLine, 0.95 * (0.85 + 0.15 * fit(a.block)), kind === 'semi' ? `IN (subquery) on ${hit}` : `compares ${hit} with a scalar subquery (decorrelated into this join)`);
        }
      }
      const pairs = ev.leftKeys.map((l, i) => [l, ev.rightKeys[i] ?? []] as const).filter(([l, r]) => l.length && r.length);
      if (pairs.length) {
        for (const a of anchors) {
          if (a.kind !== 'predicate' || !a.eq) continue;
          const words = new Set(a.words.map((w) => w.t));
          // A self-join on one column name (`ctr1.ctr_store_sk = ctr2.ctr_store_sk`) must name it twice.
          const twice = (x: string) => a.words.filter((w) => w.t === x).length >= 2;
          const hit = pairs.find(([l, r]) => l.some((x) => words.has(x)) && r.some((x) => words.has(x) && (!l.includes(x) || twice(x))));
          if (!hit) continue;
          const lines = linesOf(a.words, (t) => hit[0].includes(t) || hit[1].includes(t));
          const f = fit(a.block);
          push(a, Math.min(...lines), Math.max(...lines), 0.8 + 0.2 * f, `${clauseName(a.clause)} equates the join keys ${hit[0][0]} = ${hit[1][0]}`);
        }
      } else if (ev.atoms.length) {
        for (const a of anchors) {
          if (a.kind !== 'predicate') continue;
          const words = new Set(a.words.map((w) => w.t));
          const atom = ev.atoms.find((x) => x.columns.length >= 2 && x.columns.every((c) => words.has(c)));
          if (!atom) continue;
          const lines = linesOf(a.words, (t) => atom.columns.includes(t));
          push(a, Math.min(...lines), Math.max(...lines), 0.75 * (0.8 + 0.2 * fit(a.block)), `predicate holds the join condition's columns (${fmtList(atom.columns)})`);
        }
      }
      break;
    }
    case 'aggregate': {
      if (ev.keys.length === 0) break;
      for (const a of anchors) {
        if (a.kind !== 'group' && a.kind !== 'distinct') continue;
        const words = a.kind === 'group' ? clauseWords(unit, a) : blockSelectWords(unit, a.block);
        const found = ev.keys.filter((k) => words.has(k));
        if (found.length === 0) continue;
        const share = found.length / ev.keys.length;
        const f = fit(a.block);
        push(a, a.startLine, a.endLine, (a.kind === 'group' ? 0.55 + 0.35 * share : 0.5 * share) * (0.85 + 0.15 * f) + (share === 1 ? 0.1 : 0),
          `${a.kind === 'group' ? 'GROUP BY' : 'SELECT DISTINCT'} holds ${found.length} of the ${ev.keys.length} grouping keys (${fmtList(found)})`);
      }
      break;
    }
    case 'sort': {
      for (const a of anchors) {
        if (a.kind !== 'order') continue;
        const words = clauseWords(unit, a);
        const found = ev.keys.filter((k) => words.has(k));
        const share = ev.keys.length ? found.length / ev.keys.length : 0;
        if (ev.keys.length && found.length === 0) continue;
        const limit = anchors.find((x) => x.kind === 'limit' && x.block === a.block && x.startLine >= a.startLine);
        const isTop = /TakeOrderedAndProject$/.test(ctx.operator);
        const end = limit && limit.endLine - a.startLine < MAX_SPAN ? limit.endLine : a.endLine;
        push(a, a.startLine, end, 0.5 + 0.35 * share + (isTop && limit ? 0.1 : 0) + 0.05 * fit(a.block),
          `ORDER BY ${found.length ? `holds ${fmtList(found)}` : 'of the block'}${isTop && limit ? ' with its LIMIT' : ''}`);
      }
      break;
    }
    case 'limit': {
      for (const a of anchors) if (a.kind === 'limit') push(a, a.startLine, a.endLine, 0.7, 'LIMIT clause');
      break;
    }
    case 'window': {
      // Spark names computed partition/order expressions `_w0`, `_w1`: those say nothing about the code.
      const need = [...ev.keys, ...ev.columns].filter((k) => !k.startsWith('_'));
      for (const a of anchors) {
        if (a.kind !== 'window') continue;
        const words = new Set(a.words.map((w) => w.t));
        const found = need.filter((k) => words.has(k));
        // The select item the OVER (…) sits in, named like the window's output column.
        const item = anchors.find((x) => x.kind === 'select' && x.block === a.block && x.name && ev.aliases.includes(x.name) && x.startLine <= a.startLine && x.endLine >= a.startLine);
        if (found.length === 0 && !item) continue;
        const share = need.length ? found.length / need.length : 0;
        const score = Math.max(found.length ? 0.55 + 0.4 * share : 0, item ? 0.9 : 0);
        push(a, a.startLine, a.endLine, score, item && share < 0.5
          ? `OVER (…) of the select item ${item.name}, the window's output column`
          : `OVER (…) partitions by ${fmtList(found)}`);
      }
      break;
    }
    case 'union': {
      for (const a of anchors) {
        if (a.kind !== 'union') continue;
        const want = ctx.operator === 'Union' ? 'union' : ctx.operator.toLowerCase();
        if (a.name !== want && !(want === 'except' && a.name === 'minus')) continue;
        const sides = (a.sides ?? []).map((b) => effectiveTables(unit, b));
        let best = 0;
        for (const side of sides) for (const inp of ctx.inputTables) {
          if (inp.size === 0) continue;
          let hit = 0;
          for (const t of inp) if (side.has(t)) hit++;
          best = Math.max(best, hit / inp.size);
        }
        push(a, a.startLine, a.endLine, 0.5 + 0.45 * best, `${a.name?.toUpperCase()} combining blocks that read ${fmtList([...ctx.tables])}`);
      }
      break;
    }
    case 'expand': {
      for (const a of anchors) {
        if (a.kind !== 'rollup') continue;
        const words = new Set(a.words.map((w) => w.t));
        const found = ctx.consumerKeys.filter((k) => words.has(k));
        const share = ctx.consumerKeys.length ? found.length / ctx.consumerKeys.length : 0.5;
        push(a, a.startLine, a.endLine, 0.6 + 0.35 * share, `${a.name?.toUpperCase()} over ${fmtList(found.length ? found : ['the grouping columns'])}`);
      }
      break;
    }
    case 'project': {
      if (ev.aliases.length === 0) break;
      const byBlock = new Map<number, Anchor[]>();
      for (const a of anchors) if (a.kind === 'select' && a.name && ev.aliases.includes(a.name)) byBlock.set(a.block, [...(byBlock.get(a.block) ?? []), a]);
      for (const [block, items] of byBlock) {
        const share = items.length / ev.aliases.length;
        push({ block }, items[0].startLine, items[items.length - 1].endLine, 0.45 + 0.4 * share + 0.1 * fit(block),
          `select list defines ${fmtList(items.map((i) => i.name!))}`);
      }
      break;
    }
    case 'generate': {
      for (const a of anchors) if (a.kind === 'generate') push(a, a.startLine, a.endLine, 0.6, 'LATERAL VIEW / explode');
      break;
    }
    default:
      break;
  }
  return out;
}

const wordCache = new WeakMap<SourceUnit, Map<number, Set<string>>>();
function blockWords(unit: SourceUnit, block: number): Set<string> {
  let m = wordCache.get(unit);
  if (!m) {
    m = new Map();
    for (const a of unit.anchors) {
      let s = m.get(a.block);
      if (!s) m.set(a.block, (s = new Set()));
      for (const w of a.words) s.add(w.t);
    }
    wordCache.set(unit, m);
  }
  return m.get(block) ?? new Set();
}

const selectCache = new WeakMap<SourceUnit, Map<number, Set<string>>>();
function blockSelectWords(unit: SourceUnit, block: number): Set<string> {
  let m = selectCache.get(unit);
  if (!m) {
    m = new Map();
    for (const a of unit.anchors) {
      if (a.kind !== 'select') continue;
      let s = m.get(a.block);
      if (!s) m.set(a.block, (s = new Set()));
      for (const w of a.words) s.add(w.t);
    }
    selectCache.set(unit, m);
  }
  return m.get(block) ?? new Set();
}

/** How a predicate's place reads in an explanation. */
function clauseName(clause: string | undefined): string {
  switch (clause) {
    case 'filter': return '.filter(…)';
    case 'join': return '.join(…)';
    case undefined: return 'A predicate';
    default: return clause.toUpperCase();
  }
}

const predicateCache = new WeakMap<SourceUnit, Map<string, number>>();
/** How many predicates of a unit mention a column. */
function predicatesWith(unit: SourceUnit, column: string): number {
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
 * A plan literal and a code literal are the same value: equal once normalised, or a LIKE pattern Spark
 * rewrote (`LIKE 'abc%'` → StartsWith(…, abc), `'%abc%'` → Contains, `'%abc'` → EndsWith).
 */
function sameLiteral(code: string, plan: string): boolean {
  return code === plan || (code.includes('%') && code.replace(/%/g, '') === plan);
}

/**
 * The names a GROUP BY / ORDER BY clause refers to: its own words, plus what its ordinals (`order by 1, 4`)
 * point at — the alias (else the column) of that select item of the block.
 */
function clauseWords(unit: SourceUnit, a: Anchor): Set<string> {
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
