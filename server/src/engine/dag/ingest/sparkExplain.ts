/**
 * Spark plan text as users paste it: `EXPLAIN`, `EXPLAIN EXTENDED`, `df.explain(True)` and
 * `EXPLAIN FORMATTED`, with whatever log lines came before. The nodes are the physical operators
 * (`== Physical Plan ==`); the logical sections only contribute evidence (relation names, aliases).
 * FORMATTED output adds per-operator detail blocks, a `===== Subqueries =====` section and
 * `ReusedExchange [Reuses operator id: n]` links, which become detail fields and edges.
 */
import type { DagNode, DagProblem, IngestResult, LogicalEvidence } from '../model';
import { emptyEvidence } from '../model';
import { readTree, treeColumn, type TreeNode } from './planTree';

const SECTION = /^== (.+?) ==\s*$/;
/** `Sort (33)`; AQE query stages add their statistics: `ShuffleQueryStage (31), Statistics(sizeInBytes=…)`. */
/** (InMemoryTableScan prints its flags after the id: `InMemoryTableScan (1) (columnarIn=false, …)`.) */
const FORMATTED_ID = /\s\((\d+)\)(?:, Statistics\(.*\)| \([^()]*\))?$/;

interface Section {
  title: string;
  /** 0-based line of the header; the body starts on the next line. */
  header: number;
}

/** A tree pasted without headers: a root line followed by a `+- `/`:- ` child line. */
function findBareTree(lines: string[]): number {
  for (let i = 0; i + 1 < lines.length; i++) {
    if (/^\*?(\(\d+\) )?[A-Z][A-Za-z]+/.test(lines[i]) && /^(\+|:)- \S/.test(lines[i + 1])) return i;
  }
  return -1;
}

export function parseSparkExplain(text: string, maxNodes = Infinity): IngestResult {
  const lines = text.split(/\r?\n/);
  const problems: DagProblem[] = [];
  const sections: Section[] = [];
  lines.forEach((l, i) => {
    const m = SECTION.exec(l);
    if (m) sections.push({ title: m[1], header: i });
  });
  const evidence = emptyEvidence();
  for (const s of sections) if (/Logical Plan/.test(s.title)) collectLogicalEvidence(lines, s.header + 1, evidence);

  const nodes: DagNode[] = [];
  const edges: Array<[string, string]> = [];
  const physical = sections.filter((s) => s.title === 'Physical Plan');
  const starts = physical.map((s) => s.header + 1);
  if (starts.length === 0) {
    const bare = findBareTree(lines);
    if (bare < 0) {
      problems.push({ message: "no '== Physical Plan ==' section and no operator tree found: is this a Spark plan?" });
      return { dag: { kind: 'spark-explain', nodes, edges }, problems, evidence };
    }
    problems.push({
      line: bare + 1,
      message: `no '== Physical Plan ==' header; reading the operator tree that starts here`,
    });
    starts.push(bare);
  }

  let formatted = false;
  // One id → node map for the whole file: rebuilding it per section made a file of many plans quadratic.
  const byId = new Map<string, DagNode>();
  for (let s = 0; s < starts.length; s++) {
    const start = starts[s];
    // Past the node limit the rest is not read at all (ingestDag reports the limit): a 100 MB paste stays bounded.
    if (nodes.length > maxNodes) break;
    const { nodes: tree, end } = readTree(lines, start);
    if (tree.length === 0) {
      problems.push({ line: start, message: 'the Physical Plan section is empty (truncated plan?)' });
      continue;
    }
    const isFormatted = tree.every((t) => /^== .* ==$/.test(t.text) || FORMATTED_ID.test(t.text));
    formatted ||= isFormatted;
    const dups = new Map<string, DagNode[]>();
    const added = addTree(tree, nodes, edges, isFormatted ? 'formatted' : 'text', 'main', dups, byId);
    if (isFormatted) {
      // A plan's details end where the next plan's header starts.
      const stop = s + 1 < starts.length ? starts[s + 1] - 1 : lines.length;
      readFormattedDetails(lines, end, stop, nodes, edges, added, problems, byId);
      // A subtree AQE prints under both the final and the initial plan shares one details block.
      for (const [fid, copies] of dups)
        for (const c of copies) c.detail = { ...byId.get(added.get(fid) ?? '')?.detail, ...c.detail };
    } else checkTruncation(lines, end, tree, problems);
  }
  return { dag: { kind: formatted ? 'spark-formatted' : 'spark-explain', nodes, edges }, problems, evidence };
}

