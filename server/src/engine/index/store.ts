/**
 * Saves and loads a CodeIndex. Two files in the index directory:
 *   index.dlx  one JSON header line (format, version, embedder, CRC-32 of the body and of the graph file),
 *              then the body: JSON (term dictionary, chunk names and containers, files), chunk numbers (i32),
 *              vectors (f32, only when the graph cannot stand in for them), BM25 term pairs (i32), file texts
 *              (UTF-8), chunk content hashes (20 bytes each)
 *   hnsw.bin   hnswlib's own graph file
 * Each is written to a temp file, synced and renamed (durableFs.ts). The graph file is named by its checksum
 * (`hnsw-<crc>.bin`) and written first; the header names the one it goes with, and older graph files are
 * removed only after the header moved on. A kill at any point therefore leaves the previous index whole
 * (header and graph still match) or the new one: never a graph to rebuild. Temp files of killed writers are
 * removed on the next load or save; saves take the folder's lock, so an editor and a CLI run never interleave.
 * A corrupt or incompatible index is reported (with the reason) and rebuilt by the caller, never half-loaded.
 */
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { Bm25Index } from './bm25';
import { HashEmbedder } from './hashEmbedder';
import { indexedText } from './indexedText';
import type { CodeIndex, FileRecord, StoredChunk } from './codeIndex';
import type { ChunkKind } from './types';
import type { LanguageId } from '../parsing/languages';
import { createVectorIndex, HnswVectorIndex, loadHnsw, type NativeHnsw, type VectorIndex } from './vectorIndex';
import { errorMessage, type Logger } from '../log';
import { ensureDir, removeStaleTemps, tempNameFor, tryLock, writeFileAtomic } from '../durableFs';

export const FORMAT = 'daglens-index';
/** Bump when the layout or the chunking/tokenising changes: older indexes are rebuilt, not misread. */
export const VERSION = 2;
const MAIN = 'index.dlx';
/** The graph file of indexes saved before graph files were named by their checksum. */
const LEGACY_GRAPH = 'hnsw.bin';
const GRAPH_NAME = /^hnsw(-[0-9a-f]{1,8})?\.bin$/;
const LOCK = '.lock';

interface Header {
  format: string;
  version: number;
  embedder: string;
  dimensions: number;
  root: string;
  bodyBytes: number;
  bodyChecksum: string;
  graphChecksum?: string;
  /** The graph file this header goes with (absent in older indexes: hnsw.bin). */
  graphFile?: string;
  savedAt: string;
}

/** Per chunk, in file order, in the body's numbers section. */
const NUMS = 9;
const [N_ID, N_KIND, N_START_LINE, N_END_LINE, N_START_OFFSET, N_END_OFFSET, N_PART, N_PAIRS, N_HAS_VECTOR] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8,
];
const HASH_BYTES = 20;
/** Separates container names in the saved `containers` strings (never part of a symbol name). */
const SEP = '\u001f';

/**
 * Chunk metadata is columnar: strings in the JSON (names, containers, kinds by index), numbers and hashes in
 * binary sections, because parsing ~90k JSON rows dominated a warm start.
 */
interface BodyMeta {
  nextId: number;
  terms: string[];
  kinds: string[];
  files: Array<{
    rel: string;
    lang: LanguageId;
    hash: string;
    mtimeMs: number;
    size: number;
    textBytes: number;
    chunks: number;
  }>;
  /** Per chunk in file order. */
  names: string[];
  containers: string[];
}

export interface LoadResult {
  ok: boolean;
  /** Why the index was not loaded (missing, corrupt, incompatible): logged by the caller. */
  reason?: string;
  /** Whether the graph was rebuilt from vectors (missing/corrupt graph file or no HNSW here). */
  graphRebuilt?: boolean;
  /** Where the time went (ms), for the benchmark. */
  timings?: Record<'read' | 'verify' | 'decode' | 'bm25' | 'graph', number>;
}

/** CRC-32 (continuing from `crc`): zlib's native one where this Node has it (20.15+), else a table-driven fallback. */
const nativeCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let crcTable: Int32Array | undefined;
function crc32(b: Uint8Array, crc = 0): number {
  if (nativeCrc) return nativeCrc(b, crc);
  crcTable ??= Int32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let c = ~crc;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function checksum(b: Uint8Array): string {
  return `crc32:${crc32(b).toString(16)}`;
}

/** The checksum of a file, read 1 MB at a time: the graph file is as large as the index and is read again by hnswlib. */
function fileChecksum(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let crc = 0;
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
      crc = crc32(buf.subarray(0, n), crc);
    return `crc32:${crc.toString(16)}`;
  } finally {
    closeSync(fd);
  }
}

export interface SaveOptions {
  /** How long to wait while another process saves into the same folder (default 10 s); then this save is skipped. */
  waitMs?: number;
}

