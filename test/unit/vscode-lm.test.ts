/**
 * The `vscode-lm` provider (the editor's own models) in the LLM layer, with a scripted editor in place of VS Code:
 * which provider the settings choose; the chat, explanations and mapping verification going through the editor
 * with the same budget, cache, citation checks and structured-output checks (the JSON schema spelled out in the
 * prompt, invalid replies repaired); the user's refusal and cancellation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { silentLogger } from '../../server/src/engine/log';
import { LlmError } from '../../server/src/engine/llm/errors';
import { lowOrdersNode } from '../verifyTargets';
import { LlmService } from '../../server/src/engine/llm/service';
import { pickEditorModel, resolveLlmConfig, type EditorModel } from '../../server/src/engine/llm/settings';
import { editorMessages, type EditorLm, type EditorLmRequest } from '../../server/src/engine/llm/vscodeLm';
import { Workspace } from '../../server/src/engine/workspace/workspace';
import { CORPORA } from '../helpers';

const JAFFLE = path.join(CORPORA, 'dbt', 'jaffle-shop');
const COPILOT: EditorModel = {
  id: 'copilot-gpt-4o',
  vendor: 'copilot',
  family: 'gpt-4o',
  name: 'GPT-4o',
  version: '2024-11',
  maxInputTokens: 64_000,
};
const OTHER: EditorModel = {
  id: 'acme-large',
  vendor: 'acme',
  family: 'acme-large',
  name: 'Acme Large',
  version: '1',
  maxInputTokens: 8_000,
};

/** A scripted editor: answers from a queue (text, or a thrown error), records each request and its signal. */
class ScriptedEditor implements EditorLm {
  readonly requests: Array<EditorLmRequest & { signal?: AbortSignal }> = [];
  private readonly replies: Array<string | LlmError | ((signal?: AbortSignal) => Promise<string>)> = [];
  reply(...r: Array<string | LlmError | ((signal?: AbortSignal) => Promise<string>)>): void {
    this.replies.push(...r);
  }
  async chat(req: EditorLmRequest, onDelta: ((t: string) => void) | undefined, signal?: AbortSignal) {
    this.requests.push({ ...req, signal });
    const r = this.replies.shift() ?? 'no scripted reply';
    if (r instanceof LlmError) throw r;
    const text = typeof r === 'function' ? await r(signal) : r;
    // Streamed in three pieces, as an editor model would.
    const third = Math.ceil(text.length / 3);
    for (let i = 0; i < text.length; i += third) onDelta?.(text.slice(i, i + third));
    return { text, model: req.modelId };
  }
}

async function service(llm: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, models: EditorModel[] = [COPILOT]) {
  const ws = new Workspace(JAFFLE, parseSettings({}).settings, silentLogger);
  const svc = new LlmService({
    workspace: ws,
    settings: { llm },
    env,
    cacheDir: mkdtempSync(path.join(os.tmpdir(), 'daglens-vslm-')),
    log: silentLogger,
    hooks: { sleep: async () => {} },
  });
  const editor = new ScriptedEditor();
  svc.setEditorModels(editor, models);
  await ws.scan();
  return { svc, editor };
}

