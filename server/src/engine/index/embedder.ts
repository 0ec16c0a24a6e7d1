/**
 * Embedders turn chunk texts into unit vectors for the vector index. The built-in one needs no key and
 * no download; `openaiEmbedder.ts` talks to any OpenAI-compatible endpoint.
 */
import { createHash } from 'node:crypto';

export interface Embedder {
  /** Identifies the vector space: vectors of different ids are never mixed (it is saved with the index). */
  readonly id: string;
  readonly dimensions: number;
  /** One unit-length vector per text, in order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Content hash of a chunk's indexed text, the key of embedding caches and of "unchanged chunk" checks. */
export function contentHash(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

export function normaliseInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Wraps an embedder with a cache keyed by content hash, so unchanged chunks are never embedded twice
 * (re-indexing a file, reopening a workspace). Entries beyond `maxEntries` are dropped oldest first.
 */
export class CachedEmbedder implements Embedder {
  private readonly cache = new Map<string, Float32Array>();
  hits = 0;
  misses = 0;

  constructor(
    readonly inner: Embedder,
    private readonly maxEntries = 200_000,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  /** Seeds the cache (e.g. with the vectors of a reloaded index). */
  remember(hash: string, vector: Float32Array): void {
    this.cache.delete(hash);
    this.cache.set(hash, vector);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const hashes = texts.map(contentHash);
    const out: Array<Float32Array | undefined> = hashes.map((h) => this.cache.get(h));
    const missing: number[] = [];
    out.forEach((v, i) => {
      if (!v) missing.push(i);
    });
    this.hits += texts.length - missing.length;
    this.misses += missing.length;
    if (missing.length) {
      const fresh = await this.inner.embed(
        missing.map((i) => texts[i]),
        signal,
      );
      missing.forEach((i, j) => {
        out[i] = fresh[j];
        this.remember(hashes[i], fresh[j]);
      });
    }
    return out as Float32Array[];
  }
}
