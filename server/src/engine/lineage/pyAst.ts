/**
 * Small readers of the tree-sitter Python tree the lineage extractor needs: string expressions (with their
 * run-time parts as `{…}` placeholders), keyword arguments, and method-call chains.
 */
import type Parser from 'tree-sitter';

type Node = Parser.SyntaxNode;

export function isStringy(n: Node): boolean {
  if (n.type === 'string' || n.type === 'concatenated_string') return true;
  if (n.type === 'binary_operator' && n.childForFieldName('operator')?.text === '+') {
    return isStringy(n.childForFieldName('left')!) || isStringy(n.childForFieldName('right')!);
  }
  if (n.type === 'binary_operator' && n.childForFieldName('operator')?.text === '%')
    return isStringy(n.childForFieldName('left')!);
  if (n.type === 'call') {
    const f = n.childForFieldName('function');
    return (
      f?.type === 'attribute' &&
      f.childForFieldName('attribute')?.text === 'format' &&
      isStringy(f.childForFieldName('object')!)
    );
  }
  return false;
}

/**
 * The text of a string expression with run-time parts as `{…}` placeholders. `contentStart` maps offsets in
 * `value` back to the file when `mappable` (one literal without escapes, or literals joined with blanks).
 */
export function stringText(n: Node): { value: string; dynamic: boolean; contentStart: number; mappable: boolean } {
  if (n.type === 'binary_operator' && n.childForFieldName('operator')?.text === '+') {
    // "s3://x/" + name: literal parts kept, the rest a placeholder.
    const piece = (x: Node) =>
      isStringy(x)
        ? stringText(x)
        : { value: `{${x.text}}`, dynamic: true, contentStart: x.startIndex, mappable: false };
    const l = piece(n.childForFieldName('left')!);
    const r = piece(n.childForFieldName('right')!);
    return { value: l.value + r.value, dynamic: true, contentStart: l.contentStart, mappable: false };
  }
  if (n.type === 'binary_operator') {
    const r = stringText(n.childForFieldName('left')!);
    return { ...r, value: r.value.replace(/%(\([^)]*\))?[sdif]/g, (m) => `{${m}}`), dynamic: true };
  }
  if (n.type === 'call') {
    const r = stringText(n.childForFieldName('function')!.childForFieldName('object')!);
    return { ...r, dynamic: r.dynamic || /\{[^}]*\}/.test(r.value) };
  }
  const parts = n.type === 'concatenated_string' ? n.namedChildren.filter((c) => c.type === 'string') : [n];
  if (!parts.length) return { value: '', dynamic: false, contentStart: n.startIndex, mappable: false };
  let value = '';
  let dynamic = false;
  let mappable = true;
  let prevEnd = -1;
  const contentStart = contentOf(parts[0]).start;
  for (const p of parts) {
    const c = contentOf(p);
    if (prevEnd >= 0) value += ' '.repeat(Math.max(1, c.start - prevEnd));
    const raw = p.text.slice(c.start - p.startIndex, c.end - p.startIndex);
    if (/\\./.test(raw) && !/^[rR]/.test(p.text)) mappable = false;
    if (p.namedChildren.some((x) => x.type === 'interpolation')) dynamic = true;
    value += raw;
    prevEnd = c.end;
  }
  return { value, dynamic, contentStart, mappable };
}

function contentOf(s: Node): { start: number; end: number } {
  const open = s.namedChildren.find((c) => c.type === 'string_start');
  const close = s.namedChildren.find((c) => c.type === 'string_end');
  return { start: open ? open.endIndex : s.startIndex, end: close ? close.startIndex : s.endIndex };
}

export function kwarg(call: Node, name: string): Node | undefined {
  const args = call.childForFieldName('arguments');
  const kw = args?.namedChildren.find(
    (c) => c.type === 'keyword_argument' && c.childForFieldName('name')?.text === name,
  );
  return kw?.childForFieldName('value') ?? undefined;
}

export function kwargString(call: Node, name: string): string | undefined {
  const v = kwarg(call, name);
  return v && isStringy(v) ? stringText(v).value : undefined;
}

export function dagIdOf(call: Node): string | undefined {
  const v = kwargString(call, 'dag_id');
  if (v) return v;
  const first = call.childForFieldName('arguments')?.namedChildren[0];
  return first && isStringy(first) ? stringText(first).value : undefined;
}

export function stringsIn(n: Node): string[] {
  if (isStringy(n)) return [stringText(n).value];
  return n.namedChildren.filter(isStringy).map((s) => stringText(s).value);
}

/** Attribute names along a receiver chain: spark.read.format("x").option(…) → [spark, read, format, option]. */
export function chainNames(n: Node): string[] {
  const out: string[] = [];
  for (let cur: Node | null = n, guard = 0; cur && guard < 200; guard++) {
    if (cur.type === 'call') cur = cur.childForFieldName('function');
    else if (cur.type === 'attribute') {
      out.unshift(cur.childForFieldName('attribute')?.text ?? '');
      cur = cur.childForFieldName('object');
    } else if (cur.type === 'parenthesized_expression') cur = cur.namedChildren[0] ?? null;
    else {
      out.unshift(cur.text);
      break;
    }
  }
  return out;
}

/** Method names called on a value further up the tree: DeltaTable.forName(…).alias(…).merge(…) → [alias, merge]. */
export function upChain(attr: Node): string[] {
  const out: string[] = [];
  for (let cur: Node | null = attr, guard = 0; cur && guard < 200; guard++) {
    if (cur.type === 'attribute') out.push(cur.childForFieldName('attribute')?.text ?? '');
    else if (cur.type !== 'call') break;
    cur = cur.parent;
  }
  return out;
}

/** `Dataset("uri")` / `Asset("uri")` calls anywhere inside a node (schedules, inlets, outlets). */
export function datasetCalls(n: Node): Array<{ uri: Node }> {
  const out: Array<{ uri: Node }> = [];
  for (const d of n.type === 'call' ? [n, ...n.descendantsOfType('call')] : n.descendantsOfType('call')) {
    if (!/(^|\.)(Dataset|Asset)$/.test(d.childForFieldName('function')?.text ?? '')) continue;
    const s = d.childForFieldName('arguments')?.namedChildren[0];
    if (s && isStringy(s)) out.push({ uri: s });
  }
  return out;
}
