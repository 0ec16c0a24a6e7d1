/**
 * Nearest-neighbour search over chunk vectors (cosine on unit vectors). HNSW through the native
 * hnswlib-node addon when it loads; otherwise an exact scan in-process, slower on big workspaces but
 * always correct, so the server never fails to start for want of a binary.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, type Logger } from '../log';
import { TopK } from './bm25';

export interface HnswParams {
  /** Graph degree: higher = better recall, more memory, slower build. */
  m: number;
  /** Candidate list size while building. */
  efConstruction: number;
  /** Candidate list size while searching (raised to k when k is larger). */
  efSearch: number;
}

/**
 * Short queries against long chunks are a hard case for HNSW: M 12 / efConstruction 48 built faster but
 * reached only 0.95 recall@10 on the CPython stdlib, so the graph gets M 16 / 64 (+4 s CPU there) and queries
 * a wide beam. Recall@10 against exact search at several efSearch values: `npm run bench:index`.
 */
export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 64, efSearch: 512 };

export interface VectorHit {
  label: number;
  /** Cosine similarity, 1 = same direction. */
  score: number;
}

export interface VectorIndex {
  readonly backend: 'hnsw' | 'exact';
  readonly size: number;
  add(label: number, vector: Float32Array): void;
  remove(label: number): void;
  search(vector: Float32Array, k: number, accept?: (label: number) => boolean): VectorHit[];
  /** The stored vector of a label (for persistence). */
  vector(label: number): Float32Array | undefined;
}

/** Exact search: a scan over a packed arena of vectors. */
export class ExactVectorIndex implements VectorIndex {
  readonly backend = 'exact';
  private arena: Float32Array;
  private labels: Int32Array;
  private readonly slotOf = new Map<number, number>();
  private readonly free: number[] = [];
  private used = 0;

  constructor(
    readonly dimensions: number,
    capacity = 1024,
  ) {
    this.arena = new Float32Array(capacity * dimensions);
    this.labels = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.slotOf.size;
  }

  add(label: number, vector: Float32Array): void {
    this.remove(label);
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.labels.length) this.grow();
      slot = this.used++;
    }
    this.arena.set(vector, slot * this.dimensions);
    this.labels[slot] = label;
    this.slotOf.set(label, slot);
  }

  remove(label: number): void {
    const slot = this.slotOf.get(label);
    if (slot === undefined) return;
    this.slotOf.delete(label);
    this.labels[slot] = -1;
    this.free.push(slot);
  }

  search(vector: Float32Array, k: number, accept?: (label: number) => boolean): VectorHit[] {
    const top = new TopK(k);
    const d = this.dimensions;
    const a = this.arena;
    for (let slot = 0; slot < this.used; slot++) {
      const label = this.labels[slot];
      if (label < 0 || (accept && !accept(label))) continue;
      let s = 0;
      const base = slot * d;
      for (let i = 0; i < d; i++) s += a[base + i] * vector[i];
      top.offer(label, s);
    }
    return top.sorted().map((h) => ({ label: h.doc, score: h.score }));
  }

  liveLabels(): IterableIterator<number> {
    return this.slotOf.keys();
  }

  vector(label: number): Float32Array | undefined {
    const slot = this.slotOf.get(label);
    return slot === undefined ? undefined : this.arena.slice(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  private grow(): void {
    const arena = new Float32Array(this.arena.length * 2);
    arena.set(this.arena);
    this.arena = arena;
    const labels = new Int32Array(this.labels.length * 2).fill(-1);
    labels.set(this.labels);
    this.labels = labels;
  }
}

type HnswModule = typeof import('hnswlib-node');
export type NativeHnsw = InstanceType<HnswModule['HierarchicalNSW']>;
type Hnsw = NativeHnsw;

let hnswModule: HnswModule | undefined | null;
let hnswLoadError = '';
let hnswBuildName: 'avx2' | 'portable' | undefined;

/** Whether this CPU runs the AVX2+FMA build of hnswlib-node (scripts/native.mjs builds it on linux-x64). */
function cpuHasAvx2Fma(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(' ') ?? [];
    return flags.includes('avx2') && flags.includes('fma');
  } catch {
    return false;
  }
}

/** Loads the native addon once (the AVX2 build where the CPU has it); null, with the reason kept, when it cannot load. */
export function loadHnsw(): HnswModule | null {
  if (hnswModule === undefined) {
    hnswModule = null;
    let avx2 = '';
    try {
      if (cpuHasAvx2Fma())
        avx2 = path.join(path.dirname(require.resolve('hnswlib-node/package.json')), 'build/Release/addon-avx2.node');
    } catch {
      /* not installed: the portable require below says so */
    }
    // Plain requires so the bundler leaves the native package external; the portable build if the AVX2 one fails.
    const builds: Array<['avx2' | 'portable', () => HnswModule]> = [
      ['portable', () => require('hnswlib-node') as HnswModule],
    ];
    if (avx2 && existsSync(avx2)) builds.unshift(['avx2', () => require(avx2) as HnswModule]);
    for (const [name, load] of builds) {
      try {
        const mod = load();
        new mod.HierarchicalNSW('cosine', 2).initIndex(1);
        hnswModule = mod;
        hnswBuildName = name;
        break;
      } catch (e) {
        hnswLoadError = errorMessage(e);
      }
    }
  }
  return hnswModule;
}

