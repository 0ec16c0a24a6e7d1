/**
 * The built-in embedder: feature hashing of code-aware tokens (whole identifiers, their snake/camel parts)
 * and the character trigrams of each part, with sublinear term frequency and keywords damped. Needs no
 * key, no model and no network, runs ~20 MB/s, and puts `get_user_id`, `getUserId` and "user id" close.
 */
import { normaliseInPlace, type Embedder } from './embedder';
import { termCounts } from './tokens';

/** Words every file of a language is full of: they say little about what a chunk does. */
const COMMON = new Set(
  (
    'self this cls def return if else elif for while in is not none null true false and or import from as ' +
    'public private protected static final void new const let var function class int string str bool val ' +
    'select where on with end to of by the an be it at try except raise pass lambda async await yield ' +
    'case when then else begin object extends implements package override'
  ).split(' '),
);
const COMMON_WEIGHT = 0.15;
const TRIGRAM_WEIGHT = 0.25;

/** A token's hashed features, packed: index and signed weight pairs. */
interface Features {
  index: Int32Array;
  weight: Float32Array;
}

export class HashEmbedder implements Embedder {
  readonly id: string;
  private readonly features = new Map<string, Features>();

  /** 128 dimensions: retrieval as good as 256 on our query sets, and half the HNSW build cost. */
  constructor(readonly dimensions = 128) {
    this.id = `daglens-hash-v1-${dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    return this.embedCounts(termCounts(text));
  }

  /** Embeds from term counts already computed (the cold index tokenises each chunk once, for BM25 and this). */
  embedCounts(counts: Map<string, number>): Float32Array {
    const v = new Float32Array(this.dimensions);
    for (const [token, tf] of counts) {
      const w = 1 + Math.log(tf);
      const f = this.featuresOf(token);
      for (let i = 0; i < f.index.length; i++) v[f.index[i]] += f.weight[i] * w;
    }
    return normaliseInPlace(v);
  }

  /** A token's hashed features, memoised: the vocabulary of a workspace is far smaller than its text. */
  private featuresOf(token: string): Features {
    let fs = this.features.get(token);
    if (fs) return fs;
    const base = COMMON.has(token) ? COMMON_WEIGHT : 1;
    const keys = [`w:${token}`];
    const weights = [base];
    if (token.length > 3) {
      const padded = `^${token}$`;
      const tri = (TRIGRAM_WEIGHT * base) / Math.sqrt(padded.length - 2);
      for (let i = 0; i + 3 <= padded.length; i++) {
        keys.push(padded.slice(i, i + 3));
        weights.push(tri);
      }
    }
    fs = { index: new Int32Array(keys.length), weight: new Float32Array(keys.length) };
    keys.forEach((k, i) => {
      const h = fnv1a(k);
      fs!.index[i] = (h & 0x7fffffff) % this.dimensions;
      // The top bit picks the sign, so collisions cancel out on average instead of piling up.
      fs!.weight[i] = h & 0x80000000 ? -weights[i] : weights[i];
    });
    if (this.features.size > 300_000) this.features.clear();
    this.features.set(token, fs);
    return fs;
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
