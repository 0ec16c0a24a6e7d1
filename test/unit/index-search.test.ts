import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../server/src/engine/engine';
import { Bm25Index } from '../../server/src/engine/index/bm25';
import { CodeIndex } from '../../server/src/engine/index/codeIndex';
import { HashEmbedder } from '../../server/src/engine/index/hashEmbedder';
import { dot } from '../../server/src/engine/index/embedder';
import { ExactVectorIndex, HnswVectorIndex, loadHnsw } from '../../server/src/engine/index/vectorIndex';
import { DEFAULT_HNSW } from '../../server/src/engine/index/vectorIndex';
import { parseText } from '../../server/src/engine/parsing/parse';
import { symbolsOf } from '../../server/src/engine/symbols';
import { CORPORA } from '../helpers';

let engine: Engine;
before(async () => {
  engine = new Engine({ root: CORPORA });
  await engine.workspace.scan();
});

test('search: every hit carries file, symbol, 1-based lines, offsets and text that match the file', async () => {
  const hits = await engine.index.search('extract data from the spark job', { k: 10 });
  assert.equal(hits.length, 10);
  assert.equal(hits[0].name, 'extract_data');
  assert.equal(hits[0].file, 'pyspark/pyspark-example-project/jobs/etl_job.py');
  for (const h of hits) {
    const text = readFileSync(path.join(CORPORA, h.file), 'utf8');
    assert.equal(h.text, text.slice(h.startOffset, h.endOffset));
    const lineOfStart = text.slice(0, h.startOffset).split('\n').length;
    assert.equal(h.startLine, lineOfStart);
    for (const l of h.matchedLines) assert.ok(l >= h.startLine && l <= h.endLine);
  }
  const scores = hits.map((h) => h.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
  );
});

test('search: matched lines are the lines holding a query term', async () => {
  const [hit] = await engine.index.search('spark_logger', { k: 1, mode: 'lexical' });
  const lines = hit.text.split('\n');
  assert.ok(hit.matchedLines.length > 0);
  // Query tokens are code-aware: `spark_logger` also matches its parts.
  for (const l of hit.matchedLines) assert.match(lines[l - hit.startLine], /spark|logger/i);
  assert.ok(hit.matchedLines.some((l) => lines[l - hit.startLine].includes('spark_logger')));
});

test('search: language and path-glob filters restrict hits without emptying them', async () => {
  const sql = await engine.index.search('customer orders', { k: 10, languages: ['sql'] });
  assert.equal(sql.length, 10);
  assert.ok(sql.every((h) => h.language === 'sql'));
  const yml = await engine.index.search('customer orders', { k: 5, pathGlob: 'dbt/**/*.yml' });
  assert.ok(yml.length > 0 && yml.every((h) => h.file.startsWith('dbt/') && h.file.endsWith('.yml')));
  assert.deepEqual(await engine.index.search('customer orders', { k: 5, pathGlob: 'nowhere/**' }), []);
});

test('lexical and vector modes each find an identifier on their own', async () => {
  for (const mode of ['lexical', 'vector'] as const) {
    const hits = await engine.index.search('transform_data', { k: 3, mode });
    assert.equal(hits[0].name, 'transform_data', mode);
    assert.deepEqual(hits[0].via, [mode]);
  }
});

test('symbols(): workspace/symbol from the index, exact name first', () => {
  const syms = engine.index.symbols('start_spark');
  assert.equal(syms[0].name, 'start_spark');
  assert.equal(syms[0].file, 'pyspark/pyspark-example-project/dependencies/spark.py');
  assert.equal(syms[0].startLine, 18);
});

test('incremental: an edit re-embeds only the changed chunks; a removal drops the file everywhere', async () => {
  const idx = new CodeIndex({ root: '/ws', log: { info() {}, warn() {}, error() {} } });
  const file = path.join(CORPORA, 'pyspark/pyspark-example-project/jobs/etl_job.py');
  const text = readFileSync(file, 'utf8');
  const add = (t: string) => idx.indexFile('jobs/etl_job.py', 'python', t, symbolsOf(parseText('python', t)));
  const first = add(text);
  assert.equal(first, idx.chunksOf('jobs/etl_job.py').length);
  // Lines inserted at the top shift every chunk; only the file-level chunk's text changes.
  const edited = text.replace(
    'def transform_data(df, steps_per_floor_):',
    'def transform_data(df, steps_per_floor_, loud=False):',
  );
  assert.notEqual(edited, text);
  assert.equal(add(edited), 1, 'only transform_data changed');
  const before = idx.chunksOf('jobs/etl_job.py').find((c) => c.name === 'transform_data')!;
  assert.equal(add('\n\n' + edited), 0, 'moved but unchanged chunks keep their vectors');
  const moved = idx.chunksOf('jobs/etl_job.py').find((c) => c.name === 'transform_data')!;
  assert.match(moved.text, /loud=False/);
  assert.equal(moved.startLine, before.startLine + 2);
  assert.equal(moved.startOffset, before.startOffset + 2);
  const hit = (await idx.search('loud', { k: 1 }))[0];
  assert.equal(hit.name, 'transform_data');
  idx.removeFile('jobs/etl_job.py');
  assert.deepEqual(await idx.search('transform_data', { k: 5 }), []);
  assert.equal(idx.stats().chunks, 0);
});