/** A tree cut off mid-way usually ends on a line that is not a tree line but still looks like one was meant. */
function checkTruncation(lines: string[], end: number, tree: TreeNode[], problems: DagProblem[]): void {
  const next = lines[end];
  if (next !== undefined && /^\s*[:+|]/.test(next) && treeColumn(next.replace(/\s+$/, '')) < 0) {
    problems.push({ line: end + 1, message: 'unreadable tree line; the operators after it were not read' });
  }
  const last = tree[tree.length - 1];
  if (end >= lines.length && last && /\[[^\]]*$|\([^)]*$/.test(last.text) && !/\.\.\.$/.test(last.text)) {
    problems.push({ line: last.index + 1, message: 'the plan ends mid-operator (truncated?); kept what was read' });
  }
}

type Mode = 'text' | 'formatted';

/** Turns tree lines into nodes; returns formatted id → node id for the nodes added. */
function addTree(
  tree: TreeNode[],
  nodes: DagNode[],
  edges: Array<[string, string]>,
  mode: Mode,
  base: DagNode['section'],
  dups = new Map<string, DagNode[]>(),
  byId: Map<string, DagNode> = new Map(nodes.map((n) => [n.id, n])),
): Map<string, string> {
  const idOf: Array<string | null> = [];
  const byFormattedId = new Map<string, string>();
  // AQE's `== Final Plan ==` / `== Initial Plan ==` markers are not operators: their children hang on
  // the AdaptiveSparkPlan above them, and the initial plan's nodes are marked as such.
  const markers: Array<{ column: number; initial: boolean }> = [];
  for (const t of tree) {
    while (markers.length && markers[markers.length - 1].column > t.column) markers.pop();
    const marker = /^== (Final|Initial|Current) Plan ==$/.exec(t.text);
    if (marker) {
      while (markers.length && markers[markers.length - 1].column >= t.column) markers.pop();
      markers.push({ column: t.column, initial: marker[1] === 'Initial' });
      idOf.push(t.parent === null ? null : idOf[t.parent]);
      continue;
    }
    const parsed = parseOperatorText(t.text, mode);
    let id = mode === 'formatted' && parsed.formattedId ? parsed.formattedId : String(t.index + 1);
    // AQE prints an unchanged subtree under both plans with the same ids: the second copy gets its line.
    const dup = byId.has(id);
    if (dup) id = `${id}@${t.index + 1}`;
    const inSubquery = (t.parent !== null && isSubqueryNode(byId, idOf[t.parent])) || base === 'subquery';
    const isSub = inSubquery || /^(Subquery|ReusedSubquery|SubqueryBroadcast)$/.test(parsed.operator);
    const section: DagNode['section'] = markers.some((m) => m.initial) ? 'initial' : isSub ? 'subquery' : base;
    const node: DagNode = {
      id,
      operator: parsed.operator,
      label: parsed.label,
      line: t.index + 1,
      detail: parsed.detail,
      section,
    };
    nodes.push(node);
    byId.set(id, node);
    if (parsed.formattedId && dup) dups.set(parsed.formattedId, [...(dups.get(parsed.formattedId) ?? []), node]);
    else if (parsed.formattedId) byFormattedId.set(parsed.formattedId, id);
    idOf.push(id);
    const parentId = t.parent === null ? null : idOf[t.parent];
    if (parentId) edges.push([id, parentId]);
  }
  return byFormattedId;
}

function isSubqueryNode(nodes: Map<string, DagNode>, id: string | null): boolean {
  if (!id) return false;
  const n = nodes.get(id);
  return !!n && (n.section === 'subquery' || /Subquery/.test(n.operator));
}

export interface ParsedOperator {
  operator: string;
  label: string;
  detail: Record<string, string>;
  formattedId?: string;
}

