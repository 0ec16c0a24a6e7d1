/**
 * Definition-first ranking. A query that names a symbol — `class OrderedDict`, `def dumps`, `OrderedDict`,
 * `json.dumps` — wants its definition, not the tests that subclass it or the calls that mention it (which BM25
 * and the vectors rank by how often the name appears). Every chunk named exactly so is a candidate, from the
 * whole index (a name → chunk map), ordered by: defined outside test code, the kind the query asks for, the
 * exact spelling, the qualifier the query gives (`json.` → a `json` file or container), defined at the top of
 * its file rather than nested, then the fused rank. They lead the results; everything else keeps its order.
 */
import type { ChunkKind, ChunkLocation } from './types';

export interface DefinitionQuery {
  /** The symbol name asked for (as typed). */
  name: string;
  /** Kinds the keyword asks for (`class` → class-like, `def` → functions and methods); any definition without one. */
  kinds?: ReadonlySet<ChunkKind>;
  /** `json` of `json.dumps`, `Message` of `Message.get_payload`. */
  qualifier?: string;
}

const CLASS_LIKE: ReadonlySet<ChunkKind> = new Set(['class', 'interface', 'trait', 'object', 'enum']);
const FUNCTION_LIKE: ReadonlySet<ChunkKind> = new Set(['function', 'method']);
const KEYWORDS: Record<string, ReadonlySet<ChunkKind>> = {
  class: CLASS_LIKE,
  interface: CLASS_LIKE,
  trait: CLASS_LIKE,
  object: CLASS_LIKE,
  enum: CLASS_LIKE,
  struct: CLASS_LIKE,
  type: CLASS_LIKE,
  def: FUNCTION_LIKE,
  'async def': FUNCTION_LIKE,
  function: FUNCTION_LIKE,
  func: FUNCTION_LIKE,
  fn: FUNCTION_LIKE,
  fun: FUNCTION_LIKE,
  model: new Set(['model']),
  cte: new Set(['cte']),
  table: new Set(['table', 'model', 'source']),
};
/** Symbols a definition can be: not file-level code, not SQL statements or YAML keys. */
const DEFINING: ReadonlySet<ChunkKind> = new Set([
  ...CLASS_LIKE,
  ...FUNCTION_LIKE,
  'module',
  'variable',
  'cte',
  'model',
  'source',
  'table',
]);

const IDENT = String.raw`[A-Za-z_$][\w$]*`;
const KEYWORD_QUERY = new RegExp(
  String.raw`^(async def|${Object.keys(KEYWORDS)
    .filter((k) => k !== 'async def')
    .join('|')})\s+((?:${IDENT}\.)*${IDENT})\s*[(:]?\s*$`,
);
const NAME_QUERY = new RegExp(String.raw`^((?:${IDENT}\.)*${IDENT})$`);

/** The definition a query asks for, or undefined for a query in words. */
export function definitionQuery(query: string): DefinitionQuery | undefined {
  const q = query.trim();
  const kw = KEYWORD_QUERY.exec(q);
  const dotted = kw ? kw[2]! : NAME_QUERY.exec(q)?.[1];
  if (!dotted) return undefined;
  const parts = dotted.split('.');
  const name = parts.pop()!;
  return { name, ...(kw ? { kinds: KEYWORDS[kw[1]!]! } : {}), ...(parts.length ? { qualifier: parts.join('.') } : {}) };
}

/** Test code by the conventions of the languages indexed: test folders, `test_x.py`, `x_test.go`, `X.test.ts`, `XTest.java`. */
export function isTestPath(file: string): boolean {
  return (
    /(^|\/)(tests?|testing|idle_test|__tests__|spec|specs)\//i.test(file) ||
    /(^|\/)(test_[^/]*|[^/]*_tests?|conftest)\.[^/.]+$/i.test(file) ||
    /\.(test|spec)\.[^/.]+$/i.test(file) ||
    /(Tests?|Spec|Suite)\.(java|scala|kt)$/.test(file)
  );
}

/** Chunk ids by lower-cased symbol name, kept as chunks come and go. */
export class NameIndex {
  private readonly byName = new Map<string, Set<number>>();

  add(id: number, name: string): void {
    const key = name.toLowerCase();
    let ids = this.byName.get(key);
    if (!ids) this.byName.set(key, (ids = new Set()));
    ids.add(id);
  }

  remove(id: number, name: string): void {
    const key = name.toLowerCase();
    const ids = this.byName.get(key);
    if (!ids) return;
    ids.delete(id);
    if (!ids.size) this.byName.delete(key);
  }

  get(name: string): ReadonlySet<number> {
    return this.byName.get(name.toLowerCase()) ?? EMPTY;
  }

  clear(): void {
    this.byName.clear();
  }
}
const EMPTY: ReadonlySet<number> = new Set();

/**
 * The definitions of `q` among `candidates` (chunks named so), best first. `fusedRank` is each id's place in
 * the fused lexical + vector ranking (absent: not in it), the last tie-breaker.
 */
export function rankDefinitions(
  q: DefinitionQuery,
  candidates: Array<{ id: number; loc: ChunkLocation }>,
  fusedRank: ReadonlyMap<number, number>,
): number[] {
  const qualifier = q.qualifier?.toLowerCase().split('.');
  const scored = candidates
    .filter(({ loc }) => DEFINING.has(loc.kind) && loc.part <= 1 && (!q.kinds || q.kinds.has(loc.kind)))
    .map(({ id, loc }) => {
      const inFile = loc.file.toLowerCase().split(/[/.]/);
      const qualified = qualifier
        ? qualifier.every((p) => inFile.includes(p) || loc.container.some((c) => c.toLowerCase() === p))
        : false;
      // Lexicographic: each criterion outweighs all those after it.
      const key = [
        isTestPath(loc.file) ? 0 : 1,
        qualified ? 1 : 0,
        !q.kinds && loc.kind === 'variable' ? 0 : 1,
        loc.name === q.name ? 1 : 0,
        loc.container.length === 0 ? 1 : 0,
      ];
      return { id, key, fused: fusedRank.get(id) ?? Number.MAX_SAFE_INTEGER, file: loc.file, start: loc.startOffset };
    });
  scored.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return b.key[i]! - a.key[i]!;
    return (
      a.fused - b.fused ||
      a.file.length - b.file.length ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.start - b.start
    );
  });
  return scored.map((s) => s.id);
}
