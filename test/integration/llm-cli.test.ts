/** `daglens ask` and `daglens stats` (dist/cli.js) on a copy of the jaffle-shop corpus, against the fake OpenAI server. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { needsVerification } from '../../server/src/engine/llm/features/verify';
import { workspaceKey } from '../../server/src/engine/storage';
import { FakeOpenAI } from '../fake-openai/server';
import { CORPORA, REPO } from '../helpers';

let ws: string;
let fake: FakeOpenAI;
/** The CLI keeps caches in the user cache (XDG_CACHE_HOME), never in the workspace: a temp one here. */
const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'daglens-llm-cli-cache-'));
const llmDir = (root: string) => path.join(cacheHome, 'daglens', 'llm', workspaceKey(root));

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-llm-cli-'));
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
  fake = await FakeOpenAI.start({ apiKey: 'sk-cli' });
});
after(async () => {
  await fake.close();
  rmSync(ws, { recursive: true, force: true });
  rmSync(cacheHome, { recursive: true, force: true });
});

function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DAGLENS_LLM_MODEL', 'DAGLENS_LLM_API_KEY']) delete clean[k];
    const p = spawn(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], {
      env: { ...clean, XDG_CACHE_HOME: cacheHome, ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('ask with the provider from the environment: streamed answer, sources, cost on stderr', async () => {
  fake.reply({
    type: 'answer',
    content: 'Supplies cost is summed per order in order_items_summary [1].',
    usage: { prompt_tokens: 3000, completion_tokens: 20 },
  });
  const r = await cli(['ask', 'where is supply cost summed per order?', '--workspace', ws], {
    OPENAI_API_KEY: 'sk-cli',
    OPENAI_BASE_URL: fake.url,
    DAGLENS_LLM_MODEL: 'gpt-4o-mini',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Supplies cost is summed per order in order_items_summary \[1\]\.\n\nSources:\n {2}\S+:\d+-\d+/,
  );
  assert.match(r.stderr, /cost \$0\.00046/);
  assert.ok(existsSync(path.join(llmDir(ws), 'ledger.jsonl')), 'the ledger is in the user cache');
  assert.ok(!existsSync(path.join(ws, '.daglens-cache')), 'nothing is written into the workspace');
});

test('the same question again is answered from the cache; stats shows both', async () => {
  const env = { OPENAI_API_KEY: 'sk-cli', OPENAI_BASE_URL: fake.url, DAGLENS_LLM_MODEL: 'gpt-4o-mini' };
  const n = fake.requests.length;
  const r = await cli(['ask', 'where is supply cost summed per order?', '--workspace', ws], env);
  assert.match(r.stderr, /from cache, \$0/);
  assert.equal(fake.requests.length, n);
  const s = await cli(['stats', '--workspace', ws, '--json'], env);
  const stats = JSON.parse(s.stdout);
  assert.equal(stats.state, 'ready');
  assert.equal(stats.total.requests, 1);
  assert.equal(stats.total.cacheHits, 1);
  assert.ok(Math.abs(stats.total.costUsd - (3000 * 0.15 + 20 * 0.6) / 1e6) < 1e-12);
  const ledger = readFileSync(path.join(llmDir(ws), 'ledger.jsonl'), 'utf8');
  assert.ok(
    !ledger.includes('sk-cli') && !ledger.includes('supply cost'),
    'the ledger holds no key and no prompt text',
  );
});

test('without a model, ask answers offline from the index and says why (exit 0)', async () => {
  const r = await cli(['ask', 'which models read stg_orders?', '--workspace', ws, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.offline, true);
  assert.match(out.reason, /no LLM is configured/);
  assert.ok(out.citations.length > 0);
});

test('a wrong key: one clear line, offline answer, no key in the output', async () => {
  const r = await cli(
    ['ask', 'what is a location?', '--workspace', ws, '--model', 'gpt-4o-mini', '--base-url', fake.url],
    { OPENAI_API_KEY: 'sk-wrong-key' },
  );
  assert.equal(r.code, 0);
  assert.match(r.stdout, /No model answered: .*rejected the API key \(401\)/);
  assert.ok(!(r.stdout + r.stderr).includes('sk-wrong-key'));
});

test('user mistakes are one line and exit code 2', async () => {
  const r = await cli(['ask', '--workspace', ws]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^daglens: ask needs a question/);
  const bad = await cli(['ask', 'x', '--workspace', ws, '--lines', '9-3', '--file', 'models/marts/orders.sql']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--lines must look like 10-20/);
});

test('map --llm verifies the low nodes of a real TPC-DS plan; --max-cost 0 sends nothing and says so', async () => {
  const tpcds = path.join(CORPORA, 'spark-tpcds', 'spark3');
  const code = mkdtempSync(path.join(os.tmpdir(), 'daglens-map-llm-'));
  cpSync(path.join(tpcds, 'queries', 'query42.sql'), path.join(code, 'query42.sql'));
  cpSync(path.join(tpcds, 'queries', 'query03.sql'), path.join(code, 'query03.sql'));
  const dag = path.join(tpcds, 'plans', 'query42.explain.txt');
  const env = { OPENAI_API_KEY: 'sk-cli', OPENAI_BASE_URL: fake.url, DAGLENS_LLM_MODEL: 'gpt-4o-mini' };
  try {
    const offline = JSON.parse((await cli(['map', '--dag', dag, '--workspace', code, '--json', '--no-cache'])).stdout);
    const low = offline.mappings.filter(needsVerification);
    assert.ok(low.length > 0, 'the plan has low or ambiguous nodes to verify');
    const n = fake.calls('chat/completions').length;
    for (let i = 0; i < low.length; i++)
      fake.reply({
        type: 'answer',
        content: { candidate: 1, confidence: 0.9, explanation: 'the WHERE clause holds this filter' },
      });
    const r = await cli(['map', '--dag', dag, '--workspace', code, '--json', '--no-cache', '--llm'], env);
    assert.equal(r.code, 0, r.stderr);
    const verified = JSON.parse(r.stdout);
    assert.equal(verified.stats.llmCalls, fake.calls('chat/completions').length - n);
    assert.equal(verified.stats.llmCalls, low.length);
    const byId = new Map(verified.mappings.map((m: { nodeId: string }) => [m.nodeId, m]));
    for (const m of low)
      assert.match(
        (byId.get(m.nodeId) as { best: { explanation: string } }).best.explanation,
        /^LLM \(gpt-4o-mini\): the WHERE clause/,
      );
    assert.match(r.stderr, new RegExp(`LLM verified ${low.length} nodes`));

    // Cached verdicts are free: even a zero budget gets them, without a request.
    const before = fake.requests.length;
    const again = JSON.parse(
      (await cli(['map', '--dag', dag, '--workspace', code, '--json', '--no-cache', '--llm', '--max-cost', '0'], env))
        .stdout,
    );
    assert.deepEqual(again.mappings, verified.mappings);
    assert.equal(again.stats.costUsd, 0);
    // Without the cache, a zero budget sends nothing and keeps the offline mapping, saying why.
    rmSync(path.join(llmDir(code), 'responses'), { recursive: true, force: true });
    const broke = await cli(
      ['map', '--dag', dag, '--workspace', code, '--json', '--no-cache', '--llm', '--max-cost', '0'],
      env,
    );
    assert.equal(fake.requests.length, before, 'a zero budget sends nothing');
    assert.deepEqual(JSON.parse(broke.stdout).mappings, offline.mappings);
    assert.ok(
      JSON.parse(broke.stdout).problems.some((p: { message: string }) =>
        /budget of \$0 would be exceeded/.test(p.message),
      ),
    );
  } finally {
    rmSync(code, { recursive: true, force: true });
  }
});

test('explain: one symbol, stored by content hash (the second run sends nothing); stats --check probes the provider', async () => {
  const env = { OPENAI_API_KEY: 'sk-cli', OPENAI_BASE_URL: fake.url, DAGLENS_LLM_MODEL: 'gpt-4o-mini' };
  fake.reply({ type: 'answer', content: 'Flags each order as containing food and/or drink items.' });
  const args = [
    'explain',
    '--workspace',
    ws,
    '--file',
    'models/marts/orders.sql',
    '--symbol',
    'orders.compute_booleans',
  ];
  const r = await cli(args, env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    'models/marts/orders.sql:42-61 orders.compute_booleans\nFlags each order as containing food and/or drink items.\n',
  );
  const n = fake.requests.length;
  const again = await cli(args, env);
  assert.equal(again.stdout, r.stdout);
  assert.equal(fake.requests.length, n);
  const none = await cli([
    'explain',
    '--workspace',
    ws,
    '--file',
    'models/marts/orders.sql',
    '--symbol',
    'orders.compute_booleans',
  ]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^daglens: cannot explain: no LLM is configured/);

  const check = await cli(['stats', '--workspace', ws, '--check', '--model', 'gpt-9'], {
    OPENAI_API_KEY: 'sk-cli',
    OPENAI_BASE_URL: fake.url,
  });
  assert.equal(check.code, 0);
  assert.match(check.stdout, /problem: .*does not serve model 'gpt-9'/);
});
