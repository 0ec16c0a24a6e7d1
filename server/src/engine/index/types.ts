/**
 * Value types of the workspace index. A chunk is a symbol (or a piece of one, or file-level code
 * between symbols) with exact locations; a hit is a chunk that matched a search.
 */
import type { LanguageId } from '../parsing/languages';
import type { SymbolKind } from '../types';

/** What a chunk stands for: a symbol's kind, or `code` for file-level lines outside every symbol. */
export type ChunkKind = SymbolKind | 'code';

export interface ChunkLocation {
  /** Workspace-relative path with forward slashes. */
  file: string;
  language: LanguageId;
  kind: ChunkKind;
  /** The symbol's name; for `code` chunks the file's base name. */
  name: string;
  /** Names of the enclosing symbols, outermost first ("Class", "method" → ["Class"]). */
  container: string[];
  /** 1-based inclusive line range of the chunk. */
  startLine: number;
  endLine: number;
  /** UTF-16 offsets into the file text: [startOffset, endOffset). */
  startOffset: number;
  endOffset: number;
  /** 0 for a whole symbol; 1, 2, … for the pieces of a symbol too long for one chunk. */
  part: number;
}

export interface Chunk extends ChunkLocation {
  text: string;
}

export interface SearchOptions {
  /** How many hits (default 10). */
  k?: number;
  /** Only chunks of these languages. */
  languages?: LanguageId[];
  /** Only files matching this glob (picomatch, relative to the workspace root), e.g. `models/**\/*.sql`. */
  pathGlob?: string;
  /** `hybrid` (default): BM25 and vectors fused by reciprocal rank; or one of the two alone. */
  mode?: 'hybrid' | 'lexical' | 'vector';
}

export interface SearchHit extends Chunk {
  /** Higher is better; comparable within one result list only. */
  score: number;
  /** 1-based lines of the chunk that contain a query term (lexical matches; empty for vector-only hits). */
  matchedLines: number[];
  /** Which rankers found the hit. */
  via: Array<'lexical' | 'vector'>;
}

export interface IndexStats {
  files: number;
  chunks: number;
  /** `hnsw`, or `exact` when the native HNSW addon could not load. */
  vectorBackend: 'hnsw' | 'exact';
  embedder: string;
}
