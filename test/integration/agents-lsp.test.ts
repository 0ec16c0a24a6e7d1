/**
 * The agent tools and the editor's models over real LSP (dist/server.js --stdio), with this test playing the VS
 * Code client: `daglens/tools/call` and `daglens/tools/prepare` (what the language-model tools call), and the
 * `vscode-lm` bridge — the client announces its chat models, the server's chat, explanations and tool calls send
 * their requests back through `daglens/lm/chat` (streamed deltas, cancellation, the user's refusal, workspace trust).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CancellationTokenSource,
  ErrorCodes,
  ResponseError,
  type CancellationToken,
} from 'vscode-languageserver-protocol/node';
import {
  agentToolCall,
  agentToolPrepare,
  ask,
  llmStats,
  setWorkspaceTrust,
  vscodeLmModels,
  AGENT_TOOLS,
  type AskDelta,
  type VscodeLmChatParams,
  type VscodeLmChatResult,
} from '../../server/src/protocol';
import { CORPORA } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';

let ws: string;
let lsp: LspSession;
const FAKE = {
  id: 'daglens-fake-1',
  vendor: 'daglens-fake',
  family: 'fake-chat',
  name: 'Fake Model',
  version: '1',
  maxInputTokens: 32_000,
};

/** What the test's "VS Code" answers to `daglens/lm/chat`: scripted per request. */
type Handler = (p: VscodeLmChatParams, token: CancellationToken) => Promise<VscodeLmChatResult>;
let handler: Handler = async () => ({ text: 'unscripted', model: FAKE.id });
const received: VscodeLmChatParams[] = [];

/** Sends the reply as three deltas, then the whole text, as the client does with a streamed model reply. */
function streamed(text: string): Handler {
  return async (p) => {
    const third = Math.ceil(text.length / 3);
    for (let i = 0; i < text.length; i += third)
      await lsp.conn.sendNotification('daglens/lm/chatDelta', { streamId: p.streamId, text: text.slice(i, i + third) });
    return { text, model: FAKE.id };
  };
}

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-agents-lsp-'));
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
  cpSync(path.join(CORPORA, 'spark-tpcds', 'spark3', 'queries', 'query42.sql'), path.join(ws, 'tpcds', 'query42.sql'));
  cpSync(
    path.join(CORPORA, 'spark-tpcds', 'spark3', 'plans', 'query42.explain.txt'),
    path.join(ws, 'plans', 'query42.explain.txt'),
  );
  mkdirSync(path.join(ws, 'logs'));
  cpSync(path.join(CORPORA, 'spark-eventlogs', 'code', 'e2e'), path.join(ws, 'spark'), { recursive: true });
  cpSync(path.join(CORPORA, 'spark-eventlogs', 'logs', 'e2e_local_stale.zstd'), path.join(ws, 'logs', 'app.zstd'));
  // No OpenAI-compatible key anywhere: the editor's model is the only one (provider `auto`).
  for (const k of ['OPENAI_API_KEY', 'DAGLENS_LLM_API_KEY', 'DAGLENS_LLM_MODEL']) delete process.env[k];
  lsp = await startLsp(ws, {});
  lsp.conn.onRequest('daglens/lm/chat', (p: VscodeLmChatParams, token: CancellationToken) => {
    received.push(p);
    return handler(p, token);
  });
  await ready(lsp);
});

after(async () => {
  await lsp?.close();
  rmSync(ws, { recursive: true, force: true });
});

