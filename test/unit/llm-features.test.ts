/**
 * The LLM features on a real workspace (the jaffle-shop dbt project from the shared corpora) against the
 * fake OpenAI server, through the real `openai` client: the chat backend, explanations, mapping
 * verification, privacy, and the offline fallbacks.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { Engine } from '../../server/src/engine/engine';
import { silentLogger } from '../../server/src/engine/log';
import type { VerifyTarget } from '../../server/src/engine/llm/features/verify';
import { lowOrdersNode } from '../verifyTargets';
import { extractCitations } from '../../server/src/engine/llm/features/ask';
import { LlmService } from '../../server/src/engine/llm/service';
import { Workspace } from '../../server/src/engine/workspace/workspace';
import { FakeOpenAI } from '../fake-openai/server';
import { CORPORA } from '../helpers';

const JAFFLE = path.join(CORPORA, 'dbt', 'jaffle-shop');
let fake: FakeOpenAI;

before(async () => {
  fake = await FakeOpenAI.start({ apiKey: 'sk-test' });
});
after(() => fake.close());

async function service(llm: Record<string, unknown>, opts: { cacheDir?: string; env?: NodeJS.ProcessEnv } = {}) {
  const ws = new Workspace(JAFFLE, parseSettings({}).settings, silentLogger);
  const svc = new LlmService({
    workspace: ws,
    settings: { llm },
    env: opts.env ?? { OPENAI_API_KEY: 'sk-test' },
    cacheDir: opts.cacheDir ?? mkdtempSync(path.join(os.tmpdir(), 'daglens-llmf-')),
    log: silentLogger,
    hooks: { sleep: async () => {} },
  });
  await ws.scan();
  return svc;
}

const configured = () => ({ baseUrl: fake.url, model: 'gpt-4o-mini' });

test('ask streams an answer over numbered evidence and keeps only citations that exist', async () => {
  const svc = await service(configured());
  const answer = [
    'Orders are enriched with item counts in `compute_booleans` [1], joined on order_id.',
    'Customer order numbers come from a window function [1, 12].',
    'See also models/marts/orders.sql:42-61 and models/marts/imaginary.sql:1-3, and models/marts/orders.sql:70-900;',
    'the window is in orders.sql:63-75, not in a file called stg.sql:1.',
  ].join(' ');
  fake.reply({ type: 'answer', content: answer, chunks: 6 });
  const deltas: string[] = [];
  const r = await svc.ask({ question: 'how are orders flagged as food orders? compute_booleans' }, (d) =>
    deltas.push(d),
  );
  assert.equal(r.offline, false);
  assert.equal(deltas.join(''), answer);
  // The prompt carried numbered evidence from the workspace.
  const prompt = fake.calls('chat/completions').at(-1)!.body.messages[1].content as string;
  assert.match(prompt, /\[1\] models\/marts\/orders\.sql:\d+-\d+/);
  // [1], orders.sql:42-61 and the bare `orders.sql:63-75` (one file has that name) survive; [12] (no such
  // evidence), imaginary.sql, lines past the end and `stg.sql` (no file by that name) do not.
  assert.equal(r.droppedCitations, 4);
  assert.ok(
    r.citations.every((c) => c.file === 'models/marts/orders.sql'),
    JSON.stringify(r.citations),
  );
  assert.ok(r.citations.some((c) => c.startLine === 42 && c.endLine === 61));
  assert.ok(r.citations.some((c) => c.startLine === 63 && c.endLine === 75));
  assert.ok(r.evidence.length > 0);
});

test('ask with the current file and selection puts the selected lines first', async () => {
  const svc = await service(configured());
  fake.reply({ type: 'answer', content: 'The selection defines the orders CTE [1].' });
  const r = await svc.ask({
    question: 'what is this?',
    file: 'models/marts/orders.sql',
    selection: { startLine: 3, endLine: 7 },
  });
  assert.deepEqual(r.citations[0], { file: 'models/marts/orders.sql', startLine: 3, endLine: 7 });
  const prompt = fake.calls('chat/completions').at(-1)!.body.messages[1].content as string;
  assert.match(prompt, /\[1\] models\/marts\/orders\.sql:3-7\n```\norders as \(/);
});

test('no provider configured: ask answers offline with the evidence and says why; nothing is sent', async () => {
  const before = fake.requests.length;
  const svc = await service({}, { env: {} });
  assert.equal(svc.state, 'noProvider');
  const r = await svc.ask({ question: 'where is customer_order_count computed?' });
  assert.equal(r.offline, true);
  assert.match(r.answer, /No model answered: no LLM is configured/);
  assert.ok(r.citations.some((c) => c.file === 'models/marts/orders.sql'));
  assert.equal(fake.requests.length, before);
});

test('privacy: an untrusted workspace or llm.enabled=false sends nothing, and the answer says why', async () => {
  const before = fake.requests.length;
  const untrusted = await service(configured());
  untrusted.setTrusted(false);
  const r1 = await untrusted.ask({ question: 'what does orders.sql do?' });
  assert.equal(r1.offline, true);
  assert.match(r1.reason!, /not trusted, so no code leaves this machine/);
  await assert.rejects(untrusted.explain('models/marts/orders.sql', { name: 'orders' }), /not trusted/);
  const disabled = await service({ ...configured(), enabled: false });
  const r2 = await disabled.ask({ question: 'what does orders.sql do?' });
  assert.match(r2.reason!, /disabled/);
  assert.equal(fake.requests.length, before);
});

test('a provider returning HTML: one clear reason, offline answer, the service keeps working', async () => {
  const svc = await service({ ...configured(), maxRetries: 0 });
  fake.reply({ type: 'html' });
  const r = await svc.ask({ question: 'which models use stg_orders?' });
  assert.equal(r.offline, true);
  assert.match(r.reason!, /HTML page, not an OpenAI-compatible API/);
  fake.reply({ type: 'answer', content: 'It is used by orders [1].' });
  const again = await svc.ask({ question: 'which models use stg_orders? (again)' });
  assert.equal(again.offline, false);
});

test('explanations are generated once per content hash and survive a restart', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-explain-'));
  const svc = await service(configured(), { cacheDir: dir });
  fake.reply({
    type: 'answer',
    content: 'Builds one row per order from stg_orders and order_items, with cost, item counts and food/drink flags.',
  });
  const before = fake.calls('chat/completions').length;
  const e1 = await svc.explain('models/marts/orders.sql', { name: 'orders.compute_booleans' });
  assert.equal(e1.symbol, 'orders.compute_booleans');
  assert.equal(e1.startLine, 42);
  assert.match(e1.summary, /food\/drink flags/);
  const sent = fake.calls('chat/completions').at(-1)!.body.messages[1].content as string;
  assert.match(sent, /order_items_summary\.count_food_items > 0 as is_food_order/);
  // Hovering anywhere inside the CTE finds the stored explanation without a request.
  assert.equal(svc.storedExplanation('models/marts/orders.sql', { line: 50 })?.summary, e1.summary);
  const fresh = await service(configured(), { cacheDir: dir });
  const e2 = await fresh.explain('models/marts/orders.sql', { name: 'orders.compute_booleans' });
  assert.equal(e2.cached, true);
  assert.equal(fake.calls('chat/completions').length - before, 1);
});

test('bulk explanation stops at the job budget and never exceeds it', async () => {
  const svc = await service({ ...configured(), maxJobCostUsd: 0.0008 });
  // Each reply reports 2000 prompt tokens: $0.0003 a request, so the third one's worst case no longer fits.
  fake.clear();
  fake.reply(
    ...Array.from({ length: 10 }, () => ({
      type: 'answer' as const,
      content: 'A summary.',
      usage: { prompt_tokens: 2000, completion_tokens: 50 },
    })),
  );
  const before = fake.calls('chat/completions').length;
  const r = await svc.explainAll(['models/marts/orders.sql', 'models/marts/customers.sql']);
  assert.match(r.stoppedBy ?? '', /budget of \$0\.00080 would be exceeded/);
  const sent = fake.calls('chat/completions').length - before;
  fake.clear();
  assert.equal(r.explained, sent);
  assert.equal(sent, 2);
  const spent = svc.ledger
    .all()
    .slice(-sent - 1)
    .reduce((n, e) => n + e.costUsd, 0);
  assert.ok(spent <= 0.0008, `spent ${spent}`);
});

test('verification: the model picks and narrows a candidate; the mapping is merged with recalibrated confidence', async () => {
  const svc = await service(configured());
  fake.reply({
    type: 'answer',
    content: {
      candidate: 2,
      startLine: 42,
      endLine: 61,
      confidence: 0.9,
      explanation: 'compute_booleans derives is_food_order and is_drink_order.',
    },
  });
  const before = fake.calls('chat/completions').length;
  const r = await svc.verify([lowOrdersNode()]);
  const sent = fake.calls('chat/completions').slice(before);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].body.response_format.type, 'json_schema');
  const m = r.mappings[0];
  assert.equal(r.verified, 1);
  assert.equal(r.changed, 1);
  assert.equal(m.best!.file, 'models/marts/orders.sql');
  assert.deepEqual([m.best!.startLine, m.best!.endLine], [42, 61]);
  // Noisy-OR of 0.55 and 0.8·0.9, less 5% for overruling the offline best: 0.83.
  assert.ok(Math.abs(m.best!.confidence - (1 - 0.45 * 0.28) * 0.95) < 1e-9);
  assert.equal(m.status, 'high');
  assert.equal(m.alternatives[0].file, 'models/marts/customers.sql');
  assert.match(m.best!.explanation, /^LLM \(gpt-4o-mini\): compute_booleans/);
});

test('verification keeps the offline mapping when the model cites what does not exist or never validates', async () => {
  const svc = await service({ ...configured(), repairAttempts: 1 });
  const target = lowOrdersNode();
  fake.reply({ type: 'answer', content: { candidate: 42, confidence: 1, explanation: 'the one in another repo' } });
  const r1 = await svc.verify([target]);
  assert.deepEqual(r1.mappings[0], target.mapping);
  assert.match(r1.problems[0], /chose candidate 42/);
  // A narrowing outside the file is ignored: the whole candidate is kept.
  fake.reply({
    type: 'answer',
    content: { candidate: 2, startLine: 70, endLine: 500, confidence: 0.8, explanation: 'window' },
  });
  const r2 = await svc.verify([{ ...target, node: { ...target.node, detail: 'row_number' } }]);
  assert.deepEqual([r2.mappings[0].best!.startLine, r2.mappings[0].best!.endLine], [1, 77]);
  fake.reply({ type: 'answer', content: 'I think it is orders.sql' }, { type: 'answer', content: { pick: 2 } });
  const r3 = await svc.verify([{ ...target, node: { ...target.node, label: 'orders (v3)' } }]);
  assert.deepEqual(r3.mappings[0], target.mapping);
  assert.match(r3.problems[0], /did not validate after 2 attempts .*; offline mapping kept$/);
});

test('verification only sends low or ambiguous nodes', async () => {
  const svc = await service(configured());
  const confident: VerifyTarget = {
    node: { id: 'n2', operator: 'model', label: 'customers' },
    mapping: {
      nodeId: 'n2',
      status: 'high',
      best: {
        file: 'models/marts/customers.sql',
        symbol: 'customers',
        startLine: 1,
        endLine: 58,
        confidence: 0.95,
        explanation: 'ref',
      },
      alternatives: [],
    },
  };
  const before = fake.calls('chat/completions').length;
  const r = await svc.verify([confident]);
  assert.equal(fake.calls('chat/completions').length, before);
  assert.deepEqual(r.mappings, [confident.mapping]);
});

test('stats report requests, cache hits, spend and errors from the ledger', async () => {
  const svc = await service(configured());
  fake.reply({ type: 'answer', content: 'answer [1]', usage: { prompt_tokens: 2000, completion_tokens: 100 } });
  await svc.ask({ question: 'stats question about orders' });
  await svc.ask({ question: 'stats question about orders' });
  const s = svc.stats();
  assert.equal(s.state, 'ready');
  assert.equal(s.total.requests, 1);
  assert.equal(s.total.cacheHits, 1);
  assert.ok(Math.abs(s.total.costUsd - (2000 * 0.15 + 100 * 0.6) / 1e6) < 1e-12);
  assert.equal(s.byFeature.ask.requests, 1);
  assert.equal(s.limits.maxJobCostUsd, 0.5);
});

test('ask about a file adds its table lineage (from engine.lineage) to the prompt', async () => {
  const engine = new Engine({
    root: JAFFLE,
    settings: { llm: configured() },
    llmEnv: { OPENAI_API_KEY: 'sk-test' },
    llmCacheDir: null,
  });
  await engine.workspace.scan();
  fake.reply({ type: 'answer', content: 'customers reads it [1].' });
  await engine.llm.ask({
    question: 'what breaks downstream if I change this model?',
    file: 'models/staging/stg_orders.sql',
  });
  const prompt = fake.calls('chat/completions').at(-1)!.body.messages[1].content as string;
  assert.match(
    prompt,
    /Lineage of models\/staging\/stg_orders\.sql:\n- stg_orders \(models\/staging\/stg_orders\.sql:1-\d+\) reads ecom\.raw_orders; writes stg_orders; its output is read by order_items \(models\/marts\/order_items\.sql\), orders \(models\/marts\/orders\.sql\)/,
  );
});

test('offline, a question naming a model is answered from lineage: the models that read it first, each cited once', async () => {
  const engine = new Engine({ root: JAFFLE, settings: {}, llmEnv: {}, llmCacheDir: null });
  await engine.workspace.scan();
  const r = await engine.llm.ask({ question: 'Which models read stg_orders?' });
  assert.equal(r.offline, true);
  // orders and order_items read stg_orders: they lead the evidence, ahead of stg_orders.sql and its YAML.
  assert.deepEqual(
    r.citations
      .slice(0, 2)
      .map((c) => c.file)
      .sort(),
    ['models/marts/order_items.sql', 'models/marts/orders.sql'],
  );
  assert.match(
    r.answer,
    /From the lineage: \*\*stg_orders\*\* is read by `order_items` \[\d\] and `orders` \[\d\]|From the lineage: \*\*stg_orders\*\* is read by `orders` \[\d\] and `order_items` \[\d\]/,
  );
  assert.match(r.answer, /it is written by `stg_orders` \[3\]/);
  // The citations list the code: the text does not repeat their paths.
  assert.ok(!/`models\//.test(r.answer), r.answer);
  for (const n of r.answer.matchAll(/\[(\d+)\]/g))
    assert.ok(Number(n[1]) <= r.citations.length, `[${n[1]}] names a citation`);
});

test("an answer's citations are renumbered as the list the chat shows; invented ones are removed or struck through", async () => {
  const svc = await service(configured());
  const orders = svc.text.lineCount('models/marts/orders.sql')!;
  const evidence = [
    { file: 'models/marts/orders.sql', startLine: 1, endLine: 5, text: '' },
    { file: 'models/staging/stg_orders.sql', startLine: 1, endLine: 3, text: '' },
  ];
  const { text, citations, dropped } = extractCitations(
    `Orders come from staging [2] and are summed [1, 2]. A window is at \`orders.sql:${orders}\`, see also models/marts/imaginary.sql:1-3 and [7].\n\n\`\`\`python\nx = rows[1]\n\`\`\``,
    evidence,
    svc,
  );
  assert.deepEqual(
    citations.map((c) => `${c.file}:${c.startLine}`),
    ['models/staging/stg_orders.sql:1', 'models/marts/orders.sql:1', `models/marts/orders.sql:${orders}`],
  );
  assert.equal(dropped, 2);
  assert.equal(
    text,
    `Orders come from staging [1] and are summed [2][1]. A window is at \`orders.sql:${orders}\` [3], see also ~~models/marts/imaginary.sql:1-3~~ and.\n\n\`\`\`python\nx = rows[1]\n\`\`\`\n\n_DagLens left out 2 citations to code that is not in the workspace (struck through)._`,
  );
});
