/**
 * On-disk response cache keyed by (provider, model, prompt hash, schema), with a TTL. An identical request
 * is answered from here for free, without touching the network. One small JSON file per entry, written
 * atomically (temp file + rename) so concurrent processes never read half an entry.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureCacheDir } from './ledger';

export interface CacheKeyParts {
  provider: string;
  model: string;
  prompt: unknown;
  schema?: unknown;
}

export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256').update(JSON.stringify([parts.provider, parts.model, parts.prompt, parts.schema ?? null])).digest('hex');
}

interface Stored<T> {
  at: number;
  value: T;
}

export class ResponseCache {
  private readonly memory = new Map<string, Stored<unknown>>();

  constructor(
    private readonly dir: string | undefined,
    private ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  setTtl(ms: number): void {
    this.ttlMs = ms;
  }

  get<T>(key: string): T | undefined {
    let s = this.memory.get(key) as Stored<T> | undefined;
    if (!s && this.dir) {
      try {
        s = JSON.parse(readFileSync(this.fileOf(key), 'utf8')) as Stored<T>;
      } catch {
        return undefined; // absent or unreadable: a miss
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
    try {
      ensureCacheDir(this.dir);
      mkdirSync(path.dirname(f), { recursive: true });
      const tmp = `${f}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(s));
      renameSync(tmp, f);
    } catch {
      // A cache that cannot be written is just a smaller cache.
    }
  }

  clear(): void {
    this.memory.clear();
    if (this.dir) rmSync(path.join(this.dir, 'responses'), { recursive: true, force: true });
  }

  private fileOf(key: string): string {
    return path.join(this.dir!, 'responses', key.slice(0, 2), `${key}.json`);
  }
}
