/**
 * Mapping jobs: the semantic nodes of a DAG are mapped in batches of up to `maxParallel` concurrent
 * tasks (each may await a verifier, e.g. an LLM check of a `low` node), with progress after every batch,
 * cancellation through an AbortSignal, results cached by (DAG content hash, index version), and a
 * checkpoint after every batch so an interrupted job resumes where it stopped instead of starting over.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  DagMapResultSchema,
  DagNodeMappingSchema,
  type DagMapResult,
  type DagNodeMapping,
} from '../../protocol/contracts';
import { describeFsError, ensureCacheFolder, removeStaleTemps, writeFileAtomic } from '../durableFs';
import type { IngestResult } from './model';
import { assemble, isSemantic, mapNode, planMapping, semanticLevels, type MapFocus } from './mapping/mapper';
import type { SourceUnit } from './source/anchors';

export interface JobProgress {
  done: number;
  total: number;
}

/** Optional second opinion on a node (the LLM feature plugs in here); reports what it spent. */
export type NodeVerifier = (
  nodeId: string,
  mapping: DagNodeMapping,
) => Promise<{ mapping: DagNodeMapping; llmCalls: number; costUsd: number }>;

export interface JobOptions {
  maxParallel?: number;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  verify?: NodeVerifier;
  /** Where results and checkpoints live; memory only when absent. */
  store?: JobStore;
  /** Lines known to have made the DAG: candidates there win ties (part of the cache key's content). */
  focus?: MapFocus;
}

export class JobCancelled extends Error {
  constructor(readonly progress: JobProgress) {
    super(`mapping cancelled after ${progress.done} of ${progress.total} nodes (checkpoint kept; run again to resume)`);
  }
}

export function dagHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Results and checkpoints by key; the file store survives a restart (CLI runs, server restarts). */
export interface JobStore {
  getResult(key: string): DagMapResult | undefined;
  putResult(key: string, r: DagMapResult): void;
  getCheckpoint(key: string): Record<string, DagNodeMapping> | undefined;
  putCheckpoint(key: string, done: Record<string, DagNodeMapping>): void;
  dropCheckpoint(key: string): void;
}

export class MemoryJobStore implements JobStore {
  private readonly results = new Map<string, DagMapResult>();
  private readonly checkpoints = new Map<string, Record<string, DagNodeMapping>>();
  constructor(private readonly maxResults = 32) {}
  getResult(k: string) {
    return this.results.get(k);
  }
  putResult(k: string, r: DagMapResult) {
    this.results.set(k, r);
    if (this.results.size > this.maxResults) this.results.delete(this.results.keys().next().value!);
  }
  getCheckpoint(k: string) {
    return this.checkpoints.get(k);
  }
  putCheckpoint(k: string, d: Record<string, DagNodeMapping>) {
    this.checkpoints.set(k, { ...d });
  }
  dropCheckpoint(k: string) {
    this.checkpoints.delete(k);
  }
}

/**
 * Results and checkpoints as one JSON file each, replaced atomically. What is read back is checked against the
 * protocol's schemas: a damaged file (or one of another version) is removed, reported, and recomputed, never
 * served. Temp files of a killed writer are removed when the store is first used.
 */
