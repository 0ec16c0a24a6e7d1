/**
 * Which source units made this plan: every unit is scored by the plan's terms it contains, each term
 * weighted by its kind (tables and literals say most) and by how rare it is across the workspace, so
 * `store_sales` (everywhere) counts little and `i_manufact_id = 128` a lot.
 */
import { unitNamesTable, type SourceUnit } from '../source/anchors';
import type { PlanFacts } from './planFacts';
import { linear, RANKING } from './scores';

export interface RankedUnit {
  unit: SourceUnit;
  /** Share of the plan's weighted terms the unit holds, 0–1. */
  score: number;
  /**
   * Share of the plan's names (tables, aliases the query gave) the unit holds. The code that made a plan
   * holds all of them; a unit that only resembles it (same tables, other query) misses some, and then
   * every operator it seems to explain is a guess. A unit holding every table and the plan's constants counts as
   * covering them (DataFrame code does not repeat a SQL query's aliases).
   */
  nameCoverage: number;
}

export function rankUnits(facts: PlanFacts, units: SourceUnit[]): RankedUnit[] {
  if (units.length === 0 || facts.terms.size === 0) return [];
  // A unit holds a table term when it names the table, also as a DataFrame variable (`order` for orders).
  const holds = (unit: SourceUnit, t: string, kind: string) =>
    kind === 'table' ? unitNamesTable(unit, t) : unit.bag.has(t);
  const df = new Map<string, number>();
  for (const [t, v] of facts.terms) {
    let n = 0;
    for (const u of units) if (holds(u, t, v.kind)) n++;
    df.set(t, n);
  }
  const N = units.length;
  let total = 0;
  const weightOf = new Map<string, number>();
  for (const [t, { weight }] of facts.terms) {
    const d = df.get(t)!;
    // Terms no unit holds still count in the total: a plan whose code is absent must score low.
    const w = weight * Math.log(1 + N / Math.max(1, d));
    weightOf.set(t, w);
    total += w;
  }
  const planTables = new Set([...facts.terms].filter(([, v]) => v.kind === 'table').map(([t]) => t));
  const names = [...facts.terms].filter(([, v]) => v.kind === 'table' || v.kind === 'alias');
  const tables = names.filter(([, v]) => v.kind === 'table');
  const literals = [...facts.terms].filter(([, v]) => v.kind === 'literal');
  const ranked = units.map((unit) => {
    let s = 0;
    for (const [t, w] of weightOf) if (holds(unit, t, facts.terms.get(t)!.kind)) s += w;
    // Of two units holding the plan's terms, the one reading tables the plan never scans is the worse fit
    // (TPC-DS q4 holds all of q11 and a third channel).
    let foreign = 0;
    const own = tablesRead(unit);
    for (const t of own) if (!planTables.has(t)) foreign++;
    const precision = planTables.size && own.length ? 1 - foreign / own.length : 1;
    let nameCoverage = names.length ? names.filter(([t, v]) => holds(unit, t, v.kind)).length / names.length : 1;
    // Code that says the plan in other words (a DataFrame query without the SQL's aliases) still holds every
    // table and the query's own constants: that is as good as the names.
    const share = (xs: Array<[string, unknown]>) =>
      xs.filter(([t]) => holds(unit, t, facts.terms.get(t)!.kind)).length / xs.length;
    const coversNames = literals.length >= 1 && tables.length && share(tables) === 1;
    if (coversNames && share(literals) >= RANKING.literalsForNames) nameCoverage = 1;
    return { unit, score: total > 0 ? (s / total) * linear(RANKING.precision, precision) : 0, nameCoverage };
  });
  return ranked
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || (a.unit.file < b.unit.file ? -1 : a.unit.file > b.unit.file ? 1 : 0));
}

const tablesCache = new WeakMap<SourceUnit, string[]>();
/** Distinct tables a unit reads, CTE names left out (units are immutable: cached). */
function tablesRead(unit: SourceUnit): string[] {
  let t = tablesCache.get(unit);
  if (!t) {
    const blockNames = new Set(unit.blocks.map((b) => b.name));
    t = [...new Set(unit.anchors.filter((a) => a.kind === 'table' && !blockNames.has(a.name)).map((a) => a.name!))];
    tablesCache.set(unit, t);
  }
  return t;
}
