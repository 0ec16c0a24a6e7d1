/**
 * Localises one operator in one source unit by what it means (see localisers.ts, one per operator role): each
 * candidate place gets a score in 0–1 from the evidence that matched (scores.ts); ties between query blocks are
 * broken by the tables each block reads.
 */
import { effectiveTables, type SourceUnit } from '../source/anchors';
import type { OperatorEvidence } from '../spark/operators';
import { LOCALISERS, MAX_SPAN, type Site } from './localisers';

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

export function localise(unit: SourceUnit, ctx: NodeContext): Candidate[] {
  const localiser = LOCALISERS[ctx.ev.role];
  if (!localiser) return [];
  const out: Candidate[] = [];
  const scopes = new Map<number, Set<string>>();
  const site: Site = {
    unit,
    ctx,
    fit: (block) => scopeFit(unit, block, ctx.tables, scopes),
    push: (a, start, end, score, explanation) => {
      const endLine = Math.min(end, start + MAX_SPAN - 1);
      score = Math.max(0, Math.min(1, score));
      out.push({ unit, block: a.block, startLine: start, endLine, score, explanation });
    },
  };
  localiser(site);
  return out;
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