export class FileJobStore implements JobStore {
  private swept = false;
  /** Keeps the newest `maxResults` results; older ones (other plan versions, old index versions) go. */
  constructor(
    private readonly dir: string,
    private readonly maxResults = 64,
    private readonly onDamage?: (message: string) => void,
  ) {}
  private file(kind: string, key: string) {
    return path.join(this.dir, `${key}.${kind}.json`);
  }
  private sweep() {
    if (this.swept) return;
    this.swept = true;
    removeStaleTemps(this.dir);
  }
  private read<T>(f: string, valid: (v: unknown) => boolean): T | undefined {
    this.sweep();
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      return undefined; // missing: compute
    }
    try {
      const v = JSON.parse(text) as unknown;
      if (valid(v)) return v as T;
    } catch {
      // fall through: damaged
    }
    this.onDamage?.(`stored DAG mapping ${path.basename(f)} was unreadable; removed, mapping again`);
    rmSync(f, { force: true });
    return undefined;
  }
  private writeFailed = false;
  private write(f: string, v: unknown) {
    try {
      // A cache, not source: keep it out of the user's commits.
      ensureCacheFolder(this.dir);
      writeFileAtomic(f, JSON.stringify(v)); // atomic: a crash never leaves half a checkpoint
    } catch (e) {
      // An unusable cache folder must not fail the mapping: it is just not kept.
      if (!this.writeFailed)
        this.onDamage?.(`cannot keep DAG mappings in ${this.dir}: ${describeFsError(e)}; results are not stored`);
      this.writeFailed = true;
    }
  }
  getResult(k: string) {
    return this.read<DagMapResult>(this.file('result', k), (v) => DagMapResultSchema.safeParse(v).success);
  }
  putResult(k: string, r: DagMapResult) {
    this.write(this.file('result', k), r);
    this.prune();
  }
  private prune() {
    try {
      const results = readdirSync(this.dir).filter((f) => f.endsWith('.result.json'));
      if (results.length <= this.maxResults) return;
      const byAge = results.map((f) => ({ f, t: statSync(path.join(this.dir, f)).mtimeMs })).sort((a, b) => a.t - b.t);
      for (const { f } of byAge.slice(0, results.length - this.maxResults))
        rmSync(path.join(this.dir, f), { force: true });
    } catch {
      // Pruning is housekeeping: never fail a mapping over it.
    }
  }
  getCheckpoint(k: string) {
    return this.read<Record<string, DagNodeMapping>>(
      this.file('checkpoint', k),
      (v) =>
        !!v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.values(v).every((m) => DagNodeMappingSchema.safeParse(m).success),
    );
  }
  putCheckpoint(k: string, d: Record<string, DagNodeMapping>) {
    this.write(this.file('checkpoint', k), d);
  }
  dropCheckpoint(k: string) {
    rmSync(this.file('checkpoint', k), { force: true });
  }
}

/**
 * Runs (or resumes) a mapping job. `key` identifies the DAG content and the index version; a finished
 * result under the same key is returned as is.
 */
export async function runMappingJob(
  key: string,
  ingest: IngestResult,
  units: SourceUnit[],
  opts: JobOptions = {},
): Promise<DagMapResult & { cached: boolean; resumed: number }> {
  const store = opts.store ?? new MemoryJobStore();
  const hit = store.getResult(key);
  if (hit) return { ...hit, cached: true, resumed: 0 };
  const started = performance.now();
  const plan = planMapping(ingest, units);
  // The file known to have made the DAG is searched even when other files hold more of the plan's terms.
  const focused = opts.focus && plan.ranked.find((r) => r.unit.file === opts.focus!.file);
  if (focused && !plan.searched.includes(focused)) plan.searched.push(focused);
  const ids = ingest.dag.nodes.filter((n) => isSemantic(plan, n.id)).map((n) => n.id);
  const done: Record<string, DagNodeMapping> = { ...(store.getCheckpoint(key) ?? {}) };
  const resumed = ids.filter((id) => done[id]).length;
  // Level by level (consumers before their inputs), so each node knows where its consumer mapped.
  const { levels, parentOf } = semanticLevels(plan, ids);
  const batches: string[][] = [];
  const width = Math.max(1, Math.min(64, opts.maxParallel ?? 4));
  for (const level of levels) {
    const todoLevel = level.filter((id) => !done[id]);
    for (let i = 0; i < todoLevel.length; i += width) batches.push(todoLevel.slice(i, i + width));
  }
  const todo = batches.flat();
  const progress = { done: ids.length - todo.length, total: ids.length };
  const llm = { calls: 0, costUsd: 0 };
  opts.onProgress?.({ ...progress });
  let lastCheckpoint = performance.now();
  for (const batch of batches) {
    if (opts.signal?.aborted) {
      store.putCheckpoint(key, done);
      throw new JobCancelled({ ...progress });
    }
    const results = await Promise.all(
      batch.map(async (id) => {
        const p = parentOf.get(id);
        const m = mapNode(plan, id, p ? done[p]?.best : undefined, opts.focus);
        if (!opts.verify || m.status !== 'low') return m;
        const v = await opts.verify(id, m);
        llm.calls += v.llmCalls;
        llm.costUsd += v.costUsd;
        return v.mapping;
      }),
    );
    batch.forEach((id, k) => {
      done[id] = results[k];
    });
    progress.done += batch.length;
    // Checkpoint at most a few times a second: a 10k-node DAG must not rewrite its file 2,500 times.
    if (performance.now() - lastCheckpoint > 200) {
      store.putCheckpoint(key, done);
      lastCheckpoint = performance.now();
    }
    opts.onProgress?.({ ...progress });
    // Let requests, cancellation and progress through between batches.
    await new Promise((r) => setImmediate(r));
  }
  const result = assemble(ingest, plan, new Map(Object.entries(done)), performance.now() - started, llm);
  store.putResult(key, result);
  store.dropCheckpoint(key);
  return { ...result, cached: false, resumed };
}
