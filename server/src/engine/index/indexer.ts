/**
 * Brings a CodeIndex in line with the disk: loads the saved index (if any and valid), discovers the
 * workspace, and (re)indexes only files whose mtime/size changed and whose content hash differs, in
 * worker threads when there are many. Saves the result atomically. Used by the CLI, the LSP and the bench.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { EngineSettings } from '../config';
import { errorMessage, type Logger } from '../log';
import { DEFAULT_NAMES } from '../lineage/names';
import type { LanguageId } from '../parsing/languages';
import type { FileFacts } from '../workspace/analyze';
import { discover, type SkippedFile } from '../workspace/discovery';
import type { CodeIndex } from './codeIndex';
import { GraphBuilder, type WorkerScript } from './graphBuilder';
import { processFile, zeroTimings, type FileTask, type ProcessedFile, type ProcessTimings } from './fileProcessor';
import { HashEmbedder } from './hashEmbedder';
import { loadIndex, saveIndex } from './store';
import type { WorkerInit, WorkerReply } from './worker';

export interface SyncOptions {
  /** Where the index is saved; none = in memory only. */
  indexDir?: string;
  /** Worker threads for parsing and chunking (default: cores - 1, at least 1; 0 = in-process). */
  workers?: number;
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
  /**
   * Receives each file's text and facts as they become known: files parsed in this run, and — with
   * `adoptUnchanged` — unchanged ones whose facts were saved (the editor's workspace is filled this way).
   */
  onFile?: (f: { path: string; rel: string; lang: LanguageId; text: string; facts: FileFacts }) => void;
  adoptUnchanged?: boolean;
  /** Files that left the workspace since the saved index. */
  onRemoved?: (rel: string) => void;
}

export interface SyncReport {
  files: number;
  chunks: number;
  skipped: SkippedFile[];
  /** Files parsed and chunked in this run (new or changed). */
  indexed: number;
  removed: number;
  /** Whether a saved index was loaded; else why not. */
  loaded: boolean;
  loadProblem?: string;
  cancelled: boolean;
  seconds: number;
  /**
   * `vectorMs`: HNSW insert time (in the graph worker on a cold index); `graphWaitMs`: how long the sync
   * waited for that worker after the last file.
   */
  timings: ProcessTimings & {
    loadMs: number;
    discoverMs: number;
    bm25Ms: number;
    vectorMs: number;
    graphWaitMs: number;
    saveMs: number;
  };
}

