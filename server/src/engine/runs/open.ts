/** One entry for reading a run from wherever it is: a path (log, folder, saved answer) or a live History Server. */
import { readHistoryServer } from './historyServer';
import { readRunPath, type ReadOutcome } from './read';

export type RunInput = { path: string } | { historyServer: string };

export interface RunReadProgress {
  bytesRead?: number;
  totalBytes?: number;
  lines?: number;
  /** History Server: executions fetched so far. */
  executions?: number;
}

export interface ReadRunOptions {
  app?: string;
  signal?: AbortSignal;
  /** History Server: per-request timeout. */
  timeoutMs?: number;
  onProgress?: (p: RunReadProgress) => void;
}

export function readRun(input: RunInput, opts: ReadRunOptions = {}): Promise<ReadOutcome> {
  if ('historyServer' in input)
    return readHistoryServer(input.historyServer, {
      app: opts.app,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      onProgress: opts.onProgress,
    });
  return readRunPath(input.path, { app: opts.app, signal: opts.signal, onProgress: opts.onProgress });
}
