/**
 * DAG → code: ranks the workspace's source units by the plan's evidence, localises every semantic
 * operator in the best units, turns evidence scores into calibrated confidences, and attributes purely
 * physical operators (exchanges, partial aggregates, codegen wrappers …) to the operator they serve.
 */
import type { DagMapLocation, DagMapResult, DagNodeMapping } from '../../../protocol/contracts';
import type { IngestResult } from '../model';
import { inSubqueryBlock, symbolOf, type SourceUnit } from '../source/anchors';
import { localise, type Candidate, type NodeContext } from './localise';
import { planFacts, type PlanFacts } from './planFacts';
import { sparkOperatorOf } from '../spark/operators';
import { rankUnits, type RankedUnit } from './ranking';
import { CONFIDENCE, RANKING } from './scores';

export const HIGH = CONFIDENCE.high;
export const LOW = CONFIDENCE.low;

/** Roles that correspond to something written in code; the rest are derived. */
const SEMANTIC = new Set([
  'scan',
  'filter',
  'join',
  'aggregate',
  'sort',
  'limit',
  'window',
  'union',
  'expand',
  'project',
  'generate',
]);

export interface MapPlan {
  facts: PlanFacts;
  ranked: RankedUnit[];
  /** Units searched for operators: the best ones, in rank order. */
  searched: RankedUnit[];
}

/**
 * A plan with nothing but column names (constant folding left an EmptyRelation or a LocalRelation: no table, no
 * literal, no alias) holds no evidence of the code that made it: it is mapped nowhere, rather than to whichever
 * file shares column names.
 */
export function hasEvidence(facts: PlanFacts): boolean {
  for (const v of facts.terms.values()) if (v.kind !== 'column') return true;
  return false;
}

export function planMapping(ingest: IngestResult, units: SourceUnit[]): MapPlan {
  const facts = planFacts(ingest.dag, ingest.evidence);
  const ranked = hasEvidence(facts) ? rankUnits(facts, units) : [];
  const top = ranked[0]?.score ?? 0;
  // A plan usually comes from one unit; keep close runners-up for plans built across files.
  const searched = ranked.filter((r, i) => i === 0 || (i < 3 && r.score >= RANKING.runnerUpShare * top));
  return { facts, ranked, searched };
}

/** How far a unit missing some of the plan's names can be trusted (see RankedUnit.nameCoverage). */
function nameTrust(coverage: number): number {
  const t = RANKING.nameTrust;
  return coverage >= t.full ? 1 : coverage >= t.most ? t.most : t.rest;
}

/** Whether a node is mapped on its own (true) or attributed to the operator it serves (false). */
export function isSemantic(plan: MapPlan, id: string): boolean {
  const ev = plan.facts.evidence.get(id)!;
  if (!SEMANTIC.has(ev.role) || ev.partial) return false;
  if (ev.role === 'filter') return ev.atoms.some((a) => !a.inferred);
  if (ev.role === 'project') return ev.aliases.length > 0;
  if (ev.role === 'aggregate') return ev.keys.length > 0;
  // Expand makes ROLLUP/CUBE/GROUPING SETS rows (it outputs spark_grouping_id); the other Expand Spark
  // plans for several COUNT(DISTINCT …) is physical, serving its aggregate.
  if (ev.role === 'expand') {
    const d = plan.facts.nodes.get(id)!.detail;
    return /spark_grouping_id/.test(`${d.args ?? ''} ${d.Output ?? ''} ${d.Arguments ?? ''}`);
  }
  return true;
}

/**
 * The semantic nodes in levels: a node's nearest semantic consumer sits in an earlier level, so when a
 * level is mapped the locations of its consumers are known and can settle ties between query blocks.
 */