/** Below this many files the worker start-up costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 64;
const BATCH = 16;

export async function syncIndex(
  index: CodeIndex,
  settings: EngineSettings,
  log: Logger,
  opts: SyncOptions = {},
): Promise<SyncReport> {
  const started = performance.now();
  const timings = { ...zeroTimings(), loadMs: 0, discoverMs: 0, bm25Ms: 0, vectorMs: 0, graphWaitMs: 0, saveMs: 0 };
  const before = { ...index.timings };
  index.beginBulk();
  try {
    return await sync(index, settings, log, opts, started, timings, before);
  } finally {
    index.endBulk();
  }
}

async function sync(
  index: CodeIndex,
  settings: EngineSettings,
  log: Logger,
  opts: SyncOptions,
  started: number,
  timings: SyncReport['timings'],
  before: { bm25Ms: number; vectorMs: number },
): Promise<SyncReport> {
  let loaded = false;
  let loadProblem: string | undefined;
  const facts = index.facts;
  if (opts.indexDir && index.stats().files === 0) {
    const r = await loadIndex(index, opts.indexDir, log);
    loaded = r.ok;
    if (!r.ok) {
      loadProblem = r.reason;
      if (r.reason !== 'no saved index') log.warn(`saved index in ${opts.indexDir} not used (${r.reason}); rebuilding`);
    } else if (r.graphRebuilt) log.info('vector graph rebuilt from the saved vectors');
    // Merged under what is there already (an editor's file parsed before the load keeps its fresher facts).
    if (r.ok && facts) await facts.load(opts.indexDir, log);
  }
  timings.loadMs = performance.now() - started;

  let t = performance.now();
  const found = await discover(index.root, settings, opts.signal, (rel, size, mtimeMs) => {
    const rec = index.file(rel);
    return !!rec && rec.size === size && rec.mtimeMs === mtimeMs;
  });
  timings.discoverMs = performance.now() - t;
  for (const s of found.skipped) log.info(`skipped ${s.rel}: ${s.reason} (${s.detail})`);
  const present = new Set(found.files.map((f) => f.rel));
  const removed = index.retain((rel) => {
    if (present.has(rel)) return true;
    opts.onRemoved?.(rel);
    return false;
  });
  facts?.retain((rel) => present.has(rel));
  const todo: FileTask[] = [];
  const adopt: Array<{ path: string; rel: string; lang: LanguageId; facts: FileFacts }> = [];
  for (const f of found.files) {
    const rec = index.file(f.rel);
    if (rec && rec.mtimeMs === f.mtimeMs && rec.size === f.size) {
      const known = facts?.get(f.rel, rec.hash);
      if (known) {
        if (opts.adoptUnchanged) adopt.push({ path: f.path, rel: f.rel, lang: f.lang, facts: known });
        continue;
      }
      // Unchanged for the index, but its facts are not at hand: parse it (once) for them.
      if (!facts) continue;
    }
    todo.push({
      path: f.path,
      rel: f.rel,
      lang: f.lang,
      mtimeMs: f.mtimeMs,
      size: f.size,
      knownHash: rec?.hash,
      needFacts: !!facts,
    });
  }
  // SQL and YAML first: they hold most of the lineage, so lenses on models are right early in a cold start.
  const rank = (lang: LanguageId) => (lang === 'sql' || lang === 'yaml' ? 0 : 1);
  todo.sort((a, b) => rank(a.lang) - rank(b.lang));

  let indexed = 0;
  const handled = new Set<string>();
  const total = adopt.length + todo.length;
  // Unchanged files with saved facts join the workspace without a parse, in slices that let requests through.
  if (opts.onFile) {
    let slice = performance.now();
    for (const a of adopt) {
      if (opts.signal?.aborted) break;
      const rec = index.file(a.rel);
      if (rec) opts.onFile({ ...a, text: rec.text });
      handled.add(a.rel);
      if (performance.now() - slice > 8) {
        opts.onProgress?.({ done: handled.size, total });
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
    }
  }
  const names = { ...DEFAULT_NAMES, ...settings.lineage };
  const apply = (p: ProcessedFile) => {
    handled.add(p.rel);
    for (const n of p.notes) log.warn(n);
    if (p.facts) {
      facts?.set(p.rel, p.facts);
      const text = p.text ?? index.file(p.rel)?.text;
      if (text !== undefined)
        opts.onFile?.({ path: path.join(index.root, p.rel), rel: p.rel, lang: p.lang, text, facts: p.facts });
    }
    if (p.unchanged) return index.touch(p.rel, p);
    indexed++;
    index.applyChunks(p.rel, p.lang, p.text!, p.hash, p, incomingOf(p, index.embedder.dimensions));
  };
  const failed = (rel: string, error: string, code?: string) => {
    handled.add(rel);
    if (code === 'ENOENT') {
      log.warn(`${rel} disappeared while indexing; dropped from the index`);
      index.removeFile(rel);
      opts.onRemoved?.(rel);
    } else log.warn(`could not index ${rel}: ${error}; its previous chunks (if any) are kept`);
  };
  const hashDims = index.embedder.inner instanceof HashEmbedder ? index.embedder.dimensions : 0;
  const inProcess = async (tasks: FileTask[]) => {
    const emb = hashDims ? new HashEmbedder(hashDims) : undefined;
    let done = 0;
    for (const task of tasks) {
      if (opts.signal?.aborted) break;
      try {
        apply(processFile(task, index.limits, emb, timings, names));
      } catch (e) {
        failed(task.rel, errorMessage(e), (e as NodeJS.ErrnoException).code);
      }
      if (++done % 4 === 0) {
        opts.onProgress?.({ done: handled.size, total });
        // Let requests (search, cancellation) through between files.
        await new Promise((r) => setImmediate(r));
      }
    }
    opts.onProgress?.({ done: handled.size, total });
  };
  const wanted = opts.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const script = workerScript();
  const useWorkers = wanted > 0 && todo.length >= MIN_FILES_FOR_WORKERS && !!script;
  // A cold index builds its vector graph in a worker of its own (graphBuilder.ts); smaller updates insert here.
  const builder =
    useWorkers && index.stats().chunks === 0 && index.internals().vectors.backend === 'hnsw'
      ? new GraphBuilder(
          script!,
          index.embedder.dimensions,
          index.hnswParams,
          Math.ceil(todo.reduce((n, t) => n + t.size, 0) / 300),
        )
      : undefined;
  if (builder) index.swapVectors(builder);
  try {
    if (useWorkers) {
      try {
        await runWorkers(
          script!,
          wanted,
          todo,
          { role: 'parse', limits: index.limits, hashDimensions: hashDims, names },
          apply,
          failed,
          timings,
          opts,
          () => handled.size,
          total,
        );
      } catch (e) {
        log.warn(`index workers failed (${errorMessage(e)}); indexing the rest on the main thread`);
        await inProcess(todo.filter((t) => !handled.has(t.rel)));
      }
    } else {
      await inProcess(todo);
    }
    await index.embeddingsSettled();
  } finally {
    if (builder) {
      const graph = await builder.finish(log);
      index.swapVectors(graph.index);
      timings.vectorMs = graph.insertMs;
      timings.graphWaitMs = graph.waitMs;
    }
  }
  timings.bm25Ms = index.timings.bm25Ms - before.bm25Ms;
  if (!builder) timings.vectorMs = index.timings.vectorMs - before.vectorMs;

  if (opts.indexDir && (index.dirty || index.facts?.dirty) && !opts.signal?.aborted) {
    t = performance.now();
    try {
      if (!saveIndex(index, opts.indexDir))
        log.warn(`another DagLens process kept ${opts.indexDir} locked; this update is saved next time`);
    } catch (e) {
      log.error(`could not save the index to ${opts.indexDir}: ${errorMessage(e)}`);
    }
    timings.saveMs = performance.now() - t;
  }
  const stats = index.stats();
  return {
    files: stats.files,
    chunks: stats.chunks,
    skipped: found.skipped,
    indexed,
    removed,
    loaded,
    loadProblem,
    cancelled: !!opts.signal?.aborted,
    seconds: (performance.now() - started) / 1000,
    timings,
  };
}

function incomingOf(p: ProcessedFile, dims: number) {
  let start = 0;
  return p.locs.map((loc, i) => {
    const end = start + p.termLengths[i];
    const terms = { names: p.terms, tfs: p.tfs, start, end };
    start = end;
    return { loc, hash: p.hashes[i], terms, vector: p.vectors?.subarray(i * dims, (i + 1) * dims) };
  });
}

/**
 * The worker script beside this module: index-worker.js in dist/, or worker.ts under tsx (tests, bench),
 * which a worker must register tsx for itself (loader hooks do not reach workers).
 */
