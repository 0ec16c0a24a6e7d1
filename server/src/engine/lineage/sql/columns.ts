/**
 * Column lineage bookkeeping for the SQL readers: what each FROM item makes visible (a base table, or the
 * output columns of a CTE / derived table / lateral view), and how a column reference resolves against it.
 */
import type { SqlColumnSource } from './extract';

export interface OutCol {
  name: string;
  sources: SqlColumnSource[];
  start: number;
  end: number;
  note?: string;
  /**
   * The table whose `*` this column was expanded from, with the columns some schema knows (dbt YAML documents
   * a few): a column that schema leaves out can still come from that table.
   */
  star?: string;
}

/** What a FROM item makes visible to the rest of its SELECT. */
export interface Relation {
  alias?: string;
  /** Base table (normalised) when the item is a table. */
  table?: string;
  /** Output columns of a derived table / CTE / lateral view. */
  columns?: OutCol[];
}

export type Scope = Map<string, OutCol[] | 'pending'>;

export function renameCols(cols: OutCol[], names: string[]): OutCol[] {
  return cols.map((c, i) => ({ ...c, name: names[i] ?? c.name }));
}

function sourceKey(s: SqlColumnSource): string {
  return `${s.table ?? '?'}\u0000${s.column}\u0000${s.candidates?.join(',') ?? ''}`;
}

export function dedupeSources(sources: SqlColumnSource[]): SqlColumnSource[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const k = sourceKey(s);
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

export function mergeSources(a: SqlColumnSource[], b: SqlColumnSource[]): SqlColumnSource[] {
  return dedupeSources([...a, ...b]);
}

/** Resolves `c`, `t.c`, `s.t.c` against the FROM items of the SELECT it appears in. */
export function resolveColumn(
  chain: string[],
  rels: Relation[],
  schemaOf?: (t: string) => string[] | undefined,
): SqlColumnSource[] {
  const col = chain[chain.length - 1];
  if (chain.length >= 2) {
    const q = chain[chain.length - 2];
    const rel =
      rels.find((r) => r.alias === q) ?? rels.find((r) => r.table !== undefined && r.table.split('.').pop() === q);
    if (rel) return fromRelation(rel, col, true) ?? [{ column: col }];
    // Not a qualifier: a struct field access (col.field); resolve the first part as the column.
    return resolveColumn([chain[0]], rels, schemaOf);
  }
  if (rels.length === 1) return fromRelation(rels[0], col, true) ?? [{ column: col }];
  const sure: SqlColumnSource[][] = [];
  const maybe: Relation[] = [];
  for (const r of rels) {
    if (r.columns) {
      const hit = fromRelation(r, col);
      if (hit) sure.push(hit);
      else if (r.columns.some((c) => c.name === '*') || starTable(r)) maybe.push(r);
    } else if (r.table) {
      const known = schemaOf?.(r.table);
      if (known) {
        if (known.includes(col)) sure.push([{ table: r.table, column: col }]);
      } else maybe.push(r);
    }
  }
  if (sure.length === 1) return sure[0];
  const only = sure.length === 0 && maybe.length === 1 ? (maybe[0].table ?? starTable(maybe[0])) : undefined;
  if (only) return [{ table: only, column: col }];
  const candidates = [
    ...new Set(
      [...sure.flat().map((s) => s.table), ...maybe.map((m) => m.table ?? m.alias)].filter((x): x is string => !!x),
    ),
  ];
  return [{ column: col, ...(candidates.length ? { candidates } : {}) }];
}

/**
 * `col` of a FROM item. `named`: the query names this item for it (qualified, or the only item), so a column a
 * documented `*` expansion leaves out still comes from the table that `*` read.
 */
function fromRelation(rel: Relation, col: string, named = false): SqlColumnSource[] | undefined {
  if (rel.columns) {
    const hit = rel.columns.find((c) => c.name === col);
    if (hit) return hit.sources;
    const star = rel.columns.find((c) => c.name === '*' && c.sources.length === 1 && c.sources[0].table);
    if (star) return [{ table: star.sources[0].table, column: col }];
    const expanded = named ? starTable(rel) : undefined;
    return expanded ? [{ table: expanded, column: col }] : undefined;
  }
  if (rel.table) return [{ table: rel.table, column: col }];
  return undefined;
}

/** The one table whose `*` (expanded from a partial schema) the item's columns came from, if there is one. */
function starTable(rel: Relation): string | undefined {
  const tables = new Set(rel.columns?.flatMap((c) => (c.star ? [c.star] : [])));
  return tables.size === 1 ? [...tables][0] : undefined;
}
