/**
 * Symbols of general-purpose languages (Python, Java, Scala, TypeScript/JavaScript), table-driven:
 * each grammar node type that declares something maps to a symbol kind.
 */
import type Parser from 'tree-sitter';
import type { LanguageId } from '../parsing/languages';
import type { CodeSymbol, SymbolKind } from '../types';
import { spanOf } from './spans';

interface Rule {
  kind: SymbolKind;
  /** Where the name is, when not the `name` field. */
  name?: (node: Parser.SyntaxNode) => Parser.SyntaxNode | null;
  /** For wrappers (decorators, `export`, `const f = () => …`): the declaration inside, if this wraps one. */
  unwrap?: (node: Parser.SyntaxNode) => Parser.SyntaxNode | null;
}

const byField = (field: string) => (n: Parser.SyntaxNode) => n.childForFieldName(field);

const arrowDeclarator = (n: Parser.SyntaxNode) => {
  // `const f = () => …` / `let f = function () {…}`: one declarator whose value is a function.
  const decls = n.namedChildren.filter((c) => c.type === 'variable_declarator');
  if (decls.length !== 1) return null;
  const value = decls[0].childForFieldName('value');
  return value && /^(arrow_function|function_expression|function)$/.test(value.type) ? decls[0] : null;
};

const TS_RULES: Record<string, Rule> = {
  class_declaration: { kind: 'class' },
  abstract_class_declaration: { kind: 'class' },
  class: { kind: 'class' },
  interface_declaration: { kind: 'interface' },
  enum_declaration: { kind: 'enum' },
  function_declaration: { kind: 'function' },
  generator_function_declaration: { kind: 'function' },
  method_definition: { kind: 'method' },
  lexical_declaration: { kind: 'function', unwrap: arrowDeclarator },
  variable_declaration: { kind: 'function', unwrap: arrowDeclarator },
  variable_declarator: { kind: 'function' },
  type_alias_declaration: { kind: 'interface' },
  internal_module: { kind: 'module' },
};

const RULES: Record<Exclude<LanguageId, 'sql' | 'yaml'>, Record<string, Rule>> = {
  python: {
    class_definition: { kind: 'class' },
    function_definition: { kind: 'function' },
    decorated_definition: { kind: 'function', unwrap: byField('definition') },
  },
  java: {
    class_declaration: { kind: 'class' },
    record_declaration: { kind: 'class' },
    interface_declaration: { kind: 'interface' },
    enum_declaration: { kind: 'enum' },
    annotation_type_declaration: { kind: 'interface' },
    method_declaration: { kind: 'method' },
    constructor_declaration: { kind: 'method' },
  },
  scala: {
    class_definition: { kind: 'class' },
    object_definition: { kind: 'object' },
    trait_definition: { kind: 'trait' },
    enum_definition: { kind: 'enum' },
    function_definition: { kind: 'function' },
    function_declaration: { kind: 'function' },
  },
  typescript: TS_RULES,
  tsx: TS_RULES,
  javascript: TS_RULES,
};

const CONTAINERS: ReadonlySet<SymbolKind> = new Set(['class', 'interface', 'trait', 'object', 'enum']);
const MAX_DEPTH = 200; // deeply nested code: stop descending rather than overflow the stack

/** Leaf-like nodes that never hold a declaration: not worth descending into. */
const OPAQUE = new Set([
  'string',
  'template_string',
  'comment',
  'line_comment',
  'block_comment',
  'concatenated_string',
  'string_literal',
  'integer',
  'float',
  'identifier',
  'number',
  'regex',
]);

/**
 * Python declares functions and classes only in statements, so its walk enters just the node types that can
 * hold a statement (derived from the grammar's node-types.json; test/unit/symbols.test.ts re-derives it):
 * skipping every expression subtree takes the symbol pass over the stdlib from ~4.9 s to a fraction of that.
 * The other grammars nest declarations in expressions (callbacks, anonymous classes) and are walked whole.
 */
export const PYTHON_DECLARATION_HOLDERS: ReadonlySet<string> = new Set([
  'module',
  'block',
  'decorated_definition',
  'class_definition',
  'function_definition',
  'if_statement',
  'elif_clause',
  'else_clause',
  'for_statement',
  'while_statement',
  'try_statement',
  'except_clause',
  'finally_clause',
  'with_statement',
  'match_statement',
  'case_clause',
  'ERROR',
]);

const HOLDERS: Partial<Record<LanguageId, ReadonlySet<string>>> = { python: PYTHON_DECLARATION_HOLDERS };

/**
 * Walks with a TreeCursor rather than `namedChildren`: with the native binding every materialised node
 * crosses the N-API boundary, and a cursor walk of a whole file is several times cheaper (README, notes).
 */
export function codeSymbols(lang: Exclude<LanguageId, 'sql' | 'yaml'>, root: Parser.SyntaxNode): CodeSymbol[] {
  const rules = RULES[lang];
  const holders = HOLDERS[lang];
  const out: CodeSymbol[] = [];
  const cursor = root.walk();
  const visitChildren = (
    into: CodeSymbol[],
    parentKind: SymbolKind | undefined,
    skipStart: number,
    skipType: string,
    depth: number,
  ) => {
    if (depth > MAX_DEPTH || !cursor.gotoFirstChild()) return;
    do {
      if (!cursor.nodeIsNamed) continue;
      const type = cursor.nodeType;
      if (type === skipType && cursor.startIndex === skipStart) {
        // The declaration a wrapper (decorator, export, const) unwrapped to: its body, not itself again.
        visitChildren(into, parentKind, -1, '', depth + 1);
        continue;
      }
      if (rules[type]) {
        const sym = symbolFor(cursor.currentNode, rules, parentKind);
        if (sym) {
          into.push(sym.symbol);
          const unwrapped = sym.body.startIndex !== cursor.startIndex || sym.body.type !== type;
          visitChildren(
            sym.symbol.children,
            sym.symbol.kind,
            unwrapped ? sym.body.startIndex : -1,
            unwrapped ? sym.body.type : '',
            depth + 1,
          );
          continue;
        }
      }
      if (holders ? holders.has(type) : !OPAQUE.has(type))
        visitChildren(into, parentKind, skipStart, skipType, depth + 1);
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  visitChildren(out, undefined, -1, '', 0);
  return out;
}

function symbolFor(
  node: Parser.SyntaxNode,
  rules: Record<string, Rule>,
  parentKind: SymbolKind | undefined,
): { symbol: CodeSymbol; body: Parser.SyntaxNode } | undefined {
  const rule = rules[node.type];
  if (!rule) return undefined;
  let decl = node;
  let kind = rule.kind;
  if (rule.unwrap) {
    const inner = rule.unwrap(node);
    if (!inner) return undefined;
    const innerRule = rules[inner.type];
    if (innerRule) kind = innerRule.kind;
    decl = inner;
  }
  const nameNode = (rule.name ?? byField('name'))(decl);
  if (!nameNode || nameNode.hasError || nameNode.text.length === 0) return undefined;
  if (kind === 'function' && parentKind && CONTAINERS.has(parentKind)) kind = 'method';
  const symbol: CodeSymbol = {
    name: nameNode.text,
    kind,
    span: spanOf(node),
    selection: spanOf(nameNode),
    children: [],
  };
  return { symbol, body: decl };
}