export function workerScript(): WorkerScript | undefined {
  if (!__filename.endsWith('.ts')) {
    const file = path.join(__dirname, 'index-worker.js');
    return existsSync(file) ? { file } : undefined;
  }
  const file = path.join(__dirname, 'worker.ts');
  return existsSync(file) ? { file: `require('tsx/cjs');require(${JSON.stringify(file)});`, eval: true } : undefined;
}

async function runWorkers(
  script: WorkerScript,
  count: number,
  todo: FileTask[],
  init: WorkerInit,
  apply: (p: ProcessedFile) => void,
  failed: (rel: string, error: string, code?: string) => void,
  timings: ProcessTimings,
  opts: SyncOptions,
  done: () => number,
  total: number,
): Promise<void> {
  const queue: FileTask[][] = [];
  for (let i = 0; i < todo.length; i += BATCH) queue.push(todo.slice(i, i + BATCH));
  const workers: Worker[] = [];
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(script.file, { eval: script.eval, workerData: init });
      workers.push(w);
      const next = () => {
        const batch = opts.signal?.aborted ? undefined : queue.shift();
        if (batch) w.postMessage(batch);
        else void w.terminate().then(() => resolve());
      };
      w.on('message', (m: WorkerReply) => {
        if (m.type === 'done') {
          apply(m.file);
        } else if (m.type === 'failed') {
          failed(m.rel, m.error, m.code);
        } else {
          for (const k of Object.keys(m.timings) as Array<keyof ProcessTimings>) timings[k] += m.timings[k];
          opts.onProgress?.({ done: done(), total });
          next();
        }
      });
      w.on('error', reject);
      w.on('online', next);
    });
  try {
    await Promise.all(Array.from({ length: Math.min(count, queue.length) }, one));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
