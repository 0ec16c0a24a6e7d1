/**
 * Is this path a run (an event log, a rolling folder, a History Server answer) rather than one plan? Plan
 * readers ask before parsing, so a run gets pointed to the runs reader instead of a misleading parse error.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { RunsInputError } from './errors';
import { describeSource } from './input/sources';
import { classifyRest } from './rest';

export interface RuntimeArtefact {
  kind: 'eventLog' | 'rollingEventLog' | 'logDirectory' | 'restList' | 'restExecution' | 'appList';
  /** One line for messages: "a zstd Spark event log", "the History Server's SQL execution list". */
  what: string;
}

const MAX_JSON_PEEK = 64 * 2 ** 20;

function headText(file: string, n = 512): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf
      .subarray(0, readSync(fd, buf, 0, n, 0))
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
  } finally {
    closeSync(fd);
  }
}

export function runtimeArtefact(path: string): RuntimeArtefact | undefined {
  let src;
  try {
    src = describeSource(path);
  } catch (e) {
    // Spark's own lz4/snappy logs are runs DagLens cannot decompress: still not plans.
    if (e instanceof RunsInputError && /Spark's \w+ codec/.test(e.message))
      return { kind: 'eventLog', what: 'a compressed Spark event log' };
    return undefined;
  }
  if (src.kind === 'logDirectory')
    return { kind: 'logDirectory', what: `a folder of ${src.apps.length} Spark event logs` };
  if (src.kind === 'eventLog') {
    if (src.rolling) return { kind: 'rollingEventLog', what: 'a rolling Spark event log folder' };
    const part = src.parts[0];
    if (part.codec !== 'none') return { kind: 'eventLog', what: `a ${part.codec} Spark event log` };
    return /^\{\s*"Event"\s*:/.test(headText(part.path)) ? { kind: 'eventLog', what: 'a Spark event log' } : undefined;
  }
  try {
    if (statSync(src.path).size > MAX_JSON_PEEK) return undefined;
    const answer = classifyRest(JSON.parse(readFileSync(src.path, 'utf8').replace(/^\uFEFF/, '')), src.path);
    if (answer.kind === 'appList') return { kind: 'appList', what: "the History Server's application list" };
    if (answer.kind === 'restList') return { kind: 'restList', what: "the History Server's SQL execution list" };
    return { kind: 'restExecution', what: 'a History Server SQL execution' };
  } catch {
    return undefined; // other JSON (a plan, a manifest, a DAG): for the plan readers
  }
}
