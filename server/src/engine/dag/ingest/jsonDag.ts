/**
 * JSON DAGs: Spark's `SparkPlanInfo` (event log `SparkListenerSQLExecutionStart` / AQE updates, one
 * object or JSON Lines), the SQL REST API's execution (its `planDescription` is FORMATTED plan text),
 * dbt's `manifest.json`, and the generic `{nodes:[{id,label,type,attributes}], edges:[[from,to]]}`.
 * Problems name the JSON field (`nodes[3].id`) so a hand-written DAG is easy to fix.
 */
import { z } from 'zod';
import { emptyEvidence, type DagNode, type DagProblem, type IngestResult } from '../model';
import { parseOperatorText, parseSparkExplain } from './sparkExplain';

function parseJson(text: string): { value?: unknown; lines?: unknown[]; error?: DagProblem } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    // JSON Lines (a Spark event log): one object per line.
    const rows = text.split(/\r?\n/).filter((l) => l.trim());
    if (rows.length > 1) {
      const lines: unknown[] = [];
      for (let i = 0; i < rows.length; i++) {
        try {
          lines.push(JSON.parse(rows[i]));
        } catch {
          return { error: { line: i + 1, message: `line ${i + 1} is not valid JSON` } };
        }
      }
      return { lines };
    }
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    return { error: { line, message: `not valid JSON: ${msg}` } };
  }
}

const GenericSchema = z.object({
  nodes: z.array(z.object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    label: z.string().optional(),
    type: z.string().optional(),
    attributes: z.record(z.unknown()).optional(),
  }).passthrough()),
  edges: z.array(z.union([
    z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]),
    z.object({ from: z.union([z.string(), z.number()]), to: z.union([z.string(), z.number()]) }),
  ])).default([]),
});

interface PlanInfo {
  nodeName?: unknown;
  simpleString?: unknown;
  children?: unknown;
  metadata?: unknown;
}

export function parseJsonDag(text: string): IngestResult {
  const evidence = emptyEvidence();
  const parsed = parseJson(text);
  if (parsed.error) return { dag: { kind: 'generic', nodes: [], edges: [] }, problems: [parsed.error], evidence };
  if (parsed.lines) {
    // A Spark event log holds a whole run, one plan per SQL execution: that is the runs reader's job.
    const executions = parsed.lines.filter((e) => /SQLExecutionStart$/.test(String((e as { Event?: unknown })?.Event))).length;
    const message = executions
      ? `a Spark event log with ${executions} SQL execution${executions > 1 ? 's' : ''}, not one plan: map it with 'daglens runs FILE' or the Spark Runs view (DagLens: Open Spark Run…)`
      : 'JSON Lines without a plan: not a Spark plan, plan JSON, manifest or DAG';
    return { dag: { kind: 'spark-json', nodes: [], edges: [] }, problems: [{ message }], evidence };
  }
  const v = parsed.value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object') return { dag: { kind: 'generic', nodes: [], edges: [] }, problems: [{ message: 'expected a JSON object' }], evidence };
  if (typeof v.planDescription === 'string') {
    const r = parseSparkExplain(v.planDescription);
    return { ...r, dag: { ...r.dag, nodes: r.dag.nodes.map((n) => ({ ...n, line: null })) } };
  }
  if ('sparkPlanInfo' in v && v.sparkPlanInfo && typeof v.sparkPlanInfo === 'object') return sparkPlanInfo(v.sparkPlanInfo as PlanInfo);
  if (typeof v.nodeName === 'string') return sparkPlanInfo(v as PlanInfo);
  if (v.metadata && typeof v.metadata === 'object' && 'dbt_schema_version' in (v.metadata as object)) return dbtManifest(v);
  if (v.nodes && typeof v.nodes === 'object' && !Array.isArray(v.nodes) && ('sources' in v || 'parent_map' in v)) return dbtManifest(v);
  return generic(v);
}

