/**
 * Anchors: the places in code a plan operator can point at (a table read, a predicate, a GROUP BY,
 * an ORDER BY, a window, a UNION, a select item …), each with the terms it holds and their lines.
 * SQL files, SQL embedded in Python strings and PySpark DataFrame calls all reduce to anchors, so the
 * mapper works on one shape. Lines are 1-based here: anchors are what the JSON contract reports.
 */

export type AnchorKind =
  | 'table'
  | 'predicate'
  | 'group'
  | 'rollup'
  | 'order'
  | 'limit'
  | 'window'
  | 'union'
  | 'select'
  | 'distinct'
  | 'generate';

export interface Term {
  /** Lower-cased identifier (last part of a qualified name) or normalised literal. */
  t: string;
  /** 1-based line. */
  line: number;
}

export interface Anchor {
  kind: AnchorKind;
  startLine: number;
  endLine: number;
  words: Term[];
  literals: Term[];
  /** The table for `table`, the alias for a `select` item, the operator keyword for `union`. */
  name?: string;
  /** A predicate holding `=` (join candidates). */
  eq?: boolean;
  /** Where a predicate sits: where / having / on / filter / join. */
  clause?: string;
  /** For a set operation: the blocks it combines. */
  sides?: number[];
  /** A predicate that compares with a subquery (`x = (select …)`, `x in (select …)`, `exists (…)`): that block. */
  subquery?: number;
  /** The query block (SQL SELECT, Python function) the anchor belongs to. */
  block: number;
}

export interface Block {
  /** CTE or derived-table name, or Python function name. */
  name?: string;
  /**
   * SQL: the statement's own SELECT, a CTE, a derived table (FROM (select …)), or a subquery inside an expression
   * (WHERE/HAVING/SELECT: scalar, IN, EXISTS). Unset for code blocks (functions).
   */
  kind?: 'main' | 'cte' | 'derived' | 'subquery';
  parent: number | null;
  /** Tables (and CTE names) read directly in this block. */
  tables: string[];
  startLine: number;
  endLine: number;
}

export interface SourceUnit {
  /** Workspace-relative path. */
  file: string;
  anchors: Anchor[];
  blocks: Block[];
  /** Every identifier and literal in the file with its count: the file-ranking bag. */
  bag: Map<string, number>;
  /** Name of the file's main unit (dbt model / file stem), used when a block has no name. */
  unitName: string;
  /** Code: what other files' helpers may add (see link.ts); absent when there is nothing to link. */
  links?: UnitLinks;
}

export interface UnitLinks {
  /** Functions defined here that read the table a parameter names: name → the parameter's index. */
  readers: Record<string, number>;
  /** Calls of functions from other modules with literal arguments (`load(spark, "orders")`, `h.load(…)`). */
  calls: Array<{ fn: string; module: string; args: Array<string | undefined>; line: number; block: number }>;
}

export function termSet(terms: Term[]): Set<string> {
  return new Set(terms.map((x) => x.t));
}

const effectiveCache = new WeakMap<SourceUnit, Map<number, Set<string>>>();

/** Tables a block reads, its nested blocks and the CTEs it names included (units are immutable: cached). */
export function effectiveTables(unit: SourceUnit, block: number): Set<string> {
  let m = effectiveCache.get(unit);
  if (!m) effectiveCache.set(unit, (m = new Map()));
  let s = m.get(block);
  if (!s) m.set(block, (s = collectTables(unit, block, new Set())));
  return s;
}

function collectTables(unit: SourceUnit, block: number, seen: Set<number>): Set<string> {
  const out = new Set<string>();
  if (seen.has(block)) return out;
  seen.add(block);
  const b = unit.blocks[block];
  if (!b) return out;
  for (const t of b.tables) {
    out.add(t);
    unit.blocks.forEach((o, i) => {
      if (o.name === t && i !== block) for (const x of collectTables(unit, i, seen)) out.add(x);
    });
  }
  unit.blocks.forEach((o, i) => {
    if (o.parent === block) for (const x of collectTables(unit, i, seen)) out.add(x);
  });
  return out;
}

/** The symbol an anchor belongs to: its nearest named block, else the unit's name. */
export function symbolOf(unit: SourceUnit, block: number): string {
  for (let b: number | null = block; b !== null && unit.blocks[b]; b = unit.blocks[b].parent) {
    const name = unit.blocks[b].name;
    if (name) return name;
  }
  return unit.unitName;
}

/** Names DataFrame code gives a table's data besides its own: `order` for orders, `customer_df`, `df_lineitem`. */
const DF_AFFIX = /^(?:df_|ds_)|(?:_df|_ds|_data|_table|_tbl|df)$/;

/** Whether a name in code (a table read or a DataFrame variable) stands for the plan's table. */
export function tableNameMatches(codeName: string, table: string): boolean {
  if (codeName === table) return true;
  const bare = codeName.replace(DF_AFFIX, '');
  for (const n of bare === codeName ? [codeName] : [codeName, bare]) {
    if (n === table || n + 's' === table || table + 's' === n || n + 'es' === table) return true;
  }
  return false;
}

/** Whether a unit names a table (exactly, or as a DataFrame variable standing for it). */
export function unitNamesTable(unit: SourceUnit, table: string): boolean {
  if (unit.bag.has(table)) return true;
  return unit.anchors.some((a) => a.kind === 'table' && !!a.name && tableNameMatches(a.name, table));
}

/** Whether a block is, or sits inside, a subquery of an expression (scalar, IN, EXISTS). */
export function inSubqueryBlock(unit: SourceUnit, block: number): boolean {
  for (
    let b: number | null = block, guard = 0;
    b !== null && unit.blocks[b] && guard < 1000;
    b = unit.blocks[b].parent, guard++
  ) {
    if (unit.blocks[b].kind === 'subquery') return true;
  }
  return false;
}
