/** Evidence: a numbered snippet of workspace code put in front of the model, and how it is retrieved. */
import { flattenSymbols } from '../../symbols';
import { toLineRange } from '../../types';
import { matchScore } from '../../workspace/workspace';
import type { WorkspaceText } from '../workspaceText';

export interface Evidence {
  file: string;
  /** 1-based inclusive. */
  startLine: number;
  endLine: number;
  symbol?: string;
  text: string;
  /** Why lineage put it here: it reads or writes the asset the question names. */
  lineage?: { asset: string; role: 'reads' | 'writes' };
}

/** Finds the k snippets most relevant to a query (the hybrid index when there is one). */
export type Retriever = (query: string, k: number, signal?: AbortSignal) => Promise<Evidence[]>;

export function renderEvidence(e: Evidence, n: number): string {
  const why = e.lineage ? ` — ${e.lineage.role} ${e.lineage.asset}` : '';
  return `[${n}] ${e.file}:${e.startLine}-${e.endLine}${e.symbol ? ` (${e.symbol})` : ''}${why}\n\`\`\`\n${e.text}\n\`\`\``;
}

const STOP = new Set([
  'the',
  'a',
  'an',
  'of',
  'in',
  'to',
  'is',
  'and',
  'or',
  'what',
  'which',
  'where',
  'how',
  'does',
  'do',
  'for',
  'from',
  'with',
  'this',
  'that',
  'it',
  'are',
  'by',
  'on',
  'be',
  'who',
  'why',
  'when',
]);

export function queryTerms(query: string): string[] {
  return [
    ...new Set(
      query
        .toLowerCase()
        .split(/[^a-z0-9_]+/)
        .filter((t) => t.length > 1 && !STOP.has(t)),
    ),
  ];
}

/**
 * Retrieval without the index: symbols whose names or text share terms with the query, scored by name
 * match and term frequency. Used until an index is attached (and by the loose engine).
 */
export function symbolRetriever(text: WorkspaceText): Retriever {
  return async (query, k) => {
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const scored: Array<Evidence & { score: number }> = [];
    for (const file of text.relFiles()) {
      const entry = text.entry(file)!;
      for (const { symbol, container } of flattenSymbols(entry.symbols)) {
        if (symbol.children.length > 0 && symbol.kind !== 'model') continue; // leaves and models: focused snippets
        const body = text.symbolText(file, symbol) ?? '';
        const lower = body.toLowerCase();
        let score = 0;
        for (const t of terms) {
          score += 3 * matchScore(symbol.name.toLowerCase(), t) * (t.length > 2 ? 1 : 0);
          let i = lower.indexOf(t);
          for (let n = 0; i >= 0 && n < 5; n++, i = lower.indexOf(t, i + t.length)) score += 1;
        }
        if (score > 0) {
          const { startLine, endLine } = toLineRange(symbol.span);
          scored.push({ file, startLine, endLine, symbol: [...container, symbol.name].join('.'), text: body, score });
        }
      }
    }
    scored.sort((a, b) => b.score - a.score || a.file.localeCompare(b.file) || a.startLine - b.startLine);
    return scored.slice(0, k).map(({ score: _s, ...e }) => e);
  };
}

/** What the retriever needs of the workspace index (`engine.index`). */
export interface SearchableIndex {
  search(
    query: string,
    opts: { k?: number },
  ): Promise<
    Array<{
      file: string;
      startLine: number;
      endLine: number;
      name: string;
      container: string[];
      kind: string;
      text: string;
    }>
  >;
}

/** Evidence from the hybrid (BM25 + vector) workspace index. */
export function indexRetriever(index: SearchableIndex): Retriever {
  return async (query, k) =>
    (await index.search(query, { k })).map((h) => ({
      file: h.file,
      startLine: h.startLine,
      endLine: h.endLine,
      ...(h.kind === 'code' ? {} : { symbol: [...h.container, h.name].join('.') }),
      text: h.text,
    }));
}
