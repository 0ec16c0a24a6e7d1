import type { ParsedFile } from '../parsing/parse';
import type { CodeSymbol } from '../types';
import { codeSymbols } from './codeSymbols';
import { sqlSymbols } from './sqlSymbols';
import { yamlSymbols } from './yamlSymbols';

/** The hierarchical symbols of a parsed file. Parts that failed to parse are skipped; the rest is kept. */
export function symbolsOf(parsed: ParsedFile, fileName?: string): CodeSymbol[] {
  const root = parsed.tree.rootNode;
  switch (parsed.lang) {
    case 'sql':
      return sqlSymbols(root, parsed.jinja, fileName);
    case 'yaml':
      return yamlSymbols(root);
    default:
      return codeSymbols(parsed.lang, root);
  }
}

/** Depth-first flattening with the container path of each symbol ("Class.method"). */
export function flattenSymbols(
  symbols: CodeSymbol[],
  container: string[] = [],
): Array<{ symbol: CodeSymbol; container: string[] }> {
  const out: Array<{ symbol: CodeSymbol; container: string[] }> = [];
  for (const s of symbols) {
    out.push({ symbol: s, container });
    out.push(...flattenSymbols(s.children, [...container, s.name]));
  }
  return out;
}
