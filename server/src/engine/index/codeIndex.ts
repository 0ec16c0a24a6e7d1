/**
 * The workspace index: every file's chunks in a BM25 index and a vector index, searched together.
 *
 * API for other features (stable):
 *   const hits = await engine.index.search('orders by customer', { k: 10, languages: ['sql'], pathGlob: 'models/**' });
 *   hits[i] → { file (workspace-relative), name, kind, container[], startLine/endLine (1-based, inclusive),
 *               startOffset/endOffset (UTF-16, [start, end)), text, score, matchedLines (1-based), via }
 *   engine.index.stats() · engine.index.chunksOf(file) · engine.index.symbols(query, limit)
 *
 * It follows the Workspace (it is a WorkspaceListener): new files are indexed at once; edits to a known
 * file are debounced and flushed before any search, so a search never sees stale text. Chunks whose text
 * did not change keep their vectors and postings; only the changed ones are re-embedded and re-inserted.
 */
import { matchScore } from '../workspace/workspace';
import picomatch from 'picomatch';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { errorMessage, type Logger } from '../log';
import type { LanguageId } from '../parsing/languages';
import type { CodeSymbol } from '../types';
import type { FactsStore } from '../workspace/factsStore';
import type { FileEntry, WorkspaceListener } from '../workspace/workspace';
import { Bm25Index } from './bm25';
import { definitionQuery, isTestPath, NameIndex, rankDefinitions } from './definitions';
import { chunkFile, DEFAULT_LIMITS, type ChunkLimits } from './chunker';
import { CachedEmbedder, contentHash, type Embedder } from './embedder';
import { reciprocalRankFusion, type Fused } from './fusion';
import { HashEmbedder } from './hashEmbedder';
import { indexedText } from './indexedText';
import { matchedLines } from './matches';
import { tokenize } from './tokens';
import type { Chunk, ChunkLocation, IndexStats, SearchHit, SearchOptions } from './types';
import { createVectorIndex, DEFAULT_HNSW, type HnswParams, type VectorIndex } from './vectorIndex';

export interface CodeIndexOptions {
  root: string;
  log: Logger;
  /** Default: the built-in hashing embedder. */
  embedder?: Embedder;
  hnsw?: Partial<HnswParams>;
  limits?: ChunkLimits;
  /** Milliseconds an edit to an already indexed file waits for the next one (0 = index at once). */
  debounceMs?: number;
  /** Use exact vector search even when hnswlib loads (tests, recall measurements). */
  exactVectors?: boolean;
}

/** A chunk as the index keeps it: location, id (vector label and BM25 doc) and content hash. */
export interface StoredChunk extends ChunkLocation {
  id: number;
  hash: string;
}

export interface FileRecord {
  rel: string;
  lang: LanguageId;
  /** Hash of the whole text: an unchanged file is never re-chunked. */
  hash: string;
  mtimeMs: number;
  size: number;
  text: string;
  /** The text's UTF-8 bytes when the record was loaded from a saved index (saving again reuses them). */
  utf8?: Uint8Array;
  chunks: StoredChunk[];
}

/** A chunk's BM25 terms as a slice of a file's parallel term/frequency arrays (from a worker). */
export interface TermSlice {
  names: string[];
  tfs: Int32Array;
  start: number;
  end: number;
}

/** Candidates each ranker contributes to the fusion. */
const CANDIDATES = 50;