test('debounced edits are flushed before a search: results never lag the text', async () => {
  const e = new Engine({ root: '/ws-debounce', indexDebounceMs: 60_000 });
  e.workspace.setText('/ws-debounce/a.py', 'def alpha():\n    return 1\n');
  e.workspace.setText('/ws-debounce/a.py', 'def beta_renamed():\n    return 1\n');
  const hits = await e.index.search('beta_renamed', { k: 3 });
  assert.equal(hits[0]?.name, 'beta_renamed');
  assert.deepEqual(await e.index.search('alpha', { k: 3, mode: 'lexical' }), []);
  // Typing then undoing: the index ends on the undone text, not on the abandoned edit.
  e.workspace.setText('/ws-debounce/a.py', 'def gamma_typo():\n    return 1\n');
  e.workspace.setText('/ws-debounce/a.py', 'def beta_renamed():\n    return 1\n');
  assert.equal((await e.index.search('gamma_typo', { k: 3, mode: 'lexical' })).length, 0);
  assert.equal((await e.index.search('beta_renamed', { k: 1 }))[0]?.name, 'beta_renamed');
});

test('BM25: removal tombstones and compaction keep scores consistent with a fresh index', () => {
  const docs = ['orders customers revenue', 'orders items', 'customers lifetime value', 'revenue per store', 'orders'];
  const inc = new Bm25Index();
  for (let i = 0; i < 200; i++) inc.addText(i, `noise${i} filler`);
  docs.forEach((d, i) => inc.addText(1000 + i, d));
  inc.search(['order'], 5); // computes the length normalisation for the 205 documents: removals must refresh it
  for (let i = 0; i < 200; i++) inc.remove(i);
  const fresh = new Bm25Index();
  docs.forEach((d, i) => fresh.addText(1000 + i, d));
  for (const q of [['order'], ['customer', 'revenue'], ['value']]) {
    assert.deepEqual(inc.search(q, 5), fresh.search(q, 5));
  }
  assert.deepEqual(
    fresh
      .search(['order'], 5)
      .map((h) => h.doc)
      .sort(),
    [1000, 1001, 1004],
  );
});

test('BM25: a reloaded index (postings as slices of one pool) takes adds and removals like a fresh one', () => {
  const texts = Array.from(
    { length: 60 },
    (_, i) => `orders customer${i % 7} revenue ${i % 3 ? 'store' : 'items items'}`,
  );
  const built = new Bm25Index();
  texts.forEach((t, i) => built.addText(i, t));
  const snap = built.snapshot();
  const reloaded = Bm25Index.bulkLoad(snap.terms, [...snap.docs]);
  const fresh = new Bm25Index();
  texts.forEach((t, i) => fresh.addText(i, t));
  for (const ix of [reloaded, fresh]) {
    ix.addText(100, 'orders store store'); // a full pool slice must be copied out, not overrun its neighbour
    for (let i = 20; i < 60; i++) ix.remove(i); // past half dead: compaction inside the slice
    ix.addText(101, 'items revenue');
  }
  // Every term, so a write past one term's slice into its neighbour's cannot hide.
  for (const term of [...snap.terms, 'item revenue'])
    assert.deepEqual(reloaded.search(term.split(' '), 100), fresh.search(term.split(' '), 100), term);
  assert.ok(reloaded.search(['store'], 100).some((h) => h.doc === 100));
});

test(
  'HNSW agrees with exact search on real chunk vectors; replaced and deleted labels never come back',
  { skip: !loadHnsw() && 'hnswlib-node does not load here' },
  async () => {
    const emb = new HashEmbedder();
    const texts = engine.index.chunksOf('pyspark/pyspark-example-project/jobs/etl_job.py').map((c) => c.text);
    const all: string[] = [];
    for (const f of engine.index.allFiles())
      for (const c of f.chunks) all.push(f.text.slice(c.startOffset, c.endOffset));
    const vecs = all.map((t) => emb.embedOne(t));
    const hnsw = new HnswVectorIndex(loadHnsw()!, emb.dimensions, DEFAULT_HNSW, 16);
    const exact = new ExactVectorIndex(emb.dimensions);
    vecs.forEach((v, i) => {
      hnsw.add(i, v);
      exact.add(i, v);
    });
    for (let i = 0; i < vecs.length; i += 3) {
      hnsw.remove(i);
      exact.remove(i);
    }
    let agree = 0;
    let total = 0;
    for (const t of [...texts, 'orders by customer', 'spark session']) {
      const q = emb.embedOne(t);
      const a = hnsw.search(q, 10).map((h) => h.label);
      const b = exact.search(q, 10).map((h) => h.label);
      assert.ok(
        a.every((l) => l % 3 !== 0),
        'deleted labels are not returned',
      );
      // A hit scoring as high as the exact k-th is as right as the exact one (equal vectors tie: duplicated chunks).
      const kth = dot(q, vecs[b[b.length - 1]]);
      agree += a.filter((l) => b.includes(l) || dot(q, vecs[l]) >= kth - 1e-6).length;
      total += b.length;
      assert.ok(Math.abs(exact.search(q, 1)[0].score - dot(q, vecs[b[0]])) < 1e-5);
    }
    assert.ok(agree / total >= 0.95, `recall@10 ${agree / total}`);
  },
);

test('the exact fallback (no native HNSW) answers like the graph, and says which backend it is', async () => {
  const exact = new CodeIndex({ root: CORPORA, log: { info() {}, warn() {}, error() {} }, exactVectors: true });
  for (const f of engine.index.allFiles())
    exact.indexFile(f.rel, f.lang, f.text, symbolsOf(parseText(f.lang, f.text), path.join(CORPORA, f.rel)));
  assert.equal(exact.stats().vectorBackend, 'exact');
  assert.equal(exact.stats().chunks, engine.index.stats().chunks);
  for (const q of ['start a spark session', 'orders per customer', 'rainbow operators']) {
    const a = (await exact.search(q, { k: 5, mode: 'vector' })).map((h) => `${h.file}:${h.startLine}`);
    const b = (await engine.index.search(q, { k: 5, mode: 'vector' })).map((h) => `${h.file}:${h.startLine}`);
    assert.deepEqual(a, b, q);
  }
});
