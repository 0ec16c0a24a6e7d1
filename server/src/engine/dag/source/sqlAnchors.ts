/**
 * SQL clause localiser: finds, per query block, the FROM/JOIN table references, the WHERE/HAVING/ON
 * predicates (split into atoms at AND/OR, BETWEEN kept whole), GROUP BY (with ROLLUP/CUBE/GROUPING
 * SETS), ORDER BY, LIMIT, OVER(…), UNION/INTERSECT/EXCEPT and the select items, with exact lines.
 * Token-level on purpose: it has to work on every file, including the ones tree-sitter only parses
 * with ERROR nodes (several TPC-DS queries) and dbt models full of Jinja.
 */
import type { Anchor, SourceUnit, Term } from './anchors';
import { ANCHOR_CLAUSES as CLAUSE_WORDS, JOIN_WORDS, NOT_ALIAS, SQL_WORDS } from '../../sql/keywords';
import { anchorTokens, type Token } from './anchorTokens';

interface OpenBlock {
  id: number;
  depth: number;
  clause: string;
  /** Index of the block's `select` token. */
  start: number;
}

export function sqlUnit(file: string, text: string, unitName: string, lineOffset = 0): SourceUnit {
  const tokens = anchorTokens(text, lineOffset);
  const unit: SourceUnit = { file, anchors: [], blocks: [], bag: new Map(), unitName };
  for (const t of tokens) if (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string' || t.kind === 'number') unit.bag.set(t.lower, (unit.bag.get(t.lower) ?? 0) + 1);
  addSqlAnchors(unit, tokens);
  return unit;
}

const term = (tok: Token): Term => ({ t: tok.lower, line: tok.line + 1 });
const isName = (tok: Token | undefined): tok is Token => !!tok && (tok.kind === 'word' || tok.kind === 'quoted');

export function addSqlAnchors(unit: SourceUnit, tokens: Token[]): void {
  const blocks = unit.blocks;
  const anchors = unit.anchors;
  const stack: OpenBlock[] = [];
  let depth = 0;
  let pendingCte: string | undefined;
  /** Set after a UNION: the anchor waiting for its right-hand block. */
  let pendingUnion: Anchor | undefined;
  let atom: { tokens: Token[]; clause: string; block: number; between: boolean } | undefined;
  let expectTable = false;
  let groupAnchor: Anchor | undefined;
  let orderAnchor: Anchor | undefined;
  let item: { tokens: Token[]; block: number } | undefined;
  const windows: Array<{ anchor: Anchor; depth: number }> = [];

  const top = () => stack[stack.length - 1];
  const flushAtom = () => {
    if (atom && atom.tokens.length) {
      const words = atom.tokens.filter((t) => isName(t) && !SQL_WORDS.has(t.lower)).map(term);
      const literals = atom.tokens.filter((t) => t.kind === 'string' || t.kind === 'number').map(term);
      anchors.push({
        kind: 'predicate', clause: atom.clause, block: atom.block, words, literals,
        eq: atom.tokens.some((t) => t.kind === 'op' && (t.text === '=' || t.text === '==' || t.text === '<=>')),
        startLine: atom.tokens[0].line + 1, endLine: atom.tokens[atom.tokens.length - 1].endLine + 1,
      });
    }
    atom = undefined;
  };
  const flushItem = () => {
    if (item && item.tokens.length) {
      const toks = item.tokens;
      const last = toks[toks.length - 1];
      const prev = toks[toks.length - 2];
      const alias = isName(last) && toks.length > 1 && (prev?.lower === 'as' || prev?.kind === 'rparen' || isName(prev)) ? last.lower : undefined;
      anchors.push({
        kind: 'select', block: item.block, name: alias,
        words: toks.filter((t) => isName(t) && !SQL_WORDS.has(t.lower)).map(term),
        literals: toks.filter((t) => t.kind === 'string' || t.kind === 'number').map(term),
        startLine: toks[0].line + 1, endLine: last.endLine + 1,
      });
    }
    item = undefined;
  };
  const closeClause = () => {
    flushAtom();
    flushItem();
    expectTable = false;
    groupAnchor = undefined;
    orderAnchor = undefined;
  };
  const popBlock = (endTok: Token | undefined, i: number) => {
    closeClause();
    const b = stack.pop()!;
    blocks[b.id].endLine = (endTok ?? tokens[i]).line + 1;
    // `(select …) alias`: the derived table's name.
    let j = i + 1;
    if (tokens[j]?.lower === 'as') j++;
    if (!blocks[b.id].name && isName(tokens[j]) && !NOT_ALIAS.has(tokens[j].lower)) blocks[b.id].name = tokens[j].lower;
  };

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const cur = top();
    if (tok.kind === 'lparen') {
      depth++;
      if (cur && cur.clause === 'from' && expectTable) expectTable = false;
      if (tokens[i - 1]?.lower === 'over') {
        const a: Anchor = { kind: 'window', block: cur?.id ?? 0, words: [], literals: [], startLine: tokens[i - 1].line + 1, endLine: tok.line + 1 };
        anchors.push(a);
        windows.push({ anchor: a, depth });
      }
      if (atom) atom.tokens.push(tok);
      continue;
    }
    if (tok.kind === 'rparen') {
      for (const w of windows) if (w.depth === depth) { w.anchor.endLine = tok.line + 1; w.depth = -1; }
      depth--;
      while (top() && top().depth > depth) popBlock(tokens[i], i);
      if (atom) atom.tokens.push(tok);
      if (item) item.tokens.push(tok);
      continue;
    }
    if (tok.kind === 'semi') {
      while (stack.length) popBlock(tok, i);
      depth = 0;
      continue;
    }
    for (const w of windows) if (w.depth > 0 && depth >= w.depth) {
      if (isName(tok) && !SQL_WORDS.has(tok.lower)) w.anchor.words.push(term(tok));
      w.anchor.endLine = Math.max(w.anchor.endLine, tok.endLine + 1);
    }
    const lower = tok.kind === 'word' ? tok.lower : '';
    const atBlockDepth = cur && depth === cur.depth;

    if (lower === 'with' && (!cur || atBlockDepth)) { pendingCte = undefined; continue; }
    // `name AS (` before a SELECT at the next depth: a CTE.
    if (isName(tok) && tokens[i + 1]?.lower === 'as' && tokens[i + 2]?.kind === 'lparen' && (tokens[i + 3]?.lower === 'select' || tokens[i + 3]?.lower === 'with')) pendingCte = tok.lower;

    if (lower === 'select') {
      let opener: Anchor | undefined;
      if (cur && depth === cur.depth) {
        // A sibling after UNION: close the left-hand block.
        popBlock(tok, i - 1);
      } else {
        // A select inside a predicate (`x = (select …`, `x in (select …`, `exists (select …`) ends that predicate.
        const before = anchors.length;
        closeClause();
        opener = anchors.slice(before).find((a) => a.kind === 'predicate');
      }
      const parent = top()?.id ?? null;
      const parentClause = top()?.clause;
      const id = blocks.length;
      const kind = pendingCte ? 'cte' : parent === null ? 'main' : parentClause === 'from' ? 'derived' : 'subquery';
      blocks.push({ name: pendingCte, kind, parent, tables: [], startLine: tok.line + 1, endLine: tok.line + 1 });
      if (opener && kind === 'subquery') opener.subquery = id;
      pendingCte = undefined;
      stack.push({ id, depth, clause: 'select', start: i });
      if (pendingUnion) {
        pendingUnion.block = parent ?? id;
        pendingUnion.sides!.push(id);
        pendingUnion = undefined;
      }
      if (tokens[i + 1]?.lower === 'distinct') anchors.push({ kind: 'distinct', block: id, words: [], literals: [], startLine: tok.line + 1, endLine: tokens[i + 1].line + 1 });
      item = { tokens: [], block: id };
      continue;
    }
    if (!cur) continue;

    if (atBlockDepth && JOIN_WORDS.has(lower) && lower !== 'join' && startsJoin(tokens, i)) {
      closeClause();
      cur.clause = 'from';
      continue;
    }
    if (atBlockDepth && CLAUSE_WORDS.has(lower)) {
      const next = tokens[i + 1]?.lower;
      if (lower === 'union' || lower === 'intersect' || lower === 'except' || lower === 'minus') {
        closeClause();
        // The block that follows gets id blocks.length (after the left block is popped by its SELECT).
        pendingUnion = { kind: 'union', name: lower, block: cur.id, sides: [cur.id], words: [], literals: [], startLine: tok.line + 1, endLine: (next === 'all' || next === 'distinct' ? tokens[i + 1].line : tok.line) + 1 };
        anchors.push(pendingUnion);
        cur.clause = 'union';
        continue;
      }
      if (lower === 'join') { closeClause(); cur.clause = 'from'; expectTable = true; continue; }
      if (lower === 'from' || lower === 'where' || lower === 'having' || lower === 'on' || lower === 'qualify' || lower === 'using' || lower === 'limit' || lower === 'window') {
        closeClause();
        cur.clause = lower;
        if (lower === 'from') expectTable = true;
        if (lower === 'where' || lower === 'having' || lower === 'on' || lower === 'qualify' || lower === 'using') atom = { tokens: [], clause: lower, block: cur.id, between: false };
        if (lower === 'limit') anchors.push({ kind: 'limit', block: cur.id, words: [], literals: tokens[i + 1] ? [term(tokens[i + 1])] : [], startLine: tok.line + 1, endLine: (tokens[i + 1] ?? tok).line + 1 });
        continue;
      }
      if ((lower === 'group' || lower === 'order' || lower === 'sort' || lower === 'cluster' || lower === 'distribute') && next === 'by') {
        closeClause();
        cur.clause = lower === 'group' ? 'group' : 'order';
        const a: Anchor = { kind: lower === 'group' ? 'group' : 'order', block: cur.id, words: [], literals: [], startLine: tok.line + 1, endLine: tokens[i + 1].line + 1 };
        anchors.push(a);
        if (lower === 'group') groupAnchor = a;
        else orderAnchor = a;
        i++;
        continue;
      }
      if (lower === 'lateral') {
        closeClause();
        cur.clause = 'lateral';
        anchors.push({ kind: 'generate', block: cur.id, words: [], literals: [], startLine: tok.line + 1, endLine: tok.line + 1 });
        continue;
      }
    }

    switch (cur.clause) {
      case 'select':
        if (atBlockDepth && tok.kind === 'comma') { flushItem(); item = { tokens: [], block: cur.id }; }
        else if (lower !== 'distinct' || item?.tokens.length) (item ??= { tokens: [], block: cur.id }).tokens.push(tok);
        break;
      case 'from':
        if (atBlockDepth && tok.kind === 'comma') { expectTable = true; break; }
        if (expectTable && isName(tok) && !NOT_ALIAS.has(tok.lower)) {
          let j = i;
          while (tokens[j + 1]?.kind === 'dot' && isName(tokens[j + 2])) j += 2;
          const name = tokens[j].lower;
          blocks[cur.id].tables.push(name);
          const words: Term[] = [term(tokens[j])];
          let k = j + 1;
          if (tokens[k]?.lower === 'as') k++;
          if (isName(tokens[k]) && !NOT_ALIAS.has(tokens[k].lower)) words.push(term(tokens[k]));
          anchors.push({ kind: 'table', name, block: cur.id, words, literals: [], startLine: tok.line + 1, endLine: tokens[j].endLine + 1 });
          expectTable = false;
          i = j;
        }
        break;
      case 'where': case 'having': case 'on': case 'qualify': case 'using':
        if (atBlockDepth && tok.kind === 'comma' && (cur.clause === 'on' || cur.clause === 'using')) {
          // `a join b on (…), c`: the comma starts the next FROM item.
          flushAtom();
          cur.clause = 'from';
          expectTable = true;
          break;
        }
        if (!atom) atom = { tokens: [], clause: cur.clause, block: cur.id, between: false };
        if (lower === 'between') atom.between = true;
        if ((lower === 'and' && !atom.between) || lower === 'or') { flushAtom(); atom = { tokens: [], clause: cur.clause, block: cur.id, between: false }; break; }
        if (lower === 'and') atom.between = false;
        atom.tokens.push(tok);
        break;
      case 'group':
        if (groupAnchor) {
          if (lower === 'rollup' || lower === 'cube' || (lower === 'grouping' && tokens[i + 1]?.lower === 'sets')) {
            anchors.push({ kind: 'rollup', name: lower, block: cur.id, words: [], literals: [], startLine: tok.line + 1, endLine: tok.line + 1 });
          }
          if (isName(tok) && !SQL_WORDS.has(lower)) groupAnchor.words.push(term(tok));
          if (tok.kind === 'number') groupAnchor.literals.push(term(tok));
          groupAnchor.endLine = Math.max(groupAnchor.endLine, tok.endLine + 1);
        }
        break;
      case 'order':
        if (orderAnchor) {
          if (isName(tok) && !SQL_WORDS.has(lower)) orderAnchor.words.push(term(tok));
          if (tok.kind === 'number') orderAnchor.literals.push(term(tok));
          orderAnchor.endLine = Math.max(orderAnchor.endLine, tok.endLine + 1);
        }
        break;
      default:
        break;
    }
  }
  while (stack.length) popBlock(tokens[tokens.length - 1], tokens.length - 1);
  // Rollup anchors hold the grouping words too (they are the same clause).
  for (const a of anchors) {
    if (a.kind === 'rollup') {
      const g = anchors.find((x) => x.kind === 'group' && x.block === a.block && x.startLine <= a.startLine && x.endLine >= a.startLine);
      if (g) a.words = g.words.filter((w) => w.line >= a.startLine);
    }
  }
}

/** `left outer join`, `cross join`, …: join words running into JOIN (not `left(` the function). */
function startsJoin(tokens: Token[], i: number): boolean {
  for (let j = i; j < tokens.length && j < i + 4; j++) {
    if (tokens[j].lower === 'join') return true;
    if (!JOIN_WORDS.has(tokens[j].lower)) return false;
  }
  return false;
}
