/**
 * One localiser per operator role: where in a unit the code that made such an operator can be, and how sure
 * each place is (the scores are in scores.ts). A scan → the FROM/JOIN (or read) of its table, a filter → the
 * predicate holding its columns and literals, a join → the equality of its keys, an aggregate → GROUP BY, a
 * sort → ORDER BY/LIMIT, a window → OVER(…), a union → UNION, an expand → ROLLUP/CUBE/GROUPING SETS, a project
 * with aliases → the select items, a generate → LATERAL VIEW.
 */
import { effectiveTables, tableNameMatches, type Anchor, type SourceUnit } from '../source/anchors';
import type { Role } from '../spark/operators';
import {
  blockSelectWords,
  blockWords,
  clauseName,
  clauseWords,
  fmtList,
  linesOf,
  predicatesWith,
  sameLiteral,
} from './anchorWords';
import type { NodeContext } from './localise';
import { linear, SCORES } from './scores';

/** A clause range the contract allows: at most 5 lines, starting at the first matched line. */
export const MAX_SPAN = 5;

/** What a localiser works with: the unit, the node, and where its candidates go. */
export interface Site {
  unit: SourceUnit;
  ctx: NodeContext;
  /** Share of the node's tables the block reads (1 when the node reads none). */
  fit(block: number): number;
  /** A candidate over lines start–end (cut to MAX_SPAN lines), its score clamped to 0–1. */
  push(a: { block: number }, start: number, end: number, score: number, explanation: string): void;
}

export const LOCALISERS: Partial<Record<Role, (site: Site) => void>> = {
  scan: tableRead,
  filter: predicate,
  join: joinCondition,
  aggregate: grouping,
  sort: ordering,
  limit: limitClause,
  window: overClause,
  union: setOperation,
  expand: groupingSets,
  project: selectItems,
  generate: lateralView,
};

function tableRead({ unit, ctx: { ev }, push }: Site): void {
  if (!ev.table) return;
  for (const a of unit.anchors) {
    if (a.kind !== 'table' || !a.name || !tableNameMatches(a.name, ev.table)) continue;
    if (ev.literals?.length) {
      // A generated source (`spark.range(n)`): told apart by the numbers it was written with.
      const hit = ev.literals.filter((l) => a.literals.some((x) => sameLiteral(x.t, l))).length;
      if (hit) {
        push(
          a,
          a.startLine,
          a.endLine,
          linear(SCORES.scan.generated, hit / ev.literals.length),
          `${ev.table}(${ev.literals.join(', ')}) is written here`,
        );
      }
      continue;
    }
    // Several reads of one table: prefer the block that uses the columns the scan reads.
    const words = blockWords(unit, a.block);
    const used = ev.columns.filter((c) => words.has(c)).length;
    const share = ev.columns.length ? used / ev.columns.length : 1;
    push(
      a,
      a.startLine,
      a.endLine,
      linear(SCORES.scan.tableRead, share),
      `reads table ${ev.table}${used ? ` and uses ${used} of its ${ev.columns.length} scanned columns nearby` : ''}`,
    );
  }
}

function predicate({ unit, ctx: { ev }, fit, push }: Site): void {
  const atoms = ev.atoms.filter((x) => !x.inferred);
  if (atoms.length === 0) return;
  const S = SCORES.filter;
  for (const a of unit.anchors) {
    if (a.kind !== 'predicate') continue;
    let score = 0;
    let matched = 0;
    const lines: number[] = [];
    const said: string[] = [];
    for (const atom of atoms) {
      const cols = atom.columns.filter((c) => a.words.some((w) => w.t === c));
      if (cols.length === 0) continue;
      const colLines = linesOf(a.words, (t) => cols.includes(t));
      const lits = atom.literals.filter((l) => a.literals.some((x) => sameLiteral(x.t, l)));
      if (atom.literals.length > 0 && lits.length > 0) {
        score = Math.max(score, S.columnAndLiteral);
        matched++;
        lines.push(...colLines, ...linesOf(a.literals, (t) => lits.some((l) => sameLiteral(t, l))));
        said.push(`${cols[0]} vs ${lits[0]}`);
      } else if (atom.literals.length === 0 && cols.length >= Math.min(2, atom.columns.length)) {
        score = Math.max(score, S.columns);
        matched++;
        lines.push(...colLines);
        said.push(cols.join(' vs '));
      } else if (atom.literals.length > 0 && atom.literals.every((l) => !unit.bag.has(l))) {
        // The literal is nowhere in this code: it came in at run time (a parameter, a config value).
        score = Math.max(score, S.literalFromOutside);
        lines.push(...colLines);
        said.push(`${cols[0]}; its value ${atom.literals[0]} is not written in the code (computed or passed in)`);
      } else if (predicatesWith(unit, cols[0]) === 1) {
        // The only predicate on that column in this code: the value is computed or passed in.
        score = Math.max(score, S.onlyPredicateOnColumn);
        lines.push(...colLines);
        said.push(`${cols[0]}, the only predicate on it here`);
      } else {
        score = Math.max(score, S.columnOnly);
        lines.push(...colLines);
        said.push(cols[0]);
      }
    }
    if (score === 0) continue;
    const s = Math.min(...lines);
    const bonus = Math.min(S.extraAtomsCap, S.perExtraAtom * (matched - 1));
    push(
      a,
      s,
      Math.max(...lines.filter((l) => l < s + MAX_SPAN)),
      score * linear(S.scope, fit(a.block)) + bonus,
      `${clauseName(a.clause)} holds the filter's ${score >= 1 ? 'column and literal' : 'columns'} (${fmtList(said)})`,
    );
  }
}

