import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Budget, Job } from '../../server/src/engine/llm/budget';
import { ResponseCache } from '../../server/src/engine/llm/cache';
import { LlmClient, probeProviders, redact } from '../../server/src/engine/llm/client';
import { Ledger } from '../../server/src/engine/llm/ledger';
import { LlmError } from '../../server/src/engine/llm/errors';
import { structured } from '../../server/src/engine/llm/structured';
import { z } from 'zod/v4';
import { FakeOpenAI } from '../fake-openai/server';
import { harness } from '../fake-openai/harness';

let fake: FakeOpenAI;
let backup: FakeOpenAI;
before(async () => {
  fake = await FakeOpenAI.start({ apiKey: 'sk-test', models: ['gpt-4o-mini', 'local-model'] });
  backup = await FakeOpenAI.start();
});
after(async () => {
  await fake.close();
  await backup.close();
});

const user = (content: string) => [{ role: 'user' as const, content }];
async function rejectsWith(p: Promise<unknown>, kind: string): Promise<LlmError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof LlmError, `expected an LlmError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a ${kind} error`);
}

test('a normal answer: text, usage from the server, cost from the price table', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  fake.reply({
    type: 'answer',
    content: 'orders are joined to stores',
    usage: { prompt_tokens: 1000, completion_tokens: 200 },
  });
  const job = h.job();
  const r = await h.client.chat({ feature: 'test', job, messages: user('what joins orders?') });
  assert.equal(r.text, 'orders are joined to stores');
  assert.equal(r.promptTokens, 1000);
  assert.equal(r.completionTokens, 200);
  // gpt-4o-mini: $0.15 / $0.60 per million tokens.
  assert.ok(Math.abs(r.costUsd - (1000 * 0.15 + 200 * 0.6) / 1e6) < 1e-12);
  assert.ok(Math.abs(job.spentUsd - r.costUsd) < 1e-12);
  assert.equal(fake.calls('chat/completions').at(-1)!.headers.authorization, 'Bearer sk-test');
});

test('streaming over SSE delivers tokens in order and reads usage from the last chunk', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  fake.reply({
    type: 'answer',
    content: 'The revenue is computed in jobs/sales_job.py.',
    chunks: 5,
    usage: { prompt_tokens: 50, completion_tokens: 12 },
  });
  const deltas: string[] = [];
  const r = await h.client.chat({
    feature: 'test',
    job: h.job(),
    messages: user('stream please'),
    onToken: (d) => deltas.push(d),
  });
  assert.ok(deltas.length >= 4, `several deltas, got ${deltas.length}`);
  assert.equal(deltas.join(''), 'The revenue is computed in jobs/sales_job.py.');
  assert.equal(r.text, deltas.join(''));
  assert.equal(r.completionTokens, 12);
  const sent = fake.calls('chat/completions').at(-1)!.body;
  assert.equal(sent.stream, true);
  assert.deepEqual(sent.stream_options, { include_usage: true });
});

test('429 with Retry-After: waits what the server asked, then succeeds', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  const before = fake.calls('chat/completions').length;
  fake.reply(
    { type: 'status', status: 429, headers: { 'retry-after': '2' } },
    { type: 'answer', content: 'after the pause' },
  );
  const r = await h.client.chat({ feature: 'test', job: h.job(), messages: user('rate limited') });
  assert.equal(r.text, 'after the pause');
  assert.equal(fake.calls('chat/completions').length - before, 2);
  assert.deepEqual(h.sleeps, [2000]);
});

test('500s are retried with exponential backoff and jitter', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini', maxRetries: 3 });
  fake.reply(
    { type: 'status', status: 500 },
    { type: 'status', status: 502 },
    { type: 'answer', content: 'third time' },
  );
  const r = await h.client.chat({ feature: 'test', job: h.job(), messages: user('flaky') });
  assert.equal(r.text, 'third time');
  // random() = 0.5 → ¾ of 500·2^n.
  assert.deepEqual(h.sleeps, [375, 750]);
  const errors = h.ledger
    .all()
    .filter((e) => e.outcome === 'error')
    .map((e) => e.error);
  assert.deepEqual(errors, ['server', 'server']);
});

