import type Parser from 'tree-sitter';
import { parserFor } from './grammars';
import type { LanguageId } from './languages';
import { neutraliseJinja, type JinjaBlock } from './jinja';

export interface ParsedFile {
  lang: LanguageId;
  /** The text tree-sitter saw (Jinja neutralised for SQL); same length and line layout as the original. */
  text: string;
  tree: Parser.Tree;
  jinja: JinjaBlock[];
  /** True when tree-sitter had to recover from syntax errors somewhere in the file. */
  hasErrors: boolean;
}

/** Parses a whole file. Never throws on bad input: tree-sitter recovers, and we keep what parsed. */
export function parseText(lang: LanguageId, original: string, oldTree?: Parser.Tree): ParsedFile {
  let text = original;
  let jinja: JinjaBlock[] = [];
  if (lang === 'sql') {
    const n = neutraliseJinja(original);
    text = n.text;
    jinja = n.blocks;
  }
  // The native binding parses through a fixed buffer; size it to the text so long files parse in one pass.
  const bufferSize = Math.max(32 * 1024, text.length * 2 + 16);
  const tree = parserFor(lang).parse(text, oldTree, { bufferSize });
  return { lang, text, tree, jinja, hasErrors: tree.rootNode.hasError };
}
