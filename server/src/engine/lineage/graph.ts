/**
 * The assembled lineage graph and its queries: who writes an asset, who reads it, and the downstream /
 * upstream closure of an asset, a column or a code location, each hit with the path of edges leading to it.
 * Built from processes (see model.ts); cycles are fine (every asset is visited once, shortest path kept).
 */
import type { Asset, ColumnSource, ImpactHit, ImpactStep, Process } from './model';

export interface ColumnNode {
  asset: string;
  column: string;
}

export interface ColumnImpactHit {
  asset: string;
  column: string;
  distance: number;
  /** Process ids crossed, in order. */
  path: Array<{ from: ColumnNode; process: string; to: ColumnNode }>;
}

export class LineageGraph {
  readonly assets = new Map<string, Asset>();
  readonly processes = new Map<string, Process>();
  private readonly readers = new Map<string, Set<string>>();
  private readonly writers = new Map<string, Set<string>>();
  private readonly byFile = new Map<string, Process[]>();

  constructor(processes: Process[], extraAssets: Asset[] = []) {
    for (const a of extraAssets) this.assets.set(a.id, a);
    for (const p of processes) {
      this.processes.set(p.id, p);
      push(this.byFile, p.file, p);
      for (const r of p.reads) {
        this.addAsset(r.asset);
        add(this.readers, r.asset.id, p.id);
      }
      for (const w of p.writes) {
        this.addAsset(w.asset);
        add(this.writers, w.asset.id, p.id);
      }
    }
  }

  private addAsset(a: Asset): void {
    if (!this.assets.has(a.id)) this.assets.set(a.id, a);
  }

  /** Processes that write the asset. */
  writersOf(assetId: string): Process[] {
    return [...(this.writers.get(assetId) ?? [])].map((id) => this.processes.get(id)!);
  }

  /** Processes that read the asset. */
  readersOf(assetId: string): Process[] {
    return [...(this.readers.get(assetId) ?? [])].map((id) => this.processes.get(id)!);
  }

  /** Processes of a file, in file order. */
  processesIn(file: string): Process[] {
    return [...(this.byFile.get(file) ?? [])].sort((a, b) => a.span.startOffset - b.span.startOffset);
  }

  /** Processes whose span holds the offset, innermost first. */
  processesAt(file: string, offset: number): Process[] {
    return this.processesIn(file)
      .filter((p) => p.span.startOffset <= offset && offset <= p.span.endOffset)
      .sort((a, b) => a.span.endOffset - a.span.startOffset - (b.span.endOffset - b.span.startOffset));
  }

  /**
   * Assets reachable from `start` (an asset id) downstream (readers → their writes) or upstream
   * (writers → their reads). Breadth-first, so each hit carries a shortest path.
   */
  impact(start: string, direction: 'downstream' | 'upstream' = 'downstream', maxDepth = 1000): ImpactHit[] {
    return this.closure([{ asset: start, path: [] }], direction, maxDepth, new Set([start]));
  }

  /** Impact of a process (a code location): what it writes and everything downstream of that (or what it reads, upstream). */
  impactOfProcess(
    processId: string,
    direction: 'downstream' | 'upstream' = 'downstream',
    maxDepth = 1000,
  ): ImpactHit[] {
    const p = this.processes.get(processId);
    if (!p) return [];
    const refs = direction === 'downstream' ? p.writes : p.reads;
    const seeds = [...new Set(refs.map((r) => r.asset.id))].map((id) => ({
      asset: id,
      path: [direction === 'downstream' ? { from: '', process: p.id, to: id } : { from: id, process: p.id, to: '' }],
    }));
    const seen = new Set(seeds.map((s) => s.asset));
    const first: ImpactHit[] = seeds.map((s) => ({ asset: s.asset, distance: 1, path: s.path }));
    return [...first, ...this.closure(seeds, direction, maxDepth, seen)];
  }

