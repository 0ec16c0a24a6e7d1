/**
 * Neutralises Jinja in dbt SQL so tree-sitter sees plain SQL, with every line and column kept:
 * each `{{ … }}` becomes an identifier of the same length (so `from {{ ref('x') }}` still parses as a
 * table reference), `{% … %}` and `{# … #}` become spaces. Newlines inside a block are kept.
 */
export interface JinjaBlock {
  kind: 'expression' | 'statement' | 'comment';
  start: number;
  end: number; // exclusive
  /** The inner text, e.g. "ref('orders')". */
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

export function neutraliseJinja(text: string): NeutralisedSql {
  if (!hasJinja(text)) return { text, blocks: [], unterminated: false };
  const out: string[] = [];
  const blocks: JinjaBlock[] = [];
  let i = 0;
  let last = 0;
  let unterminated = false;
  while (i < text.length - 1) {
    const open = OPEN[text.slice(i, i + 2)];
    if (!open) { i++; continue; }
    let end = text.indexOf(open.close, i + 2);
    if (end < 0) { unterminated = true; end = text.length; } else end += 2;
    out.push(text.slice(last, i));
    const raw = text.slice(i, end);
    out.push(open.kind === 'expression' ? placeholder(raw) : blank(raw));
    const innerEnd = unterminated ? end : end - 2;
    blocks.push({ kind: open.kind, start: i, end, inner: text.slice(i + 2, innerEnd).replace(/^[-+]?\s*|\s*[-+]?$/g, '') });
    i = last = end;
  }
  out.push(text.slice(last));
  return { text: out.join(''), blocks, unterminated };
}

function blank(raw: string): string {
  return raw.replace(/[^\n\r]/g, ' ');
}

/** An identifier as long as the block (multi-line blocks keep their newlines and blank the rest). */
function placeholder(raw: string): string {
  if (/[\n\r]/.test(raw)) {
    const firstLine = raw.search(/[\n\r]/);
    return ident(firstLine) + blank(raw.slice(firstLine));
  }
  return ident(raw.length);
}

function ident(len: number): string {
  if (len <= 0) return '';
  return ('__dbt' + '_'.repeat(Math.max(0, len))).slice(0, len);
}
