/**
 * Lineage answers (daglens/lineage, daglens/impact) as graphs for the graph panel. Pure (no vscode).
 * Nodes are assets (tables, dbt models, files…) and processes (SQL statements, dbt models' SQL, PySpark
 * jobs, Airflow tasks); edges run asset → reading process → written asset, the way data flows. A dbt model
 * and the relation it builds are one thing to a data engineer, so they are drawn as one node (see `merged`).
 */
import type { GraphEdge, GraphModel, GraphNode, ImpactResult, LineageProcess, LineageResult } from '@daglens/protocol';

type Direction = 'upstream' | 'downstream' | 'both';

interface Index {
  processes: Map<string, LineageProcess>;
  readersOf: Map<string, string[]>;
  writersOf: Map<string, string[]>;
}

function index(res: LineageResult): Index {
  const processes = new Map(res.processes.map((p) => [p.id, p]));
  const readersOf = new Map<string, string[]>();
  const writersOf = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string) => {
    const list = m.get(k);
    if (!list) m.set(k, [v]);
    else if (!list.includes(v)) list.push(v);
  };
  for (const p of res.processes) {
    for (const r of p.reads) add(readersOf, r.asset, p.id);
    for (const w of p.writes) add(writersOf, w.asset, p.id);
  }
  return { processes, readersOf, writersOf };
}

/**
 * The lineage around some processes: everything upstream (what they read, who wrote that, …) and/or
 * downstream (what they write, who reads that, …), as far as it goes.
 */