test('provider choice: auto uses the editor model only without a usable key; openai never; vscode-lm always', () => {
  const key = { OPENAI_API_KEY: 'sk-x' };
  assert.equal(
    resolveLlmConfig({ llm: { model: 'gpt-4o-mini' } }, key, [COPILOT]).providers[0].kind,
    undefined,
    'a key set: the OpenAI-compatible chain',
  );
  const auto = resolveLlmConfig({ llm: { model: 'gpt-4o-mini' } }, {}, [COPILOT]);
  assert.equal(auto.providers.length, 1);
  assert.equal(auto.providers[0].kind, 'vscode-lm');
  assert.equal(auto.providers[0].name, 'VS Code: GPT-4o (copilot)');
  assert.equal(auto.providers[0].contextWindow, 64_000);
  assert.deepEqual(auto.problems, [], 'the missing key is no problem when the editor model answers');
  assert.equal(
    resolveLlmConfig({}, {}, [COPILOT]).providers[0].kind,
    'vscode-lm',
    'nothing configured: the editor model',
  );
  assert.equal(resolveLlmConfig({ llm: { provider: 'openai' } }, {}, [COPILOT]).providers.length, 0);
  assert.equal(
    resolveLlmConfig({ llm: { provider: 'vscode-lm', model: 'gpt-4o-mini' } }, key, [COPILOT]).providers[0].kind,
    'vscode-lm',
  );
  assert.equal(
    resolveLlmConfig({ llm: { enabled: false } }, {}, [COPILOT]).providers.length,
    0,
    'disabled: no editor model either',
  );
  const none = resolveLlmConfig({ llm: { provider: 'vscode-lm' } }, {}, []);
  assert.equal(none.providers.length, 0);
  assert.match(none.problems[0], /editor offers no chat model/);
  const missing = resolveLlmConfig({ llm: { provider: 'vscode-lm', vscodeModel: 'claude' } }, {}, [COPILOT, OTHER]);
  assert.match(missing.problems[0], /no model 'claude' among the editor's \(copilot\/gpt-4o, acme\/acme-large\)/);
  assert.equal(pickEditorModel([COPILOT, OTHER], 'acme/acme-large'), OTHER);
  assert.equal(pickEditorModel([COPILOT, OTHER], 'Acme Large'), OTHER);
  assert.equal(pickEditorModel([COPILOT, OTHER], 'copilot-gpt-4o'), COPILOT);
  assert.equal(pickEditorModel([COPILOT, OTHER], ''), COPILOT);
});

test("editor messages: instructions lead the first user turn; a structured reply's schema is spelled out", () => {
  const m = editorMessages([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Q?' },
    { role: 'assistant', content: 'A' },
    { role: 'user', content: 'Again?' },
  ]);
  assert.deepEqual(
    m.map((x) => x.role),
    ['user', 'assistant', 'user'],
  );
  assert.equal(m[0].content, 'Instructions:\nBe brief.\n\nQ?');
  const s = editorMessages([{ role: 'user', content: 'Pick.' }], {
    type: 'json_schema',
    json_schema: { name: 'v', schema: { type: 'object', properties: { candidate: { type: 'integer' } } } },
  });
  assert.match(
    s[0].content,
    /^Instructions:\nReply with only one JSON object that matches this JSON schema:\n\{"type":"object","properties":\{"candidate":\{"type":"integer"\}\}\}/,
  );
  assert.match(s[0].content, /Pick\.$/);
});

test('chat through the editor model: streamed, cited (invented citations dropped), cached, ledgered', async () => {
  const { svc, editor } = await service({});
  assert.equal(svc.state, 'ready');
  assert.match(svc.stats().message, /^ready: VS Code: GPT-4o \(copilot\)$/);
  const answer = 'Food orders are flagged in compute_booleans [1]; see also ghost.sql:1-2.';
  editor.reply(answer);
  const deltas: string[] = [];
  const r = await svc.ask({ question: 'how are food orders flagged? compute_booleans' }, (d) => deltas.push(d));
  assert.equal(r.offline, false);
  // The invented citation stays visible but struck through, with a note (as for any provider).
  assert.match(r.answer, /^Food orders are flagged in compute_booleans \[1\]; see also ~~ghost\.sql:1-2~~\./);
  assert.match(r.answer, /left out a citation to code that is not in the workspace/);
  assert.equal(deltas.join(''), answer);
  assert.equal(r.droppedCitations, 1);
  assert.ok(r.citations.length >= 1 && r.citations.every((c) => c.file.startsWith('models/')));
  const sent = editor.requests[0];
  assert.equal(sent.modelId, 'copilot-gpt-4o');
  assert.match(sent.justification, /question/);
  assert.deepEqual(
    sent.messages.map((m) => m.role),
    ['user'],
    'no system turn: editor models take user turns',
  );
  assert.match(
    sent.messages[0].content,
    /^Instructions:\nYou are DagLens[\s\S]*Evidence:[\s\S]*Question: how are food orders flagged/,
  );
  // The same question again: from the cache, the editor is not asked.
  const again = await svc.ask({ question: 'how are food orders flagged? compute_booleans' });
  assert.equal(again.cached, true);
  assert.equal(editor.requests.length, 1);
  const s = svc.stats();
  assert.equal(s.total.requests, 1);
  assert.equal(s.total.cacheHits, 1);
  assert.ok(s.byModel['gpt-4o'].costUsd > 0, 'priced like the model family, so the budget bounds it');
});

test('the budget holds for editor models: a request that could exceed it is not sent', async () => {
  const { svc, editor } = await service({ maxJobCostUsd: 0.000001 });
  const r = await svc.ask({ question: 'what builds customers?' });
  assert.equal(r.offline, true);
  assert.match(r.reason ?? '', /ask budget of \$0\.0000010 would be exceeded/);
  assert.equal(editor.requests.length, 0);
});

test('explanations and mapping verification go through the editor; invalid structured replies are repaired', async () => {
  const { svc, editor } = await service({ repairAttempts: 1 });
  editor.reply('Builds the orders mart: joins stg_orders with order items and flags food and drink orders.');
  const e = await svc.explain('models/marts/orders.sql', { line: 50 });
  assert.match(e.summary, /^Builds the orders mart/);
  assert.equal(e.model, 'gpt-4o');
  assert.match(editor.requests[0].justification, /explanation/);

  const target = lowOrdersNode();
  // First a reply that is no JSON, then a valid verdict: one repair round.
  editor.reply(
    'It is the orders model, candidate 2.',
    '```json\n{"candidate": 2, "confidence": 0.9, "explanation": "orders.sql computes is_food_order."}\n```',
  );
  const before = editor.requests.length;
  const v = await svc.verify([target]);
  const sent = editor.requests.slice(before);
  assert.equal(sent.length, 2);
  assert.match(sent[0].messages[0].content, /Reply with only one JSON object that matches this JSON schema:\n\{/);
  assert.match(sent[1].messages.at(-1)!.content, /That reply is invalid: the reply is not valid JSON/);
  assert.equal(v.verified, 1);
  assert.equal(v.mappings[0].best?.file, 'models/marts/orders.sql');
  assert.match(v.mappings[0].best!.explanation, /^LLM \(gpt-4o\): orders\.sql computes/);
});

test("the user refusing VS Code's consent prompt: the answer comes offline and says so", async () => {
  const { svc, editor } = await service({});
  editor.reply(new LlmError('auth', 'DagLens may not use GPT-4o (copilot): allow it when VS Code asks'));
  const r = await svc.ask({ question: 'what reads stg_orders?' });
  assert.equal(r.offline, true);
  assert.match(r.reason ?? '', /may not use GPT-4o/);
  assert.match(r.answer, /No model answered/);
});

test('cancellation reaches the editor request', async () => {
  const { svc, editor } = await service({});
  let aborted = false;
  editor.reply(
    (signal) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          aborted = true;
          reject(new LlmError('cancelled', 'cancelled'));
        });
      }),
  );
  const ac = new AbortController();
  const p = svc.ask({ question: 'what writes orders?' }, undefined, ac.signal);
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (e: Error) => e instanceof LlmError && e.kind === 'cancelled');
  assert.ok(aborted, 'the editor saw the abort');
});

test('untrusted or disabled: nothing goes to the editor model', async () => {
  const { svc, editor } = await service({});
  svc.setTrusted(false);
  const r = await svc.ask({ question: 'what writes orders?' });
  assert.equal(r.offline, true);
  assert.equal(svc.state, 'untrusted');
  const off = await service({ enabled: false });
  assert.equal(off.svc.state, 'disabled');
  assert.equal(editor.requests.length + off.editor.requests.length, 0);
  // Outside the editor (no models announced) nothing is ready.
  const cli = await service({}, {}, []);
  assert.equal(cli.svc.state, 'noProvider');
});
