/**
 * SQL symbols: one per statement (named by what it does and to what), CTEs nested inside.
 * A dbt model file (Jinja refs/sources/config) is one `model` symbol named after the file.
 */
import type Parser from 'tree-sitter';
import type { CodeSymbol } from '../types';
import type { JinjaBlock } from '../sql/jinja';
import { spanOf } from './spans';

const MAX_DEPTH = 200;

/** Statement node type → the verb shown for it. */
const VERBS: Record<string, string> = {
  select: 'SELECT',
  set_operation: 'SELECT',
  insert: 'INSERT INTO',
  create_table: 'CREATE TABLE',
  create_view: 'CREATE VIEW',
  create_materialized_view: 'CREATE MATERIALIZED VIEW',
  update: 'UPDATE',
  delete: 'DELETE FROM',
  merge: 'MERGE INTO',
  drop_table: 'DROP TABLE',
  drop_view: 'DROP VIEW',
  alter_table: 'ALTER TABLE',
  create_schema: 'CREATE SCHEMA',
  create_function: 'CREATE FUNCTION',
};

export function sqlSymbols(root: Parser.SyntaxNode, jinja: JinjaBlock[], fileName?: string): CodeSymbol[] {
  const found: StatementSymbol[] = [];
  collectStatements(root, found, 0);
  const statements = found.map((f) => f.symbol);
  const isDbtModel = fileName !== undefined && jinja.some((b) => /\b(ref|source|config)\s*\(/.test(b.inner));
  if (!isDbtModel || statements.length === 0) return statements;
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.sql$/i, '');
  const whole = spanOf(root);
  const nameSpan = statements[0].selection;
  return [
    {
      name: base,
      kind: 'model',
      span: whole,
      selection: nameSpan,
      detail: 'dbt model',
      // A model reads best flat: its CTEs, then the final query (the statement minus its WITH clause).
      children: found.flatMap(({ symbol, body }) =>
        symbol.children.length && body
          ? [...symbol.children, { ...symbol, span: spanOf(body), selection: spanOf(firstToken(body)), children: [] }]
          : [symbol],
      ),
    },
  ];
}

interface StatementSymbol {
  symbol: CodeSymbol;
  /** The statement's main clause (after any WITH … CTEs). */
  body: Parser.SyntaxNode | undefined;
}

function collectStatements(node: Parser.SyntaxNode, out: StatementSymbol[], depth: number) {
  if (depth > MAX_DEPTH) return;
  for (const child of node.namedChildren) {
    if (child.type === 'statement') out.push(statementSymbol(child));
    // Statements that follow a syntax error sit inside the ERROR node: keep them.
    else if (child.type === 'ERROR') collectStatements(child, out, depth + 1);
  }
}

function statementSymbol(stmt: Parser.SyntaxNode): StatementSymbol {
  const body = stmt.namedChildren.find((c) => c.type !== 'keyword_with' && c.type !== 'cte' && c.type !== 'comment');
  const verb = (body && VERBS[body.type]) ?? (body ? body.type.replace(/_/g, ' ').toUpperCase() : 'STATEMENT');
  const target = body ? targetOf(body) : undefined;
  const name = target ? `${verb} ${target.text}` : verb;
  const children: CodeSymbol[] = [];
  collectCtes(stmt, children, 0);
  const symbol: CodeSymbol = {
    name,
    kind: 'statement',
    span: spanOf(stmt),
    selection: spanOf(target ?? firstToken(stmt)),
    children,
  };
  return { symbol, body };
}

function targetOf(body: Parser.SyntaxNode): Parser.SyntaxNode | undefined {
  if (body.type === 'select' || body.type === 'set_operation') return undefined;
  return body.namedChildren.find((c) => c.type === 'object_reference');
}

function firstToken(node: Parser.SyntaxNode): Parser.SyntaxNode {
  let n = node;
  while (n.childCount > 0 && n.firstChild) n = n.firstChild;
  return n;
}

function collectCtes(node: Parser.SyntaxNode, out: CodeSymbol[], depth: number) {
  if (depth > MAX_DEPTH) return;
  for (const child of node.namedChildren) {
    if (child.type === 'cte') {
      const nameNode = child.namedChildren.find((c) => c.type === 'identifier');
      const sym: CodeSymbol = {
        name: nameNode?.text ?? '(cte)',
        kind: 'cte',
        span: spanOf(child),
        selection: spanOf(nameNode ?? child),
        children: [],
      };
      out.push(sym);
      collectCtes(child, sym.children, depth + 1);
    } else {
      collectCtes(child, out, depth + 1);
    }
  }
}