export function lineageGraph(
  res: LineageResult,
  start: { processes?: string[]; assets?: string[] },
  title: string,
  direction: Direction = 'both',
): GraphModel {
  const ix = index(res);
  const procs = new Set<string>();
  const assets = new Set<string>();
  const walk = (dir: 'upstream' | 'downstream') => {
    const queue: Array<{ kind: 'p' | 'a'; id: string }> = [
      ...(start.processes ?? []).map((id) => ({ kind: 'p' as const, id })),
      ...(start.assets ?? []).map((id) => ({ kind: 'a' as const, id })),
    ];
    const seen = new Set<string>();
    while (queue.length) {
      const { kind, id } = queue.shift()!;
      const key = `${kind}:${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (kind === 'p') {
        const p = ix.processes.get(id);
        if (!p) continue;
        procs.add(id);
        for (const r of dir === 'upstream' ? p.reads : p.writes) queue.push({ kind: 'a', id: r.asset });
      } else {
        assets.add(id);
        for (const p of (dir === 'upstream' ? ix.writersOf : ix.readersOf).get(id) ?? [])
          queue.push({ kind: 'p', id: p });
      }
    }
  };
  if (direction !== 'downstream') walk('upstream');
  if (direction !== 'upstream') walk('downstream');
  // The processes we started from show all their inputs and outputs, even in one direction.
  for (const id of start.processes ?? [])
    for (const r of [...(ix.processes.get(id)?.reads ?? []), ...(ix.processes.get(id)?.writes ?? [])])
      assets.add(r.asset);
  const focus = new Set([...(start.processes ?? []), ...(start.assets ?? [])]);
  return build(res, ix, procs, assets, focus, title, 'lineage');
}

/**
 * dbt models whose process writes exactly its own model (the `stg_orders` SQL building `stg_orders`): process id
 * → the model asset's id. Such a pair is drawn as one node, the asset, opening the model's SQL.
 */
function merged(res: LineageResult): Map<string, string> {
  const kinds = new Map(res.assets.map((a) => [a.id, a]));
  const out = new Map<string, string>();
  for (const p of res.processes) {
    if (p.kind !== 'dbt_model') continue;
    const own = [...new Set(p.writes.map((w) => w.asset))];
    const a = own.length === 1 ? kinds.get(own[0]!) : undefined;
    if (a && /^dbt_(model|seed|snapshot)$/.test(a.kind) && a.name === p.symbol) out.set(p.id, a.id);
  }
  return out;
}

/** An impact answer: the start, every asset it reaches, and the processes on the paths between them. */
export function impactGraph(impact: ImpactResult, res: LineageResult, title: string): GraphModel {
  const ix = index(res);
  const procs = new Set<string>();
  const assets = new Set<string>();
  const focus = new Set<string>([impact.start]);
  if (ix.processes.has(impact.start)) procs.add(impact.start);
  else if (impact.kind !== 'unknown') assets.add(impact.start);
  for (const h of impact.hits) {
    assets.add(h.asset);
    for (const s of h.path) {
      // A path from a process starts at the process itself (no `from` asset).
      if (s.from) assets.add(s.from);
      if (s.to) assets.add(s.to);
      procs.add(s.process);
    }
  }
  const g = build(res, ix, procs, assets, focus, title, 'impact');
  // Only the edges on impact paths (a process may read more than the path needs); ids as drawn (merged models).
  const as = merged(res);
  const id = (x: string) => as.get(x) ?? x;
  const start = id(impact.start);
  const drawnProcs = new Set([...procs].map(id));
  const onPath = new Set(
    impact.hits.flatMap((h) =>
      h.path.flatMap((s) => [`${id(s.from)}→${id(s.process)}`, `${id(s.process)}→${id(s.to)}`]),
    ),
  );
  return {
    ...g,
    edges: g.edges.filter(
      (e) =>
        onPath.has(`${e.source}→${e.target}`) || (e.source === start && drawnProcs.has(e.target)) || e.target === start,
    ),
  };
}

function build(
  res: LineageResult,
  ix: Index,
  procs: Set<string>,
  assets: Set<string>,
  focus: Set<string>,
  title: string,
  mode: 'lineage' | 'impact',
): GraphModel {
  const assetInfo = new Map(res.assets.map((a) => [a.id, a]));
  const as = merged(res);
  const modelOf = new Map([...as].map(([p, a]) => [a, p]));
  const id = (x: string) => as.get(x) ?? x;
  const nodes: GraphNode[] = [];
  // A merged model is drawn when its process or its asset is: as the asset, holding both.
  for (const p of procs) if (as.has(p)) assets.add(as.get(p)!);
  for (const id of assets) {
    const model = ix.processes.get(modelOf.get(id) ?? '');
    if (model) {
      const a = assetInfo.get(id);
      nodes.push({
        id,
        label: model.symbol,
        kind: 'model',
        status: 'none',
        focus: focus.has(id) || focus.has(model.id) || undefined,
        detail: [
          `dbt model in ${model.file}:${model.startLine}-${model.endLine}${a?.relation && a.relation !== a.name ? ` (relation ${a.relation})` : ''}`,
          `reads ${model.reads.length} · read by ${ix.readersOf.get(id)?.length ?? 0}`,
          ...model.partial.map((x) => `partial: ${x}`),
        ].join('\n'),
        location: { file: model.file, startLine: model.startLine, endLine: Math.max(model.startLine, model.endLine) },
      });
      continue;
    }
    const a = assetInfo.get(id);
    // An asset opens the code that writes it, else the first code that reads it.
    const writer = ix.processes.get(ix.writersOf.get(id)?.[0] ?? '');
    const ref = writer?.writes.find((w) => w.asset === id);
    const reader = writer ? undefined : ix.processes.get(ix.readersOf.get(id)?.[0] ?? '');
    const rref = reader?.reads.find((r) => r.asset === id);
    const loc =
      writer && ref
        ? { file: ref.file ?? writer.file, startLine: ref.line, endLine: ref.line }
        : reader && rref
          ? { file: rref.file ?? reader.file, startLine: rref.line, endLine: rref.line }
          : undefined;
    nodes.push({
      id,
      label: a?.name ?? id,
      kind: kindOf(a?.kind),
      status: 'none',
      focus: focus.has(id) || undefined,
      detail: [
        a
          ? `${a.kind.replace('_', ' ')} ${a.relation && a.relation !== a.name ? `(relation ${a.relation})` : ''}`.trim()
          : id,
        `written by ${ix.writersOf.get(id)?.length ?? 0} · read by ${ix.readersOf.get(id)?.length ?? 0}`,
      ].join('\n'),
      location: loc,
    });
  }
  const edges: GraphEdge[] = [];
  for (const id of procs) {
    if (as.has(id)) continue; // drawn as its model's node
    const p = ix.processes.get(id);
    if (!p) {
      nodes.push({ id, label: id, kind: 'process', status: 'none' });
      continue;
    }
    nodes.push({
      id,
      label: p.symbol,
      kind: p.kind === 'airflow_task' ? 'task' : 'process',
      status: 'none',
      focus: focus.has(id) || undefined,
      detail: [
        `${p.kind.replace('_', ' ')} in ${p.file}:${p.startLine}-${p.endLine}`,
        `reads ${p.reads.length} · writes ${p.writes.length}`,
        ...p.partial.map((x) => `partial: ${x}`),
      ].join('\n'),
      location: { file: p.file, startLine: p.startLine, endLine: Math.max(p.startLine, p.endLine) },
    });
    for (const r of p.reads) if (assets.has(r.asset)) edges.push({ source: r.asset, target: id });
    for (const w of p.writes) if (assets.has(w.asset)) edges.push({ source: id, target: w.asset });
  }
  for (const [p, a] of as) {
    const proc = ix.processes.get(p);
    if (!proc || !procs.has(p)) continue;
    for (const r of proc.reads) if (assets.has(r.asset)) edges.push({ source: r.asset, target: a });
  }
  return {
    title,
    mode,
    nodes,
    edges: dedupe(
      edges.map((e) => ({ ...e, source: id(e.source), target: id(e.target) })).filter((e) => e.source !== e.target),
    ),
  };
}

function dedupe(edges: GraphEdge[]): GraphEdge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const k = `${e.source}\u0000${e.target}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function kindOf(kind: string | undefined): string {
  switch (kind) {
    case 'dbt_model':
      return 'model';
    case 'dbt_source':
      return 'source';
    case 'view':
      return 'view';
    case 'file':
      return 'file';
    default:
      return 'table';
  }
}
