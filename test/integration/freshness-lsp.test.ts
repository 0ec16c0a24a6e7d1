/**
 * Lenses that are never left stale (over real LSP, dist/server.js --stdio, on a copy of a real dbt project): a
 * lens computed while the workspace is read says so and is refreshed; a change to *another* file (a model created
 * on disk, an edit in another editor) makes the server ask the editor to fetch lenses again, and they are right;
 * a lens whose line moved still resolves.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CodeLensRequest,
  CodeLensResolveRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  type CodeLens,
} from 'vscode-languageserver-protocol/node';
import { CORPORA } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';

const dirs: string[] = [];
const sessions: LspSession[] = [];
after(async () => {
  for (const s of sessions) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workspace(): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-fresh-'));
  dirs.push(ws);
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
  return ws;
}

/** Starts the server as an editor with lens refresh support would; counts the refreshes it asks for. */
async function start(
  ws: string,
): Promise<{ s: LspSession; refreshes: () => number; nextRefresh: () => Promise<void> }> {
  const s = await startLsp(ws);
  sessions.push(s);
  let count = 0;
  let waiting: Array<() => void> = [];
  s.conn.onRequest('workspace/codeLens/refresh', () => {
    count++;
    for (const w of waiting) w();
    waiting = [];
    return null;
  });
  return {
    s,
    refreshes: () => count,
    nextRefresh: () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no workspace/codeLens/refresh within 20 s')), 20_000);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** The resolved title of the lens on the model's first line. */
async function lensTitle(s: LspSession, file: string): Promise<string> {
  const lenses = (await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(file) } })) as
    CodeLens[] | null;
  const lens = lenses?.find((l) => l.range.start.line === 0);
  assert.ok(lens, `a lens on line 1 of ${file}`);
  const resolved = lens.command ? lens : ((await s.conn.sendRequest(CodeLensResolveRequest.type, lens)) as CodeLens);
  return resolved.command?.title ?? '';
}
const downstream = (title: string) => Number(/(\d+) downstream/.exec(title)?.[1]);

async function open(s: LspSession, file: string, version = 1): Promise<void> {
  await s.conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(file), languageId: 'sql', version, text: readFileSync(file, 'utf8') },
  });
}

test('a lens computed while the workspace is read says so, and a refresh brings the complete one', async () => {
  const ws = workspace();
  const { s, nextRefresh } = await start(ws);
  const customers = path.join(ws, 'models/marts/customers.sql');
  await open(s, customers);
  const early = await lensTitle(s, customers);
  const refreshed = nextRefresh();
  await ready(s);
  const final = await lensTitle(s, customers);
  assert.match(final, /^reads 2 · writes 1 · \d+ downstream$/, 'complete once the workspace is read');
  if (early !== final) {
    // Not yet complete when asked: it must have said so, and the editor must have been asked to fetch it again.
    assert.match(early, /reading workspace…/, `early lens "${early}"`);
    await refreshed;
  }
});

test('lineage that changes under an open file refreshes its lens by itself', async () => {
  const ws = workspace();
  const { s, nextRefresh } = await start(ws);
  await ready(s);
  const customers = path.join(ws, 'models/marts/customers.sql');
  await open(s, customers);
  const before = downstream(await lensTitle(s, customers));
  assert.ok(Number.isInteger(before));

  // A new model that reads `customers` appears on disk (a `git pull`, another tool).
  const ltv = path.join(ws, 'models/marts/customer_ltv.sql');
  writeFileSync(ltv, "select customer_id, lifetime_spend from {{ ref('customers') }}\n");
  let refreshed = nextRefresh();
  await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, {
    changes: [{ uri: uri(ltv), type: FileChangeType.Created }],
  });
  await refreshed;
  assert.equal(downstream(await lensTitle(s, customers)), before + 1, 'the new reader counts downstream');

  // Edited in another editor: it no longer reads `customers`.
  await open(s, ltv);
  refreshed = nextRefresh();
  await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uri(ltv), version: 2 },
    contentChanges: [{ text: "select order_id from {{ ref('orders') }}\n" }],
  });
  await refreshed;
  assert.equal(downstream(await lensTitle(s, customers)), before);
});

test('a lens whose line moved (an edit above it) still resolves to its statement', async () => {
  const ws = workspace();
  const load = path.join(ws, 'warehouse/load.sql');
  const text =
    'create table mart.stage as select * from raw.events;\n\ninsert into mart.daily select * from mart.stage;\n';
  mkdirSync(path.dirname(load), { recursive: true });
  writeFileSync(load, text);
  const { s } = await start(ws);
  await ready(s);
  await open(s, load);
  const lenses = (await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(load) } })) as CodeLens[];
  const old = lenses.find((l) => l.range.start.line === 2);
  assert.ok(old, `a lens on the insert (line 3): ${JSON.stringify(lenses.map((l) => l.range.start.line))}`);
  await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uri(load), version: 2 },
    contentChanges: [{ text: `-- nightly load\n\n${text}` }],
  });
  // The editor resolves the lens it holds (made before the edit): its statement, not "reopen the file".
  const resolved = (await s.conn.sendRequest(CodeLensResolveRequest.type, old)) as CodeLens;
  assert.match(resolved.command?.title ?? '', /^reads 1 · writes 1 · \d+ downstream/);
});
