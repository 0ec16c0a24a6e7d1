/**
 * Search and the index: `daglens/search`, `daglens search`, `daglens/reindex` and `daglens index --json`.
 * Zod and plain types only (no LSP, no editor): the engine, the adapters and the webviews may import it.
 */
import { z } from 'zod';

export const IndexLanguageSchema = z.enum([
  'python',
  'sql',
  'java',
  'scala',
  'typescript',
  'tsx',
  'javascript',
  'yaml',
]);

/** `daglens/search` and `daglens search`: hybrid (BM25 + vector) search over the workspace index. */
export const SearchParamsSchema = z.object({
  query: z.string().min(1).max(4000),
  /** Hits to return (default 10). */
  k: z.number().int().min(1).max(500).optional(),
  languages: z.array(IndexLanguageSchema).optional(),
  /** Workspace-relative glob, e.g. `models/**\/*.sql`. */
  pathGlob: z.string().max(1000).optional(),
  mode: z.enum(['hybrid', 'lexical', 'vector']).optional(),
});
export type SearchParams = z.infer<typeof SearchParamsSchema>;

export const SearchHitSchema = z.object({
  /** file: URI of the file (LSP only). */
  uri: z.string().optional(),
  /** Workspace-relative path. */
  file: z.string(),
  language: IndexLanguageSchema,
  /** A symbol kind (function, method, class, statement, cte, model, column, …) or `code` for file-level lines. */
  kind: z.string(),
  name: z.string(),
  container: z.array(z.string()),
  /** 1-based, inclusive. */
  startLine: z.number().int(),
  endLine: z.number().int(),
  /** UTF-16 offsets of the chunk in the file: [startOffset, endOffset). */
  startOffset: z.number().int(),
  endOffset: z.number().int(),
  /** 0 = a whole symbol; 1, 2, … = pieces of a long one. */
  part: z.number().int(),
  text: z.string(),
  score: z.number(),
  /** 1-based lines holding a query term (lexical matches). */
  matchedLines: z.array(z.number().int()),
  via: z.array(z.enum(['lexical', 'vector'])),
});
export type SearchHitDto = z.infer<typeof SearchHitSchema>;

export interface SearchResult {
  hits: SearchHitDto[];
  /** True while a folder is still being indexed (hits may be incomplete). */
  indexing: boolean;
}

/** `daglens/reindex` (editor commands Index Workspace / Rebuild Index): bring every folder's index up to date; `rebuild` first throws the saved and in-memory index away. */
export const ReindexParamsSchema = z.object({ rebuild: z.boolean().default(false) });
export interface ReindexResult {
  folders: Array<{ root: string; files: number; chunks: number }>;
  seconds: number;
}

/** `daglens index --json`. */
export interface IndexReportDto {
  workspace: string;
  indexDir: string;
  files: number;
  chunks: number;
  /** Files parsed and chunked in this run; the rest came from the saved index unchanged. */
  indexed: number;
  removed: number;
  skipped: Array<{ rel: string; reason: string; detail: string }>;
  loadedSavedIndex: boolean;
  vectorBackend: 'hnsw' | 'exact';
  embedder: string;
  seconds: number;
}