function joinCondition(site: Site): void {
  const {
    unit,
    ctx: { ev, subqueryJoin },
    fit,
    push,
  } = site;
  const S = SCORES.join;
  if (subqueryJoin) {
    // `x in (select …`, `x = (select min(…) …`: the predicate opening the subquery, holding the compared column.
    const { kind, columns } = subqueryJoin;
    for (const a of unit.anchors) {
      if (a.kind !== 'predicate' || a.subquery === undefined) continue;
      const hit = columns.find((c) => a.words.some((w) => w.t === c));
      if (!hit) continue;
      push(
        a,
        a.startLine,
        a.startLine,
        S.subquery * linear(S.subqueryScope, fit(a.block)),
        kind === 'semi'
          ? `IN (subquery) on ${hit}`
          : `compares ${hit} with a scalar subquery (decorrelated into this join)`,
      );
    }
  }
  const pairs = ev.leftKeys.map((l, i) => [l, ev.rightKeys[i] ?? []] as const).filter(([l, r]) => l.length && r.length);
  if (pairs.length) {
    for (const a of unit.anchors) {
      if (a.kind !== 'predicate' || !a.eq) continue;
      const words = new Set(a.words.map((w) => w.t));
      // A self-join on one column name (`ctr1.ctr_store_sk = ctr2.ctr_store_sk`) must name it twice.
      const twice = (x: string) => a.words.filter((w) => w.t === x).length >= 2;
      const hit = pairs.find(
        ([l, r]) => l.some((x) => words.has(x)) && r.some((x) => words.has(x) && (!l.includes(x) || twice(x))),
      );
      if (!hit) continue;
      const lines = linesOf(a.words, (t) => hit[0].includes(t) || hit[1].includes(t));
      push(
        a,
        Math.min(...lines),
        Math.max(...lines),
        linear(S.keys, fit(a.block)),
        `${clauseName(a.clause)} equates the join keys ${hit[0][0]} = ${hit[1][0]}`,
      );
    }
  } else if (ev.atoms.length) {
    for (const a of unit.anchors) {
      if (a.kind !== 'predicate') continue;
      const words = new Set(a.words.map((w) => w.t));
      const atom = ev.atoms.find((x) => x.columns.length >= 2 && x.columns.every((c) => words.has(c)));
      if (!atom) continue;
      const lines = linesOf(a.words, (t) => atom.columns.includes(t));
      push(
        a,
        Math.min(...lines),
        Math.max(...lines),
        S.condition * linear(S.conditionScope, fit(a.block)),
        `predicate holds the join condition's columns (${fmtList(atom.columns)})`,
      );
    }
  }
}

function grouping({ unit, ctx: { ev }, fit, push }: Site): void {
  if (ev.keys.length === 0) return;
  const S = SCORES.aggregate;
  for (const a of unit.anchors) {
    if (a.kind !== 'group' && a.kind !== 'distinct') continue;
    const group = a.kind === 'group';
    const words = group ? clauseWords(unit, a) : blockSelectWords(unit, a.block);
    const found = ev.keys.filter((k) => words.has(k));
    if (found.length === 0) continue;
    const share = found.length / ev.keys.length;
    const score =
      linear(group ? S.groupBy : S.distinct, share) * linear(S.scope, fit(a.block)) + (share === 1 ? S.allKeys : 0);
    const clause = group ? 'GROUP BY' : 'SELECT DISTINCT';
    push(
      a,
      a.startLine,
      a.endLine,
      score,
      `${clause} holds ${found.length} of the ${ev.keys.length} grouping keys (${fmtList(found)})`,
    );
  }
}

