/**
 * Facts about a plan the mapper needs beyond single operators: each node's evidence, which aggregates
 * are partial halves, which tables each subtree reads, and the plan-wide terms used to find the source.
 */
import { adjacency, type Dag, type DagNode, type LogicalEvidence } from '../model';
import { isInternalName } from '../ingest/sparkExplain';
import { evidenceOf, type OperatorEvidence } from '../spark/operators';

export interface PlanFacts {
  nodes: Map<string, DagNode>;
  evidence: Map<string, OperatorEvidence>;
  inputs: Map<string, string[]>;
  consumers: Map<string, string[]>;
  /** Tables read below each node. */
  subtreeTables: Map<string, Set<string>>;
  /** Weighted terms for ranking source files: table names, literals, aliases, columns. */
  terms: Map<string, { kind: 'table' | 'literal' | 'alias' | 'column'; weight: number }>;
  /**
   * Nodes that come from a subquery of the query rather than its main block: the Subqueries section, the build
   * side of a semi/anti join (IN, EXISTS), the subtree of a decorrelated scalar subquery (an aggregate whose
   * unnamed result, `min(ps_supplycost)#25`, a join compares with).
   */
  inSubquery: Set<string>;
  /** Joins that compare a column with a scalar subquery's result: join id → the columns compared. */
  scalarSubqueryJoins: Map<string, string[]>;
}

/** `min(ps_supplycost)#25`, `(avg(ctr_total_return) * 1.2)#53`: a result Spark named after its expression. */
const UNNAMED_RESULT = /([^\s,\[\]]*\([^#\[\]]*\))#(\d+)L?/g;
const SEMI_ANTI = /\b(LeftSemi|LeftAnti|ExistenceJoin)\b/;

function joinText(d: Record<string, string>): string {
  return `${d.args ?? ''} ${d['Left keys'] ?? ''} ${d['Right keys'] ?? ''} ${d['Join condition'] ?? ''} ${d['Join type'] ?? ''}`;
}

const sameKeys = (a: string[], b: string[]) => a.length === b.length && a.every((k) => b.includes(k));

/** Shuffles and stage wrappers between the two halves of an aggregate or sort. */
const PASS_THROUGH =
  /(Exchange|ShuffleRead|ShuffleReader|QueryStage|InputAdapter|WholeStageCodegen|ColumnarToRow|RowToColumnar)$/;

export function planFacts(dag: Dag, logical: LogicalEvidence): PlanFacts {
  const nodes = new Map(dag.nodes.map((n) => [n.id, n]));
  const { inputs, consumers } = adjacency(dag);
  const evidence = new Map<string, OperatorEvidence>();
  for (const n of dag.nodes) evidence.set(n.id, evidenceOf(n));

  // An aggregate whose consumer (through shuffles) is another aggregate is the partial half.
  for (const n of dag.nodes) {
    const ev = evidence.get(n.id)!;
    if (ev.role !== 'aggregate' || ev.partial) continue;
    let c = consumers.get(n.id)?.[0];
    while (c && PASS_THROUGH.test(nodes.get(c)!.operator)) c = consumers.get(c)?.[0];
    // Same keys above: this is the first half of a two-phase aggregate (DISTINCT, or partial functions
    // Spark did not prefix). Other keys above: a separate GROUP BY over this one's result.
    const above = c ? evidence.get(c)! : undefined;
    if (above?.role === 'aggregate' && sameKeys(above.keys, ev.keys)) ev.partial = true;
  }

  const subtreeTables = new Map<string, Set<string>>();
  const visit = (id: string, seen: Set<string>): Set<string> => {
    const have = subtreeTables.get(id);
    if (have) return have;
    const out = new Set<string>();
    if (seen.has(id)) return out; // cycles only come from malformed input; never loop on them
    seen.add(id);
    const ev = evidence.get(id)!;
    if (ev.table) out.add(ev.table);
    for (const i of inputs.get(id) ?? []) for (const t of visit(i, seen)) out.add(t);
    subtreeTables.set(id, out);
    return out;
  };
  for (const n of dag.nodes) visit(n.id, new Set());

  const terms: PlanFacts['terms'] = new Map();
  const add = (t: string, kind: 'table' | 'literal' | 'alias' | 'column', weight: number) => {
    if (!t || (t.length < 2 && kind !== 'literal')) return;
    if (kind !== 'literal' && isInternalName(t)) return;
    const prev = terms.get(t);
    if (!prev || prev.weight < weight) terms.set(t, { kind, weight });
  };
  for (const ev of evidence.values()) {
    if (ev.table) add(ev.table, 'table', 3);
    for (const c of ev.columns) add(c, 'column', 1);
    for (const a of ev.atoms) for (const l of a.literals) add(l, 'literal', 2);
    for (const l of ev.literals ?? []) add(l, 'literal', 2);
    for (const a of ev.aliases) add(a, 'alias', 1.5);
  }
  for (const t of logical.tables) add(t, 'table', 3);
  for (const a of logical.aliases) add(a, 'alias', 1.5);
  for (const l of logical.literals) add(l, 'literal', 2);
  const { inSubquery, scalarSubqueryJoins } = subqueries(dag, nodes, evidence, inputs);
  return { nodes, evidence, inputs, consumers, subtreeTables, terms, inSubquery, scalarSubqueryJoins };
}

function subqueries(
  dag: Dag,
  nodes: Map<string, DagNode>,
  evidence: Map<string, OperatorEvidence>,
  inputs: Map<string, string[]>,
) {
  const inSubquery = new Set<string>();
  const scalarSubqueryJoins = new Map<string, string[]>();
  const mark = (root: string) => {
    const stack = [root];
    while (stack.length) {
      const id = stack.pop()!;
      if (inSubquery.has(id)) continue;
      inSubquery.add(id);
      stack.push(...(inputs.get(id) ?? []));
    }
  };
  const defines = (root: string, attr: string): boolean => {
    const seen = new Set<string>();
    const stack = [root];
    const as = new RegExp(`\\bAS [^#]*#${attr}\\b`);
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const d = nodes.get(id)!.detail;
      if (as.test(`${d.Results ?? ''} ${d.Output ?? ''} ${d.args ?? ''}`)) return true;
      stack.push(...(inputs.get(id) ?? []));
    }
    return false;
  };
  for (const n of dag.nodes) {
    if (n.section === 'subquery') inSubquery.add(n.id);
    if (evidence.get(n.id)!.role !== 'join') continue;
    const ins = inputs.get(n.id) ?? [];
    const text = joinText(n.detail);
    if (SEMI_ANTI.test(text) && ins[1]) mark(ins[1]);
    // A join key or condition that is an aggregate's unnamed result: that side is a decorrelated scalar subquery.
    for (const m of text.matchAll(UNNAMED_RESULT)) {
      const side = ins.find((i) => defines(i, m[2]));
      if (!side) continue;
      mark(side);
      const ev = evidence.get(n.id)!;
      // The columns compared with it: the other side's keys, or the condition's plain columns.
      const others = ev.columns.filter((c) => !m[1].toLowerCase().includes(c) || ev.leftKeys.flat().includes(c));
      scalarSubqueryJoins.set(n.id, [...new Set([...(scalarSubqueryJoins.get(n.id) ?? []), ...others])]);
    }
  }
  return { inSubquery, scalarSubqueryJoins };
}
