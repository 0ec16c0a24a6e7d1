import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { CodeIndex } from '../../server/src/engine/index/codeIndex';
import { HashEmbedder } from '../../server/src/engine/index/hashEmbedder';
import { syncIndex } from '../../server/src/engine/index/indexer';
import { VERSION } from '../../server/src/engine/index/store';
import { CORPORA } from '../helpers';

const settings = parseSettings({}).settings;
let ws: string;
let dir: string;
const logs: string[] = [];
const log = {
  info: (m: string) => logs.push(`info: ${m}`),
  warn: (m: string) => logs.push(`warn: ${m}`),
  error: (m: string) => logs.push(`error: ${m}`),
};
const open = (opts: Partial<ConstructorParameters<typeof CodeIndex>[0]> = {}) =>
  new CodeIndex({ root: ws, log, ...opts });
const names = async (idx: CodeIndex, q: string) =>
  (await idx.search(q, { k: 5 })).map((h) => `${h.file}:${h.name}:${h.startLine}`);

before(() => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-store-ws-'));
  dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-store-idx-'));
  cpSync(path.join(CORPORA, 'airflow'), path.join(ws, 'airflow'), { recursive: true });
  cpSync(path.join(CORPORA, 'dbt'), path.join(ws, 'dbt'), { recursive: true });
});
after(() => {
  rmSync(ws, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

test('a saved index reloads with identical results and re-indexes nothing', async () => {
  const a = open();
  const cold = await syncIndex(a, settings, log, { indexDir: dir, workers: 1 });
  assert.ok(cold.files > 50 && cold.indexed === cold.files && !cold.loaded);
  const b = open();
  const warm = await syncIndex(b, settings, log, { indexDir: dir });
  assert.equal(warm.loaded, true);
  assert.equal(warm.indexed, 0);
  assert.deepEqual(b.stats(), a.stats());
  for (const q of ['customer lifetime spend', 'TaskFlow bash operator', 'stg_orders'])
    assert.deepEqual(await names(b, q), await names(a, q));
});

test('reopening re-indexes only what changed on disk: touched, edited, added and deleted files', async () => {
  const touched = path.join(ws, 'dbt/jaffle-shop/models/marts/orders.sql');
  const now = new Date(Date.now() + 5000);
  utimesSync(touched, now, now);
  const edited = path.join(ws, 'dbt/jaffle-shop/models/marts/customers.sql');
  writeFileSync(edited, readFileSync(edited, 'utf8').replace('customer_orders_summary', 'customer_orders_rollup'));
  writeFileSync(
    path.join(ws, 'airflow/new_dag.py'),
    'def ingest_penguin_counts(ds):\n    """Loads penguin counts — café ✓."""\n    return ds\n',
  );
  unlinkSync(path.join(ws, 'dbt/jaffle-shop/models/marts/order_items.sql'));
  const idx = open();
  const r = await syncIndex(idx, settings, log, { indexDir: dir });
  assert.equal(r.loaded, true);
  assert.equal(r.indexed, 2, 'customers.sql and new_dag.py; orders.sql only touched (same hash)');
  assert.equal(r.removed, 1);
  assert.equal((await idx.search('ingest_penguin_counts', { k: 1 }))[0].file, 'airflow/new_dag.py');
  assert.ok((await idx.search('customer_orders_rollup', { k: 1, mode: 'lexical' }))[0].file.endsWith('customers.sql'));
  assert.deepEqual(await idx.search('order_items', { k: 10, pathGlob: '**/order_items.sql' }), []);
  // The touch was recorded: the next open has nothing to read.
  const reopened = open();
  const again = await syncIndex(reopened, settings, log, { indexDir: dir });
  assert.equal(again.indexed, 0);
  // The saved graph still holds the replaced chunks' vectors (marked deleted): they are not counted as live.
  assert.equal(reopened.internals().vectors.size, reopened.stats().chunks);
  // Texts survive load → save (reusing the loaded bytes) → load, non-ASCII included.
  for (const rec of reopened.allFiles()) assert.equal(rec.text, readFileSync(path.join(ws, rec.rel), 'utf8'), rec.rel);
  assert.match((await reopened.search('penguin', { k: 1 }))[0].text, /café ✓/);
});

test('a corrupt, truncated or incompatible index is detected, logged with the reason and rebuilt', async () => {
  const main = path.join(dir, 'index.dlx');
  const good = readFileSync(main);
  const cases: Array<[string, Buffer | (() => void), RegExp]> = [
    ['flipped byte', Buffer.from(good.map((b, i) => (i === good.length - 100 ? b ^ 0xff : b))), /checksum mismatch/],
    ['truncated', good.subarray(0, good.length - 1000), /truncated/],
    [
      'newer format',
      Buffer.from(good.toString('latin1').replace(`"version":${VERSION}`, '"version":99'), 'latin1'),
      /index format 99/,
    ],
    ['garbage', Buffer.from('not an index at all\n'), /corrupt header/],
  ];
  for (const [what, content, reason] of cases) {
    writeFileSync(main, content as Buffer);
    logs.length = 0;
    const idx = open();
    const r = await syncIndex(idx, settings, log, { indexDir: dir });
    assert.equal(r.loaded, false, what);
    assert.match(r.loadProblem ?? '', reason, what);
    assert.ok(
      logs.some((l) => l.startsWith('warn: saved index') && reason.test(l) && l.includes('rebuilding')),
      `${what}: ${logs.join('\n')}`,
    );
    assert.equal(r.indexed, r.files, `${what}: rebuilt`);
    assert.ok((await idx.search('ingest_penguin_counts', { k: 1 })).length === 1);
  }
  logs.length = 0;
  const other = await syncIndex(open({ embedder: new HashEmbedder(64) }), settings, log, { indexDir: dir });
  assert.match(other.loadProblem ?? '', /built with embedder daglens-hash-v1-128, now daglens-hash-v1-64/);
});

test('a damaged graph file is rebuilt from the saved chunks; search still works', async () => {
  await syncIndex(open(), settings, log, { indexDir: dir });
  // The graph file is named by its checksum (hnsw-<crc>.bin), so a save killed half-way never leaves a mismatched pair.
  const graph = path.join(
    dir,
    readdirSync(dir).find((n) => /^hnsw.*\.bin$/.test(n))!,
  );
  writeFileSync(graph, readFileSync(graph).subarray(0, 5000));
  logs.length = 0;
  const idx = open();
  const r = await syncIndex(idx, settings, log, { indexDir: dir });
  assert.equal(r.loaded, true);
  assert.equal(r.indexed, 0);
  assert.ok(
    logs.some((l) => /does not match its header; rebuilding it/.test(l)),
    logs.join('\n'),
  );
  const hits = await idx.search('ingest_penguin_counts', { k: 1, mode: 'vector' });
  assert.equal(hits[0].name, 'ingest_penguin_counts');
});

test('without a graph file (exact search) the vectors themselves are saved and reloaded', async () => {
  const exactDir = mkdtempSync(path.join(os.tmpdir(), 'daglens-store-exact-'));
  try {
    const a = open({ exactVectors: true });
    await syncIndex(a, settings, log, { indexDir: exactDir, workers: 0 });
    assert.equal(a.stats().vectorBackend, 'exact');
    const b = open();
    const r = await syncIndex(b, settings, log, { indexDir: exactDir });
    assert.equal(r.loaded, true);
    assert.equal(r.indexed, 0);
    for (const q of ['TaskFlow bash operator', 'customer lifetime spend']) {
      const hits = async (idx: CodeIndex) =>
        (await idx.search(q, { k: 5, mode: 'vector' })).map((h) => `${h.file}:${h.startLine}:${h.score.toFixed(5)}`);
      assert.deepEqual(await hits(b), await hits(a), q);
    }
  } finally {
    rmSync(exactDir, { recursive: true, force: true });
  }
});

test('cancelling a sync stops it between files, keeps what was indexed and saves nothing', async () => {
  const cancelDir = mkdtempSync(path.join(os.tmpdir(), 'daglens-store-cancel-'));
  try {
    const controller = new AbortController();
    const idx = open();
    const r = await syncIndex(idx, settings, log, {
      indexDir: cancelDir,
      workers: 0,
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done >= 25) controller.abort();
      },
    });
    assert.equal(r.cancelled, true);
    assert.ok(r.indexed >= 25 && r.indexed < 60, `${r.indexed} indexed before stopping`);
    assert.equal(idx.stats().files, r.indexed);
    assert.ok((await idx.search('select', { k: 1 })).length === 1, 'what was indexed is searchable');
    assert.equal(existsSync(path.join(cancelDir, 'index.dlx')), false);
  } finally {
    rmSync(cancelDir, { recursive: true, force: true });
  }
});

test('bad input: invalid UTF-8, NUL bytes, a huge line, deep nesting, half-written code, a file deleted mid-run', async () => {
  const bad = mkdtempSync(path.join(os.tmpdir(), 'daglens-store-bad-'));
  try {
    mkdirSync(path.join(bad, 'pkg'));
    writeFileSync(
      path.join(bad, 'latin1.py'),
      Buffer.concat([
        Buffer.from('def caf'),
        Buffer.from([0xe9]),
        Buffer.from('_menu():\n    return "cr\xe8me"\n', 'latin1'),
      ]),
    );
    writeFileSync(path.join(bad, 'nul.sql'), Buffer.from('select 1;\0\0\0'));
    writeFileSync(path.join(bad, 'one_line.py'), `x = "${'a'.repeat(3_000_000)}"\n`);
    writeFileSync(path.join(bad, 'nested.py'), `def deep():\n    return ${'[\n'.repeat(3000)}${']\n'.repeat(3000)}`);
    writeFileSync(path.join(bad, 'typing.py'), 'class Half:\n    def run(self, x\n        if x ==\n');
    for (let i = 0; i < 60; i++)
      writeFileSync(path.join(bad, 'pkg', `m${String(i).padStart(2, '0')}.py`), `def f${i}():\n    return ${i}\n`);
    const victim = path.join(bad, 'pkg', 'm50.py');
    logs.length = 0;
    const idx = new CodeIndex({ root: bad, log });
    const r = await syncIndex(idx, parseSettings({ maxFileBytes: 1_000_000 }).settings, log, {
      workers: 0,
      onProgress: ({ done }) => {
        if (done >= 25) rmSync(victim, { force: true });
      },
    });
    assert.deepEqual(r.skipped.map((s) => `${s.rel}:${s.reason}`).sort(), ['nul.sql:binary', 'one_line.py:too-large']);
    assert.ok(
      logs.some((l) => /latin1\.py: invalid UTF-8, indexed with replacement characters/.test(l)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => /pkg\/m50\.py disappeared while indexing; dropped from the index/.test(l)),
      logs.join('\n'),
    );
    assert.equal(idx.file('pkg/m50.py'), undefined);
    assert.equal((await idx.search('f49', { k: 1 }))[0]?.file, 'pkg/m49.py');
    assert.equal((await idx.search('deep', { k: 1 }))[0]?.name, 'deep');
    assert.ok(idx.chunksOf('typing.py').some((c) => c.name === 'Half'));
    assert.match((await idx.search('menu', { k: 1 }))[0]?.text ?? '', /caf\uFFFD_menu/);
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});
