/**
 * YAML symbols, aware of dbt's schema files: list items with a `name:` under `models:`, `sources:`,
 * `tables:`, `columns:` … become model/source/table/column symbols; other files list their top-level keys.
 */
import type Parser from 'tree-sitter';
import type { CodeSymbol, SymbolKind } from '../types';
import { spanOf } from './spans';

const KIND_OF_LIST: Record<string, SymbolKind> = {
  models: 'model',
  seeds: 'model',
  snapshots: 'model',
  sources: 'source',
  tables: 'table',
  columns: 'column',
  exposures: 'object',
  metrics: 'object',
  semantic_models: 'object',
  saved_queries: 'object',
  macros: 'function',
};
const MAX_DEPTH = 100;

export function yamlSymbols(root: Parser.SyntaxNode): CodeSymbol[] {
  const out: CodeSymbol[] = [];
  for (const doc of root.namedChildren.filter((n) => n.type === 'document')) {
    const top = firstMapping(doc);
    if (!top) continue;
    for (const pair of pairsOf(top)) {
      const key = keyText(pair);
      if (!key) continue;
      const sym: CodeSymbol = {
        name: key,
        kind: 'key',
        span: spanOf(pair),
        selection: spanOf(pair.childForFieldName('key')!),
        children: [],
      };
      collectNamedItems(pair, sym.children, 0);
      out.push(sym);
    }
  }
  return out;
}

function firstMapping(node: Parser.SyntaxNode): Parser.SyntaxNode | undefined {
  let n: Parser.SyntaxNode | null = node;
  for (let i = 0; n && i < 4; i++) {
    if (n.type === 'block_mapping' || n.type === 'flow_mapping') return n;
    n = n.namedChildren[0] ?? null;
  }
  return undefined;
}

function pairsOf(mapping: Parser.SyntaxNode): Parser.SyntaxNode[] {
  return mapping.namedChildren.filter((c) => c.type === 'block_mapping_pair' || c.type === 'flow_pair');
}

function keyText(pair: Parser.SyntaxNode): string | undefined {
  const k = pair.childForFieldName('key');
  return k ? unquote(k.text) : undefined;
}

function unquote(s: string): string {
  return s.replace(/^['"]|['"]$/g, '').trim();
}

/** Under a `key:` pair whose value is a sequence of mappings with `name:`, each item is a symbol. */
function collectNamedItems(pair: Parser.SyntaxNode, out: CodeSymbol[], depth: number) {
  if (depth > MAX_DEPTH) return;
  const key = keyText(pair) ?? '';
  const value = pair.childForFieldName('value');
  if (!value) return;
  const seq = firstOfType(value, 'block_sequence') ?? firstOfType(value, 'flow_sequence');
  if (seq) {
    for (const item of seq.namedChildren) {
      const mapping = firstMapping(item);
      if (!mapping) continue;
      const namePair = pairsOf(mapping).find((p) => keyText(p) === 'name');
      const nameValue = namePair?.childForFieldName('value');
      if (!namePair || !nameValue) continue;
      const sym: CodeSymbol = {
        name: unquote(nameValue.text),
        kind: KIND_OF_LIST[key] ?? 'object',
        span: spanOf(item),
        selection: spanOf(nameValue),
        detail: key,
        children: [],
      };
      for (const p of pairsOf(mapping)) collectNamedItems(p, sym.children, depth + 1);
      out.push(sym);
    }
    return;
  }
  const mapping = firstMapping(value);
  if (mapping) for (const p of pairsOf(mapping)) collectNamedItems(p, out, depth + 1);
}

function firstOfType(node: Parser.SyntaxNode, type: string): Parser.SyntaxNode | undefined {
  let n: Parser.SyntaxNode | null = node;
  for (let i = 0; n && i < 3; i++) {
    if (n.type === type) return n;
    n = n.namedChildren[0] ?? null;
  }
  return undefined;
}
