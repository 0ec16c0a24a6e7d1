/**
 * Finds the Spark runs lying in a workspace: event logs (plain, compressed, `.inprogress`), rolling
 * `eventlog_v2_*` folders and saved History Server answers. Names and a peek at the first bytes decide which
 * files are worth asking `runtimeArtefact` about, so a large workspace is walked quickly and no file is read
 * whole; dependency and cache folders are skipped.
 */
import { closeSync, openSync, readdirSync, readSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { runtimeArtefact, type RuntimeArtefact } from '../runs/detect';

export interface RunFile {
  /** Absolute path. */
  path: string;
  kind: RuntimeArtefact['kind'];
  what: string;
  bytes: number;
  mtimeMs: number;
}

/** Names event logs get from Spark (and what the Explorer's "Open Spark Run…" offers itself on). */
const LOG_NAME = /(\.(zstd|zst|gz|lz4|snappy|inprogress)$|^eventlog_v2_|^(app|application|local|spark)[-_])/;
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  'dbt_packages',
  '.daglens-cache',
  'target',
  '.idea',
  '.vscode',
]);
/** JSON files bigger than this are not History Server answers worth peeking at here (map_run still reads them). */
const MAX_JSON_BYTES = 64 * 2 ** 20;
const REST_MARKERS = /"(planDescription|runningJobIds|successJobIds|failedJobIds|attempts|sparkUser)"\s*:/;
const MAX_ENTRIES = 200_000;

function head(file: string, n: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function candidate(name: string, abs: string, size: number): boolean {
  if (LOG_NAME.test(name)) return true;
  if (/\.json$/i.test(name)) return size > 0 && size <= MAX_JSON_BYTES && REST_MARKERS.test(head(abs, 4096));
  return false;
}

function describe(abs: string): RunFile | undefined {
  let st;
  try {
    st = statSync(abs);
  } catch {
    return undefined;
  }
  const what = runtimeArtefact(abs);
  if (!what) return undefined;
  let bytes = st.size;
  if (st.isDirectory()) {
    bytes = 0;
    for (const e of readdirSync(abs, { withFileTypes: true }))
      if (e.isFile()) bytes += statSync(path.join(abs, e.name)).size;
  }
  return { path: abs, kind: what.kind, what: what.what, bytes, mtimeMs: st.mtimeMs };
}

/** Every run artefact under the given files or folders (default: the root), sorted by path. */
export function findRunFiles(starts: string[]): RunFile[] {
  const out = new Map<string, RunFile>();
  let entries = 0;
  const walk = (dir: string) => {
    let list: Dirent[];
    try {
      list = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      if (++entries > MAX_ENTRIES) return;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (/^eventlog_v2_/.test(e.name)) {
          const r = describe(abs);
          if (r) out.set(abs, r);
          continue;
        }
        if (SKIP_DIRS.has(e.name) || e.name.startsWith('.')) continue;
        walk(abs);
      } else if (e.isFile()) {
        let size = 0;
        try {
          size = statSync(abs).size;
          if (!candidate(e.name, abs, size)) continue;
        } catch {
          continue;
        }
        const r = describe(abs);
        if (r) out.set(abs, r);
      }
    }
  };
  for (const s of starts) {
    let st;
    try {
      st = statSync(s);
    } catch {
      continue;
    }
    if (st.isDirectory() && !/^eventlog_v2_/.test(path.basename(s))) walk(s);
    else {
      const r = describe(s);
      if (r) out.set(s, r);
    }
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