test('a provider that keeps failing opens its circuit and the fallback provider answers', async () => {
  const h = harness({
    baseUrl: fake.url,
    model: 'gpt-4o-mini',
    maxRetries: 10,
    fallback: [{ name: 'backup', baseUrl: backup.url, model: 'backup-model' }],
  });
  const before = fake.calls('chat/completions').length;
  fake.reply(...Array.from({ length: 6 }, () => ({ type: 'status' as const, status: 503 })));
  backup.reply({ type: 'answer', content: 'from the backup' });
  const r = await h.client.chat({ feature: 'test', job: h.job(), messages: user('fail over') });
  assert.equal(r.text, 'from the backup');
  assert.equal(r.provider, 'backup');
  // The breaker opens after 4 consecutive failures, well before the 10 retries allowed.
  assert.equal(fake.calls('chat/completions').length - before, 4);
  assert.equal(h.client.providers[0].breaker.state, 'open');
  // While open, the next request goes straight to the backup.
  backup.reply({ type: 'answer', content: 'still the backup' });
  const r2 = await h.client.chat({ feature: 'test', job: h.job(), messages: user('again') });
  assert.equal(r2.text, 'still the backup');
  assert.equal(fake.calls('chat/completions').length - before, 4);
  fake.clear(); // the scripted 503s the open circuit spared
});

test('a request that hangs past the timeout is abandoned and retried', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini', timeoutMs: 200, maxRetries: 1 });
  fake.reply({ type: 'hang' }, { type: 'answer', content: 'answered on retry' });
  const r = await h.client.chat({ feature: 'test', job: h.job(), messages: user('slow') });
  assert.equal(r.text, 'answered on retry');
  assert.deepEqual(
    h.ledger
      .all()
      .filter((e) => e.outcome === 'error')
      .map((e) => e.error),
    ['timeout'],
  );
});

test('cancellation aborts the HTTP request in flight', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  fake.reply({ type: 'hang' });
  const ac = new AbortController();
  const p = h.client.chat({
    feature: 'test',
    job: h.job(),
    messages: user('cancel me'),
    signal: ac.signal,
    onToken: () => {},
  });
  await waitUntil(() => fake.requests.some((r) => r.body?.messages?.[0]?.content === 'cancel me'));
  ac.abort();
  await rejectsWith(p, 'cancelled');
  assert.equal(h.sleeps.length, 0, 'a cancelled request is not retried');
});

test('identical requests are answered from the on-disk cache, free, even by a new process', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  fake.reply({ type: 'answer', content: 'cached answer', usage: { prompt_tokens: 10, completion_tokens: 3 } });
  const before = fake.calls('chat/completions').length;
  const first = await h.client.chat({ feature: 'test', job: h.job(), messages: user('cache me') });
  const second = await h.client.chat({ feature: 'test', job: h.job(), messages: user('cache me') });
  assert.equal(second.text, first.text);
  assert.equal(second.cached, true);
  assert.equal(second.costUsd, 0);
  assert.equal(fake.calls('chat/completions').length - before, 1);
  // A fresh cache object over the same folder (another run of the CLI) also hits.
  await h.cache.flush();
  const fresh = new LlmClient(h.client.config, h.budget, new ResponseCache(h.dir, 3_600_000), h.ledger);
  const third = await fresh.chat({ feature: 'test', job: h.job(), messages: user('cache me') });
  assert.equal(third.cached, true);
  assert.equal(fake.calls('chat/completions').length - before, 1);
  // An expired entry is a miss.
  const expired = new LlmClient(
    h.client.config,
    h.budget,
    new ResponseCache(h.dir, 3_600_000, () => Date.now() + 7_200_000),
    h.ledger,
  );
  fake.reply({ type: 'answer', content: 'fresh answer' });
  assert.equal(
    (await expired.chat({ feature: 'test', job: h.job(), messages: user('cache me') })).text,
    'fresh answer',
  );
});

