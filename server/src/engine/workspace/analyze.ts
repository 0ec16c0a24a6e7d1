/**
 * What one parse of a file gives every feature: its symbols, its Jinja blocks, whether tree-sitter had to
 * recover, and the lineage drafts of Python/Scala code (which need the tree). Computed once per file content —
 * in an index worker at start-up, or on the main thread for an editor's edit — and kept with the index, so a
 * workspace reopened later is read without parsing what did not change. Plain data: it crosses threads and disk.
 */
import { extractPython, type PyDraft } from '../lineage/python';
import { extractScala } from '../lineage/scala';
import type { NameDefaults } from '../lineage/names';
import type { JinjaBlock } from '../sql/jinja';
import type { LanguageId } from '../parsing/languages';
import { parseText, type ParsedFile } from '../parsing/parse';
import { symbolsOf } from '../symbols';
import { contentHash } from '../index/embedder';
import type { CodeSymbol } from '../types';

export interface FileFacts {
  /** contentHash of the text these facts were computed from. */
  hash: string;
  symbols: CodeSymbol[];
  hasErrors: boolean;
  jinja: JinjaBlock[];
  /** Python and Scala: lineage drafts (they depend on the catalog/schema defaults they were extracted with). */
  code?: { drafts: PyDraft[]; dbtModel: boolean };
}

/** Bump when what analyze() returns changes: saved facts of another version are recomputed. */
export const FACTS_VERSION = 1;

export function factsOf(parsed: ParsedFile, absPath: string, names: NameDefaults, hash: string): FileFacts {
  const facts: FileFacts = {
    hash,
    symbols: symbolsOf(parsed, absPath),
    hasErrors: parsed.hasErrors,
    jinja: parsed.jinja,
  };
  if (parsed.lang === 'python') facts.code = extractPython(parsed.tree.rootNode, names);
  else if (parsed.lang === 'scala') facts.code = { drafts: extractScala(parsed.tree.rootNode, names), dbtModel: false };
  return facts;
}

export function analyze(lang: LanguageId, text: string, absPath: string, names: NameDefaults): FileFacts {
  return factsOf(parseText(lang, text), absPath, names, contentHash(text));
}