test("daglens/tools/call answers with the tool's summary and structured output; bad calls are InvalidParams", async () => {
  const r = await lsp.conn.sendRequest(agentToolCall, { tool: 'lineage', input: { name: 'stg_orders' } });
  const out = AGENT_TOOLS.lineage.output.parse(r.structured);
  assert.deepEqual(
    out.writers.map((w) => w.file),
    ['models/staging/stg_orders.sql'],
  );
  assert.match(r.text, /^asset stg_orders: written by 1, read by 2/);
  const plan = AGENT_TOOLS.map_plan.output.parse(
    (await lsp.conn.sendRequest(agentToolCall, { tool: 'map_plan', input: { file: 'plans/query42.explain.txt' } }))
      .structured,
  );
  assert.equal(plan.sources[0].file, 'tpcds/query42.sql');
  const run = AGENT_TOOLS.map_run.output.parse(
    (await lsp.conn.sendRequest(agentToolCall, { tool: 'map_run', input: { path: 'logs/app.zstd' } })).structured,
  );
  assert.equal(run.page.total, 10);
  assert.ok(run.executions.filter((e) => e.location?.file === 'spark/generate_events.py').length >= 8);

  const invalid = async (params: unknown, pattern: RegExp) => {
    await assert.rejects(
      lsp.conn.sendRequest(agentToolCall, params as never),
      (e: ResponseError<unknown>) => e.code === ErrorCodes.InvalidParams && pattern.test(e.message),
    );
  };
  await invalid({ tool: 'lineage', input: {} }, /^lineage: name: Required/);
  await invalid({ tool: 'no_such', input: {} }, /tool: Invalid enum value/);
  await invalid({ tool: 'map_plan', input: { file: '../../etc/passwd' } }, /outside the workspace/);
  await invalid({ tool: 'impact', input: { name: 'nothing_like_this' } }, /no table, column/);
});

test('without a model: explain_symbol gives the offline facts, and there is nothing to confirm', async () => {
  const prep = await lsp.conn.sendRequest(agentToolPrepare, {
    tool: 'explain_symbol',
    input: { file: 'models/marts/orders.sql', line: 50 },
  });
  assert.equal(prep.invocationMessage, 'Explaining models/marts/orders.sql:50');
  assert.equal(prep.confirmation, undefined);
  const out = AGENT_TOOLS.explain_symbol.output.parse(
    (
      await lsp.conn.sendRequest(agentToolCall, {
        tool: 'explain_symbol',
        input: { file: 'models/marts/orders.sql', line: 50 },
      })
    ).structured,
  );
  assert.equal(out.summary, null);
  assert.equal(received.length, 0);
});

test('vscode-lm: with an editor model announced, chat answers through it — streamed, cited, cached', async () => {
  await lsp.conn.sendNotification(vscodeLmModels, { models: [FAKE] });
  let stats = await lsp.conn.sendRequest(llmStats, {});
  for (const deadline = Date.now() + 5000; stats.state !== 'ready' && Date.now() < deadline;)
    stats = await lsp.conn.sendRequest(llmStats, {});
  assert.equal(stats.state, 'ready');
  assert.equal(stats.providers[0].name, 'VS Code: Fake Model (daglens-fake)');

  const answer = 'Customers are built from stg_customers and orders [1].';
  handler = streamed(answer);
  const deltas: string[] = [];
  const sub = lsp.conn.onNotification('daglens/askDelta', (d: AskDelta) => {
    if (d.streamId === 'a1') deltas.push(d.text);
  });
  const r = await lsp.conn.sendRequest(ask, {
    question: 'What builds customers?',
    streamId: 'a1',
    uri: uri(path.join(ws, 'models/marts/customers.sql')),
  });
  sub.dispose();
  assert.equal(r.offline, false, r.reason);
  assert.equal(r.answer, answer);
  assert.equal(deltas.join(''), answer);
  assert.equal(r.citations.length, 1);
  assert.ok(r.citations[0].uri.startsWith('file:'));
  const sent = received.at(-1)!;
  assert.equal(sent.modelId, FAKE.id);
  assert.match(sent.justification, /question/);
  assert.deepEqual(
    sent.messages.map((m) => m.role),
    ['user'],
  );
  assert.match(sent.messages[0].content, /Evidence:[\s\S]*Question: What builds customers\?/);
  const n = received.length;
  const again = await lsp.conn.sendRequest(ask, {
    question: 'What builds customers?',
    uri: uri(path.join(ws, 'models/marts/customers.sql')),
  });
  assert.equal(again.cached, true);
  assert.equal(received.length, n, 'the cache answered; the editor was not asked');
});

