/**
 * Builds the HNSW graph of a cold index in a worker thread. Inserting ~90k vectors costs seconds of CPU;
 * on the main thread it serialised with everything else there (BM25, applying parsed files, answering
 * requests). Here the main thread only copies each vector into an exact index, which answers vector
 * searches meanwhile and is the fallback if the worker fails; `finish` has the worker write the graph to
 * a file and loads it (hnswlib reads it on the libuv pool), so the caller swaps the finished graph in.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker, type MessagePort } from 'node:worker_threads';
import { errorMessage, type Logger } from '../log';
import {
  ExactVectorIndex,
  HnswVectorIndex,
  loadHnsw,
  type HnswParams,
  type VectorHit,
  type VectorIndex,
} from './vectorIndex';

/** A worker thread's script: a file, or (under tsx) code to evaluate (indexer.ts `workerScript`). */
export interface WorkerScript {
  file: string;
  eval?: boolean;
}

export interface GraphWorkerInit {
  role: 'graph';
  dimensions: number;
  params: HnswParams;
  capacity: number;
}

type ToGraph =
  | { type: 'add'; labels: Int32Array; vectors: Float32Array }
  | { type: 'remove'; labels: number[] }
  | { type: 'save'; file: string };

type FromGraph = { type: 'saved'; insertMs: number } | { type: 'failed'; error: string };

/** Vectors posted to the worker per message. */
const BATCH = 512;

export class GraphBuilder implements VectorIndex {
  readonly backend = 'hnsw';
  private readonly exact: ExactVectorIndex;
  private readonly worker: Worker;
  private labels: Int32Array;
  private vectors: Float32Array;
  private pending = 0;
  private failure: string | undefined;
  private readonly reply: Promise<FromGraph>;

  /** `script`: the worker file (see indexer.ts); `capacity`: the expected number of vectors. */
  constructor(
    script: WorkerScript,
    readonly dimensions: number,
    private readonly params: HnswParams,
    capacity: number,
  ) {
    this.exact = new ExactVectorIndex(dimensions, Math.max(1024, capacity));
    const init: GraphWorkerInit = { role: 'graph', dimensions, params, capacity };
    this.worker = new Worker(script.file, { eval: script.eval, workerData: init });
    this.labels = new Int32Array(BATCH);
    this.vectors = new Float32Array(BATCH * dimensions);
    this.reply = new Promise<FromGraph>((resolve) => {
      this.worker.once('message', resolve);
      this.worker.once('error', (e) => resolve({ type: 'failed', error: errorMessage(e) }));
      this.worker.once('exit', (code) => resolve({ type: 'failed', error: `graph worker exited (${code})` }));
    });
  }

  get size(): number {
    return this.exact.size;
  }

  add(label: number, vector: Float32Array): void {
    this.exact.add(label, vector);
    this.labels[this.pending] = label;
    this.vectors.set(vector, this.pending * this.dimensions);
    if (++this.pending === BATCH) this.flush();
  }

  remove(label: number): void {
    const before = this.exact.size;
    this.exact.remove(label);
    if (this.exact.size === before) return;
    this.flush(); // the worker must see the add before the removal
    this.post({ type: 'remove', labels: [label] });
  }

  search(vector: Float32Array, k: number, accept?: (label: number) => boolean): VectorHit[] {
    return this.exact.search(vector, k, accept);
  }

  vector(label: number): Float32Array | undefined {
    return this.exact.vector(label);
  }

  /**
   * The finished graph, loaded on this thread; or, when the worker or the addon failed, the exact index
   * (with the reason logged), so nothing added is ever lost.
   */
  async finish(log: Logger): Promise<{ index: VectorIndex; insertMs: number; waitMs: number }> {
    const t0 = performance.now();
    this.flush();
    const file = path.join(os.tmpdir(), `daglens-graph-${process.pid}-${Date.now()}.bin`);
    this.post({ type: 'save', file });
    const r = await this.reply;
    void this.worker.terminate();
    try {
      const mod = loadHnsw();
      if (r.type === 'failed' || this.failure || !mod)
        throw new Error(this.failure ?? (r.type === 'failed' ? r.error : 'hnswlib-node does not load'));
      const index = await HnswVectorIndex.open(mod, this.dimensions, this.params, file, this.exact.liveLabels());
      return { index, insertMs: r.insertMs, waitMs: performance.now() - t0 };
    } catch (e) {
      log.warn(`building the vector graph in a worker failed (${errorMessage(e)}); vector search stays exact for now`);
      return { index: this.exact, insertMs: 0, waitMs: performance.now() - t0 };
    } finally {
      rmSync(file, { force: true });
    }
  }

  private flush(): void {
    if (this.pending === 0) return;
    const labels = this.labels.slice(0, this.pending);
    const vectors = this.vectors.slice(0, this.pending * this.dimensions);
    this.pending = 0;
    this.post({ type: 'add', labels, vectors }, [labels.buffer, vectors.buffer]);
  }

  private post(m: ToGraph, transfer: ArrayBuffer[] = []): void {
    try {
      this.worker.postMessage(m, transfer);
    } catch (e) {
      this.failure ??= errorMessage(e);
    }
  }
}

/** The worker side: one HnswVectorIndex fed in order; `save` writes it and reports the insert time. */
export function runGraphWorker(port: MessagePort, init: GraphWorkerInit): void {
  const mod = loadHnsw();
  if (!mod) {
    port.postMessage({ type: 'failed', error: 'hnswlib-node does not load in a worker thread' } satisfies FromGraph);
    return;
  }
  const graph = new HnswVectorIndex(mod, init.dimensions, init.params, init.capacity);
  let insertMs = 0;
  let failed: string | undefined;
  port.on('message', (m: ToGraph) => {
    try {
      if (failed) return;
      if (m.type === 'add') {
        const t0 = performance.now();
        const d = init.dimensions;
        for (let i = 0; i < m.labels.length; i++) graph.add(m.labels[i], m.vectors.subarray(i * d, (i + 1) * d));
        insertMs += performance.now() - t0;
      } else if (m.type === 'remove') {
        for (const label of m.labels) graph.remove(label);
      } else {
        graph.save(m.file);
        port.postMessage({ type: 'saved', insertMs } satisfies FromGraph);
      }
    } catch (e) {
      failed = errorMessage(e);
      port.postMessage({ type: 'failed', error: failed } satisfies FromGraph);
    }
  });
}