test('the job budget is never exceeded: a request whose worst case would cross it is not sent', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini', maxOutputTokens: 1000 });
  // Worst case of one request ≈ 1000 output tokens × $0.60/M = $0.0006 plus the prompt.
  const job = new Job('tiny', 0.0005);
  const before = fake.calls('chat/completions').length;
  const e = await rejectsWith(h.client.chat({ feature: 'test', job, messages: user('too expensive') }), 'budget');
  assert.match(e.message, /tiny budget of \$0\.00050 would be exceeded/);
  assert.equal(fake.calls('chat/completions').length, before, 'nothing was sent');
  assert.equal(job.spentUsd, 0);
  assert.equal(h.ledger.all().at(-1)!.outcome, 'refused');
});

test('usage that exhausts the budget: later requests are refused, spend never passes the limit', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini', maxOutputTokens: 100 });
  const job = new Job('job', 0.001);
  // The server reports a huge prompt: $0.15/M × 6500 ≈ $0.00098 of the $0.001, so the next request's
  // worst case (100 reply tokens at $0.60/M) no longer fits.
  fake.reply({ type: 'answer', content: 'big', usage: { prompt_tokens: 6500, completion_tokens: 10 } });
  const before = fake.calls('chat/completions').length;
  await h.client.chat({ feature: 'test', job, messages: user('first') });
  await rejectsWith(h.client.chat({ feature: 'test', job, messages: user('second') }), 'budget');
  assert.equal(fake.calls('chat/completions').length - before, 1);
  assert.ok(job.spentUsd <= job.limitUsd, `spent ${job.spentUsd} of ${job.limitUsd}`);
});

test('the hourly cap holds across jobs and processes (it is read from the ledger on disk)', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini', maxHourlyCostUsd: 0.0008, maxOutputTokens: 100 });
  fake.reply({ type: 'answer', content: 'x', usage: { prompt_tokens: 5000, completion_tokens: 10 } });
  await h.client.chat({ feature: 'test', job: h.job(), messages: user('spend') });
  const other = new Budget(new Ledger(h.dir), 0.0008);
  assert.throws(() => other.reserve(new Job('other', 1), 0.0001), /hourly cap of \$0\.00080 would be exceeded/);
});

test('structured output: schema sent as response_format, reply validated, repaired once, then accepted', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  const Schema = z.object({ choice: z.number().int(), explanation: z.string() });
  fake.reply(
    { type: 'answer', content: '{"choice": 1, "explanation": ' }, // malformed JSON
    { type: 'answer', content: { choice: 'one', explanation: 'x' } }, // schema-invalid
    { type: 'answer', content: '```json\n{"choice": 2, "explanation": "the CTE matches"}\n```' },
  );
  const before = fake.calls('chat/completions').length;
  const r = await structured(h.client, {
    feature: 'test',
    job: h.job(),
    messages: user('pick'),
    schema: Schema,
    name: 'pick',
  });
  assert.deepEqual(r.value, { choice: 2, explanation: 'the CTE matches' });
  const calls = fake.calls('chat/completions').slice(before);
  assert.equal(calls.length, 3);
  assert.equal(calls[0].body.response_format.type, 'json_schema');
  assert.deepEqual(calls[0].body.response_format.json_schema.schema.required, ['choice', 'explanation']);
  // The repair prompt carries the validation error back to the model.
  assert.match(calls[1].body.messages.at(-1).content, /not valid JSON/);
  assert.match(calls[2].body.messages.at(-1).content, /choice: .*expected number/i);
});

test('structured output that never validates fails with invalid-output (and is not cached)', async () => {
  const h = harness({ baseUrl: fake.url, model: 'gpt-4o-mini', repairAttempts: 1 });
  const Schema = z.object({ ok: z.boolean() });
  fake.reply({ type: 'answer', content: 'not json' }, { type: 'answer', content: '{"ok": "yes"}' });
  await rejectsWith(
    structured(h.client, { feature: 'test', job: h.job(), messages: user('never valid'), schema: Schema, name: 'x' }),
    'invalid-output',
  );
  fake.reply({ type: 'answer', content: '{"ok": true}' });
  const r = await structured(h.client, {
    feature: 'test',
    job: h.job(),
    messages: user('never valid'),
    schema: Schema,
    name: 'x',
  });
  assert.deepEqual(r.value, { ok: true });
  assert.equal(r.calls[0].cached, false);
});