/**
 * Saves the index into `dir`. Returns false (nothing written, `index.dirty` stays set) when another process
 * held the folder's lock for longer than `waitMs`; throws a StorageError/errno error when the folder is unusable.
 */
export function saveIndex(index: CodeIndex, dir: string, opts: SaveOptions = {}): boolean {
  ensureDir(dir);
  const lock = tryLock(dir, LOCK, { waitMs: opts.waitMs ?? 10_000 });
  if (!lock) return false;
  try {
    removeStaleTemps(dir);
    writeIndexFiles(index, dir);
    // The files' facts go beside it, under the same lock (they are keyed by content hash: never misapplied).
    index.facts?.save(dir);
    return true;
  } finally {
    lock.release();
  }
}

function writeIndexFiles(index: CodeIndex, dir: string): void {
  const { bm25, vectors, nextId } = index.internals();
  let graphChecksum: string | undefined;
  let graphFile: string | undefined;
  if (vectors instanceof HnswVectorIndex) {
    const tmp = tempNameFor(path.join(dir, 'hnsw.bin'));
    try {
      vectors.save(tmp);
      graphChecksum = fileChecksum(tmp);
      syncFile(tmp);
      graphFile = `hnsw-${graphChecksum.slice('crc32:'.length)}.bin`;
      renameSync(tmp, path.join(dir, graphFile));
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  const snap = bm25.snapshot();
  const meta: BodyMeta = { nextId, terms: snap.terms, kinds: [], files: [], names: [], containers: [] };
  const kindIndex = new Map<string, number>();
  // The graph file holds the vectors too; keep our own copy only when they could not be recomputed
  // cheaply (a remote embedder) or there is no graph (exact search).
  const keepVectors = !graphChecksum || !(index.embedder.inner instanceof HashEmbedder);
  const numbers: number[] = [];
  const hashes: Buffer[] = [];
  const vectorParts: Float32Array[] = [];
  const pairParts: Int32Array[] = [];
  const textParts: Buffer[] = [];
  for (const rec of index.allFiles()) {
    const text = rec.utf8
      ? Buffer.from(rec.utf8.buffer, rec.utf8.byteOffset, rec.utf8.byteLength)
      : Buffer.from(rec.text, 'utf8');
    textParts.push(text);
    meta.files.push({
      rel: rec.rel,
      lang: rec.lang,
      hash: rec.hash,
      mtimeMs: rec.mtimeMs,
      size: rec.size,
      textBytes: text.length,
      chunks: rec.chunks.length,
    });
    for (const c of rec.chunks) {
      let kind = kindIndex.get(c.kind);
      if (kind === undefined) {
        kind = meta.kinds.length;
        kindIndex.set(c.kind, kind);
        meta.kinds.push(c.kind);
      }
      const pairs = snap.docs.get(c.id) ?? new Int32Array(0);
      pairParts.push(pairs);
      const v = keepVectors ? vectors.vector(c.id) : undefined;
      if (v) vectorParts.push(v);
      numbers.push(c.id, kind, c.startLine, c.endLine, c.startOffset, c.endOffset, c.part, pairs.length, v ? 1 : 0);
      meta.names.push(c.name);
      meta.containers.push(c.container.join(SEP));
      hashes.push(Buffer.from(c.hash, 'base64url'));
    }
  }
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const lenBuf = Buffer.alloc(8);
  const pad = Buffer.alloc((4 - ((8 + json.length) % 4)) % 4);
  lenBuf.writeUInt32LE(json.length, 0);
  lenBuf.writeUInt32LE(pad.length, 4);
  const nums = Int32Array.from(numbers);
  const body = Buffer.concat([
    lenBuf,
    json,
    pad,
    new Uint8Array(nums.buffer),
    ...vectorParts.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)),
    ...pairParts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength)),
    ...textParts,
    ...hashes,
  ]);
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    embedder: index.embedder.id,
    dimensions: index.embedder.dimensions,
    root: index.root,
    bodyBytes: body.length,
    bodyChecksum: checksum(body),
    graphChecksum,
    graphFile,
    savedAt: new Date().toISOString(),
  };
  // Pad the header line so the body starts 8-byte aligned: the loader can then view it without copying.
  let headerLine = JSON.stringify(header);
  headerLine += ' '.repeat((8 - ((Buffer.byteLength(headerLine) + 1) % 8)) % 8);
  writeFileAtomic(path.join(dir, MAIN), [Buffer.from(headerLine + '\n', 'utf8'), body], { durable: true });
  // The header has moved on: graph files it does not name belong to older saves.
  for (const n of readdirSync(dir))
    if (GRAPH_NAME.test(n) && n !== graphFile) rmSync(path.join(dir, n), { force: true });
  index.dirty = false;
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A loaded file record whose text is decoded on first use: a reload then decodes only the files a search,
 * an edit or a hover touches (the bytes are views of the loaded file, which the BM25 pairs keep alive anyway).
 */
