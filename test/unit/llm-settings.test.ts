/** LLM configuration, limits and pacing: settings resolution, prices, the circuit breaker, the rate limiter, context fitting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../server/src/engine/llm/backoff';
import { CircuitBreaker } from '../../server/src/engine/llm/breaker';
import { retryAfterMs } from '../../server/src/engine/llm/errors';
import { RateLimiter } from '../../server/src/engine/llm/limiter';
import { costUsd, priceOf } from '../../server/src/engine/llm/prices';
import { resolveLlmConfig, SECRET_KEY_ENV } from '../../server/src/engine/llm/settings';
import { countMessages, countTokens, fitEvidence } from '../../server/src/engine/llm/tokens';
import { LLM_API_KEY_ENV } from '../../server/src/protocol';

test('no model set: no provider and no complaint (DagLens is fully usable offline)', () => {
  const c = resolveLlmConfig({}, { OPENAI_API_KEY: 'sk-x' });
  assert.equal(c.providers.length, 0);
  assert.deepEqual(c.problems, []);
  assert.equal(c.requested, false);
});

test('a model without a key for a remote endpoint: one clear problem naming the fix', () => {
  const c = resolveLlmConfig({ llm: { model: 'gpt-4o-mini' } }, {});
  assert.equal(c.providers.length, 0);
  assert.deepEqual(c.problems, [
    'daglens.llm: no API key for api.openai.com — run "DagLens: Set API Key" or set OPENAI_API_KEY',
  ]);
});

test('keys: SecretStorage (via the server env) beats OPENAI_API_KEY; apiKeyEnv beats both; local endpoints need none', () => {
  assert.equal(SECRET_KEY_ENV, LLM_API_KEY_ENV, 'client and engine agree on the variable');
  const env = { OPENAI_API_KEY: 'from-env', [SECRET_KEY_ENV]: 'from-secret', MY_KEY: 'from-named' };
  assert.equal(resolveLlmConfig({ llm: { model: 'm' } }, env).providers[0].apiKey, 'from-secret');
  assert.equal(resolveLlmConfig({ llm: { model: 'm', apiKeyEnv: 'MY_KEY' } }, env).providers[0].apiKey, 'from-named');
  const local = resolveLlmConfig({ llm: { model: 'llama3.1', baseUrl: 'http://localhost:11434/v1' } }, {});
  assert.equal(local.providers.length, 1);
  assert.equal(local.providers[0].local, true);
  assert.deepEqual(local.problems, []);
});

test('a key in the settings file is ignored and reported without echoing it', () => {
  const c = resolveLlmConfig({ llm: { model: 'm', apiKey: 'sk-leaked-123' } }, { OPENAI_API_KEY: 'sk-env' });
  assert.equal(c.providers[0].apiKey, 'sk-env');
  assert.match(c.problems[0], /daglens\.llm\.apiKey is ignored: keys are never read from settings files/);
  assert.ok(!JSON.stringify(c.problems).includes('sk-leaked-123'));
});

test('invalid values fall back to defaults with one line each; the CLI environment fills unset fields', () => {
  const c = resolveLlmConfig(
    { llm: { baseUrl: 'not a url', maxJobCostUsd: -1 } },
    { DAGLENS_LLM_MODEL: 'gpt-4.1-mini', OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1' },
  );
  assert.deepEqual(c.problems.map((p) => p.split(':')[0]).sort(), ['daglens.llm.baseUrl', 'daglens.llm.maxJobCostUsd']);
  assert.equal(c.settings.maxJobCostUsd, 0.5);
  // The bad baseUrl from settings is dropped; the environment's one stands.
  assert.equal(c.providers[0].baseUrl, 'http://127.0.0.1:9999/v1');
  assert.equal(c.providers[0].model, 'gpt-4.1-mini');
});

test('fallback chain: each entry resolved on its own, a broken one reported and skipped', () => {
  const c = resolveLlmConfig(
    {
      llm: {
        model: 'gpt-4o-mini',
        fallback: [
          { baseUrl: 'http://localhost:11434/v1', model: 'llama3.1' },
          { baseUrl: 'https://api.groq.com/openai/v1' },
        ],
      },
    },
    { OPENAI_API_KEY: 'k' },
  );
  assert.deepEqual(
    c.providers.map((p) => p.name),
    ['api.openai.com/gpt-4o-mini', 'localhost:11434/llama3.1'],
  );
  assert.deepEqual(c.problems, ['daglens.llm.fallback[1]: no model set; provider skipped']);
});

test('fallbacks as the Settings editor edits them: MODEL@BASE_URL or a MODEL of the primary endpoint; a malformed one reported', () => {
  const c = resolveLlmConfig(
    {
      llm: {
        model: 'gpt-4o-mini',
        fallback: [
          'llama3.1@http://localhost:11434/v1',
          'gpt-4o',
          { baseUrl: 'http://localhost:8000/v1', model: 'qwen' },
        ],
      },
    },
    { OPENAI_API_KEY: 'k' },
  );
  assert.deepEqual(
    c.providers.map((p) => p.name),
    ['api.openai.com/gpt-4o-mini', 'localhost:11434/llama3.1', 'api.openai.com/gpt-4o', 'localhost:8000/qwen'],
  );
  assert.deepEqual(c.problems, []);
  const bad = resolveLlmConfig(
    { llm: { model: 'gpt-4o-mini', fallback: ['llama 3@ftp://x'] } },
    { OPENAI_API_KEY: 'k' },
  );
  assert.equal(bad.providers.length, 1);
  assert.match(bad.problems.join('\n'), /daglens\.llm\.fallback/);
});

test('Azure left empty in the Settings editor ({} or empty fields) is no Azure provider and no complaint', () => {
  for (const azure of [{}, { endpoint: '', deployment: '', apiVersion: '' }]) {
    const c = resolveLlmConfig({ llm: { model: 'gpt-4o-mini', azure } }, { OPENAI_API_KEY: 'k' });
    assert.deepEqual(c.problems, []);
    assert.equal(c.providers[0]?.azure, undefined);
  }
});

test('Azure settings build an Azure provider keyed by AZURE_OPENAI_API_KEY', () => {
  const c = resolveLlmConfig(
    { llm: { azure: { endpoint: 'https://acme.openai.azure.com', deployment: 'gpt4o' } } },
    { AZURE_OPENAI_API_KEY: 'az' },
  );
  assert.equal(c.providers[0].model, 'gpt4o');
  assert.equal(c.providers[0].apiKey, 'az');
  assert.equal(c.providers[0].azure?.apiVersion, '2024-10-21');
});

test('prices: exact, dated snapshot, settings override, local free, unknown remote charged high', () => {
  assert.deepEqual(priceOf('gpt-4o-mini-2024-07-18', false, {}), { price: { input: 0.15, output: 0.6 }, known: true });
  assert.deepEqual(priceOf('gpt-4o-mini', false, { 'gpt-4o-mini': { input: 1, output: 2 } }).price, {
    input: 1,
    output: 2,
  });
  assert.deepEqual(priceOf('llama3.1', true, {}).price, { input: 0, output: 0 });
  const unknown = priceOf('mystery-70b', false, {});
  assert.equal(unknown.known, false);
  assert.ok(unknown.price.input >= 5);
  assert.equal(costUsd({ input: 2.5, output: 10 }, 1_000_000, 100_000), 3.5);
});

test('backoff doubles up to the cap with jitter in [½, 1] of it; Retry-After in seconds, ms or a date', () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 250);
  assert.equal(backoffDelay(0, { random: () => 1 }), 500);
  assert.equal(backoffDelay(3, { random: () => 1 }), 4000);
  assert.equal(backoffDelay(20, { random: () => 1 }), 30_000);
  const h = (o: Record<string, string>) => new Headers(o);
  assert.equal(retryAfterMs(h({ 'retry-after': '3' })), 3000);
  assert.equal(retryAfterMs(h({ 'retry-after-ms': '150', 'retry-after': '3' })), 150);
  assert.equal(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 4_000), 6000);
  assert.equal(retryAfterMs(h({})), undefined);
});

test('circuit breaker: opens after the threshold, lets one trial through after the cooldown, closes on success', () => {
  let now = 0;
  const b = new CircuitBreaker(3, 1000, () => now);
  b.failure();
  b.failure();
  assert.equal(b.allow(), true);
  b.failure();
  assert.equal(b.state, 'open');
  assert.equal(b.allow(), false);
  now = 1000;
  assert.equal(b.state, 'half-open');
  assert.equal(b.allow(), true, 'one trial');
  assert.equal(b.allow(), false, 'only one');
  b.failure();
  assert.equal(b.state, 'open', 'a failed trial reopens');
  now = 2000;
  assert.equal(b.allow(), true);
  b.success();
  assert.equal(b.state, 'closed');
});

test('rate limiter: at most N in flight; the minute quota waits for the window', async () => {
  const now = 0;
  const l = new RateLimiter(2, 100, () => now);
  const r1 = await l.acquire();
  await l.acquire();
  let third = false;
  const p3 = l.acquire().then((r) => {
    third = true;
    return r;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false, 'blocked by concurrency');
  r1();
  await p3;
  assert.equal(third, true);
  // A cancelled wait gives its place up.
  const ac = new AbortController();
  const p4 = l.acquire(ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(p4, /stop/);

  const rpm = new RateLimiter(10, 2, () => now);
  (await rpm.acquire())();
  (await rpm.acquire())();
  const ac2 = new AbortController();
  const waiting = rpm.acquire(ac2.signal);
  let done = false;
  void waiting.then(
    () => {
      done = true;
    },
    () => {},
  );
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, 'the third request of the minute waits');
  ac2.abort(new Error('enough'));
  await assert.rejects(waiting, /enough/);
});

test('context fitting keeps instructions and question whole and truncates evidence to the window', () => {
  const evidence = Array.from(
    { length: 20 },
    (_, i) => `[${i + 1}] models/m${i}.sql\n${'select col_a, col_b from some_table where x = 1\n'.repeat(40)}`,
  );
  const render = (ev: string[]) => [
    { role: 'system' as const, content: 'You answer questions about code. Cite evidence as [n].' },
    { role: 'user' as const, content: `${ev.join('\n\n')}\n\nQuestion: which models filter on x?` },
  ];
  const fit = fitEvidence(evidence, render, 4000, 1000);
  assert.ok(fit.promptTokens <= 3000, `prompt ${fit.promptTokens} tokens`);
  assert.ok(fit.evidence.length >= 2 && fit.evidence.length < 20);
  assert.equal(fit.dropped, 20 - fit.evidence.length);
  assert.equal(fit.truncated, true);
  assert.match(fit.evidence.at(-1)!, /…\[truncated\]$/);
  const msgs = render(fit.evidence);
  assert.match(msgs[1].content, /Question: which models filter on x\?$/);
  // The estimate is an upper bound of the real count, and a close one.
  const exact = countMessages(msgs);
  assert.ok(
    exact <= fit.promptTokens && fit.promptTokens - exact < 8 * (fit.evidence.length + 2),
    `${exact} vs ${fit.promptTokens}`,
  );
  assert.throws(() => fitEvidence(evidence, render, 900, 890), /instructions alone need \d+ tokens/);
  assert.equal(countTokens('select * from orders'), 4);
});