export class CodeIndex implements WorkspaceListener {
  readonly root: string;
  readonly embedder: CachedEmbedder;
  readonly hnswParams: HnswParams;
  readonly limits: ChunkLimits;
  private readonly log: Logger;
  private readonly files = new Map<string, FileRecord>();
  private readonly byId = new Map<number, { rec: FileRecord; chunk: StoredChunk }>();
  /** Chunk ids by symbol name, for queries that name a definition (definitions.ts). */
  private readonly names = new NameIndex();
  private bm25 = new Bm25Index();
  private vectors: VectorIndex;
  private nextId = 0;
  /** Milliseconds an edit to a known file waits for the next one; the LSP raises it for typing. */
  debounceMs: number;
  /** While a bulk sync runs (syncIndex), editor/scan events are parked here and replayed after it. */
  private bulk: Map<string, { entry: FileEntry; text: string }> | undefined;
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; apply: () => void }>();
  /** Chunks waiting for an (asynchronous) embedder. */
  private readonly toEmbed = new Map<number, string>();
  private embedding: Promise<void> | undefined;
  /** Set when anything changed since the last save. */
  dirty = false;
  /**
   * The vector ranker's say in the fusion. The built-in embedder hashes the same tokens BM25 ranks, so it
   * can only break ties and catch near-miss spellings: on test/unit/index-retrieval.test.ts an equal vote
   * costs 4 of 36 top-5 hits and 0.25 costs none. A real embedding model brings meaning BM25 lacks and
   * gets an equal vote.
   */
  vectorWeight: number;
  /** Time spent inserting into the two indexes (benchmarks read it). */
  readonly timings = { bm25Ms: 0, vectorMs: 0 };
  /** Per-file facts (symbols, lineage drafts) saved and loaded with the index, when the engine keeps them. */
  facts?: FactsStore;

  constructor(opts: CodeIndexOptions) {
    this.root = opts.root;
    this.log = opts.log;
    this.embedder =
      opts.embedder instanceof CachedEmbedder ? opts.embedder : new CachedEmbedder(opts.embedder ?? new HashEmbedder());
    this.hnswParams = { ...DEFAULT_HNSW, ...opts.hnsw };
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.debounceMs = opts.debounceMs ?? 0;
    this.vectorWeight = this.embedder.inner instanceof HashEmbedder ? 0.25 : 1;
    this.vectors = createVectorIndex(this.embedder.dimensions, this.hnswParams, this.log, 1024, opts.exactVectors);
  }

  // ── workspace events ─────────────────────────────────────────────────────────────────────────────

  fileChanged(entry: FileEntry, text: string): void {
    const rel = entry.rel;
    if (this.bulk) {
      this.bulk.set(rel, { entry, text });
      return;
    }
    const known = this.files.get(rel);
    const waiting = this.pending.get(rel);
    if (waiting) clearTimeout(waiting.timer);
    if (known && known.text === text) {
      // Back to the indexed text (an undo): a pending edit must not land after it.
      this.pending.delete(rel);
      return;
    }
    const apply = () => this.indexFile(rel, entry.lang, text, entry.symbols);
    if (!known || this.debounceMs <= 0) {
      this.pending.delete(rel);
      apply();
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(rel);
      this.safely(rel, apply);
    }, this.debounceMs);
    timer.unref?.();
    this.pending.set(rel, { timer, apply });
  }

  fileRemoved(absPath: string): void {
    const rel = this.relative(absPath);
    this.bulk?.delete(rel);
    const waiting = this.pending.get(rel);
    if (waiting) clearTimeout(waiting.timer);
    this.pending.delete(rel);
    this.removeFile(rel);
  }

  /**
   * Parks workspace events while a bulk sync indexes from disk (so the scan does not index every file a
   * second time on the main thread); `endBulk` replays those whose text differs from what the sync indexed
   * (an editor's unsaved text, a file changed meanwhile).
   */
  beginBulk(): void {
    this.bulk ??= new Map();
  }

  endBulk(): void {
    const parked = this.bulk;
    this.bulk = undefined;
    for (const { entry, text } of parked?.values() ?? []) {
      if (this.files.get(entry.rel)?.text !== text)
        this.safely(entry.rel, () => this.indexFile(entry.rel, entry.lang, text, entry.symbols));
    }
  }

  get bulkRunning(): boolean {
    return !!this.bulk;
  }

  /** Applies debounced edits now (searches call this, so results always reflect the latest text). */
  flush(): void {
    for (const [rel, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(rel);
      this.safely(rel, p.apply);
    }
  }

  // ── updates ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * (Re)indexes one file from its text and symbols. Chunks whose text is unchanged keep their id, vector
   * and postings; the rest are replaced. Returns how many chunks were (re)embedded.
   */
  indexFile(
    rel: string,
    lang: LanguageId,
    text: string,
    symbols: CodeSymbol[],
    stat?: { mtimeMs: number; size: number },
  ): number {
    const chunks = chunkFile(rel, lang, text, symbols, this.limits);
    const prepared = chunks.map((c) => ({ chunk: c, indexed: indexedText(c) }));
    return this.applyChunks(
      rel,
      lang,
      text,
      contentHash(text),
      stat,
      prepared.map(({ chunk, indexed }) => ({
        loc: locationOf(chunk),
        hash: contentHash(indexed),
        indexed,
      })),
    );
  }

  /**
   * Installs a file's chunks (from `indexFile` or a worker). `vector`/`pairs` may come precomputed;
   * otherwise they are computed here.
   */
  applyChunks(
    rel: string,
    lang: LanguageId,
    text: string,
    fileHash: string,
    stat: { mtimeMs: number; size: number } | undefined,
    incoming: Array<{ loc: ChunkLocation; hash: string; indexed?: string; vector?: Float32Array; terms?: TermSlice }>,
  ): number {
    const old = this.files.get(rel);
    const reusable = new Map<string, StoredChunk[]>();
    for (const c of old?.chunks ?? []) {
      const list = reusable.get(c.hash);
      if (list) list.push(c);
      else reusable.set(c.hash, [c]);
    }
    const rec: FileRecord = {
      rel,
      lang,
      hash: fileHash,
      text,
      mtimeMs: stat?.mtimeMs ?? Date.now(),
      size: stat?.size ?? text.length,
      chunks: [],
    };
    let embedded = 0;
    for (const inc of incoming) {
      const same = reusable.get(inc.hash)?.pop();
      if (same) {
        // Same text, maybe moved: keep id, vector and postings, update the location.
        const chunk: StoredChunk = { ...inc.loc, id: same.id, hash: inc.hash };
        rec.chunks.push(chunk);
        this.byId.set(chunk.id, { rec, chunk });
        continue;
      }
      const chunk: StoredChunk = { ...inc.loc, id: this.nextId++, hash: inc.hash };
      rec.chunks.push(chunk);
      this.byId.set(chunk.id, { rec, chunk });
      this.names.add(chunk.id, chunk.name);
      const indexed =
        inc.indexed ?? indexedText({ ...inc.loc, text: text.slice(inc.loc.startOffset, inc.loc.endOffset) });
      const t0 = performance.now();
      if (inc.terms) this.bm25.addTerms(chunk.id, inc.terms.names, inc.terms.tfs, inc.terms.start, inc.terms.end);
      else this.bm25.addText(chunk.id, indexed);
      const t1 = performance.now();
      if (inc.vector) this.vectors.add(chunk.id, inc.vector);
      else this.queueEmbedding(chunk.id, indexed);
      this.timings.bm25Ms += t1 - t0;
      this.timings.vectorMs += performance.now() - t1;
      embedded++;
    }
    for (const list of reusable.values()) for (const c of list) this.dropChunk(c.id);
    this.files.set(rel, rec);
    this.dirty = true;
    return embedded;
  }

  /** Records a new mtime/size for a file whose content did not change. */
  touch(rel: string, stat: { mtimeMs: number; size: number }): void {
    const rec = this.files.get(rel);
    if (rec && (rec.mtimeMs !== stat.mtimeMs || rec.size !== stat.size)) {
      rec.mtimeMs = stat.mtimeMs;
      rec.size = stat.size;
      this.dirty = true;
    }
  }

  removeFile(rel: string): void {
    const rec = this.files.get(rel);
    if (!rec) return;
    for (const c of rec.chunks) this.dropChunk(c.id);
    this.files.delete(rel);
    this.dirty = true;
  }

  /** Keeps only the files for which `keep` says yes (after a rescan found others gone). */
  retain(keep: (rel: string) => boolean): number {
    let removed = 0;
    for (const rel of [...this.files.keys()]) {
      if (!keep(rel)) {
        this.removeFile(rel);
        removed++;
      }
    }
    return removed;
  }

  private dropChunk(id: number): void {
    const found = this.byId.get(id);
    if (found) this.names.remove(id, found.chunk.name);
    this.byId.delete(id);
    this.bm25.remove(id);
    this.vectors.remove(id);
    this.toEmbed.delete(id);
  }

  private queueEmbedding(id: number, indexed: string): void {
    const sync = syncEmbed(this.embedder, indexed);
    if (sync) {
      this.vectors.add(id, sync);
      return;
    }
    this.toEmbed.set(id, indexed);
    this.embedding ??= this.drainEmbeddings().finally(() => {
      this.embedding = undefined;
    });
  }

  /** Embeds queued chunks in batches; a failed batch is logged and left to lexical search. */
  private async drainEmbeddings(): Promise<void> {
    while (this.toEmbed.size) {
      const batch = [...this.toEmbed].slice(0, 256);
      for (const [id] of batch) this.toEmbed.delete(id);
      try {
        const vecs = await this.embedder.embed(batch.map(([, t]) => t));
        batch.forEach(([id], i) => {
          if (this.byId.has(id)) this.vectors.add(id, vecs[i]);
        });
      } catch (e) {
        this.log.error(
          `embedding ${batch.length} chunks failed: ${errorMessage(e)}; they are searchable lexically only`,
        );
      }
    }
  }

  /** Resolves when every queued chunk has its vector (immediately with the built-in embedder). */
  async embeddingsSettled(): Promise<void> {
    while (this.embedding) await this.embedding;
  }

  // ── queries ──────────────────────────────────────────────────────────────────────────────────────

  async search(query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    this.flush();
    const mode = opts.mode ?? 'hybrid';
    let qvec: Float32Array | undefined;
    if (mode !== 'lexical') {
      await this.embeddingsSettled();
      qvec = syncEmbed(this.embedder, query) ?? (await this.embedder.embed([query]))[0];
    }
    return this.rank(query, qvec, opts);
  }

  /** Search with a precomputed query vector (benchmarks, or callers that embed themselves). */
  rank(query: string, qvec: Float32Array | undefined, opts: SearchOptions = {}): SearchHit[] {
    this.flush();
    const k = Math.max(1, opts.k ?? 10);
    const mode = opts.mode ?? 'hybrid';
    const accept = this.filter(opts);
    const tokens = tokenize(query);
    const n = Math.max(CANDIDATES, k);
    const lexical = mode === 'vector' ? [] : this.bm25.search(tokens, n, accept).map((h) => h.doc);
    const vector = mode === 'lexical' || !qvec ? [] : this.vectors.search(qvec, n, accept).map((h) => h.label);
    // A chunk named exactly as the query is what an identifier search wants first.
    const q = query.trim().toLowerCase();
    const named = [...lexical, ...vector].filter((id) => this.byId.get(id)?.chunk.name.toLowerCase() === q);
    const ranked = reciprocalRankFusion([lexical, vector, [...new Set(named)]], [1, this.vectorWeight, 1]);
    // The rankers alone (benchmarks) stay as they are; a search puts the definition a query names first.
    const fused =
      mode === 'hybrid'
        ? definitionsFirst(query, ranked, this.names, (id) => this.byId.get(id)?.chunk, accept)
        : ranked;
    const querySet = new Set(tokens);
    const hits: SearchHit[] = [];
    for (const f of fused) {
      if (hits.length >= k) break;
      const found = this.byId.get(f.id);
      if (!found) continue;
      const { rec, chunk } = found;
      const text = rec.text.slice(chunk.startOffset, chunk.endOffset);
      const via: SearchHit['via'] = [];
      if (f.from.includes(0)) via.push('lexical');
      if (f.from.includes(1)) via.push('vector');
      hits.push({
        ...publicLocation(chunk),
        text,
        score: f.score,
        via,
        matchedLines: f.from.includes(0) ? matchedLines(text, chunk.startLine, querySet) : [],
      });
    }
    return hits;
  }

  /** Symbols (not code chunks) whose name matches, best first: exact, prefix, substring, subsequence. */
  symbols(query: string, limit = 500): Array<ChunkLocation> {
    this.flush();
    const q = query.toLowerCase();
    const out: Array<{ loc: ChunkLocation; score: number }> = [];
    for (const rec of this.files.values()) {
      for (const c of rec.chunks) {
        if (c.kind === 'code' || c.part > 1) continue;
        const s = matchScore(c.name.toLowerCase(), q);
        if (s > 0) out.push({ loc: publicLocation(c), score: s });
      }
    }
    out.sort(
      (a, b) => b.score - a.score || a.loc.file.localeCompare(b.loc.file) || a.loc.startOffset - b.loc.startOffset,
    );
    return out.slice(0, limit).map((o) => o.loc);
  }

  chunksOf(file: string): Chunk[] {
    this.flush();
    const rec = this.files.get(file);
    return rec
      ? rec.chunks.map((c) => ({ ...publicLocation(c), text: rec.text.slice(c.startOffset, c.endOffset) }))
      : [];
  }

  stats(): IndexStats {
    return {
      files: this.files.size,
      chunks: this.byId.size,
      vectorBackend: this.vectors.backend,
      embedder: this.embedder.id,
    };
  }

  file(rel: string): FileRecord | undefined {
    return this.files.get(rel);
  }

  allFiles(): IterableIterator<FileRecord> {
    return this.files.values();
  }

  /** Internals for persistence (store.ts) and benchmarks. */
  internals(): { bm25: Bm25Index; vectors: VectorIndex; nextId: number } {
    return { bm25: this.bm25, vectors: this.vectors, nextId: this.nextId };
  }

  /** Replaces the vector index (a graph built elsewhere, graphBuilder.ts); it must hold the same vectors. */
  swapVectors(vectors: VectorIndex): void {
    this.vectors = vectors;
  }

  /** Replaces the whole state with one loaded from disk (store.ts). */
  restore(files: FileRecord[], bm25: Bm25Index, vectors: VectorIndex, nextId: number): void {
    this.files.clear();
    this.byId.clear();
    this.names.clear();
    for (const rec of files) {
      this.files.set(rec.rel, rec);
      for (const chunk of rec.chunks) {
        this.byId.set(chunk.id, { rec, chunk });
        this.names.add(chunk.id, chunk.name);
      }
    }
    this.bm25 = bm25;
    this.vectors = vectors;
    this.nextId = nextId;
    this.dirty = false;
  }

  relative(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }

  private filter(opts: SearchOptions): ((id: number) => boolean) | undefined {
    const langs = opts.languages?.length ? new Set(opts.languages) : undefined;
    const glob = opts.pathGlob ? picomatch(opts.pathGlob, { dot: true }) : undefined;
    if (!langs && !glob) return undefined;
    const verdicts = new Map<string, boolean>();
    return (id) => {
      const found = this.byId.get(id);
      if (!found) return false;
      const { rec } = found;
      let ok = verdicts.get(rec.rel);
      if (ok === undefined) {
        ok = (!langs || langs.has(rec.lang)) && (!glob || glob(rec.rel));
        verdicts.set(rec.rel, ok);
      }
      return ok;
    };
  }

  private safely(rel: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error(`indexing ${rel} failed: ${errorMessage(e)}; its previous chunks are kept`);
    }
  }
}