function withLazyText(rec: Omit<FileRecord, 'text'>, decoder: TextDecoder): FileRecord {
  let text: string | undefined;
  return Object.defineProperty(rec, 'text', {
    get: () => (text ??= decoder.decode(rec.utf8)),
    enumerable: true,
  }) as FileRecord;
}

/**
 * Loads the index saved in `dir` into `index`; on any problem leaves `index` as it was and says why.
 * The graph file is checked first (hnswlib must never read a damaged one), then read on the libuv pool
 * while this thread decodes the body.
 */
export async function loadIndex(index: CodeIndex, dir: string, log: Logger, preferExact = false): Promise<LoadResult> {
  const mainFile = path.join(dir, MAIN);
  // Half-written files of a killed save: never read, removed here (unless their writer still runs).
  const stale = removeStaleTemps(dir);
  if (stale) log.info(`index: removed ${stale} temp file${stale > 1 ? 's' : ''} left by an interrupted save in ${dir}`);
  if (!existsSync(mainFile)) return { ok: false, reason: 'no saved index' };
  const timings = { read: 0, verify: 0, decode: 0, bm25: 0, graph: 0 };
  let t = performance.now();
  const lap = (k: keyof typeof timings) => {
    const now = performance.now();
    timings[k] += now - t;
    t = now;
  };
  let raw: Buffer;
  try {
    raw = readFileSync(mainFile);
    lap('read');
  } catch (e) {
    return { ok: false, reason: `unreadable: ${errorMessage(e)}` };
  }
  const nl = raw.indexOf(10);
  let header: Header;
  try {
    header = JSON.parse(raw.subarray(0, nl < 0 ? Math.min(raw.length, 4096) : nl).toString('utf8')) as Header;
  } catch {
    return { ok: false, reason: 'corrupt header' };
  }
  if (!header || typeof header !== 'object') return { ok: false, reason: 'corrupt header' };
  if (header.format !== FORMAT) return { ok: false, reason: `not a DagLens index (${String(header.format)})` };
  if (header.version !== VERSION)
    return { ok: false, reason: `index format ${header.version}, this version reads ${VERSION}` };
  if (header.embedder !== index.embedder.id || header.dimensions !== index.embedder.dimensions) {
    return { ok: false, reason: `built with embedder ${header.embedder}, now ${index.embedder.id}` };
  }
  const body = raw.subarray(nl + 1);
  if (body.length !== header.bodyBytes)
    return { ok: false, reason: `truncated (${body.length} of ${header.bodyBytes} bytes)` };
  if (checksum(body) !== header.bodyChecksum) return { ok: false, reason: 'checksum mismatch (corrupt file)' };
  // A header names its graph file; only names of our own shape are followed (never a path out of `dir`).
  const graphName = header.graphFile ?? LEGACY_GRAPH;
  if (!GRAPH_NAME.test(graphName))
    return { ok: false, reason: `corrupt header (graph file '${String(graphName).slice(0, 40)}')` };
  const graphFile = path.join(dir, graphName);
  const mod = preferExact ? null : loadHnsw();
  let graphRead: Promise<NativeHnsw | undefined> | undefined;
  if (mod && header.graphChecksum && existsSync(graphFile)) {
    if (fileChecksum(graphFile) === header.graphChecksum) {
      const graph = new mod.HierarchicalNSW('cosine', header.dimensions);
      graphRead = graph.readIndex(graphFile, true).then(
        () => graph,
        (e: unknown) => {
          log.warn(
            `index graph ${graphFile} could not be read (${errorMessage(e)}); rebuilding it from the saved vectors`,
          );
          return undefined;
        },
      );
    } else log.warn(`index graph ${graphFile} does not match its header; rebuilding it from the saved vectors`);
  }
  lap('verify');

  try {
    const jsonLen = body.readUInt32LE(0);
    const padLen = body.readUInt32LE(4);
    const meta = JSON.parse(body.subarray(8, 8 + jsonLen).toString('utf8')) as BodyMeta;
    // Typed-array views need 4-byte alignment: view the file's bytes when they are aligned, else copy.
    const restStart = body.byteOffset + 8 + jsonLen + padLen;
    let rest = new Uint8Array(body.buffer, restStart, body.length - 8 - jsonLen - padLen);
    if (restStart % 4 !== 0) rest = new Uint8Array(rest);
    const dims = header.dimensions;
    const nChunks = meta.names.length;
    const nums = new Int32Array(rest.buffer, rest.byteOffset, nChunks * NUMS);
    let nVectors = 0;
    let nPairs = 0;
    for (let c = 0; c < nChunks; c++) {
      nVectors += nums[c * NUMS + N_HAS_VECTOR];
      nPairs += nums[c * NUMS + N_PAIRS];
    }
    let at = nChunks * NUMS * 4;
    const vecData = new Float32Array(rest.buffer, rest.byteOffset + at, nVectors * dims);
    at += nVectors * dims * 4;
    const pairData = new Int32Array(rest.buffer, rest.byteOffset + at, nPairs);
    at += nPairs * 4;
    const textBytes = meta.files.reduce((n, f) => n + f.textBytes, 0);
    const textData = rest.subarray(at, at + textBytes);
    const hashData = Buffer.from(rest.buffer, rest.byteOffset + at + textBytes, nChunks * HASH_BYTES);
    if (hashData.length !== nChunks * HASH_BYTES) throw new Error('body shorter than its chunk table');

    const bm25Docs: Array<[number, Int32Array]> = [];
    const decoder = new TextDecoder();
    const files: FileRecord[] = [];
    const pendingVectors: Array<[number, Float32Array]> = [];
    // Chunks of one class share one container array: frozen, since hits hand it out.
    const containerArrays = new Map<string, string[]>([['', Object.freeze([]) as unknown as string[]]]);
    let ci = 0;
    let vi = 0;
    let pi = 0;
    let ti = 0;
    for (const f of meta.files) {
      const utf8 = textData.subarray(ti, ti + f.textBytes);
      ti += f.textBytes;
      const chunks: StoredChunk[] = new Array(f.chunks);
      for (let k = 0; k < f.chunks; k++, ci++) {
        const n = ci * NUMS;
        const id = nums[n + N_ID];
        const joined = meta.containers[ci];
        let container = containerArrays.get(joined);
        if (!container)
          containerArrays.set(joined, (container = Object.freeze(joined.split(SEP)) as unknown as string[]));
        chunks[k] = {
          id,
          hash: hashData.toString('base64url', ci * HASH_BYTES, (ci + 1) * HASH_BYTES),
          file: f.rel,
          language: f.lang,
          kind: meta.kinds[nums[n + N_KIND]] as ChunkKind,
          name: meta.names[ci],
          container,
          startLine: nums[n + N_START_LINE],
          endLine: nums[n + N_END_LINE],
          startOffset: nums[n + N_START_OFFSET],
          endOffset: nums[n + N_END_OFFSET],
          part: nums[n + N_PART],
        };
        const len = nums[n + N_PAIRS];
        bm25Docs.push([id, pairData.subarray(pi, pi + len)]);
        pi += len;
        if (nums[n + N_HAS_VECTOR]) {
          pendingVectors.push([id, vecData.subarray(vi * dims, (vi + 1) * dims)]);
          vi++;
        }
      }
      files.push(
        withLazyText(
          { rel: f.rel, lang: f.lang, hash: f.hash, mtimeMs: f.mtimeMs, size: f.size, chunks, utf8 },
          decoder,
        ),
      );
    }
    lap('decode');
    const bm25 = Bm25Index.bulkLoad(meta.terms, bm25Docs);
    lap('bm25');

    let vectors: VectorIndex | undefined;
    let graphRebuilt = false;
    const graph = await graphRead;
    if (mod && graph)
      vectors = new HnswVectorIndex(mod, dims, index.hnswParams, 0, { graph, live: bm25Docs.map(([id]) => id) });
    if (!vectors) {
      graphRebuilt = true;
      vectors = createVectorIndex(dims, index.hnswParams, log, Math.max(1024, ci), preferExact);
      for (const [id, v] of pendingVectors) vectors.add(id, v);
      if (pendingVectors.length < ci && index.embedder.inner instanceof HashEmbedder) {
        // Vectors were left to the graph file; recompute the missing ones (cheap with the built-in embedder).
        const have = new Set(pendingVectors.map(([id]) => id));
        const emb = index.embedder.inner;
        for (const f of files) {
          for (const c of f.chunks) {
            if (!have.has(c.id))
              vectors.add(c.id, emb.embedOne(indexedText({ ...c, text: f.text.slice(c.startOffset, c.endOffset) })));
          }
        }
      }
    }
    if (!(index.embedder.inner instanceof HashEmbedder)) {
      // Seed the embedding cache so content that moved between files is not sent to the endpoint again.
      const hashOf = new Map<number, string>();
      for (const f of files) for (const c of f.chunks) hashOf.set(c.id, c.hash);
      for (const [id, v] of pendingVectors) index.embedder.remember(hashOf.get(id)!, v);
    }
    index.restore(files, bm25, vectors, meta.nextId);
    lap('graph');
    return { ok: true, graphRebuilt, timings };
  } catch (e) {
    return { ok: false, reason: `unreadable body: ${errorMessage(e)}` };
  }
}
