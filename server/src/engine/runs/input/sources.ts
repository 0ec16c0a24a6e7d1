/**
 * What a runs path is: one event log file (plain or compressed, `.inprogress` while the application runs),
 * a rolling event log folder (`eventlog_v2_<app>/events_<n>_<app>[.codec]`, read in order of n), a folder of
 * event logs (a History Server log directory), or a saved History Server REST answer (JSON).
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { RunsInputError } from '../errors';
import { codecOf, looksBinary, unsupportedCodec, type Codec } from './codec';

/** One file of an event log, in reading order. */
export interface LogPart {
  path: string;
  codec: Codec;
  bytes: number;
  /** Rolling logs: the part's number (events_<n>_…). */
  index?: number;
}

export type RunSource =
  | { kind: 'eventLog'; path: string; parts: LogPart[]; inProgress: boolean; rolling: boolean; problems: string[] }
  | { kind: 'rest'; path: string; bytes: number }
  | { kind: 'logDirectory'; path: string; apps: Array<{ appId: string; path: string }> };

const ROLLING_DIR = /^eventlog_v2_(.+)$/;
const ROLLING_PART = /^events_(\d+)_(.+?)(\.compact)?$/;

function head(file: string, n = 4096): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function statOrThrow(p: string) {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RunsInputError(
      code === 'ENOENT' ? `no such file or folder: ${p}` : `cannot read ${p}: ${code ?? (e as Error).message}`,
    );
  }
}

/** Classifies a path; throws RunsInputError when it cannot be a run at all. */
export function describeSource(input: string): RunSource {
  const abs = path.resolve(input);
  const st = statOrThrow(abs);
  if (st.isDirectory()) return describeFolder(abs);
  if (!st.isFile()) throw new RunsInputError(`${abs} is not a regular file`);
  if (st.size === 0) throw new RunsInputError(`${abs} is empty`);
  let bytes: Buffer;
  try {
    bytes = head(abs);
  } catch (e) {
    throw new RunsInputError(`cannot read ${abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const codec = codecOf(abs, bytes);
  const why = unsupportedCodec(codec, abs);
  if (why) throw new RunsInputError(why);
  if (codec === 'none') {
    if (looksBinary(bytes))
      throw new RunsInputError(
        `${abs} is a binary file, not a Spark event log (plain, gzip or zstd) or a History Server answer`,
      );
    const text = bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    // Event logs are JSON lines starting with an event; a REST answer is one JSON document.
    if (!/^\{\s*"Event"\s*:/.test(text) && /^[[{]/.test(text) && !isJsonLines(text))
      return { kind: 'rest', path: abs, bytes: st.size };
  }
  const part: LogPart = { path: abs, codec, bytes: st.size };
  return {
    kind: 'eventLog',
    path: abs,
    parts: [part],
    inProgress: /\.inprogress$/i.test(abs),
    rolling: false,
    problems: [],
  };
}

function describeFolder(dir: string): RunSource {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new RunsInputError(`cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (names.some((n) => ROLLING_PART.test(n)) || ROLLING_DIR.test(path.basename(dir))) return rollingLog(dir, names);
  // A log directory: every event log file or rolling folder in it is an application.
  const apps: Array<{ appId: string; path: string }> = [];
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    const p = path.join(dir, n);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    const rolling = ROLLING_DIR.exec(n);
    if (st.isDirectory() && rolling) apps.push({ appId: rolling[1], path: p });
    else if (st.isFile() && st.size > 0 && /^(app|application|local|spark)[-_]/i.test(n))
      apps.push({ appId: n.replace(/(\.(gz|zst|zstd|lz4|snappy|lzf))?(\.inprogress)?$/i, ''), path: p });
  }
  if (apps.length === 0)
    throw new RunsInputError(
      `${dir} holds no Spark event log (files named app-…, local-…, application_… or eventlog_v2_* folders)`,
    );
  return { kind: 'logDirectory', path: dir, apps };
}

function rollingLog(dir: string, names: string[]): RunSource {
  const problems: string[] = [];
  const parts: LogPart[] = [];
  let compactFrom = -1;
  for (const n of names) {
    const m = ROLLING_PART.exec(n.replace(/\.(gz|zst|zstd|lz4|snappy|lzf)(?=(\.compact)?$)/i, ''));
    if (!m) continue;
    const p = path.join(dir, n);
    let size = 0;
    let bytes: Buffer = Buffer.alloc(0);
    try {
      size = statSync(p).size;
      if (size > 0) bytes = head(p);
    } catch (e) {
      problems.push(`cannot read ${n}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; skipped`);
      continue;
    }
    const codec = codecOf(n, bytes);
    const why = unsupportedCodec(codec, p);
    if (why) throw new RunsInputError(why);
    const index = Number(m[1]);
    // A compacted file stands for every part up to its own number.
    if (m[3]) compactFrom = Math.max(compactFrom, index);
    if (size > 0) parts.push({ path: p, codec, bytes: size, index });
  }
  if (parts.length === 0)
    throw new RunsInputError(`${dir} is a rolling event log folder without any events_<n>_… file`);
  parts.sort((a, b) => a.index! - b.index! || (a.path.endsWith('.compact') ? -1 : 1));
  const kept =
    compactFrom >= 0
      ? parts.filter((p) => p.index! > compactFrom || (p.index === compactFrom && p.path.endsWith('.compact')))
      : parts;
  for (let i = 1; i < kept.length; i++) {
    const gap = kept[i].index! - kept[i - 1].index!;
    if (gap > 1)
      problems.push(
        `parts ${kept[i - 1].index! + 1}${gap > 2 ? `–${kept[i].index! - 1}` : ''} of the rolling log are missing: the events they held are not in this result`,
      );
  }
  const first = kept[0].index!;
  if (compactFrom < 0 && first > 1)
    problems.push(
      `the rolling log starts at part ${first}: parts 1–${first - 1} are missing (application start and early executions may be absent)`,
    );
  const inProgress = names.some((n) => /^appstatus_.*\.inprogress$/.test(n));
  return { kind: 'eventLog', path: dir, parts: kept, inProgress, rolling: true, problems };
}

/** A first line that is a whole JSON object, followed by another: JSON lines (maybe not Spark's). */
function isJsonLines(head: string): boolean {
  const nl = head.indexOf('\n');
  if (nl < 0 || !head.startsWith('{')) return false;
  try {
    JSON.parse(head.slice(0, nl));
    return /^\s*\{/.test(head.slice(nl + 1));
  } catch {
    return false;
  }
}