test('bad input: wrong key, unknown model, HTML page, unreachable URL — one clear message each', async () => {
  const wrongKey = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' }, { OPENAI_API_KEY: 'sk-wrong' });
  const auth = await rejectsWith(
    wrongKey.client.chat({ feature: 'test', job: wrongKey.job(), messages: user('hi') }),
    'auth',
  );
  assert.match(auth.message, /rejected the API key \(401\)/);
  assert.doesNotMatch(auth.message, /sk-wrong/);
  assert.equal(wrongKey.sleeps.length, 0, 'a wrong key is not retried');

  const unknown = harness({ baseUrl: fake.url, model: 'gpt-9-imaginary' });
  const model = await rejectsWith(
    unknown.client.chat({ feature: 'test', job: unknown.job(), messages: user('hi') }),
    'model',
  );
  assert.match(model.message, /does not know model 'gpt-9-imaginary'/);

  const html = harness({ baseUrl: backup.url, model: 'm' });
  backup.reply({ type: 'html' });
  const page = await rejectsWith(
    html.client.chat({ feature: 'test', job: html.job(), messages: user('hi') }),
    'bad-response',
  );
  assert.match(page.message, /HTML page, not an OpenAI-compatible API/);

  const closed = await FakeOpenAI.start();
  const deadUrl = closed.url;
  await closed.close();
  const down = harness({ baseUrl: deadUrl, model: 'm', maxRetries: 1 });
  const unreachable = await rejectsWith(
    down.client.chat({ feature: 'test', job: down.job(), messages: user('hi') }),
    'unreachable',
  );
  assert.match(unreachable.message, /cannot reach .*ECONNREFUSED/);
});

async function waitUntil(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(pred(), 'condition never became true');
}

test('bounded concurrency: never more requests in flight than maxConcurrency', async () => {
  const h = harness({ baseUrl: backup.url, model: 'm', maxConcurrency: 2 });
  backup.maxInFlight = 0;
  backup.reply(...Array.from({ length: 6 }, (_, i) => ({ type: 'answer' as const, content: `r${i}`, delayMs: 100 })));
  const rs = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      h.client.chat({ feature: 'test', job: h.job(), messages: user(`parallel ${i}`) }),
    ),
  );
  assert.equal(rs.length, 6);
  assert.equal(backup.maxInFlight, 2);
});

test('Azure OpenAI: deployment URL, api-version and api-key header', async () => {
  const endpoint = backup.url.replace(/\/v1$/, '');
  const h = harness(
    { azure: { endpoint, deployment: 'gpt4o-prod', apiVersion: '2024-10-21' } },
    { AZURE_OPENAI_API_KEY: 'sk-test' },
  );
  backup.reply({ type: 'answer', content: 'from azure' });
  const r = await h.client.chat({ feature: 'test', job: h.job(), messages: user('azure?') });
  assert.equal(r.text, 'from azure');
  const req = backup.calls('chat/completions').at(-1)!;
  assert.equal(req.path, '/openai/deployments/gpt4o-prod/chat/completions');
  assert.match(req.url, /api-version=2024-10-21/);
  assert.equal(req.headers['api-key'], 'sk-test');
  // OpenAI-hosted and Azure models get max_completion_tokens (reasoning models reject max_tokens).
  assert.equal(typeof req.body.max_completion_tokens, 'number');
});

test('a stream cut off midway is not retried (the caller already has tokens) and is billed at its worst case', async () => {
  const h = harness({ baseUrl: backup.url, model: 'gpt-4o-mini', maxRetries: 3 });
  backup.reply({ type: 'broken-stream', content: 'The answer is' });
  const got: string[] = [];
  const job = h.job();
  await assert.rejects(
    h.client.chat({ feature: 'test', job, messages: user('cut'), onToken: (d) => got.push(d) }),
    LlmError,
  );
  assert.equal(got.join(''), 'The answer is');
  assert.equal(h.sleeps.length, 0);
  assert.ok(job.spentUsd > 0, 'a partial stream may have been billed: it counts');
});