function ordering({ unit, ctx: { ev, operator }, fit, push }: Site): void {
  const S = SCORES.sort;
  for (const a of unit.anchors) {
    if (a.kind !== 'order') continue;
    const words = clauseWords(unit, a);
    const found = ev.keys.filter((k) => words.has(k));
    const share = ev.keys.length ? found.length / ev.keys.length : 0;
    if (ev.keys.length && found.length === 0) continue;
    const limit = unit.anchors.find((x) => x.kind === 'limit' && x.block === a.block && x.startLine >= a.startLine);
    const top = /TakeOrderedAndProject$/.test(operator) && !!limit;
    const end = limit && limit.endLine - a.startLine < MAX_SPAN ? limit.endLine : a.endLine;
    push(
      a,
      a.startLine,
      end,
      linear(S.orderBy, share) + (top ? S.topWithLimit : 0) + S.scope * fit(a.block),
      `ORDER BY ${found.length ? `holds ${fmtList(found)}` : 'of the block'}${top ? ' with its LIMIT' : ''}`,
    );
  }
}

function limitClause({ unit, push }: Site): void {
  for (const a of unit.anchors) if (a.kind === 'limit') push(a, a.startLine, a.endLine, SCORES.limit, 'LIMIT clause');
}

function overClause({ unit, ctx: { ev }, push }: Site): void {
  // Spark names computed partition/order expressions `_w0`, `_w1`: those say nothing about the code.
  const need = [...ev.keys, ...ev.columns].filter((k) => !k.startsWith('_'));
  for (const a of unit.anchors) {
    if (a.kind !== 'window') continue;
    const words = new Set(a.words.map((w) => w.t));
    const found = need.filter((k) => words.has(k));
    // The select item the OVER (…) sits in, named like the window's output column.
    const item = unit.anchors.find(
      (x) =>
        x.kind === 'select' &&
        x.block === a.block &&
        x.name &&
        ev.aliases.includes(x.name) &&
        x.startLine <= a.startLine &&
        x.endLine >= a.startLine,
    );
    if (found.length === 0 && !item) continue;
    const share = need.length ? found.length / need.length : 0;
    const S = SCORES.window;
    const score = Math.max(found.length ? linear(S.partition, share) : 0, item ? S.namedItem : 0);
    push(
      a,
      a.startLine,
      a.endLine,
      score,
      item && share < 0.5
        ? `OVER (…) of the select item ${item.name}, the window's output column`
        : `OVER (…) partitions by ${fmtList(found)}`,
    );
  }
}

function setOperation({ unit, ctx, push }: Site): void {
  const want = ctx.operator === 'Union' ? 'union' : ctx.operator.toLowerCase();
  for (const a of unit.anchors) {
    if (a.kind !== 'union') continue;
    if (a.name !== want && !(want === 'except' && a.name === 'minus')) continue;
    const sides = (a.sides ?? []).map((b) => effectiveTables(unit, b));
    let best = 0;
    for (const side of sides)
      for (const inp of ctx.inputTables) {
        if (inp.size === 0) continue;
        let hit = 0;
        for (const t of inp) if (side.has(t)) hit++;
        best = Math.max(best, hit / inp.size);
      }
    push(
      a,
      a.startLine,
      a.endLine,
      linear(SCORES.union, best),
      `${a.name?.toUpperCase()} combining blocks that read ${fmtList([...ctx.tables])}`,
    );
  }
}

function groupingSets({ unit, ctx: { consumerKeys }, push }: Site): void {
  for (const a of unit.anchors) {
    if (a.kind !== 'rollup') continue;
    const words = new Set(a.words.map((w) => w.t));
    const found = consumerKeys.filter((k) => words.has(k));
    const share = consumerKeys.length ? found.length / consumerKeys.length : SCORES.expand.unknownKeys;
    push(
      a,
      a.startLine,
      a.endLine,
      linear(SCORES.expand.rollup, share),
      `${a.name?.toUpperCase()} over ${fmtList(found.length ? found : ['the grouping columns'])}`,
    );
  }
}

function selectItems({ unit, ctx: { ev }, fit, push }: Site): void {
  if (ev.aliases.length === 0) return;
  const byBlock = new Map<number, Anchor[]>();
  for (const a of unit.anchors) {
    if (a.kind !== 'select' || !a.name || !ev.aliases.includes(a.name)) continue;
    byBlock.set(a.block, [...(byBlock.get(a.block) ?? []), a]);
  }
  for (const [block, items] of byBlock) {
    const share = items.length / ev.aliases.length;
    const score = linear(SCORES.project.items, share) + SCORES.project.scope * fit(block);
    push(
      { block },
      items[0].startLine,
      items[items.length - 1].endLine,
      score,
      `select list defines ${fmtList(items.map((i) => i.name!))}`,
    );
  }
}

function lateralView({ unit, push }: Site): void {
  for (const a of unit.anchors) {
    if (a.kind === 'generate') push(a, a.startLine, a.endLine, SCORES.generate, 'LATERAL VIEW / explode');
  }
}