/** `*(2) HashAggregate(keys=[…], …)` → operator HashAggregate, codegen stage 2, args. */
export function parseOperatorText(raw: string, mode: Mode): ParsedOperator {
  let text = raw.trim();
  const detail: Record<string, string> = {};
  let formattedId: string | undefined;
  if (mode === 'formatted') {
    const m = FORMATTED_ID.exec(text);
    if (m) {
      formattedId = m[1];
      const stats = /, Statistics\((.*)\)$/.exec(m[0]);
      if (stats) detail.statistics = stats[1];
      text = text.slice(0, m.index).trim();
    }
  }
  const stage = /^\*\((\d+)\)\s*/.exec(text);
  if (stage) {
    detail.codegenStage = stage[1];
    text = text.slice(stage[0].length);
  } else if (/^\*\s/.test(text)) {
    detail.codegen = 'true';
    text = text.slice(2).trim();
  }
  text = text.replace(/^'/, '');
  const name = /^[A-Za-z_][\w$]*/.exec(text);
  const operator = name ? name[0] : text.split(/\s/)[0] || 'Unknown';
  const args = text.slice(operator.length).trim();
  if (args) detail.args = args;
  const label = text.length > 160 ? `${text.slice(0, 157)}...` : text;
  return { operator, label, detail, formattedId };
}

/**
 * After a FORMATTED tree: `(n) Operator args` blocks of `Field [k]: value` / `Field: value` lines,
 * then optionally `===== Subqueries =====` with `Subquery:k Hosting operator id = n …` trees.
 */
function readFormattedDetails(
  lines: string[],
  start: number,
  stop: number,
  nodes: DagNode[],
  edges: Array<[string, string]>,
  ids: Map<string, string>,
  problems: DagProblem[],
  byId: Map<string, DagNode> = new Map(nodes.map((n) => [n.id, n])),
): void {
  let current: DagNode | undefined;
  let lastField: string | undefined;
  for (let i = start; i < stop; i++) {
    const line = lines[i].replace(/\s+$/, '');
    if (/^=+ Subqueries =+$/.test(line.trim())) {
      current = undefined;
      continue;
    }
    const host = /^Subquery:(\d+) Hosting operator id = (\d+)/.exec(line);
    if (host) {
      current = undefined;
      const { nodes: tree, end } = readTree(lines, i + 1);
      const added = addTree(tree, nodes, edges, 'formatted', 'subquery', undefined, byId);
      for (const [k, v] of added) {
        ids.set(k, v);
      }
      const root = tree.length ? nodes[nodes.length - tree.length] : undefined;
      const hostId = ids.get(host[2]);
      if (root && hostId) edges.push([root.id, hostId]);
      else if (!hostId)
        problems.push({
          line: i + 1,
          message: `subquery ${host[1]} names hosting operator ${host[2]}, which the plan does not have`,
        });
      i = end - 1;
      continue;
    }
    const head = /^\((\d+)\) (\S+)(.*)$/.exec(line);
    if (head) {
      const id = ids.get(head[1]);
      current = id ? byId.get(id) : undefined;
      lastField = undefined;
      if (!current) {
        if (problems.length < 1000)
          problems.push({
            line: i + 1,
            message: `details for operator (${head[1]}), which is not in the tree; skipped`,
          });
        continue;
      }
      const rest = head[3].trim();
      const reuse = /\[Reuses operator id: (\d+)\]/.exec(rest);
      if (reuse) {
        const orig = ids.get(reuse[1]);
        if (orig) edges.push([orig, current.id]);
        current.detail.reuses = reuse[1];
      }
      const cg = /\[codegen id : (\d+)\]/.exec(rest);
      if (cg) current.detail.codegenStage = cg[1];
      const args = rest.replace(/\[(Reuses operator id|codegen id)[^\]]*\]/g, '').trim();
      if (args && !current.detail.args) current.detail.args = args;
      continue;
    }
    if (!current) continue;
    if (!line.trim()) {
      current = undefined;
      continue;
    }
    const field = /^([A-Za-z][A-Za-z ]*?)(?: \[\d+\])?\s?: ?(.*)$/.exec(line);
    if (field) {
      lastField = field[1].trim();
      current.detail[lastField] = field[2];
    } else if (lastField) {
      current.detail[lastField] += `\n${line}`;
    }
  }
}

/** Relation names and aliases from the logical plans: evidence for finding the query that made the plan. */
function collectLogicalEvidence(lines: string[], start: number, ev: LogicalEvidence): void {
  const tables = new Set(ev.tables);
  const aliases = new Set(ev.aliases);
  for (let i = start; i < lines.length; i++) {
    const l = lines[i];
    if (SECTION.test(l)) break;
    for (const m of l.matchAll(/UnresolvedRelation \[([^\]]+)\]/g))
      tables.add(m[1].split(',').pop()!.trim().toLowerCase());
    for (const m of l.matchAll(/\bRelation ([\w.`]+)\[/g))
      tables.add(m[1].split('.').pop()!.replace(/`/g, '').toLowerCase());
    for (const m of l.matchAll(/SubqueryAlias ([\w.`]+)/g)) {
      const name = m[1].replace(/`/g, '');
      if (name.includes('.')) tables.add(name.split('.').pop()!.toLowerCase());
      else aliases.add(name.toLowerCase());
    }
    for (const m of l.matchAll(/\bAS ([A-Za-z_]\w*)#\d+/g)) aliases.add(m[1].toLowerCase());
  }
  // Names Spark makes up itself are no evidence of the query's text.
  for (const set of [tables, aliases]) for (const n of [...set]) if (isInternalName(n)) set.delete(n);
  ev.tables = [...tables];
  ev.aliases = [...aliases];
}

const INTERNAL = new Set(['mergedvalue', 'alwaystrue', 'spark_grouping_id', 'gid', '__auto_generated_subquery_name']);

/** Names Spark invents (`_w0`, `mergedValue`, `spark_grouping_id`, …), never written by the user. */
export function isInternalName(n: string): boolean {
  return n.startsWith('_') || INTERNAL.has(n) || !/^[a-z_][\w$]*$/.test(n);
}