  /**
   * What lies beyond a process's own output: `impactOfProcess` without the assets it writes itself (a dbt
   * model's own relation is not "downstream" of it; the lens counts those as `writes`).
   */
  downstreamOfProcess(processId: string, maxDepth = 1000): ImpactHit[] {
    return this.impactOfProcess(processId, 'downstream', maxDepth).filter((h) => h.distance > 1);
  }

  private closure(
    seeds: Array<{ asset: string; path: ImpactStep[] }>,
    direction: 'downstream' | 'upstream',
    maxDepth: number,
    seen: Set<string>,
  ): ImpactHit[] {
    const out: ImpactHit[] = [];
    let frontier = seeds;
    for (let depth = 0; frontier.length && depth < maxDepth; depth++) {
      const next: typeof frontier = [];
      for (const { asset, path } of frontier) {
        const procs = direction === 'downstream' ? this.readersOf(asset) : this.writersOf(asset);
        for (const p of procs.sort((a, b) => a.id.localeCompare(b.id))) {
          const targets = (direction === 'downstream' ? p.writes : p.reads).filter((t) =>
            flowsThrough(
              p,
              direction === 'downstream' ? asset : t.asset.id,
              direction === 'downstream' ? t.asset.id : asset,
            ),
          );
          for (const t of targets) {
            const id = t.asset.id;
            if (seen.has(id)) continue;
            seen.add(id);
            const step: ImpactStep =
              direction === 'downstream'
                ? { from: asset, process: p.id, to: id }
                : { from: id, process: p.id, to: asset };
            const hit = { asset: id, distance: path.length + 1, path: [...path, step] };
            out.push(hit);
            next.push(hit);
          }
        }
      }
      frontier = next;
    }
    return out;
  }

  /** Column-level closure: output columns computed from (asset, column), transitively (or the reverse). */
  columnImpact(asset: string, column: string, direction: 'downstream' | 'upstream' = 'downstream'): ColumnImpactHit[] {
    const edges = this.columnEdges();
    const key = (n: ColumnNode) => `${n.asset}\u0000${n.column}`;
    const seen = new Set([key({ asset, column })]);
    const out: ColumnImpactHit[] = [];
    let frontier: ColumnImpactHit[] = [{ asset, column, distance: 0, path: [] }];
    while (frontier.length) {
      const next: ColumnImpactHit[] = [];
      for (const cur of frontier) {
        const hits = direction === 'downstream' ? edges.down.get(key(cur)) : edges.up.get(key(cur));
        for (const e of hits ?? []) {
          const n = direction === 'downstream' ? e.to : e.from;
          if (seen.has(key(n))) continue;
          seen.add(key(n));
          const hit = { asset: n.asset, column: n.column, distance: cur.distance + 1, path: [...cur.path, e] };
          out.push(hit);
          next.push(hit);
        }
      }
      frontier = next;
    }
    return out;
  }

  private edgeCache?: { down: Map<string, ColumnEdge[]>; up: Map<string, ColumnEdge[]> };

  private columnEdges() {
    if (this.edgeCache) return this.edgeCache;
    const down = new Map<string, ColumnEdge[]>();
    const up = new Map<string, ColumnEdge[]>();
    for (const p of this.processes.values()) {
      if (!p.columnsOf) continue;
      for (const c of p.columns) {
        const to = { asset: p.columnsOf, column: c.name };
        for (const s of c.sources as ColumnSource[]) {
          if (!s.asset) continue;
          const e = { from: { asset: s.asset, column: s.column }, process: p.id, to };
          push(down, `${s.asset}\u0000${s.column}`, e);
          push(up, `${to.asset}\u0000${to.column}`, e);
        }
      }
    }
    this.edgeCache = { down, up };
    return this.edgeCache;
  }
}

/** Whether data of `from` reaches `to` through the process (always, unless its traced flows say otherwise). */
function flowsThrough(p: Process, from: string, to: string): boolean {
  const flow = p.flows?.find((f) => f.to === to);
  return !flow || flow.from.includes(from);
}

interface ColumnEdge {
  from: ColumnNode;
  process: string;
  to: ColumnNode;
}

function add(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
