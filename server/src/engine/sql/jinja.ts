/**
 * The one Jinja scanner for dbt SQL: finds `{{ … }}`, `{% … %}` and `{# … #}` blocks and neutralises them with
 * every offset and line kept, so tree-sitter, the lineage reader and the DAG anchors see plain SQL of one layout.
 */
export interface JinjaBlock {
  kind: 'expression' | 'statement' | 'comment';
  start: number;
  end: number; // exclusive
  /** The inner text, e.g. "ref('orders')" (whitespace-control `-` / `+` and surrounding spaces trimmed). */
  inner: string;
}

export interface NeutralisedSql {
  text: string;
  blocks: JinjaBlock[];
  /** Blocks that had no closing delimiter: the rest of the file was blanked from there. */
  unterminated: boolean;
}

const OPEN: Record<string, { close: string; kind: JinjaBlock['kind'] }> = {
  '{{': { close: '}}', kind: 'expression' },
  '{%': { close: '%}', kind: 'statement' },
  '{#': { close: '#}', kind: 'comment' },
};

export function hasJinja(text: string): boolean {
  return /\{[{%#]/.test(text);
}

/** The Jinja block opening at offset i, if one does; an unclosed block runs to the end of the text. */
export function jinjaBlockAt(text: string, i: number): (JinjaBlock & { closed: boolean }) | undefined {
  const open = OPEN[text.slice(i, i + 2)];
  if (!open) return undefined;
  const close = text.indexOf(open.close, i + 2);
  const end = close < 0 ? text.length : close + 2;
  const inner = text.slice(i + 2, close < 0 ? end : close).replace(/^[-+]?\s*|\s*[-+]?$/g, '');
  return { kind: open.kind, start: i, end, inner, closed: close >= 0 };
}

/** Every Jinja block of a text, in order. */
export function scanJinja(text: string): { blocks: JinjaBlock[]; unterminated: boolean } {
  const blocks: JinjaBlock[] = [];
  let unterminated = false;
  for (let i = 0; i < text.length - 1;) {
    const b = jinjaBlockAt(text, i);
    if (!b) {
      i++;
      continue;
    }
    blocks.push({ kind: b.kind, start: b.start, end: b.end, inner: b.inner });
    if (!b.closed) unterminated = true;
    i = b.end;
  }
  return { blocks, unterminated };
}

/**
 * Jinja neutralised for tree-sitter: each `{{ … }}` becomes an identifier of the same length (so
 * `from {{ ref('x') }}` still parses as a table reference), `{% … %}` and `{# … #}` become spaces.
 */
export function neutraliseJinja(text: string): NeutralisedSql {
  if (!hasJinja(text)) return { text, blocks: [], unterminated: false };
  const { blocks, unterminated } = scanJinja(text);
  const name = (b: JinjaBlock, _i: number, len: number) =>
    b.kind === 'expression' ? ('__dbt' + '_'.repeat(len)).slice(0, len) : undefined;
  return { text: rewrite(text, blocks, name), blocks, unterminated };
}

/**
 * Jinja neutralised for the lineage reader: each `{{ … }}` becomes a distinct identifier `__dbtN___` (so a
 * placeholder seen in a FROM or in column lineage maps back to block N, see `resolvePlaceholder`);
 * `{{ config(…) }}`, `{% … %}` and `{# … #}` become blanks.
 */
export function indexedPlaceholders(s: { text: string; jinja: JinjaBlock[] }): string {
  return rewrite(s.text, s.jinja, (b, i, len) => {
    if (b.kind !== 'expression' || /^config\s*\(/.test(b.inner)) return undefined;
    const id = `__dbt${i}_`;
    return len >= id.length ? id + '_'.repeat(len - id.length) : '_'.repeat(len);
  });
}

/** The asset a `__dbtN_` placeholder stands for, given what each block (by start offset) resolved to. */
export function resolvePlaceholder(
  table: string,
  jinja: JinjaBlock[],
  byBlock: Map<number, string>,
): string | undefined {
  const m = /^__dbt(\d+)_/.exec(table);
  const block = m ? jinja[Number(m[1])] : undefined;
  return block ? byBlock.get(block.start) : undefined;
}

/** The model or table a `ref('m')` / `ref('pkg', 'm')` / `source('s', 't')` expression names ('' when none). */
export function refTarget(inner: string): string {
  const ref = /\b(?:ref|source)\s*\(([^)]*)\)/.exec(inner);
  return ref
    ? ref[1]
        .split(',')
        .pop()!
        .trim()
        .replace(/^['"]|['"]$/g, '')
    : '';
}

/**
 * Replaces each block by a name on its first line (`nameFor` gets that line's length; undefined blanks it) and
 * spaces after it, newlines kept.
 */
type NameFor = (b: JinjaBlock, i: number, len: number) => string | undefined;
function rewrite(text: string, blocks: JinjaBlock[], nameFor: NameFor): string {
  let out = '';
  let last = 0;
  blocks.forEach((b, i) => {
    out += text.slice(last, b.start);
    const raw = text.slice(b.start, b.end);
    const nl = raw.search(/[\n\r]/);
    const head = nl < 0 ? raw.length : nl;
    const name = nameFor(b, i, head);
    out += name === undefined ? blank(raw) : name + blank(raw.slice(head));
    last = b.end;
  });
  return out + text.slice(last);
}

function blank(raw: string): string {
  return raw.replace(/[^\n\r]/g, ' ');
}
