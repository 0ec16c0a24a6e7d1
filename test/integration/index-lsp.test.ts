import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  WorkspaceSymbolRequest,
  type SymbolInformation,
} from 'vscode-languageserver-protocol/node';
import { search, type SearchResult } from '../../server/src/protocol';
import { CORPORA } from '../helpers';
import { startLsp, uri, type LspSession } from '../lsp-client';

let ws: string;
let cache: string;
let lsp: LspSession;

/** Resolves when the server's "DagLens: reading workspace" work-done progress ends. */
async function indexed(s: LspSession): Promise<void> {
  const begin = await s.waitFor(
    '$/progress',
    (p) => p.value?.kind === 'begin' && p.value.title === 'DagLens: reading workspace',
  );
  await s.waitFor('$/progress', (p) => p.token === begin.token && p.value?.kind === 'end', 120_000);
}

const logs = (s: LspSession) =>
  (s.notifications.get('window/logMessage') ?? []).map((m) => (m as { message: string }).message);

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-index-lsp-'));
  cache = mkdtempSync(path.join(os.tmpdir(), 'daglens-index-cache-'));
  // Real projects: a PySpark job and a dbt project.
  cpSync(path.join(CORPORA, 'pyspark/pyspark-example-project'), path.join(ws, 'pyspark'), { recursive: true });
  cpSync(path.join(CORPORA, 'dbt/jaffle-shop'), path.join(ws, 'dbt'), { recursive: true });
  // As VS Code's workspace storage: kept across the restart below.
  lsp = await startLsp(ws, {}, { indexStoragePath: cache });
  await indexed(lsp);
});

after(async () => {
  await lsp?.close();
  rmSync(ws, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

test('indexing reports work-done progress with file counts, then logs a summary', () => {
  const progress = (lsp.notifications.get('$/progress') ?? []) as Array<{
    value: { kind: string; message?: string; cancellable?: boolean; title?: string };
  }>;
  const begin = progress.find((p) => p.value.title === 'DagLens: reading workspace');
  assert.equal(begin?.value.cancellable, true);
  assert.ok(progress.some((p) => p.value.kind === 'report' && /^\d+\/\d+ files$/.test(p.value.message ?? '')));
  assert.ok(
    logs(lsp).some((m) => /read .*: \d+ files, \d+ chunks, 0 skipped/.test(m)),
    logs(lsp).join('\n'),
  );
});

test('daglens/search returns typed hits with URIs, 1-based lines and offsets into the real file', async () => {
  const res: SearchResult = await lsp.conn.sendRequest(search, { query: 'extract data from the spark job', k: 5 });
  assert.equal(res.indexing, false);
  assert.equal(res.hits.length, 5);
  const top = res.hits[0];
  assert.equal(top.name, 'extract_data');
  assert.equal(top.file, 'pyspark/jobs/etl_job.py');
  assert.equal(top.uri, uri(path.join(ws, 'pyspark/jobs/etl_job.py')));
  const text = readFileSync(path.join(ws, top.file), 'utf8');
  assert.equal(top.text, text.slice(top.startOffset, top.endOffset));
  assert.match(text.split('\n')[top.startLine - 1], /def extract_data/);
  const sql = await lsp.conn.sendRequest(search, {
    query: 'orders',
    k: 3,
    languages: ['sql'],
    pathGlob: 'dbt/models/**',
  });
  assert.ok(sql.hits.length === 3 && sql.hits.every((h) => h.language === 'sql' && h.file.startsWith('dbt/models/')));
});

test('daglens/search rejects bad params with InvalidParams, and the server carries on', async () => {
  await assert.rejects(
    lsp.conn.sendRequest(search, { query: '', k: 5 }),
    (e: { code: number; message: string }) => e.code === -32602 && /query/.test(e.message),
  );
  await assert.rejects(
    lsp.conn.sendRequest(search, { query: 'x', languages: ['cobol'] } as never),
    (e: { code: number }) => e.code === -32602,
  );
  assert.ok((await lsp.conn.sendRequest(search, { query: 'customers' })).hits.length > 0);
});

test('workspace/symbol is served from the index', async () => {
  const hits = (await lsp.conn.sendRequest(WorkspaceSymbolRequest.type, {
    query: 'start_spark',
  })) as SymbolInformation[];
  assert.equal(hits[0].name, 'start_spark');
  assert.equal(hits[0].location.uri, uri(path.join(ws, 'pyspark/dependencies/spark.py')));
  assert.equal(hits[0].location.range.start.line, 17);
});

test('didChange: typed text is searchable at once (debounced edits are flushed before a search)', async () => {
  const file = path.join(ws, 'pyspark/jobs/etl_job.py');
  const text = readFileSync(file, 'utf8');
  await lsp.conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(file), languageId: 'python', version: 1, text },
  });
  const added = '\n\ndef load_zebra_partitions(spark):\n    return spark.read.parquet("zebra")\n';
  await lsp.conn.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uri(file), version: 2 },
    contentChanges: [{ text: text + added }],
  });
  const res = await lsp.conn.sendRequest(search, { query: 'load_zebra_partitions', k: 1 });
  assert.equal(res.hits[0]?.name, 'load_zebra_partitions');
  assert.equal(res.hits[0].startLine, text.split('\n').length + 2);
});

test('a watched-file delete drops the file from every index', async () => {
  const file = path.join(ws, 'dbt/models/marts/customers.sql');
  assert.ok(
    (
      await lsp.conn.sendRequest(search, {
        query: 'customer_orders',
        k: 20,
        pathGlob: 'dbt/models/marts/customers.sql',
      })
    ).hits.length > 0,
  );
  unlinkSync(file);
  await lsp.conn.sendNotification(DidChangeWatchedFilesNotification.type, {
    changes: [{ uri: uri(file), type: FileChangeType.Deleted }],
  });
  for (const mode of ['lexical', 'vector'] as const) {
    const res = await lsp.conn.sendRequest(search, { query: 'customer_orders', k: 50, mode });
    assert.ok(
      res.hits.every((h) => h.file !== 'dbt/models/marts/customers.sql'),
      mode,
    );
  }
});

test('a restarted server reloads the saved index and re-indexes only what changed on disk', async () => {
  await lsp.close();
  lsp = await startLsp(ws, {}, { indexStoragePath: cache });
  await indexed(lsp);
  assert.ok(
    logs(lsp).some((m) => m.includes(path.join(cache, 'index'))),
    'the index lives in the storage path given',
  );
  // customers.sql was deleted and etl_job.py is unchanged on disk: nothing to parse.
  assert.ok(
    logs(lsp).some((m) => /, 0 \(re\)indexed, the rest from the saved index/.test(m)),
    logs(lsp).join('\n'),
  );
  const res = await lsp.conn.sendRequest(search, { query: 'transform_data', k: 1 });
  assert.equal(res.hits[0].name, 'transform_data');
});