/** Which hnswlib-node binary loaded (benchmarks print it). */
export function hnswBuild(): 'avx2' | 'portable' | 'unavailable' {
  return loadHnsw() ? hnswBuildName! : 'unavailable';
}

export class HnswVectorIndex implements VectorIndex {
  readonly backend = 'hnsw';
  private readonly index: Hnsw;
  private readonly live = new Set<number>();
  /** Deleted slots hnswlib can reuse (allowReplaceDeleted) before it must grow. */
  private deleted = 0;

  /**
   * `source`: a saved graph (a file to read, or a native index already read, see `open`) and its live
   * labels. The caller names them because hnswlib's own list still holds the deleted ones.
   */
  constructor(
    mod: HnswModule,
    readonly dimensions: number,
    private readonly params: HnswParams,
    capacity = 1024,
    source?: { graph: string | Hnsw; live: Iterable<number> },
  ) {
    this.index = typeof source?.graph === 'object' ? source.graph : new mod.HierarchicalNSW('cosine', dimensions);
    if (typeof source?.graph === 'string') this.index.readIndexSync(source.graph, true);
    if (source) {
      for (const label of source.live) this.live.add(label);
      this.deleted = this.index.getCurrentCount() - this.live.size;
      if (this.deleted < 0)
        throw new Error(
          `graph holds ${this.index.getCurrentCount()} vectors, fewer than the ${this.live.size} live ones`,
        );
    } else {
      this.index.initIndex({
        maxElements: Math.max(16, capacity),
        m: params.m,
        efConstruction: params.efConstruction,
        allowReplaceDeleted: true,
      });
    }
    this.index.setEf(params.efSearch);
  }

  get size(): number {
    return this.live.size;
  }

  add(label: number, vector: Float32Array): void {
    if (this.live.has(label)) this.remove(label);
    if (this.deleted === 0 && this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(Math.ceil(this.index.getMaxElements() * 1.5) + 1024);
    }
    this.index.addPoint(Array.from(vector), label, this.deleted > 0);
    if (this.deleted > 0) this.deleted--;
    this.live.add(label);
  }

  remove(label: number): void {
    if (!this.live.delete(label)) return;
    this.index.markDelete(label);
    this.deleted++;
  }

  search(vector: Float32Array, k: number, accept?: (label: number) => boolean): VectorHit[] {
    const n = Math.min(k, this.live.size);
    if (n <= 0) return [];
    this.index.setEf(Math.max(this.params.efSearch, n));
    const r = accept
      ? this.index.searchKnn(Array.from(vector), n, accept)
      : this.index.searchKnn(Array.from(vector), n);
    const hits = r.neighbors.map((label, i) => ({ label, score: 1 - r.distances[i] }));
    return hits.sort((a, b) => b.score - a.score);
  }

  vector(label: number): Float32Array | undefined {
    return this.live.has(label) ? Float32Array.from(this.index.getPoint(label)) : undefined;
  }

  /** Changes the search beam (benchmarks sweep it). */
  setEfSearch(ef: number): void {
    this.params.efSearch = ef;
  }

  /** Reads a graph file on the libuv pool, leaving this thread free meanwhile. */
  static async open(
    mod: HnswModule,
    dimensions: number,
    params: HnswParams,
    file: string,
    live: Iterable<number>,
  ): Promise<HnswVectorIndex> {
    const graph = new mod.HierarchicalNSW('cosine', dimensions);
    await graph.readIndex(file, true);
    return new HnswVectorIndex(mod, dimensions, params, 0, { graph, live });
  }

  /** Writes the graph (hnswlib's own format) to `file`. */
  save(file: string): void {
    this.index.writeIndexSync(file);
  }
}

/** HNSW when the addon loads, else exact search, saying why. */
export function createVectorIndex(
  dimensions: number,
  params: HnswParams,
  log: Logger,
  capacity = 1024,
  preferExact = false,
): VectorIndex {
  if (!preferExact) {
    const mod = loadHnsw();
    if (mod) return new HnswVectorIndex(mod, dimensions, params, capacity);
    log.warn(`hnswlib-node could not load (${hnswLoadError}); vector search falls back to exact search`);
  }
  return new ExactVectorIndex(dimensions, capacity);
}
