/** Chat answers are model output: the markdown renderer must keep them inert and still readable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { requireCorpora } from '../helpers';
import { renderMarkdown } from '../../media/src/shared/markdown';

function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

test('raw HTML from the model is shown as text, never as markup', () => {
  const html = renderMarkdown(
    'Done. <script>alert(1)</script><img src=x onerror="alert(2)"> <iframe src="https://evil.example"></iframe>\n\n<div onclick="x()">hi</div>',
  );
  assert.doesNotMatch(html, /<(script|img|iframe|div)\b/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /&lt;div onclick=/);
});

test('only http(s) links become links; script, data and file links stay text', () => {
  const html = renderMarkdown(
    '[a](javascript:alert(1)) [b](data:text/html;base64,PHNjcmlwdD4=) [c](file:///etc/passwd) [d](vbscript:x) [docs](https://spark.apache.org/docs/latest/)',
  );
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs, ['https://spark.apache.org/docs/latest/']);
  assert.match(html, /rel="noopener noreferrer"/);
  assert.match(html, /\[a\]\(javascript:alert\(1\)\)/);
});

test('images never load: they become a link or their alt text', () => {
  const html = renderMarkdown('![plan](https://example.com/plan.png) ![local](file:///tmp/x.png)');
  assert.doesNotMatch(html, /<img/i);
  assert.match(html, /<a href="https:\/\/example.com\/plan.png">plan<\/a>/);
  assert.match(html, /local/);
});

test('a real TPC-DS query in a fenced block is highlighted and its text kept exactly', () => {
  const sql = readFileSync(path.join(requireCorpora(), 'spark-tpcds/spark3/queries/query03.sql'), 'utf8');
  const html = renderMarkdown(`Query 3 reads these tables:\n\n\`\`\`sql\n${sql}\n\`\`\`\n`);
  assert.match(html, /<pre class="hljs language-sql"><code>/);
  assert.match(html, /<span class="hljs-keyword">(select|SELECT)<\/span>/);
  const code = /<code>([\s\S]*)<\/code>/.exec(html)?.[1] ?? '';
  assert.equal(textOf(code), `${sql}\n`);
});

test('a code fence info string cannot inject markup; unknown languages are escaped plainly', () => {
  const html = renderMarkdown('```sql" onmouseover="alert(1)\n<b>bold</b>\n```\n\n```klingon\n<i>x</i>\n```');
  assert.doesNotMatch(html, /onmouseover="/);
  assert.doesNotMatch(html, /<(b|i)>/);
  assert.equal((html.match(/<pre class="hljs">/g) ?? []).length, 2);
});

test('a half-streamed answer (open fence, dangling emphasis) still renders safely', () => {
  const html = renderMarkdown('The model **`orders` feeds\n\n```python\ndf = spark.table("sales")\n');
  assert.match(html, /<pre class="hljs language-python">/);
  assert.match(textOf(html), /spark\.table\("sales"\)/);
});

test('citation markers in an answer link to the citations, never inside code or past the last citation', () => {
  const html = renderMarkdown(
    'Orders come from staging [1][2], see [3].\n\n`rows[1]`\n\n```python\nx = rows[2]\n```',
    2,
  );
  assert.equal([...html.matchAll(/<a href="#" class="dl-cite" data-cite="(\d)"/g)].map((m) => m[1]).join(','), '1,2');
  assert.match(html, /see \[3\]\./, 'no citation 3: plain text');
  assert.match(html, /<code>rows\[1\]<\/code>/);
  assert.ok(!/dl-cite[^>]*>\[2\]<\/a>\n<\/code>/.test(html));
  assert.doesNotMatch(renderMarkdown('streaming [1]'), /dl-cite/, 'no citations yet: no links');
});
