/**
 * The LLM requests of the built server (dist/server.js over stdio) against the fake OpenAI server: a
 * streamed, cited answer; cancellation that stops the HTTP request; workspace trust; stats; explanations;
 * a misconfigured provider that leaves the server running. The key reaches the server only through the
 * environment (as the VS Code client passes it from SecretStorage) and never appears in its output.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancellationTokenSource, LSPErrorCodes } from 'vscode-languageserver-protocol/node';
import { CodeLensRequest, DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import {
  ask,
  clearLlmCache,
  explainAll,
  explainSymbol,
  llmCheck,
  llmStats,
  mapDag,
  setWorkspaceTrust,
  type AskDelta,
  type AskResult,
} from '../../server/src/protocol';
import { FakeOpenAI } from '../fake-openai/server';
import { CORPORA } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';

const KEY = 'sk-daglens-test-4f1c9e';
let ws: string;
let fake: FakeOpenAI;
let lsp: LspSession;

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-llm-lsp-'));
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
  // Two TPC-DS queries and their Spark plans, for DAG mapping with verification.
  const tpcds = path.join(CORPORA, 'spark-tpcds', 'spark3');
  for (const q of ['query42', 'query03']) {
    cpSync(path.join(tpcds, 'queries', `${q}.sql`), path.join(ws, 'tpcds', `${q}.sql`));
    cpSync(path.join(tpcds, 'plans', `${q}.explain.txt`), path.join(ws, 'plans', `${q}.explain.txt`));
  }
  fake = await FakeOpenAI.start({ apiKey: KEY });
  process.env.DAGLENS_LLM_API_KEY = KEY;
  delete process.env.OPENAI_API_KEY;
  lsp = await startLsp(ws, { llm: { baseUrl: fake.url, model: 'gpt-4o-mini', maxRetries: 1 } });
  await ready(lsp);
});

after(async () => {
  await lsp?.close();
  await fake?.close();
  rmSync(ws, { recursive: true, force: true });
});

test('daglens/ask streams deltas in order and returns validated citations with uris', async () => {
  const content =
    'Food orders are flagged in compute_booleans [1] (models/marts/orders.sql:42-61); see also ghost.sql:1-2.';
  // Five chunks 250 ms apart: the server joins tokens per ~40 ms, so several notifications arrive, in order.
  fake.reply({ type: 'answer', content, chunks: 5, chunkDelayMs: 250 });
  const deltas: string[] = [];
  const sub = lsp.conn.onNotification('daglens/askDelta', (d: AskDelta) => {
    if (d.streamId === 's1') deltas.push(d.text);
  });
  const r: AskResult = await lsp.conn.sendRequest(ask, { question: 'how are food orders flagged?', streamId: 's1' });
  sub.dispose();
  assert.equal(r.offline, false);
  assert.equal(r.state, 'ready');
  // The final answer numbers the in-text citation like its chip and strikes through the invented one, with a note.
  assert.match(
    r.answer,
    /^Food orders are flagged in compute_booleans \[1\] \(models\/marts\/orders\.sql:42-61 \[\d\]\); see also ~~ghost\.sql:1-2~~\./,
  );
  assert.match(r.answer, /left out a citation to code that is not in the workspace/);
  assert.equal(deltas.join(''), content);
  assert.ok(deltas.length >= 2, `${deltas.length} deltas`);
  assert.equal(r.droppedCitations, 1);
  const direct = r.citations.find((c) => c.startLine === 42);
  assert.deepEqual(direct, {
    file: 'models/marts/orders.sql',
    startLine: 42,
    endLine: 61,
    uri: uri(path.join(ws, 'models/marts/orders.sql')),
  });
  assert.equal(fake.calls('chat/completions').at(-1)!.headers.authorization, `Bearer ${KEY}`);
});

test('cancelling daglens/ask aborts the HTTP request to the provider', async () => {
  fake.reply({ type: 'hang' });
  const abandonedBefore = fake.abandoned;
  const cts = new CancellationTokenSource();
  const n = fake.requests.length;
  const p = lsp.conn.sendRequest(ask, { question: 'a question the provider never answers', streamId: 's2' }, cts.token);
  for (let i = 0; i < 500 && fake.requests.length === n; i++) await new Promise((r) => setTimeout(r, 10));
  cts.cancel();
  await assert.rejects(p, (e: { code?: number }) => e.code === LSPErrorCodes.RequestCancelled);
  for (let i = 0; i < 500 && fake.abandoned === abandonedBefore; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(fake.abandoned, abandonedBefore + 1);
});

test('explainSymbol: generated once, then served from the store (storedOnly for hovers)', async () => {
  const file = uri(path.join(ws, 'models/marts/customers.sql'));
  assert.equal(await lsp.conn.sendRequest(explainSymbol, { uri: file, name: 'customers', storedOnly: true }), null);
  fake.reply({ type: 'answer', content: 'One row per customer with lifetime order counts and spend.' });
  const e = await lsp.conn.sendRequest(explainSymbol, { uri: file, name: 'customers' });
  assert.equal(e!.summary, 'One row per customer with lifetime order counts and spend.');
  const stored = await lsp.conn.sendRequest(explainSymbol, { uri: file, name: 'customers', storedOnly: true });
  assert.equal(stored?.cached, true);
});

test('hover mode (atName) explains the declaration under the cursor, and nothing elsewhere', async () => {
  const file = uri(path.join(ws, 'models/marts/orders.sql'));
  const n = fake.requests.length;
  // Line 2 (0-based) is `orders as (`: a blank line inside the model is no name.
  assert.equal(await lsp.conn.sendRequest(explainSymbol, { uri: file, line: 1, character: 0, atName: true }), null);
  assert.equal(fake.requests.length, n);
  fake.reply({ type: 'answer', content: 'Selects every staged order.' });
  const e = await lsp.conn.sendRequest(explainSymbol, { uri: file, line: 2, character: 2, atName: true });
  assert.equal(e?.symbol, 'orders.orders');
  assert.equal(e?.startLine, 3);
  assert.equal(fake.requests.length, n + 1);
});

test('llmStats reports the requests, and the key appears in no output of the server', async () => {
  const s = await lsp.conn.sendRequest(llmStats, {});
  assert.equal(s.state, 'ready');
  assert.ok(s.total.requests >= 2);
  assert.ok(s.byFeature.ask.requests >= 1);
  const everything = JSON.stringify([...lsp.notifications.entries()]) + lsp.stderr.join('') + JSON.stringify(s);
  assert.ok(!everything.includes(KEY), 'the API key leaked');
});

test('an untrusted workspace sends nothing and the answer says why; trust restores it', async () => {
  await lsp.conn.sendNotification(setWorkspaceTrust, { trusted: false });
  const n = fake.requests.length;
  const r = await lsp.conn.sendRequest(ask, { question: 'what does customers.sql compute?' });
  assert.equal(r.offline, true);
  assert.equal(r.state, 'untrusted');
  assert.match(r.reason!, /not trusted/);
  assert.ok(r.citations.length > 0, 'offline answers still cite the evidence');
  assert.equal(fake.requests.length, n);
  await lsp.conn.sendNotification(setWorkspaceTrust, { trusted: true });
  fake.reply({ type: 'answer', content: 'Lifetime value per customer [1].' });
  assert.equal((await lsp.conn.sendRequest(ask, { question: 'what does customers.sql compute?' })).offline, false);
});

test("the editor's map command verifies low/ambiguous nodes; code lenses only ever use cached verdicts", async () => {
  const plan = uri(path.join(ws, 'plans', 'query42.explain.txt'));
  const n = fake.calls('chat/completions').length;
  fake.reply(
    ...Array.from({ length: 10 }, () => ({
      type: 'answer' as const,
      content: { candidate: 1, confidence: 0.9, explanation: 'the predicate is in the WHERE clause' },
    })),
  );
  const r = await lsp.conn.sendRequest(mapDag, { uri: plan });
  fake.clear();
  const calls = fake.calls('chat/completions').length - n;
  assert.ok(calls > 0, `verification ran: ${JSON.stringify(r.stats)} ${JSON.stringify(r.problems)}`);
  assert.equal(r.stats.llmCalls, calls);
  assert.ok(r.mappings.some((m) => m.best?.explanation.startsWith('LLM (gpt-4o-mini): the predicate')));
  // Lenses on a plan never verified: offline mapping, no request.
  const other = uri(path.join(ws, 'plans', 'query03.explain.txt'));
  for (const [u, q] of [
    [other, 'query03'],
    [plan, 'query42'],
  ]) {
    const text = readFileSync(path.join(ws, 'plans', `${q}.explain.txt`), 'utf8');
    await lsp.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: u, languageId: 'sparkplan', version: 1, text },
    });
  }
  const before = fake.requests.length;
  const lenses = await lsp.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: other } });
  assert.ok((lenses ?? []).length > 0);
  assert.equal(fake.requests.length, before, 'lenses spent nothing');
  // And the verified plan's lenses reuse the cached verdicts, still without a request.
  const again = await lsp.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: plan } });
  assert.ok((again ?? []).length > 0);
  assert.equal(fake.requests.length, before);
});

test('invalid params get a clear error; a broken provider degrades to offline; the server keeps running', async () => {
  await assert.rejects(lsp.conn.sendRequest(ask, { question: '   ' } as never), /question/);
  fake.reply({ type: 'status', status: 500 }, { type: 'status', status: 500 });
  const r = await lsp.conn.sendRequest(ask, { question: 'which model computes lifetime spend?' });
  assert.equal(r.offline, true);
  assert.match(r.reason!, /failed \(500\)/);
  const cleared = await lsp.conn.sendRequest(clearLlmCache);
  assert.equal(cleared.folders, 1);
  const s = await lsp.conn.sendRequest(llmStats, {});
  assert.equal(s.state, 'ready');
});

test('llmCheck asks the provider for its models (no code sent) and names what is wrong', async () => {
  const before = fake.calls('chat/completions').length;
  const r = await lsp.conn.sendRequest(llmCheck, {});
  assert.equal(r.state, 'ready');
  // The fake serves only 'fake-model'.
  assert.deepEqual(r.problems, [
    `127.0.0.1:${new URL(fake.url).port}/gpt-4o-mini: the server does not serve model 'gpt-4o-mini' (it serves fake-model) — check daglens.llm.model`,
  ]);
  assert.equal(fake.calls('chat/completions').length, before);
});

test("explainAll explains a file's symbols under one budget, then finds them all stored", async () => {
  const file = uri(path.join(ws, 'models/marts/order_items.sql'));
  fake.reply(...Array.from({ length: 12 }, (_, i) => ({ type: 'answer' as const, content: `Summary ${i}.` })));
  const first = await lsp.conn.sendRequest(explainAll, { uris: [file] });
  fake.clear();
  assert.ok(first.explained >= 3, JSON.stringify(first));
  assert.equal(first.stoppedBy, undefined);
  const n = fake.requests.length;
  const second = await lsp.conn.sendRequest(explainAll, { uris: [file] });
  assert.equal(second.explained, 0);
  assert.equal(second.fromStore, first.explained + first.fromStore);
  assert.equal(fake.requests.length, n);
});
