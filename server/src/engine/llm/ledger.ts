/**
 * Every request DagLens makes (or answers from cache, or refuses) is one line of `ledger.jsonl` in the
 * cache folder. The hourly cap is summed from it — so it holds across CLI runs and the server — and
 * `daglens stats` reports from it. No prompt text and no key is ever written here.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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

export class Ledger {
  private entries: LedgerEntry[] = [];
  private seenSize = -1;
  private readonly file: string | undefined;

  /** Without a folder the ledger lives in memory only (tests, the loose engine). */
  constructor(dir: string | undefined, private readonly now: () => number = Date.now) {
    this.file = dir ? path.join(dir, 'ledger.jsonl') : undefined;
  }

  add(e: Omit<LedgerEntry, 't'>): LedgerEntry {
    const entry = { t: this.now(), ...e };
    this.refresh();
    this.entries.push(entry);
    if (this.file) {
      try {
        ensureCacheDir(path.dirname(this.file));
        appendFileSync(this.file, JSON.stringify(entry) + '\n');
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

  private refresh(): void {
    if (!this.file) return;
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size === this.seenSize) return;
    const lines = readFileSync(this.file, 'utf8').split('\n');
    const out: LedgerEntry[] = [];
    for (const l of lines) {
      if (!l.trim()) continue;
      try {
        const e = JSON.parse(l) as LedgerEntry;
        if (typeof e.t === 'number' && typeof e.costUsd === 'number') out.push(e);
      } catch {
        // A torn line from a crashed writer: skip it, keep the rest.
      }
    }
    this.entries = out;
    this.seenSize = size;
  }

  private compact(): void {
    this.entries = this.entries.slice(-KEEP_LINES);
    writeFileSync(this.file!, this.entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    this.seenSize = statSync(this.file!).size;
  }
}

/** Creates the cache folder with a `.gitignore` of `*`, so spend records and cached replies are never committed. */
export function ensureCacheDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitignore'), '# DagLens LLM cache and spend ledger: local to this machine\n*\n');
}
