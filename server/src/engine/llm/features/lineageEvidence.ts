/**
 * Evidence from lineage for a question that names a table or model ("Which models read stg_orders?"): the
 * code that reads it and the code that writes it, ahead of what text search finds — search ranks
 * `stg_orders.sql` and its YAML first, while the answer is in `orders.sql` and `order_items.sql`. Each snippet
 * says what it does to the asset, so an answer without a model can state the lineage.
 */
import { toLineRange, type Span } from '../../types';
import type { Evidence, Retriever } from './evidence';

/** What we need of `engine.lineage` (structural, so tests and other engines can supply it). */
export interface QuestionLineage {
  resolve(nameOrId: string): { id: string; name: string; kind: string } | undefined;
  readersOf(id: string): ProcessLike[];
  writersOf(id: string): ProcessLike[];
}
interface ProcessLike {
  file: string;
  symbol: string;
  span: Span;
}

/** How many assets of one question, and lineage snippets in all, go in front of the search results. */
const MAX_ASSETS = 3;
const MAX_SNIPPETS = 6;

const READ_WORDS =
  /\b(read|reads|reading|use|uses|using|used|consume|consumes|consumed|depend|depends|dependent|downstream|feed|feeds|break|breaks|impact|affect|affects|after)\b/i;
const WRITE_WORDS =
  /\b(write|writes|written|writing|build|builds|built|produce|produces|produced|create|creates|created|populate|populates|upstream|load|loads|loaded|come|comes|made|makes|defined|define|defines)\b/i;

/** Assets the question names: identifiers that are exactly the name of a table, model or source. */
export function assetsNamed(
  question: string,
  lineage: Pick<QuestionLineage, 'resolve'>,
): Array<{ id: string; name: string; kind: string }> {
  const out = new Map<string, { id: string; name: string; kind: string }>();
  for (const m of question.matchAll(/[A-Za-z_][\w.]*[\w]/g)) {
    const word = m[0];
    const a = lineage.resolve(word);
    // Only a name the user wrote out: `orders` may be the orders model; "Which" or "read" never match one.
    if (
      a &&
      a.kind !== 'file' &&
      (a.name.toLowerCase() === word.toLowerCase() || a.id.toLowerCase().split('.').pop() === word.toLowerCase())
    )
      out.set(a.id, a);
    if (out.size >= MAX_ASSETS) break;
  }
  return [...out.values()];
}

/**
 * A retriever that puts the lineage of the assets a question names first (readers first when it asks what
 * reads or depends on them, writers first when it asks what builds them), then the base retriever's hits.
 */
export function lineageFirst(
  base: Retriever,
  lineage: QuestionLineage,
  relOf: (abs: string) => string,
  lines: (rel: string, start: number, end: number) => string | undefined,
): Retriever {
  return async (query, k, signal) => {
    const question = query.split('\n')[0] ?? query;
    const named = assetsNamed(question, lineage);
    const readersFirst = READ_WORDS.test(question) || !WRITE_WORDS.test(question);
    const out: Evidence[] = [];
    const add = (p: ProcessLike, asset: { id: string; name: string }, role: 'reads' | 'writes') => {
      const file = relOf(p.file);
      const { startLine, endLine } = toLineRange(p.span);
      if (out.length >= MAX_SNIPPETS || out.some((e) => e.file === file && e.startLine === startLine)) return;
      const text = lines(file, startLine, endLine);
      if (text !== undefined)
        out.push({ file, startLine, endLine, symbol: p.symbol, text, lineage: { asset: asset.name, role } });
    };
    for (const a of named) {
      const readers = lineage.readersOf(a.id).map((p) => [p, 'reads'] as const);
      const writers = lineage.writersOf(a.id).map((p) => [p, 'writes'] as const);
      for (const [p, role] of readersFirst ? [...readers, ...writers] : [...writers, ...readers]) add(p, a, role);
    }
    for (const e of await base(query, k, signal)) {
      if (out.length >= k) break;
      if (!out.some((o) => o.file === e.file && o.startLine <= e.endLine && e.startLine <= o.endLine)) out.push(e);
    }
    return out;
  };
}
