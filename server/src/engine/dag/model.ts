/**
 * The normalised DAG every input format is ingested into: nodes with an operator, a label, the 1-based
 * line where the node is printed (null for JSON inputs) and free-form detail fields; edges point the way
 * data flows (input → consumer). Validated with zod so a parser bug or a hand-written JSON DAG is caught
 * at the boundary, with the field that is wrong.
 */
import { z } from 'zod';

export const DAG_KINDS = ['spark-explain', 'spark-formatted', 'spark-json', 'dbt-manifest', 'airflow', 'generic'] as const;
export type DagKind = (typeof DAG_KINDS)[number];

export const DagNodeSchema = z.object({
  id: z.string().min(1),
  operator: z.string().min(1),
  label: z.string(),
  /** 1-based line in the DAG file; null when the input has no lines (JSON). */
  line: z.number().int().positive().nullable(),
  /** Operator arguments as printed: "Condition", "Keys", "Output", "ReadSchema", … (format-specific). */
  detail: z.record(z.string()),
  /** Where in the file the node sits: the main plan, a subquery, an AQE initial plan. */
  section: z.enum(['main', 'subquery', 'initial']).default('main'),
});
export type DagNode = z.infer<typeof DagNodeSchema>;

export const DagSchema = z.object({
  kind: z.enum(DAG_KINDS),
  nodes: z.array(DagNodeSchema),
  edges: z.array(z.tuple([z.string(), z.string()])),
});
export type Dag = z.infer<typeof DagSchema>;

/** A problem found while reading a DAG: where (line or JSON field) and what. Parsing goes on after it. */
export interface DagProblem {
  line?: number;
  field?: string;
  message: string;
}

/** What ingestion returns: the DAG (possibly partial), its problems and extra evidence for the mapper. */
export interface IngestResult {
  dag: Dag;
  problems: DagProblem[];
  /** Names and literals the DAG's other sections carry (logical plans keep aliases and original predicates). */
  evidence: LogicalEvidence;
}

export interface LogicalEvidence {
  /** Relation names (catalog qualifiers dropped), e.g. from `UnresolvedRelation [store_sales]`. */
  tables: string[];
  /** Aliases given in the query (`AS brand_id`, `SubqueryAlias dt`). */
  aliases: string[];
  /** Literals of the original predicates. */
  literals: string[];
}

export const emptyEvidence = (): LogicalEvidence => ({ tables: [], aliases: [], literals: [] });

/** Validates a DAG built by a parser; a failure here is a parser bug, reported as a problem of the input. */
export function validateDag(dag: Dag): { dag: Dag; problems: DagProblem[] } {
  const r = DagSchema.safeParse(dag);
  if (r.success) {
    const ids = new Set(r.data.nodes.map((n) => n.id));
    const problems: DagProblem[] = [];
    const edges = r.data.edges.filter(([a, b]) => {
      const ok = ids.has(a) && ids.has(b);
      if (!ok) problems.push({ field: 'edges', message: `edge ${a} → ${b} names a node that does not exist; dropped` });
      return ok;
    });
    return { dag: { ...r.data, edges }, problems };
  }
  return {
    dag: { kind: dag.kind, nodes: [], edges: [] },
    problems: r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  };
}

/** Node id → ids of its inputs / consumers. */
export function adjacency(dag: Dag): { inputs: Map<string, string[]>; consumers: Map<string, string[]> } {
  const inputs = new Map<string, string[]>();
  const consumers = new Map<string, string[]>();
  for (const n of dag.nodes) {
    inputs.set(n.id, []);
    consumers.set(n.id, []);
  }
  for (const [from, to] of dag.edges) {
    inputs.get(to)?.push(from);
    consumers.get(from)?.push(to);
  }
  return { inputs, consumers };
}