export function semanticLevels(
  plan: MapPlan,
  ids: string[],
): { levels: string[][]; parentOf: Map<string, string | undefined> } {
  const semantic = new Set(ids);
  const parentOf = new Map<string, string | undefined>();
  const depth = new Map<string, number>();
  const up = (id: string): string | undefined => {
    const seen = new Set<string>([id]);
    let c = plan.facts.consumers.get(id)?.[0];
    while (c && !semantic.has(c) && !seen.has(c)) {
      seen.add(c);
      c = plan.facts.consumers.get(c)?.[0];
    }
    return c && semantic.has(c) && c !== id ? c : undefined;
  };
  for (const id of ids) parentOf.set(id, up(id));
  const depthOf = (id: string, guard = 0): number => {
    const have = depth.get(id);
    if (have !== undefined) return have;
    const p = parentOf.get(id);
    const d = p && guard < 10_000 ? depthOf(p, guard + 1) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  const levels: string[][] = [];
  for (const id of ids) (levels[depthOf(id)] ??= []).push(id);
  return { levels: levels.filter(Boolean), parentOf };
}

/**
 * Maps one semantic node: best location and alternatives, or unmapped. `context` is where the node's
 * nearest semantic consumer mapped: a candidate in the same query block wins a tie.
 */
/** Lines known to have made the DAG (a run's execution located in code): candidates there win ties. */
export interface MapFocus {
  file: string;
  /** 1-based inclusive line ranges. */
  ranges: Array<[number, number]>;
}

const inFocus = (focus: MapFocus | undefined, file: string, line: number) =>
  !!focus && focus.file === file && focus.ranges.some(([s, e]) => line >= s - 1 && line <= e + 1);

export function mapNode(plan: MapPlan, id: string, context?: DagMapLocation | null, focus?: MapFocus): DagNodeMapping {
  const { facts } = plan;
  const ev = facts.evidence.get(id)!;
  const node = facts.nodes.get(id)!;
  const inputs = facts.inputs.get(id) ?? [];
  const consumer = facts.consumers.get(id)?.[0];
  const ctx: NodeContext = {
    ev,
    operator: node.operator,
    tables: facts.subtreeTables.get(id) ?? new Set(),
    inputTables: inputs.map((i) => facts.subtreeTables.get(i) ?? new Set<string>()),
    consumerKeys: consumer ? facts.evidence.get(consumer)!.keys : [],
    subqueryJoin: subqueryJoinOf(facts, id),
  };
  const fromSubquery = facts.inSubquery.has(id);
  const top = plan.searched[0]?.score ?? 0;
  const cands: Array<Candidate & { confidence: number; rank: number }> = [];
  for (const r of plan.searched) {
    // Evidence found in a less likely unit counts for less; a unit holding little of the plan, too.
    const relative = r === plan.searched[0] ? 1 : RANKING.runnerUp * (r.score / top);
    const fileFactor = Math.min(1, RANKING.fileBase + r.score) * relative * nameTrust(r.nameCoverage);
    for (const c of localise(r.unit, ctx) as Array<Candidate & { confidence: number; rank: number }>) {
      const b = c.unit.blocks[c.block];
      const near =
        !!context &&
        !!b &&
        context.file === c.unit.file &&
        context.startLine >= b.startLine &&
        context.startLine <= b.endLine;
      // Decorate in place: a node can have hundreds of candidates in a big plan.
      c.confidence = c.score * fileFactor;
      // The plan says whether the node comes from a subquery (scalar, IN, EXISTS): the code's block must agree.
      const sameKind = fromSubquery === inSubqueryBlock(c.unit, c.block);
      c.rank =
        c.confidence +
        (near ? CONFIDENCE.nearContext : 0) +
        (sameKind ? CONFIDENCE.sameSubqueryKind : 0) +
        (inFocus(focus, c.unit.file, c.startLine) ? CONFIDENCE.inFocus : 0);
      cands.push(c);
    }
  }
  cands.sort((a, b) => b.rank - a.rank || cmp(a.unit.file, b.unit.file) || a.startLine - b.startLine);
  const seen = new Set<string>();
  const unique = cands.filter((c) => {
    const k = `${c.unit.file}:${c.startLine}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (unique.length === 0) {
    return { nodeId: id, status: 'unmapped', best: null, alternatives: [] };
  }
  const [first, ...rest] = unique;
  // Two places that fit equally well: the evidence cannot tell them apart, so neither is certain.
  const rival = rest.find(
    (c) => c.rank >= first.rank - CONFIDENCE.rivalMargin && (c.block !== first.block || c.unit !== first.unit),
  );
  const confidence = round(rival ? first.confidence * CONFIDENCE.rivalFactor : first.confidence);
  const best = location(first, confidence, rival ? ' (another block fits as well)' : '');
  const altFactor = rival ? CONFIDENCE.rivalFactor : CONFIDENCE.alternative;
  const alternatives = rest.slice(0, 3).map((c) => location(c, round(c.confidence * altFactor), ''));
  const status = confidence >= HIGH ? 'high' : confidence >= LOW ? 'low' : 'unmapped';
  return {
    nodeId: id,
    status,
    best: status === 'unmapped' ? null : best,
    alternatives: status === 'unmapped' ? [best, ...alternatives].slice(0, 3) : alternatives,
  };
}

function subqueryJoinOf(facts: PlanFacts, id: string): NodeContext['subqueryJoin'] {
  const scalar = facts.scalarSubqueryJoins.get(id);
  if (scalar?.length) return { kind: 'scalar', columns: scalar };
  const n = facts.nodes.get(id)!;
  if (!/\b(LeftSemi|LeftAnti|ExistenceJoin)\b/.test(`${n.detail.args ?? ''} ${n.label} ${n.detail['Join type'] ?? ''}`))
    return undefined;
  const ev = facts.evidence.get(id)!;
  return { kind: 'semi', columns: ev.leftKeys.flat() };
}

function location(c: Candidate, confidence: number, note: string): DagMapLocation {
  return {
    file: c.unit.file,
    symbol: symbolOf(c.unit, c.block),
    startLine: c.startLine,
    endLine: c.endLine,
    confidence,
    explanation: `${c.explanation[0].toUpperCase()}${c.explanation.slice(1)}${note}.`,
  };
}

const isPlan = (ingest: IngestResult) => ingest.dag.kind.startsWith('spark');

const round = (x: number) => Math.round(x * 1000) / 1000;
/** Plain code-unit order: stable across machines, and far cheaper than localeCompare in hot sorts. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Physical operators point where the operator they serve points (the consumer, else the input). */
export function attributeDerived(
  plan: MapPlan,
  mappings: Map<string, DagNodeMapping>,
  id: string,
  memo = new Map<string, string | null>(),
): DagNodeMapping {
  const { facts } = plan;
  const served = servedAbove(facts, mappings, id, memo) ?? servedBelow(facts, mappings, id);
  if (!served) return { nodeId: id, status: 'unmapped', best: null, alternatives: [] };
  const m = mappings.get(served)!;
  const op = facts.nodes.get(served)!;
  const self = facts.nodes.get(id)!;
  return {
    nodeId: id,
    status: 'derived',
    best: {
      ...m.best!,
      explanation: `${self.operator} is physical: it serves ${op.operator}${op.line ? ` (plan line ${op.line})` : ''}, which maps here.`,
    },
    alternatives: [],
  };
}

const isMapped = (m: DagNodeMapping | undefined) => !!m && !!m.best && m.status !== 'derived';

/** The nearest mapped consumer, memoised along the way (a chain of physical nodes shares the answer). */
function servedAbove(
  facts: PlanFacts,
  mappings: Map<string, DagNodeMapping>,
  id: string,
  memo: Map<string, string | null>,
): string | undefined {
  const path: string[] = [];
  let cur = facts.consumers.get(id)?.[0];
  let found: string | null = null;
  const seen = new Set<string>([id]);
  while (cur && !seen.has(cur)) {
    if (memo.has(cur)) {
      found = memo.get(cur)!;
      break;
    }
    if (isMapped(mappings.get(cur))) {
      found = cur;
      break;
    }
    seen.add(cur);
    path.push(cur);
    cur = facts.consumers.get(cur)?.[0];
  }
  for (const p of path) memo.set(p, found);
  return found ?? undefined;
}

/** With nothing mapped above (a plan's top wrappers), the nearest mapped input; a bounded search. */
function servedBelow(facts: PlanFacts, mappings: Map<string, DagNodeMapping>, id: string): string | undefined {
  const queue = [...(facts.inputs.get(id) ?? [])];
  const seen = new Set<string>([id]);
  for (let visited = 0; queue.length && visited < 256; visited++) {
    const n = queue.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (isMapped(mappings.get(n))) return n;
    queue.push(...(facts.inputs.get(n) ?? []));
  }
  return undefined;
}

/** The whole mapping, synchronously (the job runner in jobs.ts does the same in parallel chunks). */
export function mapDag(ingest: IngestResult, units: SourceUnit[]): DagMapResult {
  const started = performance.now();
  const plan = planMapping(ingest, units);
  const mappings = new Map<string, DagNodeMapping>();
  const ids = ingest.dag.nodes.filter((n) => isSemantic(plan, n.id)).map((n) => n.id);
  const { levels, parentOf } = semanticLevels(plan, ids);
  for (const level of levels) {
    for (const id of level) {
      const p = parentOf.get(id);
      mappings.set(id, mapNode(plan, id, p ? mappings.get(p)?.best : undefined));
    }
  }
  return assemble(ingest, plan, mappings, performance.now() - started);
}

export function assemble(
  ingest: IngestResult,
  plan: MapPlan,
  semantic: Map<string, DagNodeMapping>,
  ms: number,
  llm = { calls: 0, costUsd: 0 },
): DagMapResult {
  const out: DagNodeMapping[] = [];
  const memo = new Map<string, string | null>();
  const unknown = new Map<string, number[]>();
  for (const n of ingest.dag.nodes) {
    if (plan.facts.evidence.get(n.id)!.role === 'unknown' && isPlan(ingest)) {
      // An operator we cannot read is no evidence for anything: say so rather than guess.
      unknown.set(n.operator, [...(unknown.get(n.operator) ?? []), n.line ?? 0]);
      out.push({ nodeId: n.id, status: 'unmapped', best: null, alternatives: [] });
      continue;
    }
    out.push(
      semantic.get(n.id) ??
        (isSemantic(plan, n.id)
          ? { nodeId: n.id, status: 'unmapped', best: null, alternatives: [] }
          : attributeDerived(plan, semantic, n.id, memo)),
    );
  }
  const problems = [...ingest.problems];
  if (isPlan(ingest) && ingest.dag.nodes.length && !hasEvidence(plan.facts)) {
    const empty = ingest.dag.nodes.find((n) => /^(EmptyRelation|LocalRelation|LocalTableScan)$/.test(n.operator));
    problems.push({
      ...(empty?.line ? { line: empty.line } : {}),
      message: `this plan reads no table and holds no literal or name from a query${empty ? ` (the optimizer reduced it to ${empty.operator})` : ''}: nothing in it points at code, so no node is mapped`,
    });
  }
  for (const [op, lines] of unknown) {
    const at = lines.filter(Boolean);
    problems.push({
      ...(at.length ? { line: at[0] } : {}),
      message: `unknown operator '${op}'${at.length > 1 ? ` (${at.length} nodes)` : ''}: not a Spark operator DagLens can read, left unmapped`,
    });
  }
  return {
    dag: {
      kind: ingest.dag.kind,
      nodes: ingest.dag.nodes.map((n) => {
        const spark = sparkOperatorOf(n.operator);
        return {
          id: n.id,
          operator: n.operator,
          label: n.label,
          line: n.line,
          ...(spark !== n.operator ? { sparkOperator: spark } : {}),
        };
      }),
      edges: ingest.dag.edges,
    },
    mappings: out,
    stats: { ms: Math.round(ms * 10) / 10, llmCalls: llm.calls, costUsd: llm.costUsd },
    sources: plan.ranked.slice(0, 5).map((r) => ({ file: r.unit.file, score: round(r.score) })),
    problems,
  };
}
