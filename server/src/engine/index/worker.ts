/**
 * Worker thread of the cold index, in one of two roles: `parse` processes batches of files
 * (fileProcessor.ts) and posts the results; `graph` builds the HNSW graph (graphBuilder.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkLimits } from './chunker';
import { processFile, zeroTimings, type FileTask, type ProcessedFile } from './fileProcessor';
import { runGraphWorker, type GraphWorkerInit } from './graphBuilder';
import { HashEmbedder } from './hashEmbedder';
import type { NameDefaults } from '../lineage/names';

export interface WorkerInit {
  role: 'parse';
  limits: ChunkLimits;
  /** Dimensions of the built-in embedder, or 0 when another embedder runs on the main thread. */
  hashDimensions: number;
  /** Catalog/schema defaults for the lineage drafts of Python/Scala files. */
  names: NameDefaults;
}

export type WorkerReply =
  | { type: 'done'; file: ProcessedFile }
  | { type: 'failed'; rel: string; error: string; code?: string }
  | { type: 'batch-end'; timings: ReturnType<typeof zeroTimings> };

function runParseWorker(init: WorkerInit): void {
  const embedder = init.hashDimensions ? new HashEmbedder(init.hashDimensions) : undefined;
  parentPort?.on('message', (batch: FileTask[]) => {
    const timings = zeroTimings();
    for (const task of batch) {
      try {
        const file = processFile(task, init.limits, embedder, timings, init.names);
        const transfer = file.vectors
          ? [file.vectors.buffer as ArrayBuffer, file.tfs.buffer as ArrayBuffer]
          : [file.tfs.buffer as ArrayBuffer];
        parentPort!.postMessage({ type: 'done', file } satisfies WorkerReply, transfer);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        parentPort!.postMessage({
          type: 'failed',
          rel: task.rel,
          error: err.message,
          code: err.code,
        } satisfies WorkerReply);
      }
    }
    parentPort!.postMessage({ type: 'batch-end', timings } satisfies WorkerReply);
  });
}

const init = workerData as WorkerInit | GraphWorkerInit;
if (parentPort) {
  if (init.role === 'graph') runGraphWorker(parentPort, init);
  else runParseWorker(init);
}
