import type Parser from 'tree-sitter';
import { parserFor } from './grammars';
import type { LanguageId } from './languages';
import { neutraliseJinja, type JinjaBlock } from '../sql/jinja';

export interface ParsedFile {
  lang: LanguageId;
  /** The text tree-sitter saw (Jinja neutralised for SQL); same length and line layout as the original. */
  text: string;
  tree: Parser.Tree;
  jinja: JinjaBlock[];
  /** True when tree-sitter had to recover from syntax errors somewhere in the file. */
  hasErrors: boolean;
  /** Parsing ran over PARSE_BUDGET_MS and was stopped: the tree is empty (no symbols), `hasErrors` is set. */
  timedOut?: boolean;
  /** Not parsed: nested deeper than the grammar survives (YAML_MAX_DEPTH); the tree is empty, `hasErrors` is set. */
  tooDeep?: boolean;
}

/**
 * The YAML grammar's scanner keeps its indentation stack in tree-sitter's 1 kB state buffer and aborts the whole
 * process (an assertion, SIGABRT) past about 250 levels. Real YAML nests a few dozen deep; deeper files are not
 * parsed at all.
 */
export const YAML_MAX_DEPTH = 150;

/** Levels of indentation a YAML scanner would stack for this text (compact `- - -` sequences count), capped at `limit + 1`. */
export function yamlIndentDepth(text: string, limit = YAML_MAX_DEPTH): number {
  const stack: number[] = [];
  let max = 0;
  // Every line break the scanner knows: `\r` alone too (a file with old-Mac endings nests just as deep).
  const breaks = /\r\n?|\n/g;
  let start = 0;
  for (;;) {
    const br = breaks.exec(text);
    const end = br ? br.index : text.length;
    let i = start;
    while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i < end && text[i] !== '#' && text[i] !== '\r') {
      const col = i - start;
      while (stack.length && stack[stack.length - 1] >= col) stack.pop();
      stack.push(col);
      // `- - - x`: each dash opens a sequence one level deeper on the same line.
      while (i < end && text[i] === '-' && (i + 1 === end || text[i + 1] === ' ')) {
        i++;
        while (i < end && text[i] === ' ') i++;
        stack.push(i - start);
      }
      if (stack.length > max) max = stack.length;
      if (max > limit) return max;
    }
    if (!br) return max;
    start = end + br[0].length;
  }
}

/**
 * Longest a single parse may take. Ordinary files parse at megabytes per second; some inputs (tens of thousands
 * of nested brackets in Scala) make a grammar's error recovery take minutes. Such a file gets no symbols rather
 * than stalling the server or a CLI run.
 */
export const PARSE_BUDGET_MS = 5_000;

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
  const parser = parserFor(lang);
  if (lang === 'yaml' && yamlIndentDepth(text) > YAML_MAX_DEPTH)
    return { lang, text, tree: parser.parse(''), jinja: [], hasErrors: true, tooDeep: true };
  const deadline = performance.now() + PARSE_BUDGET_MS;
  const tree = parser.parse(text, oldTree, {
    bufferSize,
    progressCallback: () => performance.now() > deadline,
  }) as Parser.Tree | null;
  if (!tree) {
    // A stopped parse resumes on the next call unless the parser is reset: the next file must start afresh.
    parser.reset();
    return { lang, text, tree: parser.parse(''), jinja: [], hasErrors: true, timedOut: true };
  }
  return { lang, text, tree, jinja, hasErrors: tree.rootNode.hasError };
}
