/**
 * On-disk response cache keyed by (provider, model, prompt hash, schema), with a TTL. An identical request
 * is answered from here for free, without touching the network. One small JSON file per entry, written
 * atomically (temp file + rename) so concurrent processes never read half an entry. An entry that does not read
 * back as one (damaged on disk) is removed and counts as a miss: the cache never answers with garbage. Temp files
 * of a killed writer are removed when the next process opens the cache.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureCacheDir } from './ledger';
import { ensureDir, removeStaleTemps, tempNameFor } from '../durableFs';

export interface CacheKeyParts {
  provider: string;
  model: string;
  prompt: unknown;
  schema?: unknown;
}

export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.provider, parts.model, parts.prompt, parts.schema ?? null]))
    .digest('hex');
}

interface Stored<T> {
  at: number;
  value: T;
}

export class ResponseCache {
  private readonly memory = new Map<string, Stored<unknown>>();
  private pending: Promise<void> = Promise.resolve();

  private swept = false;

  constructor(
    private readonly dir: string | undefined,
    private ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly onDamage?: (message: string) => void,
  ) {}

  /** Once per process: removes temp files killed writers left in the cache folders. */
  private sweep(): void {
    if (this.swept || !this.dir) return;
    this.swept = true;
    const root = path.join(this.dir, 'responses');
    let subs: string[] = [];
    try {
      subs = readdirSync(root);
    } catch {
      return;
    }
    for (const d of subs) removeStaleTemps(path.join(root, d));
  }

  setTtl(ms: number): void {
    this.ttlMs = ms;
  }

  get<T>(key: string): T | undefined {
    let s = this.memory.get(key) as Stored<T> | undefined;
    if (!s && this.dir) {
      this.sweep();
      const f = this.fileOf(key);
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        return undefined; // absent or unreadable: a miss
      }
      try {
        s = JSON.parse(text) as Stored<T>;
      } catch {
        s = undefined;
      }
      if (
        !s ||
        typeof s !== 'object' ||
        typeof s.at !== 'number' ||
        !('value' in s) ||
        s.value === undefined ||
        s.value === null
      ) {
        // Damaged on disk: drop it, ask again.
        this.onDamage?.(`LLM cache entry ${path.basename(f)} was unreadable; removed`);
        rmSync(f, { force: true });
        return undefined;
      }
    }
    if (!s || this.now() - s.at > this.ttlMs) return undefined;
    this.memory.set(key, s);
    return s.value;
  }

  set<T>(key: string, value: T): void {
    const s: Stored<T> = { at: this.now(), value };
    this.memory.set(key, s);
    if (!this.dir) return;
    const f = this.fileOf(key);
    // Written in the background: the reply is already in memory, the disk copy is for the next process.
    const tmp = tempNameFor(f);
    this.pending = this.pending
      .then(async () => {
        ensureCacheDir(this.dir!);
        ensureDir(path.dirname(f));
        await fs.writeFile(tmp, JSON.stringify(s));
        await fs.rename(tmp, f);
      })
      .catch(() => {
        // A cache that cannot be written is just a smaller cache.
        void fs.rm(tmp, { force: true }).catch(() => undefined);
      });
  }

  /** Resolves when every entry set so far is on disk (tests, and the CLI before it exits). */
  flush(): Promise<void> {
    return this.pending;
  }

  clear(): void {
    this.memory.clear();
    if (!this.dir) return;
    const dir = path.join(this.dir, 'responses');
    rmSync(dir, { recursive: true, force: true });
    // Writes still in flight would bring entries back: remove again once they have landed.
    this.pending = this.pending.then(() => fs.rm(dir, { recursive: true, force: true })).catch(() => {});
  }

  private fileOf(key: string): string {
    return path.join(this.dir!, 'responses', key.slice(0, 2), `${key}.json`);
  }
}
