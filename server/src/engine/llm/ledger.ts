/**
 * Every request DagLens makes (or answers from cache, or refuses) is one line of `ledger.jsonl` in the
 * cache folder. The hourly cap is summed from it — so it holds across CLI runs and the server — and
 * `daglens stats` reports from it. No prompt text and no key is ever written here.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { ensureCacheFolder, ensureDir, pidAlive, removeStaleTemps, tryLock, writeFileAtomic } from '../durableFs';

export interface LedgerEntry {
  /** Epoch ms. */
  t: number;
  feature: string;
  provider: string;
  model: string;
  outcome: 'ok' | 'cached' | 'error' | 'refused';
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  latencyMs: number;
  /** Error kind, for errors and refusals. */
  error?: string;
}

const KEEP_LINES = 20_000;
/** A reservation older than this is from a process that hung or died mid-request: no longer counted. */
const RESERVATION_TTL_MS = 3_600_000;

/**
 * Crash and concurrency safety: entries are appended with one write and synced (a kill leaves at most one
 * torn last line, which is skipped, and the next entry starts on a line of its own); compaction rewrites the
 * file atomically under the folder's lock. Requests in flight in any process are reservation files in
 * `reservations/`, taken under that lock, so two processes (editor and CLI) together stay under the hourly cap.
 */
export class Ledger {
  private entries: LedgerEntry[] = [];
  private seenSize = -1;
  private readonly file: string | undefined;
  private readonly dir: string | undefined;
  private reservations = 0;
  /** Unreadable lines seen in the file (a torn write of a killed process, or damage). */
  damagedLines = 0;
  private reportedDamage = 0;

  /** Without a folder the ledger lives in memory only (tests, the loose engine). */
  constructor(
    dir: string | undefined,
    private readonly now: () => number = Date.now,
    private readonly onDamage?: (message: string) => void,
  ) {
    this.dir = dir;
    this.file = dir ? path.join(dir, 'ledger.jsonl') : undefined;
  }

  add(e: Omit<LedgerEntry, 't'>): LedgerEntry {
    const entry = { t: this.now(), ...e };
    this.refresh();
    this.entries.push(entry);
    if (this.file) {
      try {
        ensureCacheDir(path.dirname(this.file));
        appendLine(this.file, JSON.stringify(entry));
        this.seenSize = statSync(this.file).size;
        if (this.entries.length > KEEP_LINES * 1.5) this.compact();
      } catch {
        // Accounting still holds in memory; a read-only cache folder must not break the feature.
      }
    }
    return entry;
  }

  /** All entries, oldest first, including those other processes appended since we last looked. */
  all(): readonly LedgerEntry[] {
    this.refresh();
    return this.entries;
  }

  spentSince(since: number): number {
    let usd = 0;
    for (const e of this.all()) if (e.t >= since) usd += e.costUsd;
    return usd;
  }

  /**
   * Reserves `usd` for a request about to be sent, visible to every process using this folder. `fits(spent,
   * others)` gets the spend of the last hour and what other live processes have reserved, and decides; the
   * check and the reservation happen under the folder's lock. Returns the reservation's id, or undefined
   * when `fits` said no. In memory only (no folder) there are no other processes.
   */
  reserve(
    usd: number,
    fits: (spentLastHourUsd: number, othersReservedUsd: number) => boolean,
  ): { id?: string } | undefined {
    const since = this.now() - 3_600_000;
    if (!this.dir) return fits(this.spentSince(since), 0) ? {} : undefined;
    let lock;
    try {
      ensureCacheDir(this.dir);
      lock = tryLock(this.dir, 'budget.lock', { waitMs: 2_000, staleMs: 30_000 });
    } catch {
      // An unusable folder: this process's own accounting still holds.
    }
    try {
      const others = this.othersReserved();
      if (!fits(this.spentSince(since), others)) return undefined;
      if (!lock) return {};
      const id = `${process.pid}-${++this.reservations}`;
      try {
        const rdir = path.join(this.dir, 'reservations');
        ensureDir(rdir);
        writeFileSync(path.join(rdir, `${id}.json`), JSON.stringify({ usd, t: this.now() }));
        return { id };
      } catch {
        return {};
      }
    } finally {
      lock?.release();
    }
  }

