/**
 * An incremental BM25 index over integer document ids. Postings are packed typed arrays (a Map per term
 * would cost ~10× the memory on a large workspace); removal tombstones a document and compacts a term's
 * postings once half of them are dead, so re-indexing a file touches only that file's terms.
 * Document ids must not be reused after removal (the caller allocates them monotonically).
 */
import { termCounts } from './tokens';

const K1 = 1.2;
const B = 0.75;

const NO_DOCS = new Int32Array(0);
const NO_TFS = new Uint16Array(0);

class Postings {
  /**
   * Documents and frequencies live in docs/tfs[off, off + n): the term's own arrays, or its slice of the pool
   * a reload filled (so a reload makes no per-term arrays; the first add to a full slice copies it out).
   */
  docs = NO_DOCS;
  tfs = NO_TFS;
  off = 0;
  cap = 0;
  n = 0;
  /** Live documents containing the term. */
  df = 0;

  push(doc: number, tf: number): void {
    if (this.n === this.cap) {
      const cap = Math.max(4, this.n * 2);
      const docs = new Int32Array(cap);
      docs.set(this.docs.subarray(this.off, this.off + this.n));
      const tfs = new Uint16Array(cap);
      tfs.set(this.tfs.subarray(this.off, this.off + this.n));
      this.docs = docs;
      this.tfs = tfs;
      this.off = 0;
      this.cap = cap;
    }
    this.docs[this.off + this.n] = doc;
    this.tfs[this.off + this.n] = Math.min(tf, 65535);
    this.n++;
    this.df++;
  }

  compact(alive: Uint8Array): void {
    const { docs, tfs, off } = this;
    let w = off;
    for (let r = off; r < off + this.n; r++) {
      if (alive[docs[r]]) {
        docs[w] = docs[r];
        tfs[w] = tfs[r];
        w++;
      }
    }
    this.n = w - off;
  }
}

export interface Bm25Hit {
  doc: number;
  score: number;
}

export class Bm25Index {
  private readonly ids = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly postings: Postings[] = [];
  /** Per document: [termId, tf, termId, tf, …], kept for removal and persistence. */
  private readonly docTerms = new Map<number, Int32Array>();
  private alive = new Uint8Array(1024);
  private lengths = new Float32Array(1024);
  private scores = new Float32Array(1024);
  private touched: Int32Array = new Int32Array(1024);
  private normCache = new Float32Array(0);
  private normsStale = true;
  private totalLength = 0;

  get size(): number {
    return this.docTerms.size;
  }

