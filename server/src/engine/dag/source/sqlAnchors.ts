/**
 * SQL clause localiser: finds, per query block, the FROM/JOIN table references, the WHERE/HAVING/ON
 * predicates (split into atoms at AND/OR, BETWEEN kept whole), GROUP BY (with ROLLUP/CUBE/GROUPING
 * SETS), ORDER BY, LIMIT, OVER(…), UNION/INTERSECT/EXCEPT and the select items, with exact lines.
 * Token-level on purpose: it has to work on every file, including the ones tree-sitter only parses
 * with ERROR nodes (several TPC-DS queries) and dbt models full of Jinja.
 */
import type { SourceUnit } from './anchors';
import { anchorTokens, type Token } from './anchorTokens';
import { ClauseScanner } from './clauseScanner';

export function sqlUnit(file: string, text: string, unitName: string, lineOffset = 0): SourceUnit {
  const tokens = anchorTokens(text, lineOffset);
  const unit: SourceUnit = { file, anchors: [], blocks: [], bag: new Map(), unitName };
  for (const t of tokens) {
    if (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string' || t.kind === 'number') {
      unit.bag.set(t.lower, (unit.bag.get(t.lower) ?? 0) + 1);
    }
  }
  addSqlAnchors(unit, tokens);
  return unit;
}

/** Adds the anchors and query blocks of SQL tokens to a unit (a .sql file, or SQL inside a Python string). */
export function addSqlAnchors(unit: SourceUnit, tokens: Token[]): void {
  new ClauseScanner(unit, tokens).run();
}