function generic(v: unknown): IngestResult {
  const r = GenericSchema.safeParse(v);
  if (!r.success) {
    return {
      dag: { kind: 'generic', nodes: [], edges: [] },
      problems: r.error.issues.slice(0, 20).map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
      evidence: emptyEvidence(),
    };
  }
  const problems: DagProblem[] = [];
  const seen = new Set<string>();
  const nodes: DagNode[] = [];
  r.data.nodes.forEach((n, i) => {
    if (seen.has(n.id)) { problems.push({ field: `nodes[${i}].id`, message: `duplicate node id '${n.id}'; kept the first` }); return; }
    seen.add(n.id);
    const detail: Record<string, string> = {};
    for (const [k, val] of Object.entries(n.attributes ?? {})) detail[k] = typeof val === 'string' ? val : JSON.stringify(val);
    // Common extras beside the schema's fields (dbt graph exports carry `file` and `name`).
    for (const k of ['file', 'path', 'name', 'original_file_path']) {
      const val = (n as Record<string, unknown>)[k];
      if (typeof val === 'string' && !(k in detail)) detail[k] = val;
    }
    const type = n.type ?? /^(model|source|seed|snapshot|exposure|test)\./.exec(n.id)?.[1] ?? 'node';
    nodes.push({ id: n.id, operator: type, label: n.label ?? detail.name ?? n.id, line: null, detail, section: 'main' });
  });
  const edges = r.data.edges.map((e) => (Array.isArray(e) ? [String(e[0]), String(e[1])] : [String(e.from), String(e.to)]) as [string, string]);
  return { dag: { kind: 'generic', nodes, edges }, problems, evidence: emptyEvidence() };
}

function sparkPlanInfo(root: PlanInfo): IngestResult {
  const nodes: DagNode[] = [];
  const edges: Array<[string, string]> = [];
  const problems: DagProblem[] = [];
  const walk = (p: PlanInfo, id: string, field: string) => {
    if (typeof p.nodeName !== 'string') {
      problems.push({ field: `${field}.nodeName`, message: 'missing nodeName; node skipped' });
      return;
    }
    const simple = typeof p.simpleString === 'string' ? p.simpleString : p.nodeName;
    const op = parseOperatorText(simple, 'text');
    const detail: Record<string, string> = { ...op.detail };
    if (p.metadata && typeof p.metadata === 'object') for (const [k, val] of Object.entries(p.metadata)) if (typeof val === 'string') detail[k] = val;
    // nodeName "Scan parquet db.t" carries the table even when simpleString is abbreviated.
    if (/^Scan /.test(p.nodeName) && !detail.table) detail.table = p.nodeName.split(/\s+/).pop()!.split('.').pop()!;
    nodes.push({ id, operator: op.operator || p.nodeName.split(/\s/)[0], label: op.label, line: null, detail, section: 'main' });
    const kids = Array.isArray(p.children) ? p.children : [];
    kids.forEach((c, i) => {
      if (!c || typeof c !== 'object') { problems.push({ field: `${field}.children[${i}]`, message: 'not an object; skipped' }); return; }
      const cid = `${id}.${i}`;
      walk(c as PlanInfo, cid, `${field}.children[${i}]`);
      if (nodes.some((n) => n.id === cid)) edges.push([cid, id]);
    });
  };
  walk(root, '0', 'sparkPlanInfo');
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
      if (!n || typeof n !== 'object') { problems.push({ field: `${group}.${id}`, message: 'not an object; skipped' }); continue; }
      entries.push([id, n as Record<string, unknown>, group]);
    }
  }
  const ids = new Set(entries.map((e) => e[0]));
  for (const [id, n, group] of entries) {
    const type = typeof n.resource_type === 'string' ? n.resource_type : group.replace(/s$/, '');
    if (type === 'test' || type === 'unit_test') continue; // tests are checks, not steps of the DAG
    const detail: Record<string, string> = {};
    for (const k of ['name', 'original_file_path', 'path', 'schema', 'database', 'alias', 'source_name', 'identifier', 'package_name']) {
      if (typeof n[k] === 'string') detail[k] = n[k] as string;
    }
    nodes.push({ id, operator: type, label: typeof n.name === 'string' ? n.name : id, line: null, detail, section: 'main' });
    const deps = (n.depends_on as { nodes?: unknown } | undefined)?.nodes;
    if (Array.isArray(deps)) {
      for (const d of deps) {
        if (typeof d !== 'string') continue;
        if (ids.has(d)) edges.push([d, id]);
        else if (!/^(test|macro)\./.test(d)) problems.push({ field: `${group}.${id}.depends_on.nodes`, message: `depends on ${d}, which the manifest does not define` });
      }
    }
  }
  const kept = new Set(nodes.map((n) => n.id));
  return { dag: { kind: 'dbt-manifest', nodes, edges: edges.filter(([a, b]) => kept.has(a) && kept.has(b)) }, problems, evidence: emptyEvidence() };
}