  /** Term id of a token, allocating one when new. */
  termId(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.ids.set(term, id);
      this.terms.push(term);
      this.postings.push(new Postings());
    }
    return id;
  }

  /** Tokenises `text` and adds it as document `doc`. */
  addText(doc: number, text: string): void {
    this.addCounts(doc, termCounts(text));
  }

  /** Adds a document from parallel arrays of terms and frequencies, [start, end) (as workers send them). */
  addTerms(doc: number, names: string[], tfs: ArrayLike<number>, start: number, end: number): void {
    const pairs = new Int32Array((end - start) * 2);
    for (let i = start, j = 0; i < end; i++) {
      pairs[j++] = this.termId(names[i]);
      pairs[j++] = tfs[i];
    }
    this.addPairs(doc, pairs);
  }

  addCounts(doc: number, counts: Map<string, number>): void {
    const pairs = new Int32Array(counts.size * 2);
    let i = 0;
    for (const [term, tf] of counts) {
      pairs[i++] = this.termId(term);
      pairs[i++] = tf;
    }
    this.addPairs(doc, pairs);
  }

  /** Adds a document from [termId, tf] pairs (ids from `termId` or a loaded dictionary). */
  addPairs(doc: number, pairs: Int32Array): void {
    if (this.docTerms.has(doc)) this.remove(doc);
    this.ensure(doc);
    let length = 0;
    for (let i = 0; i < pairs.length; i += 2) {
      this.postings[pairs[i]].push(doc, pairs[i + 1]);
      length += pairs[i + 1];
    }
    this.docTerms.set(doc, pairs);
    this.alive[doc] = 1;
    this.lengths[doc] = length;
    this.totalLength += length;
    this.normsStale = true;
  }

  remove(doc: number): void {
    const pairs = this.docTerms.get(doc);
    if (!pairs) return;
    this.docTerms.delete(doc);
    this.alive[doc] = 0;
    this.totalLength -= this.lengths[doc];
    this.normsStale = true;
    for (let i = 0; i < pairs.length; i += 2) {
      const p = this.postings[pairs[i]];
      p.df--;
      if (p.n > 16 && p.df * 2 < p.n) p.compact(this.alive);
    }
  }

  /**
   * The best `k` documents for the query's tokens. `accept` filters documents (language, path) before
   * ranking, so a filter never empties a result that has matches.
   */
  search(queryTokens: string[], k: number, accept?: (doc: number) => boolean): Bm25Hit[] {
    const n = this.docTerms.size;
    if (n === 0 || k <= 0) return [];
    const norms = this.norms();
    const unique = [...new Set(queryTokens)];
    const scores = this.scores;
    const alive = this.alive;
    let touched = this.touched;
    let nTouched = 0;
    for (const term of unique) {
      const id = this.ids.get(term);
      if (id === undefined) continue;
      const p = this.postings[id];
      if (p.df === 0) continue;
      const idf = Math.log(1 + (n - p.df + 0.5) / (p.df + 0.5));
      const w = idf * (K1 + 1);
      const { docs, tfs, off } = p;
      const end = off + p.n;
      if (touched.length < nTouched + p.n) touched = this.touched = growInt32(touched, nTouched + p.n);
      // The hot loop of every search: locals only, the length normalisation precomputed per document.
      for (let i = off; i < end; i++) {
        const d = docs[i];
        if (alive[d] === 0) continue;
        const tf = tfs[i];
        if (scores[d] === 0) touched[nTouched++] = d;
        scores[d] += (w * tf) / (tf + norms[d]);
      }
    }
    const top = new TopK(k);
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i];
      const s = scores[d];
      scores[d] = 0;
      if (!accept || accept(d)) top.offer(d, s);
    }
    return top.sorted();
  }

  /**
   * Per document, BM25's length normalisation K1·(1 − B + B·len/avg): it depends on the average length,
   * so it is recomputed (one pass, ~0.1 ms per 100k documents) on the first search after a change.
   */
  private norms(): Float32Array {
    if (this.normsStale) {
      const avg = this.totalLength / Math.max(1, this.docTerms.size);
      if (this.normCache.length !== this.lengths.length) this.normCache = new Float32Array(this.lengths.length);
      const { lengths, normCache } = this;
      for (let d = 0; d < lengths.length; d++) normCache[d] = K1 * (1 - B + (B * lengths[d]) / avg);
      this.normsStale = false;
    }
    return this.normCache;
  }

  /** The dictionary and every document's pairs, for persistence. */
  snapshot(): { terms: string[]; docs: Map<number, Int32Array> } {
    return { terms: this.terms, docs: this.docTerms };
  }

  /**
   * Restores a saved index in two passes (count, then fill one pool that every term's postings are a slice
   * of): no per-pair object work, which matters for the warm reload of a large workspace.
   */
  static bulkLoad(terms: string[], docs: Array<[doc: number, pairs: Int32Array]>): Bm25Index {
    const idx = new Bm25Index();
    idx.loadTerms(terms);
    const counts = new Int32Array(terms.length);
    let maxDoc = 0;
    for (const [doc, pairs] of docs) {
      for (let i = 0; i < pairs.length; i += 2) counts[pairs[i]]++;
      if (doc > maxDoc) maxDoc = doc;
    }
    idx.ensure(maxDoc);
    const fill = new Int32Array(terms.length);
    let total = 0;
    for (let t = 0; t < counts.length; t++) {
      fill[t] = total;
      total += counts[t];
    }
    const docPool = new Int32Array(total);
    const tfPool = new Uint16Array(total);
    idx.postings.forEach((p, t) => {
      p.docs = docPool;
      p.tfs = tfPool;
      p.off = fill[t];
      p.cap = p.n = p.df = counts[t];
    });
    const { alive, lengths } = idx;
    for (const [doc, pairs] of docs) {
      let length = 0;
      for (let i = 0; i < pairs.length; i += 2) {
        const at = fill[pairs[i]]++;
        const tf = pairs[i + 1];
        docPool[at] = doc;
        tfPool[at] = Math.min(tf, 65535);
        length += tf;
      }
      idx.docTerms.set(doc, pairs);
      alive[doc] = 1;
      lengths[doc] = length;
      idx.totalLength += length;
    }
    return idx;
  }

  /** Restores the dictionary saved by `snapshot` (before any `addPairs`). */
  loadTerms(terms: string[]): void {
    if (this.terms.length) throw new Error('loadTerms on a non-empty index');
    for (let i = 0; i < terms.length; i++) {
      this.ids.set(terms[i], i);
      this.terms.push(terms[i]);
      this.postings.push(new Postings());
    }
  }

  private ensure(doc: number): void {
    if (doc < this.alive.length) return;
    let size = this.alive.length;
    while (size <= doc) size *= 2;
    const alive = new Uint8Array(size);
    alive.set(this.alive);
    this.alive = alive;
    const lengths = new Float32Array(size);
    lengths.set(this.lengths);
    this.lengths = lengths;
    this.scores = new Float32Array(size);
  }
}

function growInt32(a: Int32Array, atLeast: number): Int32Array {
  const b = new Int32Array(Math.max(atLeast, a.length * 2));
  b.set(a);
  return b;
}

/** Keeps the k best (id, score) pairs with a min-heap: O(n log k), no full sort of every candidate. */
export class TopK {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  offer(id: number, score: number): void {
    const { ids, scores } = this;
    if (ids.length < this.k) {
      ids.push(id);
      scores.push(score);
      let i = ids.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (scores[parent] <= scores[i]) break;
        this.swap(i, parent);
        i = parent;
      }
    } else if (score > scores[0]) {
      ids[0] = id;
      scores[0] = score;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < ids.length && scores[l] < scores[m]) m = l;
        if (r < ids.length && scores[r] < scores[m]) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
  }

  sorted(): Bm25Hit[] {
    return this.ids
      .map((doc, i) => ({ doc, score: this.scores[i] }))
      .sort((a, b) => b.score - a.score || a.doc - b.doc);
  }

  private swap(a: number, b: number): void {
    [this.ids[a], this.ids[b]] = [this.ids[b], this.ids[a]];
    [this.scores[a], this.scores[b]] = [this.scores[b], this.scores[a]];
  }
}