function locationOf(c: Chunk): ChunkLocation {
  const { text: _text, ...loc } = c;
  return loc;
}

function publicLocation(c: StoredChunk): ChunkLocation {
  const { id: _id, hash: _hash, ...loc } = c;
  return loc;
}

/**
 * A query naming a symbol (`class X`, `def y`, `X`, `mod.y`): its definitions outside test code lead (or those in
 * tests, when only tests define it), each scored just above the fused list; the rest keeps its fused order.
 */
function definitionsFirst(
  query: string,
  fused: Fused[],
  names: NameIndex,
  chunk: (id: number) => StoredChunk | undefined,
  accept?: (id: number) => boolean,
): Fused[] {
  const q = definitionQuery(query);
  if (!q) return fused;
  const candidates = [...names.get(q.name)]
    .filter((id) => !accept || accept(id))
    .flatMap((id) => {
      const loc = chunk(id);
      return loc ? [{ id, loc }] : [];
    });
  if (!candidates.length) return fused;
  const place = new Map(fused.map((f, i) => [f.id, i]));
  const ranked = rankDefinitions(q, candidates, place);
  const byId = new Map(candidates.map((c) => [c.id, c.loc]));
  const outsideTests = ranked.filter((id) => !isTestPath(byId.get(id)!.file));
  const lead = (outsideTests.length ? outsideTests : ranked).slice(0, CANDIDATES);
  if (!lead.length) return fused;
  const top = (fused[0]?.score ?? 0) + lead.length;
  const first = lead.map((id, i): Fused => ({ id, score: top - i, from: fused[place.get(id) ?? -1]?.from ?? [] }));
  const led = new Set(lead);
  return [...first, ...fused.filter((f) => !led.has(f.id))];
}

function syncEmbed(e: CachedEmbedder, text: string): Float32Array | undefined {
  return e.inner instanceof HashEmbedder ? e.inner.embedOne(text) : undefined;
}
