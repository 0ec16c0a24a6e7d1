/**
 * Read → parse → symbols → chunks → tokens → vectors for one file: the work a cold index does per file,
 * shared by the worker threads and the in-process path. Pure CPU plus one file read; never throws for
 * bad content (tree-sitter recovers; invalid UTF-8 is decoded with replacement characters and reported).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { LanguageId } from '../parsing/languages';
import type { NameDefaults } from '../lineage/names';
import { parseText } from '../parsing/parse';
import { factsOf, type FileFacts } from '../workspace/analyze';
import { chunkFile, type ChunkLimits } from './chunker';
import { indexedText } from './indexedText';
import { contentHash } from './embedder';
import { HashEmbedder } from './hashEmbedder';
import { termCounts } from './tokens';
import type { ChunkLocation } from './types';

export interface FileTask {
  path: string;
  rel: string;
  lang: LanguageId;
  mtimeMs: number;
  size: number;
  /** Hash of the text the index holds now: an equal hash means "unchanged", no chunking needed. */
  knownHash?: string;
  /** The file's facts (symbols, lineage drafts) are wanted even when its chunks are unchanged. */
  needFacts?: boolean;
}

export interface ProcessedFile {
  rel: string;
  lang: LanguageId;
  mtimeMs: number;
  size: number;
  /** Present unless unchanged. */
  text?: string;
  hash: string;
  unchanged?: boolean;
  locs: ChunkLocation[];
  hashes: string[];
  /** All chunks' vectors back to back (dimensions each), when a built-in embedder ran. */
  vectors?: Float32Array;
  /** Per chunk: how many (term, tf) entries follow in terms/tfs. */
  termLengths: Int32Array;
  terms: string[];
  tfs: Int32Array;
  /** Things worth a log line (invalid UTF-8, …). */
  notes: string[];
  /** What the one parse gave (absent when unchanged and not asked for). */
  facts?: FileFacts;
}

export interface ProcessTimings {
  readMs: number;
  parseMs: number;
  chunkMs: number;
  embedMs: number;
  tokenizeMs: number;
}

export const zeroTimings = (): ProcessTimings => ({ readMs: 0, parseMs: 0, chunkMs: 0, embedMs: 0, tokenizeMs: 0 });

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

export function processFile(
  task: FileTask,
  limits: ChunkLimits,
  embedder: HashEmbedder | undefined,
  t: ProcessTimings,
  names: NameDefaults,
): ProcessedFile {
  let t0 = performance.now();
  const bytes = readFileSync(task.path);
  const notes: string[] = [];
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = lenientUtf8.decode(bytes);
    notes.push(`${task.rel}: invalid UTF-8, indexed with replacement characters`);
  }
  const hash = contentHash(text);
  let t1 = performance.now();
  t.readMs += t1 - t0;
  const base = { rel: task.rel, lang: task.lang, mtimeMs: task.mtimeMs, size: task.size, hash, notes };
  const unchanged = hash === task.knownHash;
  if (unchanged && !task.needFacts) {
    return {
      ...base,
      unchanged: true,
      locs: [],
      hashes: [],
      termLengths: new Int32Array(0),
      terms: [],
      tfs: new Int32Array(0),
    };
  }
  // One parse gives the index its chunks and the workspace its symbols and lineage drafts.
  const facts = factsOf(parseText(task.lang, text), task.path, names, hash);
  const symbols = facts.symbols;
  t0 = performance.now();
  t.parseMs += t0 - t1;
  if (unchanged)
    return {
      ...base,
      text,
      unchanged: true,
      facts,
      locs: [],
      hashes: [],
      termLengths: new Int32Array(0),
      terms: [],
      tfs: new Int32Array(0),
    };
  const chunks = chunkFile(task.rel, task.lang, text, symbols, limits);
  const indexed = chunks.map(indexedText);
  const hashes = indexed.map(contentHash);
  t1 = performance.now();
  t.chunkMs += t1 - t0;
  const terms: string[] = [];
  const tfs: number[] = [];
  const termLengths = new Int32Array(chunks.length);
  const d = embedder?.dimensions ?? 0;
  const vectors = embedder ? new Float32Array(chunks.length * d) : undefined;
  indexed.forEach((s, i) => {
    // One tokenisation per chunk feeds both BM25 and the built-in embedder.
    const counts = termCounts(s);
    termLengths[i] = counts.size;
    for (const [term, tf] of counts) {
      terms.push(term);
      tfs.push(tf);
    }
    t0 = performance.now();
    t.tokenizeMs += t0 - t1;
    if (embedder) vectors!.set(embedder.embedCounts(counts), i * d);
    t1 = performance.now();
    t.embedMs += t1 - t0;
  });
  const locs = chunks.map(({ text: _t, ...loc }) => loc);
  return { ...base, text, facts, locs, hashes, vectors, termLengths, terms, tfs: Int32Array.from(tfs) };
}
