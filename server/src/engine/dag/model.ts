/**
 * The normalised DAG every input format is ingested into: nodes with an operator, a label, the 1-based
 * line where the node is printed (null for JSON inputs) and free-form detail fields; edges point the way
 * data flows (input → consumer). Validated with zod so a parser bug or a hand-written JSON DAG is caught
 * at the boundary, with the field that is wrong.
 */
import { z } from 'zod';

export const DAG_KINDS = [
  'spark-explain',
  'spark-formatted',
  'spark-json',
  'dbt-manifest',
  'airflow',
  'generic',
] as const;
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

const EdgeSchema = z.tuple([z.string(), z.string()]);

/**
 * Validates a DAG built by a parser; a failure here is a parser bug, reported as a problem of the input.
 * Node by node (zod merging one 10,000-element array result is quadratic), so a bad node is dropped with
 * its field named and the rest are kept.
 */
export function validateDag(dag: Dag): { dag: Dag; problems: DagProblem[] } {
  const problems: DagProblem[] = [];
  if (!(DAG_KINDS as readonly string[]).includes(dag.kind))
    problems.push({ field: 'kind', message: `unknown DAG kind '${dag.kind}'` });
  const nodes: DagNode[] = [];
  const ids = new Set<string>();
  dag.nodes.forEach((n, i) => {
    const r = DagNodeSchema.safeParse(n);
    if (!r.success) {
      for (const issue of r.error.issues)
        problems.push({ field: `nodes.${i}.${issue.path.join('.')}`, message: `${issue.message}; node dropped` });
      return;
    }
    if (ids.has(r.data.id)) {
      problems.push({ field: `nodes.${i}.id`, message: `duplicate node id '${r.data.id}'; kept the first` });
      return;
    }
    ids.add(r.data.id);
    nodes.push(r.data);
  });
  const edges: Array<[string, string]> = [];
  dag.edges.forEach((e, i) => {
    const r = EdgeSchema.safeParse(e);
    if (!r.success) {
      problems.push({ field: `edges.${i}`, message: 'an edge is [from, to] with two node ids; dropped' });
      return;
    }
    const [a, b] = r.data;
    if (ids.has(a) && ids.has(b)) edges.push([a, b]);
    else problems.push({ field: 'edges', message: `edge ${a} → ${b} names a node that does not exist; dropped` });
  });
  return { dag: { kind: dag.kind, nodes, edges }, problems };
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
