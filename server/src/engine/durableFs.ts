/**
 * Crash-safe file operations shared by every store DagLens writes (index, LLM cache and ledger, explanations,
 * DAG results and checkpoints): a process may be killed (kill -9, a crash, a power cut) at any instruction, and
 * an editor and a CLI run may write the same folder at once. So:
 *  - a file is replaced by writing a temp file beside it and renaming it over (readers see the old or the new
 *    file, never half of one), with fsync where losing the write would cost more than redoing it;
 *  - temp files left by a killed process are recognised by the pid in their name and removed;
 *  - a folder is created one level at a time (Node's recursive mkdir loops forever under /proc);
 *  - writers that must not interleave take a lock file holding their pid (stale when that process is gone).
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** A storage folder DagLens cannot use: says which path and why, in words a user can act on. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

function codeOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

const WHY: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOTDIR: 'a path component is a file',
  ENOENT: 'cannot be created there',
  EEXIST: 'a file of that name exists',
  EDQUOT: 'disk quota exceeded',
};

export function describeFsError(e: unknown): string {
  const code = codeOf(e);
  return code ? `${WHY[code] ?? code} (${code})` : e instanceof Error ? e.message : String(e);
}

/**
 * `mkdir -p`, bounded: walks up to the first existing ancestor and creates the rest one level at a time.
 * Throws a StorageError naming the path when the folder cannot exist (a file in the way, a read-only or
 * virtual file system such as /proc, no permission).
 */
export function ensureDir(dir: string): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  for (let cur = abs; ; cur = path.dirname(cur)) {
    let st;
    try {
      st = statSync(cur);
    } catch (e) {
      // ENOTDIR: a file further up; the walk finds it and says which.
      if (codeOf(e) !== 'ENOENT' && codeOf(e) !== 'ENOTDIR')
        throw new StorageError(`cannot use ${cur}: ${describeFsError(e)}`, codeOf(e));
      missing.push(cur);
      if (path.dirname(cur) === cur) break;
      continue;
    }
    if (!st.isDirectory()) throw new StorageError(`${cur} is a file, not a folder`, 'ENOTDIR');
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (codeOf(e) === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw new StorageError(`cannot create the folder ${d}: ${describeFsError(e)}`, codeOf(e));
    }
  }
}

/**
 * Says why `dir` cannot hold DagLens's files (undefined when it can): creates it if needed and writes,
 * syncs and removes a probe file. Used before long work (`daglens index`) so a bad folder fails at once.
 */
export function unwritableReason(dir: string): string | undefined {
  try {
    ensureDir(dir);
    const probe = path.join(dir, `.daglens-probe-${process.pid}`);
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'ok');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
    return undefined;
  } catch (e) {
    return e instanceof StorageError ? e.message : `cannot write in ${dir}: ${describeFsError(e)}`;
  }
}

let seq = 0;

/** The temp file a write of `file` goes through: `<file>.tmp-<pid>-<n>`, so a leftover names its writer. */
export function tempNameFor(file: string): string {
  return `${file}.tmp-${process.pid}-${++seq}`;
}

/** Temp names: ours (`x.tmp-<pid>` / `x.tmp-<pid>-<n>`) and the older `x.<pid>.tmp` / `x.<pid>.<n>.tmp`. */
const TEMP = /\.tmp-(\d+)(?:-\d+)?$|\.(\d+)(?:\.\d+)?\.tmp$/;

function fsyncPath(p: string, flags: 'r' | 'r+' = 'r'): void {
  let fd: number | undefined;
  try {
    fd = openSync(p, flags);
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory: the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replaces `file` atomically: temp file, (fsync), rename, (fsync of the folder). Readers and the next start
 * see the old content or the new, never a mix. `durable` also survives a power cut; a kill -9 is survived
 * either way (the kernel keeps written pages).
 */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array | Uint8Array[],
  opts: { durable?: boolean } = {},
): void {
  const tmp = tempNameFor(file);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const part of Array.isArray(data) ? data : [data]) {
        const buf = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
        for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
      }
      if (opts.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (opts.durable) fsyncPath(path.dirname(file));
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === 'EPERM';
  }
}

/**
 * Removes temp files in `dir` (not recursively) left by processes that no longer run — a killed writer's
 * half-written file. Returns how many were removed. Temp files of live processes are in use: kept.
 */
export function removeStaleTemps(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    const m = TEMP.exec(n);
    if (!m) continue;
    const pid = Number(m[1] ?? m[2]);
    if (pid === process.pid || pidAlive(pid)) continue; // writes in flight (ours or another live process's)
    try {
      rmSync(path.join(dir, n), { force: true, recursive: true });
      removed++;
    } catch {
      // Someone else removed it, or it cannot be removed: neither matters.
    }
  }
  return removed;
}

/** Sleeps the thread (stores are synchronous; waits here are a few ms while another process writes). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface DirLock {
  release(): void;
}

/**
 * Takes `<dir>/<name>` as a lock file (created exclusively, holding our pid and the time). A lock whose process
 * is gone, or older than `staleMs`, is broken. Waits up to `waitMs` for a live holder; undefined if it still
 * holds it. Locks are for writers of one folder in different processes (editor and CLI), not for threads.
 */
export function tryLock(
  dir: string,
  name: string,
  opts: { waitMs?: number; staleMs?: number } = {},
): DirLock | undefined {
  const file = path.join(dir, name);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const staleMs = opts.staleMs ?? 120_000;
  for (let delay = 2; ; delay = Math.min(50, delay * 2)) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, t: Date.now() }));
      } finally {
        closeSync(fd);
      }
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          try {
            // Only our own lock: a stale-broken one may belong to another process now.
            const owner = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
            if (owner.pid === process.pid) unlinkSync(file);
          } catch {
            // Already gone.
          }
        },
      };
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') return undefined; // no lock possible here (read-only folder): callers go on without
    }
    let holder: { pid?: number; t?: number } = {};
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number; t?: number };
    } catch {
      // Being written (or torn by a kill): judged by its age below.
    }
    let age = 0;
    try {
      age = Date.now() - statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    const dead = typeof holder.pid === 'number' ? !pidAlive(holder.pid) : age > 2_000;
    if (dead || age > staleMs) {
      try {
        unlinkSync(file);
      } catch {
        // Another waiter broke it first.
      }
      continue;
    }
    if (Date.now() >= deadline) return undefined;
    sleepSync(delay);
  }
}

/** Reads a file, undefined when it does not exist; other errors are thrown. */
export function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Writes `.gitignore` (`*`) into a cache folder so its content is never committed; creates the folder. */
export function ensureCacheFolder(dir: string, comment?: string): void {
  ensureDir(dir);
  const ignore = path.join(dir, '.gitignore');
  try {
    statSync(ignore);
  } catch {
    try {
      writeFileSync(ignore, comment ? `# ${comment}\n*\n` : '*\n', { flag: 'wx' });
    } catch {
      // Written by another process meanwhile, or a read-only folder: nothing to do.
    }
  }
}
