import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chunkFile, DEFAULT_LIMITS } from '../../server/src/engine/index/chunker';
import { tokenize } from '../../server/src/engine/index/tokens';
import { languageOfPath } from '../../server/src/engine/parsing/languages';
import { parseText } from '../../server/src/engine/parsing/parse';
import { symbolsOf } from '../../server/src/engine/symbols';
import { discover } from '../../server/src/engine/workspace/discovery';
import { parseSettings } from '../../server/src/engine/config';
import { CORPORA } from '../helpers';

function chunksOf(rel: string, text: string, limits = DEFAULT_LIMITS) {
  const lang = languageOfPath(rel)!;
  return chunkFile(rel, lang, text, symbolsOf(parseText(lang, text)), limits);
}

test('tokens: identifiers whole and split on snake_case, camelCase and digits; plurals folded', () => {
  assert.deepEqual(tokenize('getUserId(order_items) HTTPServer2'), [
    'getuserid',
    'get',
    'user',
    'id',
    'order_item',
    'order',
    'item',
    'httpserver2',
    'http',
    'server',
  ]);
  assert.deepEqual(tokenize('select * from {{ ref("orders") }}'), ['select', 'from', 'ref', 'order']);
});

test('every corpus file: chunks cover every non-blank line, with offsets, lines and text that agree', async () => {
  const { files } = await discover(CORPORA, parseSettings({}).settings);
  assert.ok(files.length > 150, `expected the shared corpora, found ${files.length} files`);
  let total = 0;
  for (const f of files) {
    const text = readFileSync(f.path, 'utf8');
    const chunks = chunksOf(f.rel, text);
    total += chunks.length;
    const lines = text.split(/\r\n|\r|\n/);
    const lineStart: number[] = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStart.push(i + 1);
    const covered = new Uint8Array(lines.length + 2);
    for (const c of chunks) {
      assert.equal(c.text, text.slice(c.startOffset, c.endOffset), `${f.rel}: text is the slice of its offsets`);
      assert.ok(
        c.startLine >= 1 && c.endLine >= c.startLine && c.endLine <= lines.length,
        `${f.rel}: ${c.name} lines ${c.startLine}-${c.endLine}`,
      );
      // The 1-based start line is the line holding startOffset.
      assert.ok(
        lineStart[c.startLine - 1] <= c.startOffset &&
          (c.startLine === lineStart.length || c.startOffset < lineStart[c.startLine]),
        `${f.rel}: ${c.name} start line`,
      );
      assert.ok(
        c.endLine - c.startLine < DEFAULT_LIMITS.maxLines && c.text.length <= DEFAULT_LIMITS.maxChars,
        `${f.rel}: ${c.name} within limits`,
      );
      for (let l = c.startLine; l <= c.endLine; l++) covered[l] = 1;
    }
    lines.forEach((line, i) => {
      if (line.trim())
        assert.equal(covered[i + 1], 1, `${f.rel}:${i + 1} is in no chunk: ${JSON.stringify(line.slice(0, 60))}`);
    });
  }
  assert.ok(total > files.length, 'more chunks than files');
});

test('a class keeps its own lines; its methods are their own chunks with the class as container', () => {
  const rel = 'pyspark/pyspark-example-project/dependencies/logging.py';
  const text = readFileSync(path.join(CORPORA, rel), 'utf8');
  const chunks = chunksOf(rel, text);
  const cls = chunks.filter((c) => c.kind === 'class' && c.name === 'Log4j');
  assert.ok(cls.length >= 1);
  assert.match(cls[0].text, /^class Log4j/);
  const methods = chunks.filter((c) => c.kind === 'method');
  assert.deepEqual(
    methods.map((m) => m.name),
    ['__init__', 'error', 'warn', 'info'],
  );
  for (const m of methods) {
    assert.deepEqual(m.container, ['Log4j']);
    assert.match(m.text, new RegExp(`^def ${m.name}\\(`));
    // The class chunk does not repeat the method bodies.
    for (const c of cls) assert.ok(!c.text.includes(`def ${m.name}(`));
  }
  // The module docstring and imports are file-level code.
  assert.equal(chunks[0].kind, 'code');
  assert.equal(chunks[0].startLine, 1);
});

test('a long symbol is split into overlapping pieces that together cover it', () => {
  const rel = 'pyspark/pyspark-example-project/dependencies/spark.py';
  const text = readFileSync(path.join(CORPORA, rel), 'utf8');
  const limits = { maxLines: 20, overlapLines: 5, maxChars: 6000 };
  const parts = chunksOf(rel, text, limits).filter((c) => c.name === 'start_spark');
  assert.ok(parts.length >= 4, `start_spark (89 lines) in ${parts.length} pieces`);
  parts.forEach((p, i) => {
    assert.equal(p.part, i + 1);
    assert.ok(p.endLine - p.startLine + 1 <= 20);
    if (i > 0) {
      // Pieces start every maxLines - overlapLines lines and overlap the previous one.
      assert.equal(p.startLine - parts[i - 1].startLine, 15);
      assert.ok(parts[i - 1].endLine >= p.startLine + 3, 'consecutive pieces overlap');
    }
  });
  assert.match(parts[0].text, /^def start_spark\(/);
  assert.equal(parts.at(-1)!.endLine, 106);
});

test('dbt SQL: CTEs and the final statement chunked at the positions of the original Jinja text', () => {
  const rel = 'dbt/jaffle-shop/models/marts/orders.sql';
  const text = readFileSync(path.join(CORPORA, rel), 'utf8');
  const chunks = chunksOf(rel, text);
  const ctes = chunks.filter((c) => c.kind === 'cte').map((c) => c.name);
  assert.ok(ctes.includes('orders') && ctes.includes('order_items'), ctes.join());
  const orders = chunks.find((c) => c.kind === 'cte' && c.name === 'orders')!;
  assert.match(orders.text, /\{\{ ref\('stg_orders'\) \}\}/, 'chunk text is the original, Jinja included');
});

test('bad input: a 2 MB single line and a NUL-laden file chunk without throwing, within limits', () => {
  const long = 'x = "' + 'a'.repeat(2_000_000) + '"\n';
  const chunks = chunkFile('long.py', 'python', long, symbolsOf(parseText('python', long)));
  assert.ok(chunks.length > 300);
  assert.ok(chunks.every((c) => c.text.length <= DEFAULT_LIMITS.maxChars && c.startLine === 1));
  assert.equal(chunks.at(-1)!.endOffset, long.length - 1);
  const nul = 'def f():\n    return "\0\0"\n\uFFFD\uFFFD\n';
  assert.ok(chunkFile('nul.py', 'python', nul, symbolsOf(parseText('python', nul))).length >= 1);
});
