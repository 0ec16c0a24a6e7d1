/**
 * Loads the tree-sitter grammars (native N-API addons) lazily, one per language.
 * Native was chosen over web-tree-sitter by measurement (README, "Architecture notes").
 */
import Parser from 'tree-sitter';
import type { LanguageId } from './languages';

type Grammar = Parser.Language;

function load(lang: LanguageId): Grammar {
  // require() per case so the bundler keeps each as an external native module.
  switch (lang) {
    case 'python':
      return require('tree-sitter-python');
    case 'sql':
      return require('@derekstride/tree-sitter-sql');
    case 'java':
      return require('tree-sitter-java');
    case 'scala':
      return require('tree-sitter-scala');
    case 'typescript':
      return require('tree-sitter-typescript').typescript;
    case 'tsx':
      return require('tree-sitter-typescript').tsx;
    case 'javascript':
      return require('tree-sitter-javascript');
    case 'yaml':
      return require('@tree-sitter-grammars/tree-sitter-yaml');
  }
}

const grammars = new Map<LanguageId, Grammar>();
const parsers = new Map<LanguageId, Parser>();

export function grammarFor(lang: LanguageId): Grammar {
  let g = grammars.get(lang);
  if (!g) {
    g = load(lang);
    grammars.set(lang, g);
  }
  return g;
}

/** One parser per language, reused: creating parsers is cheap but not free. */
export function parserFor(lang: LanguageId): Parser {
  let p = parsers.get(lang);
  if (!p) {
    p = new Parser();
    p.setLanguage(grammarFor(lang));
    parsers.set(lang, p);
  }
  return p;
}
