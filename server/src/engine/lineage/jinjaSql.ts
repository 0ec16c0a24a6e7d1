/**
 * dbt SQL for the SQL extractor: each `{{ … }}` becomes a distinct identifier `__dbtN___` of the same length
 * (so offsets and lines are kept and a placeholder seen in a FROM or in column lineage maps back to block N),
 * `{{ config(…) }}`, `{% … %}` and `{# … #}` become blanks.
 */
import type { JinjaBlock } from '../parsing/jinja';

/**
 * Jinja neutralised like parseText does (offsets and lines kept), but each `{{ … }}` becomes a distinct
 * identifier `__dbtN___` so a placeholder seen in column lineage maps back to its block N.
 */
export function neutralisedText(s: { text: string; jinja: JinjaBlock[] }): string {
  let out = '';
  let last = 0;
  s.jinja.forEach((b, i) => {
    out += s.text.slice(last, b.start);
    const raw = s.text.slice(b.start, b.end);
    if (b.kind === 'expression' && /^config\s*\(/.test(b.inner)) out += raw.replace(/[^\n\r]/g, ' ');
    else if (b.kind === 'expression') {
      const nl = raw.search(/[\n\r]/);
      const head = nl < 0 ? raw.length : nl;
      const id = `__dbt${i}_`;
      out += (head >= id.length ? id + '_'.repeat(head - id.length) : '_'.repeat(head)) + raw.slice(head).replace(/[^\n\r]/g, ' ');
    } else out += raw.replace(/[^\n\r]/g, ' ');
    last = b.end;
  });
  return out + s.text.slice(last);
}

export function resolvePlaceholder(table: string, jinja: JinjaBlock[], byBlock: Map<number, string>): string | undefined {
  const m = /^__dbt(\d+)_/.exec(table);
  const block = m ? jinja[Number(m[1])] : undefined;
  return block ? byBlock.get(block.start) : undefined;
}
