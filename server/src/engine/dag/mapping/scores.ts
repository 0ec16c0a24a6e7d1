/**
 * The mapper's calibrated scores, in one place. Each was tuned against the labelled corpora (TPC-DS on Spark 2
 * and 3, TPC-H in PySpark and Scala): `npm run eval:map` prints the calibration table (confidence bucket →
 * accuracy) that pins them. Change one only with that table before and after.
 *
 * A `Linear` score grows with a share in [0, 1] (of keys found, of the node's tables the block reads, …):
 * `base + weight × share`.
 */
export interface Linear {
  base: number;
  weight: number;
}

export function linear(s: Linear, share: number): number {
  return s.base + s.weight * share;
}

/** Scores a localiser gives an anchor, by operator role, before ambiguity and file-rank adjustments. */
export const SCORES = {
  scan: {
    /** A read of the table; the share of the scanned columns the block uses. */
    tableRead: { base: 0.85, weight: 0.1 },
    /** A generated source (`spark.range(n)`); the share of its numbers written there. */
    generated: { base: 0.8, weight: 0.15 },
  },
  filter: {
    /** A predicate holding the atom's column and its literal. */
    columnAndLiteral: 1,
    /** A predicate holding the columns of an atom that has no literal (`a.x = b.y`). */
    columns: 0.8,
    /** The column is there, its literal nowhere in the code: it came in at run time (a parameter, a config value). */
    literalFromOutside: 0.7,
    /** The column is there, and this is the only predicate on it in the code. */
    onlyPredicateOnColumn: 0.7,
    /** The column is there, and so are other predicates on it. */
    columnOnly: 0.45,
    /** Scaled by the share of the node's tables the predicate's block reads. */
    scope: { base: 0.8, weight: 0.2 },
    /** A bonus per further atom matched in the same predicate, and its cap. */
    perExtraAtom: 0.02,
    extraAtomsCap: 0.05,
  },
  join: {
    /** `x in (select …)` / `x = (select …)`: the predicate opening the subquery Spark made this join of. */
    subquery: 0.95,
    subqueryScope: { base: 0.85, weight: 0.15 },
    /** An equality of the join keys; the share of the node's tables the block reads. */
    keys: { base: 0.8, weight: 0.2 },
    /** A predicate holding a keyless join condition's columns. */
    condition: 0.75,
    conditionScope: { base: 0.8, weight: 0.2 },
  },
  aggregate: {
    /** GROUP BY; the share of the grouping keys it holds. */
    groupBy: { base: 0.55, weight: 0.35 },
    /** SELECT DISTINCT; the share of the grouping keys its select list holds. */
    distinct: { base: 0, weight: 0.5 },
    scope: { base: 0.85, weight: 0.15 },
    /** Every grouping key found. */
    allKeys: 0.1,
  },
  sort: {
    /** ORDER BY; the share of the sort keys it holds. */
    orderBy: { base: 0.5, weight: 0.35 },
    /** A TakeOrderedAndProject and an ORDER BY with its LIMIT. */
    topWithLimit: 0.1,
    /** Times the share of the node's tables the block reads. */
    scope: 0.05,
  },
  limit: 0.7,
  window: {
    /** OVER (…); the share of the partition / order keys it holds. */
    partition: { base: 0.55, weight: 0.4 },
    /** The select item the OVER (…) sits in is named like the window's output column. */
    namedItem: 0.9,
  },
  /** UNION / INTERSECT / EXCEPT; the best share of an input's tables one side reads. */
  union: { base: 0.5, weight: 0.45 },
  expand: {
    /** ROLLUP / CUBE / GROUPING SETS; the share of the consuming aggregate's keys it holds. */
    rollup: { base: 0.6, weight: 0.35 },
    /** The share assumed when the aggregate's keys are unknown. */
    unknownKeys: 0.5,
  },
  project: {
    /** Select items named like the project's aliases; the share of the aliases found. */
    items: { base: 0.45, weight: 0.4 },
    /** Times the share of the node's tables the block reads. */
    scope: 0.1,
  },
  generate: 0.6,
} as const;

/** Which units are searched, and how a unit's rank weighs on the evidence found in it (ranking.ts, mapper.ts). */
export const RANKING = {
  /** A unit's score: its share of the plan's weighted terms, times this scaled by its table precision. */
  precision: { base: 0.9, weight: 0.1 },
  /** A unit holding every table and this share of the plan's literals covers the plan's names. */
  literalsForNames: 0.75,
  /** Runners-up searched besides the best unit: at most 3 in all, scoring at least this share of the best. */
  runnerUpShare: 0.75,
  /**
   * A unit's candidates count for min(1, fileBase + its score); a runner-up's also for its score relative to the
   * best, times runnerUp.
   */
  fileBase: 0.55,
  runnerUp: 0.9,
  /** A unit holding less of the plan's names is trusted less: ≥ `full` → 1, ≥ `most` → `most`, else `rest`. */
  nameTrust: { full: 0.95, most: 0.85, rest: 0.6 },
} as const;

/** From a candidate's confidence to the node's status and the rank that orders candidates (mapper.ts). */
export const CONFIDENCE = {
  /** At or above: the mapping is 'high'; at or above `low`: 'low'; below: unmapped. */
  high: 0.8,
  low: 0.5,
  /** Rank bonuses: in the block the context points at, in a block as much a subquery as the node, in the focus. */
  nearContext: 0.04,
  sameSubqueryKind: 0.05,
  inFocus: 0.15,
  /** Another block ranked within this of the best is a rival: the best loses certainty, the alternatives too. */
  rivalMargin: 0.02,
  rivalFactor: 0.85,
  /** Alternatives' confidence when there is no rival. */
  alternative: 0.9,
} as const;

/** dbt and Airflow nodes that name their file (dbtMapper.ts): fixed confidences by how the place was found. */
export const DECLARED = {
  /** The node gives its lines (Airflow tasks from the lineage engine). */
  taskLines: 0.97,
  /** A source's `- name:` entry in its YAML file. */
  yamlEntry: 0.93,
  /** The YAML file, without the entry. */
  yamlFileOnly: 0.55,
  /** A model's final SELECT. */
  modelSelect: 0.95,
  /** The file's first line of code. */
  fileStart: 0.9,
  /** No file named: the only file named like the node. */
  onlyFileNamed: 0.85,
  /** No file named: the only code block named like the node, or one of several. */
  onlyBlockNamed: 0.8,
  oneOfBlocksNamed: 0.55,
} as const;