test('a prompt larger than the model window is refused before sending', async () => {
  const h = harness({ baseUrl: backup.url, model: 'm', contextWindow: 500, maxOutputTokens: 100 });
  const n = backup.requests.length;
  await rejectsWith(
    h.client.chat({ feature: 'test', job: h.job(), messages: user('word '.repeat(1000)) }),
    'bad-request',
  );
  assert.equal(backup.requests.length, n);
});

test('cache-only requests answer from the cache or fail without sending anything', async () => {
  const h = harness({ baseUrl: backup.url, model: 'm' });
  const n = backup.requests.length;
  await rejectsWith(
    h.client.chat({ feature: 'test', job: h.job(), messages: user('never asked'), cacheOnly: true }),
    'disabled',
  );
  assert.equal(backup.requests.length, n);
  backup.reply({ type: 'answer', content: 'asked once' });
  await h.client.chat({ feature: 'test', job: h.job(), messages: user('asked once') });
  const r = await h.client.chat({ feature: 'test', job: h.job(), messages: user('asked once'), cacheOnly: true });
  assert.equal(r.text, 'asked once');
  assert.equal(backup.requests.length, n + 1);
});

test('startup probe (model listing, no code sent): fine, unknown model, wrong key, HTML, unreachable', async () => {
  const ok = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  assert.deepEqual(await probeProviders(ok.client), []);
  const unknown = harness({ baseUrl: fake.url, model: 'gpt-9' });
  assert.match(
    (await probeProviders(unknown.client))[0],
    /does not serve model 'gpt-9' \(it serves gpt-4o-mini, local-model\)/,
  );
  const wrong = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' }, { OPENAI_API_KEY: 'sk-wrong-but-long-key' });
  const [auth] = await probeProviders(wrong.client);
  assert.match(auth, /rejected the API key \(401\)/);
  backup.reply({ type: 'html' });
  const html = harness({ baseUrl: backup.url, model: 'm' });
  assert.match((await probeProviders(html.client))[0], /HTML page|not OpenAI-compatible/);
  const closed = await FakeOpenAI.start();
  const url = closed.url;
  await closed.close();
  assert.match((await probeProviders(harness({ baseUrl: url, model: 'm' }).client))[0], /cannot reach .*ECONNREFUSED/);
  assert.ok(!fake.calls('models').some((r) => r.body), 'a probe sends no body, so no code');
});

test('a key echoed in an error body never reaches the message', () => {
  const e = redact(
    new LlmError('bad-request', 'refused (400: key sk-proj-abcdef123456789 is not valid for sk-proj-a…6789)'),
    'sk-proj-abcdef123456789',
  );
  assert.doesNotMatch(e.message, /abcdef123456789|sk-proj-a/);
  assert.equal(e.kind, 'bad-request');
});

test('a reply body that is not valid JSON is a bad response: one clear message, then the fallback answers', async () => {
  const h = harness({
    baseUrl: fake.url,
    model: 'gpt-4o-mini',
    fallback: [{ name: 'backup', baseUrl: backup.url, model: 'm' }],
  });
  fake.reply({ type: 'status', status: 200, contentType: 'application/json', body: '{"id": "x", "choices": [' });
  backup.reply({ type: 'answer', content: 'backup answer' });
  const r = await h.client.chat({ feature: 'test', job: h.job(), messages: user('truncated body') });
  assert.equal(r.provider, 'backup');
  const err = h.ledger.all().find((e) => e.outcome === 'error');
  assert.equal(err?.error, 'bad-response');

  const alone = harness({ baseUrl: fake.url, model: 'gpt-4o-mini' });
  fake.reply({ type: 'status', status: 200, contentType: 'application/json', body: '{"id": "x", "choices": [' });
  const e = await rejectsWith(
    alone.client.chat({ feature: 'test', job: alone.job(), messages: user('truncated body, no fallback') }),
    'bad-response',
  );
  assert.match(e.message, /not JSON|OpenAI-compatible/);
});
