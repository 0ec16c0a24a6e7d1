/**
 * JSON DAGs: Spark's `SparkPlanInfo` (event log `SparkListenerSQLExecutionStart` / AQE updates, one
 * object or JSON Lines), the SQL REST API's execution (its `planDescription` is FORMATTED plan text),
 * dbt's `manifest.json`, and the generic `{nodes:[{id,label,type,attributes}], edges:[[from,to]]}`.
 * Problems name the JSON field (`nodes[3].id`) so a hand-written DAG is easy to fix.
 */
import { z } from 'zod';
import { emptyEvidence, type DagNode, type DagProblem, type IngestResult } from '../model';
import { parseOperatorText, parseSparkExplain } from './sparkExplain';
import { DEFAULT_DAG_LIMITS, type DagLimits } from './limits';
import { findJsonError } from './jsonError';

/** The deepest nesting of a parsed JSON value, counted without recursion; stops once past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

function parseJson(text: string): { value?: unknown; lines?: unknown[]; error?: DagProblem } {
  try {
    return { value: JSON.parse(text) };
  } catch {
    // JSON Lines (a Spark event log): one object per line — when the first line is a JSON value on its own.
    const rows = text
      .split(/\r?\n/)
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => l.trim());
    if (rows.length > 1 && !findJsonError(rows[0].l)) {
      const lines: unknown[] = [];
      for (const { l, i } of rows) {
        const bad = findJsonError(l);
        if (bad)
          return {
            error: { line: i + 1, message: `line ${i + 1} is not valid JSON (column ${bad.column}: ${bad.message})` },
          };
        lines.push(JSON.parse(l));
      }
      return { lines };
    }
    const bad = findJsonError(text);
    return {
      error: {
        line: bad?.line,
        message: `not valid JSON: ${bad ? `column ${bad.column}: ${bad.message}` : 'it does not parse'}`,
      },
    };
  }
}

const GenericSchema = z.object({
  nodes: z.array(
    z
      .object({
        id: z.union([z.string().min(1), z.number()]).transform(String),
        label: z.string().optional(),
        type: z.string().optional(),
        attributes: z.record(z.unknown()).optional(),
      })
      .passthrough(),
  ),
  edges: z
    .array(
      z.union([
        z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]),
        z.object({ from: z.union([z.string(), z.number()]), to: z.union([z.string(), z.number()]) }),
      ]),
    )
    .default([]),
});

interface PlanInfo {
  nodeName?: unknown;
  simpleString?: unknown;
  children?: unknown;
  metadata?: unknown;
}

export function parseJsonDag(text: string, limits: DagLimits = DEFAULT_DAG_LIMITS): IngestResult {
  const evidence = emptyEvidence();
  const parsed = parseJson(text);
  if (parsed.error) return { dag: { kind: 'generic', nodes: [], edges: [] }, problems: [parsed.error], evidence };
  // A plan tree nests two JSON levels per operator (the node, its children array).
  const maxJsonDepth = limits.maxDagDepth * 2 + 8;
  if (parsed.value !== undefined && jsonDepth(parsed.value, maxJsonDepth) > maxJsonDepth) {
    return {
      dag: { kind: 'generic', nodes: [], edges: [] },
      problems: [
        {
          message: `the JSON nests more than ${maxJsonDepth} levels deep (over ${limits.maxDagDepth} operators, daglens.limits.maxDagDepth): not read; raise the limit if the DAG really is that deep`,
        },
      ],
      evidence,
    };
  }
  if (parsed.lines) {
    // A Spark event log holds a whole run, one plan per SQL execution: that is the runs reader's job.
    const executions = parsed.lines.filter((e) =>
      /SQLExecutionStart$/.test(String((e as { Event?: unknown })?.Event)),
    ).length;
    const message = executions
      ? `a Spark event log with ${executions} SQL execution${executions > 1 ? 's' : ''}, not one plan: map it with 'daglens runs FILE' or the Spark Runs view (DagLens: Open Spark Run…)`
      : 'JSON Lines without a plan: not a Spark plan, plan JSON, manifest or DAG';
    return { dag: { kind: 'spark-json', nodes: [], edges: [] }, problems: [{ message }], evidence };
  }
  const v = parsed.value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object')
    return {
      dag: { kind: 'generic', nodes: [], edges: [] },
      problems: [{ message: 'expected a JSON object' }],
      evidence,
    };
  if (typeof v.planDescription === 'string') {
    const r = parseSparkExplain(v.planDescription);
    return { ...r, dag: { ...r.dag, nodes: r.dag.nodes.map((n) => ({ ...n, line: null })) } };
  }
  if ('sparkPlanInfo' in v && v.sparkPlanInfo && typeof v.sparkPlanInfo === 'object')
    return sparkPlanInfo(v.sparkPlanInfo as PlanInfo);
  if (typeof v.nodeName === 'string') return sparkPlanInfo(v as PlanInfo);
  if (v.metadata && typeof v.metadata === 'object' && 'dbt_schema_version' in (v.metadata as object))
    return dbtManifest(v);
  if (v.nodes && typeof v.nodes === 'object' && !Array.isArray(v.nodes) && ('sources' in v || 'parent_map' in v))
    return dbtManifest(v);
  return generic(v);
}

const GENERIC_SHAPE = '{"nodes": [{"id": …, "label"?, "type"?, "attributes"?}], "edges": [[from, to]]}';

/** zod's issues for a JSON that is not a generic DAG → one problem saying what is wrong, where, and what is expected. */
function notGeneric(
  v: unknown,
  issues: Array<{ path: Array<string | number>; message: string; code: string }>,
): DagProblem {
  const obj = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  if (!obj || !('nodes' in obj)) {
    const keys = obj
      ? Object.keys(obj)
          .slice(0, 5)
          .map((k) => `"${k}"`)
          .join(', ')
      : Array.isArray(v)
        ? 'an array'
        : typeof v;
    return {
      message: `not a DAG DagLens reads: ${obj ? `an object with ${keys || 'no keys'}` : keys} — expected Spark EXPLAIN text, Spark plan JSON, a dbt manifest.json or ${GENERIC_SHAPE}`,
    };
  }
  const first = issues[0];
  const where = first.path.join('.') || '(root)';
  let at: unknown = v;
  for (const k of first.path)
    at = at && typeof at === 'object' ? (at as Record<string | number, unknown>)[k] : undefined;
  const what =
    at === undefined
      ? ' is missing'
      : `: ${first.message.toLowerCase()} (${Array.isArray(at) ? 'an array' : at === null ? 'null' : typeof at})`;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''} like it)` : '';
  return { field: where, message: `not a DAG DagLens reads: ${where}${what}${more} — expected ${GENERIC_SHAPE}` };
}

function generic(v: unknown): IngestResult {
  const r = GenericSchema.safeParse(v);
  if (!r.success) {
    return {
      dag: { kind: 'generic', nodes: [], edges: [] },
      problems: [notGeneric(v, r.error.issues)],
      evidence: emptyEvidence(),
    };
  }
  const problems: DagProblem[] = [];
  const seen = new Set<string>();
  const nodes: DagNode[] = [];
  r.data.nodes.forEach((n, i) => {
    if (seen.has(n.id)) {
      problems.push({ field: `nodes[${i}].id`, message: `duplicate node id '${n.id}'; kept the first` });
      return;
    }
    seen.add(n.id);
    const detail: Record<string, string> = {};
    for (const [k, val] of Object.entries(n.attributes ?? {}))
      detail[k] = typeof val === 'string' ? val : JSON.stringify(val);
    // Common extras beside the schema's fields (dbt graph exports carry `file` and `name`).
    for (const k of ['file', 'path', 'name', 'original_file_path']) {
      const val = (n as Record<string, unknown>)[k];
      if (typeof val === 'string' && !(k in detail)) detail[k] = val;
    }
    const type = n.type ?? /^(model|source|seed|snapshot|exposure|test)\./.exec(n.id)?.[1] ?? 'node';
    nodes.push({
      id: n.id,
      operator: type,
      label: n.label ?? detail.name ?? n.id,
      line: null,
      detail,
      section: 'main',
    });
  });
  const edges = r.data.edges.map(
    (e) => (Array.isArray(e) ? [String(e[0]), String(e[1])] : [String(e.from), String(e.to)]) as [string, string],
  );
  return { dag: { kind: 'generic', nodes, edges }, problems, evidence: emptyEvidence() };
}

function sparkPlanInfo(root: PlanInfo): IngestResult {
  const nodes: DagNode[] = [];
  const edges: Array<[string, string]> = [];
  const problems: DagProblem[] = [];
  // Iterative, in the order a recursive walk visits (a node, then each child's subtree, then the edge to that
  // child): a deep plan must not exhaust the stack (jsonDepth bounds the depth before this runs).
  type Frame = { p: PlanInfo; id: string; field: string } | { edge: [string, string] };
  const stack: Frame[] = [{ p: root, id: '0', field: 'sparkPlanInfo' }];
  const added = new Set<string>();
  while (stack.length) {
    const f = stack.pop()!;
    if ('edge' in f) {
      if (added.has(f.edge[0])) edges.push(f.edge);
      continue;
    }
    const { p, id, field } = f;
    if (typeof p.nodeName !== 'string') {
      problems.push({ field: `${field}.nodeName`, message: 'missing nodeName; node skipped' });
      continue;
    }
    const simple = typeof p.simpleString === 'string' ? p.simpleString : p.nodeName;
    const op = parseOperatorText(simple, 'text');
    const detail: Record<string, string> = { ...op.detail };
    if (p.metadata && typeof p.metadata === 'object')
      for (const [k, val] of Object.entries(p.metadata)) if (typeof val === 'string') detail[k] = val;
    // nodeName "Scan parquet db.t" carries the table even when simpleString is abbreviated.
    if (/^Scan /.test(p.nodeName) && !detail.table) detail.table = p.nodeName.split(/\s+/).pop()!.split('.').pop()!;
    nodes.push({
      id,
      operator: op.operator || p.nodeName.split(/\s/)[0] || 'Unknown',
      label: op.label,
      line: null,
      detail,
      section: 'main',
    });
    added.add(id);
    const kids = Array.isArray(p.children) ? p.children : [];
    const frames: Frame[] = [];
    kids.forEach((c, i) => {
      if (!c || typeof c !== 'object') {
        problems.push({ field: `${field}.children[${i}]`, message: 'not an object; skipped' });
        return;
      }
      const cid = `${id}.${i}`;
      frames.push({ p: c as PlanInfo, id: cid, field: `${field}.children[${i}]` }, { edge: [cid, id] });
    });
    for (let k = frames.length - 1; k >= 0; k--) stack.push(frames[k]);
  }
  return { dag: { kind: 'spark-json', nodes, edges }, problems, evidence: emptyEvidence() };
}

function dbtManifest(v: Record<string, unknown>): IngestResult {
  const nodes: DagNode[] = [];
  const edges: Array<[string, string]> = [];
  const problems: DagProblem[] = [];
  const entries: Array<[string, Record<string, unknown>, string]> = [];
  for (const group of ['nodes', 'sources', 'seeds', 'snapshots', 'exposures'] as const) {
    const g = v[group];
    if (!g || typeof g !== 'object') continue;
    for (const [id, n] of Object.entries(g as Record<string, unknown>)) {
      if (!n || typeof n !== 'object') {
        problems.push({ field: `${group}.${id}`, message: 'not an object; skipped' });
        continue;
      }
      entries.push([id, n as Record<string, unknown>, group]);
    }
  }
  const ids = new Set(entries.map((e) => e[0]));
  for (const [id, n, group] of entries) {
    const type = typeof n.resource_type === 'string' ? n.resource_type : group.replace(/s$/, '');
    if (type === 'test' || type === 'unit_test') continue; // tests are checks, not steps of the DAG
    const detail: Record<string, string> = {};
    for (const k of [
      'name',
      'original_file_path',
      'path',
      'schema',
      'database',
      'alias',
      'source_name',
      'identifier',
      'package_name',
    ]) {
      if (typeof n[k] === 'string') detail[k] = n[k] as string;
    }
    nodes.push({
      id,
      operator: type,
      label: typeof n.name === 'string' ? n.name : id,
      line: null,
      detail,
      section: 'main',
    });
    const deps = (n.depends_on as { nodes?: unknown } | undefined)?.nodes;
    if (Array.isArray(deps)) {
      for (const d of deps) {
        if (typeof d !== 'string') continue;
        if (ids.has(d)) edges.push([d, id]);
        else if (!/^(test|macro)\./.test(d))
          problems.push({
            field: `${group}.${id}.depends_on.nodes`,
            message: `depends on ${d}, which the manifest does not define`,
          });
      }
    }
  }
  const kept = new Set(nodes.map((n) => n.id));
  return {
    dag: { kind: 'dbt-manifest', nodes, edges: edges.filter(([a, b]) => kept.has(a) && kept.has(b)) },
    problems,
    evidence: emptyEvidence(),
  };
}
