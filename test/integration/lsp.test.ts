import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  WorkspaceSymbolRequest,
  type DocumentSymbol,
  type SymbolInformation,
} from 'vscode-languageserver-protocol/node';
import { workspaceInfo } from '../../server/src/protocol';
import { FIXTURES } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';

let ws: string;
let lsp: LspSession;

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-lsp-'));
  cpSync(path.join(FIXTURES, 'workspace'), ws, { recursive: true });
  // Things discovery must skip: a .gitignore'd folder, a binary file, an oversized file.
  writeFileSync(path.join(ws, '.gitignore'), 'ignored/\n');
  mkdirSync(path.join(ws, 'ignored'));
  writeFileSync(path.join(ws, 'ignored', 'hidden.py'), 'def should_not_appear():\n    pass\n');
  writeFileSync(path.join(ws, 'blob.py'), Buffer.from([0x64, 0x65, 0x66, 0x00, 0x01, 0x02]));
  writeFileSync(path.join(ws, 'huge.sql'), 'select 1;\n'.repeat(20_000));
  lsp = await startLsp(ws, { maxFileBytes: 100_000 });
  await ready(lsp);
});

after(async () => {
  await lsp?.close();
  rmSync(ws, { recursive: true, force: true });
});

test('initialize advertises document and workspace symbols', () => {
  assert.equal(lsp.init.capabilities.documentSymbolProvider, true);
  assert.equal(lsp.init.capabilities.workspaceSymbolProvider, true);
  assert.equal(lsp.init.serverInfo?.name, 'daglens');
});

test('documentSymbol is hierarchical with exact ranges (didOpen)', async () => {
  const file = path.join(ws, 'jobs/sales_job.py');
  const text = readFileSync(file, 'utf8');
  await lsp.conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(file), languageId: 'python', version: 1, text },
  });
  const syms = (await lsp.conn.sendRequest(DocumentSymbolRequest.type, {
    textDocument: { uri: uri(file) },
  })) as DocumentSymbol[];
  assert.deepEqual(
    syms.map((s) => s.name),
    ['SalesJob', 'main'],
  );
  const job = syms[0];
  assert.deepEqual(
    job.children!.map((c) => c.name),
    ['__init__', 'run'],
  );
  const run = job.children![1];
  assert.deepEqual(
    run.children!.map((c) => c.name),
    ['with_revenue'],
  );
  // `def run(` is on line 9 (0-based 8); the selection is the name.
  assert.deepEqual(run.selectionRange, { start: { line: 8, character: 8 }, end: { line: 8, character: 11 } });
  assert.equal(run.range.start.line, 8);
  assert.equal(run.range.end.line, 15);
});

test('didChange re-parses: a new function appears, syntax errors keep the rest', async () => {
  const file = path.join(ws, 'jobs/sales_job.py');
  const added = '\n\ndef backfill(days):\n    for d in days:\n        main(\n';
  const text = readFileSync(file, 'utf8') + added;
  await lsp.conn.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uri(file), version: 2 },
    contentChanges: [{ text }],
  });
  const syms = (await lsp.conn.sendRequest(DocumentSymbolRequest.type, {
    textDocument: { uri: uri(file) },
  })) as DocumentSymbol[];
  assert.deepEqual(
    syms.map((s) => s.name),
    ['SalesJob', 'main', 'backfill'],
  );
});

test('SQL with Jinja: dbt model → CTEs', async () => {
  const file = path.join(ws, 'models/store_revenue.sql');
  const syms = (await lsp.conn.sendRequest(DocumentSymbolRequest.type, {
    textDocument: { uri: uri(file) },
  })) as DocumentSymbol[];
  assert.equal(syms.length, 1);
  assert.equal(syms[0].name, 'store_revenue');
  assert.deepEqual(
    syms[0].children!.map((c) => c.name),
    ['orders', 'stores', 'SELECT'],
  );
  assert.equal(syms[0].children![0].range.start.line, 2);
});

test('workspace/symbol covers the scanned workspace and honours .gitignore and skips', async () => {
  const hits = (await lsp.conn.sendRequest(WorkspaceSymbolRequest.type, { query: 'with_rev' })) as SymbolInformation[];
  assert.equal(hits.length, 1);
  assert.equal(hits[0].location.uri, uri(path.join(ws, 'jobs/sales_job.py')));
  assert.equal(hits[0].containerName, 'SalesJob.run');
  const hidden = (await lsp.conn.sendRequest(WorkspaceSymbolRequest.type, {
    query: 'should_not_appear',
  })) as SymbolInformation[];
  assert.equal(hidden.length, 0, '.gitignore respected');
  const info = (await lsp.conn.sendRequest(workspaceInfo)) as { skipped: Array<{ rel: string; reason: string }> };
  assert.deepEqual(info.skipped.map((s) => `${s.rel}:${s.reason}`).sort(), ['blob.py:binary', 'huge.sql:too-large']);
});

test('status notifications report progress then quiescence', () => {
  const statuses = lsp.notifications.get('daglens/serverStatus') as Array<{ quiescent: boolean; message?: string }>;
  assert.ok(statuses.some((s) => !s.quiescent));
  assert.match(statuses[statuses.length - 1].message ?? '', /2 files read, 2 skipped/);
});