test('vscode-lm: explain_symbol asks for confirmation, then its summary comes from the editor model', async () => {
  const input = { file: 'models/marts/customers.sql', line: 20 };
  const prep = await lsp.conn.sendRequest(agentToolPrepare, { tool: 'explain_symbol', input });
  assert.equal(prep.confirmation?.title, 'Send code to a language model?');
  assert.match(
    prep.confirmation!.message,
    /`customers\.\w+` \(models\/marts\/customers\.sql:\d+-\d+\) to VS Code: Fake Model \(daglens-fake\)/,
  );
  handler = streamed("Aggregates each customer's orders into lifetime counts and dates.");
  const out = AGENT_TOOLS.explain_symbol.output.parse(
    (await lsp.conn.sendRequest(agentToolCall, { tool: 'explain_symbol', input })).structured,
  );
  assert.equal(out.summary?.text, "Aggregates each customer's orders into lifetime counts and dates.");
  assert.equal(out.summary?.model, 'fake-chat');
  assert.match(received.at(-1)!.justification, /explanation/);
  // Stored: no confirmation the second time, and no second request.
  const n = received.length;
  assert.equal(
    (await lsp.conn.sendRequest(agentToolPrepare, { tool: 'explain_symbol', input })).confirmation,
    undefined,
  );
  const again = AGENT_TOOLS.explain_symbol.output.parse(
    (await lsp.conn.sendRequest(agentToolCall, { tool: 'explain_symbol', input })).structured,
  );
  assert.equal(again.summary?.cached, true);
  assert.equal(received.length, n);
});

test("vscode-lm: cancelling the chat cancels the editor request; the user's refusal is an offline answer", async () => {
  let cancelled: () => void = () => undefined;
  const sawCancel = new Promise<void>((r) => {
    cancelled = r;
  });
  handler = (_p, token) =>
    new Promise((_resolve, reject) => {
      token.onCancellationRequested(() => {
        cancelled();
        reject(new ResponseError(-32800, 'cancelled'));
      });
    });
  const cts = new CancellationTokenSource();
  const p = lsp.conn.sendRequest(ask, { question: 'Which models read stg_orders?' }, cts.token);
  for (
    const deadline = Date.now() + 10_000;
    !received.some((x) => /Which models read stg_orders/.test(x.messages[0].content)) && Date.now() < deadline;
  )
    await new Promise((r) => setTimeout(r, 20));
  cts.cancel();
  await assert.rejects(p);
  await sawCancel;

  handler = async () => {
    throw new ResponseError(
      ErrorCodes.InternalError,
      'DagLens may not use Fake Model (daglens-fake): allow it when VS Code asks',
      { kind: 'auth' },
    );
  };
  const refused = await lsp.conn.sendRequest(ask, { question: 'What does order_items hold?' });
  assert.equal(refused.offline, true);
  assert.match(refused.reason ?? '', /may not use Fake Model/);
});

test('vscode-lm: an untrusted workspace sends nothing to the editor model; models gone means no provider', async () => {
  await lsp.conn.sendNotification(setWorkspaceTrust, { trusted: false });
  const n = received.length;
  const r = await lsp.conn.sendRequest(ask, { question: 'What reads raw_orders?' });
  assert.equal(r.offline, true);
  assert.equal(r.state, 'untrusted');
  const ex = AGENT_TOOLS.explain_symbol.output.parse(
    (
      await lsp.conn.sendRequest(agentToolCall, {
        tool: 'explain_symbol',
        input: { file: 'models/staging/stg_orders.sql', line: 3 },
      })
    ).structured,
  );
  assert.match(ex.summaryNote ?? '', /not trusted/);
  assert.equal(received.length, n);
  await lsp.conn.sendNotification(setWorkspaceTrust, { trusted: true });
  await lsp.conn.sendNotification(vscodeLmModels, { models: [] });
  let stats = await lsp.conn.sendRequest(llmStats, {});
  for (const deadline = Date.now() + 5000; stats.state === 'ready' && Date.now() < deadline;)
    stats = await lsp.conn.sendRequest(llmStats, {});
  assert.equal(stats.state, 'noProvider');
});
