/**
 * Reads a run from a path: an event log (file, `.inprogress`, rolling folder, in a log directory with
 * `app`), or a saved History Server REST answer. Streams; reports progress; cancellable.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunAppList, RunsResult } from '../../protocol/contracts';
import { RunsInputError } from './errors';
import { EventLogFolder } from './eventLog';
import { readLines, type ReadProgress } from './input/lineReader';
import { describeSource } from './input/sources';
import type { RunData } from './model';
import { appListOf, classifyRest, runFromRest } from './rest';
import { jsonErrorMessage } from '../dag/ingest/jsonError';

export type RunSourceInfo = RunsResult['source'];

export interface ReadOptions {
  /** In a log directory (or on a History Server): the application to read. */
  app?: string;
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
}

export type ReadOutcome = { kind: 'run'; run: RunData; source: RunSourceInfo } | { kind: 'apps'; apps: RunAppList };

/** REST answers are single JSON documents: read whole, up to this size. */
const MAX_REST_BYTES = 512 * 2 ** 20;

export async function readRunPath(input: string, opts: ReadOptions = {}): Promise<ReadOutcome> {
  const src = describeSource(input);
  if (src.kind === 'logDirectory') {
    const pick = opts.app
      ? src.apps.find((a) => a.appId === opts.app || path.basename(a.path) === opts.app)
      : src.apps.length === 1
        ? src.apps[0]
        : undefined;
    if (opts.app && !pick)
      throw new RunsInputError(
        `no application '${opts.app}' in ${src.path} (it holds ${src.apps
          .slice(0, 10)
          .map((a) => a.appId)
          .join(', ')}${src.apps.length > 10 ? ', …' : ''})`,
      );
    if (!pick) {
      return {
        kind: 'apps',
        apps: {
          source: src.path,
          apps: src.apps.map((a) => ({
            id: a.appId,
            name: null,
            startTime: null,
            endTime: null,
            completed: !/\.inprogress$/.test(a.path),
            sparkVersion: null,
          })),
        },
      };
    }
    return readRunPath(pick.path, { ...opts, app: undefined });
  }
  if (src.kind === 'rest') {
    if (src.bytes > MAX_REST_BYTES)
      throw new RunsInputError(
        `${src.path} is ${(src.bytes / 2 ** 20).toFixed(0)} MB of JSON: too large for a History Server answer (at most ${MAX_REST_BYTES / 2 ** 20} MB)`,
      );
    const text = (await fs.readFile(src.path, 'utf8')).replace(/^\uFEFF/, '');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RunsInputError(`${src.path} is neither a Spark event log nor valid JSON (${jsonErrorMessage(text)})`);
    }
    const answer = classifyRest(value, src.path);
    if (answer.kind === 'appList') return { kind: 'apps', apps: appListOf(answer.apps, src.path) };
    const run = runFromRest(answer.executions);
    run.stats.bytes = src.bytes;
    return {
      kind: 'run',
      run,
      source: {
        kind: answer.kind,
        path: src.path,
        parts: 1,
        inProgress: answer.executions.some((x) => x.status === 'RUNNING'),
      },
    };
  }
  const folder = new EventLogFolder();
  const lines = await readLines(src.parts, (line, part) => folder.onLine(line, part), {
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  if (folder.notAnEventLog)
    throw new RunsInputError(`${src.path} is not a Spark event log: its lines are JSON but not Spark listener events`);
  const run = folder.finish({ parts: src.parts.map((p) => path.basename(p.path)), inProgress: src.inProgress });
  if (run.stats.events === 0) {
    throw new RunsInputError(
      `${src.path} is not a Spark event log: ${lines.lines ? `none of its ${lines.lines} lines is a Spark event` : 'no lines could be read'}${lines.problems.length ? ` (${lines.problems[0]})` : ''}`,
    );
  }
  for (const p of [...src.problems, ...lines.problems]) run.problems.push({ message: p });
  run.stats.bytes = lines.bytesRead;
  run.stats.lines = lines.lines;
  return {
    kind: 'run',
    run,
    source: {
      kind: src.rolling ? 'rollingEventLog' : 'eventLog',
      path: src.path,
      parts: src.parts.length,
      inProgress: src.inProgress,
    },
  };
}