  /** Ends a reservation (its cost, if any, is in the ledger by now). */
  release(id: string | undefined): void {
    if (!id || !this.dir) return;
    rmSync(path.join(this.dir, 'reservations', `${id}.json`), { force: true });
  }

  /** What other live processes have reserved; reservations of processes that are gone are removed. */
  private othersReserved(): number {
    const rdir = path.join(this.dir!, 'reservations');
    let names: string[];
    try {
      names = readdirSync(rdir);
    } catch {
      return 0;
    }
    let usd = 0;
    for (const n of names) {
      const m = /^(\d+)-\d+\.json$/.exec(n);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid) continue; // ours are counted by the Budget in memory
      const f = path.join(rdir, n);
      let r: { usd?: unknown; t?: unknown } | undefined;
      try {
        r = JSON.parse(readFileSync(f, 'utf8')) as { usd?: unknown; t?: unknown };
      } catch {
        r = undefined;
      }
      const valid = r && typeof r.usd === 'number' && Number.isFinite(r.usd) && typeof r.t === 'number';
      if (!pidAlive(pid) || !valid || this.now() - (r!.t as number) > RESERVATION_TTL_MS) {
        rmSync(f, { force: true });
        continue;
      }
      usd += r!.usd as number;
    }
    return usd;
  }

  private refresh(): void {
    if (!this.file) return;
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size === this.seenSize) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const out: LedgerEntry[] = [];
    let damaged = 0;
    for (const l of text.split('\n')) {
      if (!l.trim()) continue;
      try {
        const e = JSON.parse(l) as LedgerEntry;
        if (e && typeof e.t === 'number' && typeof e.costUsd === 'number' && Number.isFinite(e.costUsd)) out.push(e);
        else damaged++;
      } catch {
        // A torn line from a crashed writer: skip it, keep the rest.
        damaged++;
      }
    }
    this.entries = out;
    this.seenSize = size;
    this.damagedLines = damaged;
    if (damaged > this.reportedDamage) {
      this.onDamage?.(
        `${damaged} unreadable line${damaged > 1 ? 's' : ''} in ${this.file} (an interrupted write?) skipped; the spend they recorded is not counted`,
      );
      this.reportedDamage = damaged;
    }
  }

  private compact(): void {
    const lock = tryLock(path.dirname(this.file!), 'budget.lock', { waitMs: 2_000, staleMs: 30_000 });
    if (!lock) return; // another process holds the folder: compact next time
    try {
      this.seenSize = -1;
      this.refresh(); // entries other processes appended meanwhile are kept
      this.entries = this.entries.slice(-KEEP_LINES);
      writeFileAtomic(this.file!, this.entries.map((e) => JSON.stringify(e)).join('\n') + '\n', { durable: true });
      removeStaleTemps(path.dirname(this.file!));
      this.seenSize = statSync(this.file!).size;
    } finally {
      lock.release();
    }
  }
}

/**
 * Appends one line with a single write, then syncs it: the spend must survive a crash. When the file does not
 * end with a newline (a killed writer's torn line), the line starts on a new one so it is not lost with it.
 */
function appendLine(file: string, line: string): void {
  const fd = openSync(file, 'a+');
  try {
    const size = statSync(file).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 10) prefix = '\n';
    }
    writeSync(fd, `${prefix}${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates the cache folder with a `.gitignore` of `*`, so spend records and cached replies are never committed. */
export function ensureCacheDir(dir: string): void {
  ensureCacheFolder(dir, 'DagLens LLM cache and spend ledger: local to this machine');
}
