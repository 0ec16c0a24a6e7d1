import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CodeIndex } from '../../server/src/engine/index/codeIndex';
import { CachedEmbedder, dot } from '../../server/src/engine/index/embedder';
import { HashEmbedder } from '../../server/src/engine/index/hashEmbedder';
import { OpenAIEmbedder } from '../../server/src/engine/index/openaiEmbedder';
import { parseText } from '../../server/src/engine/parsing/parse';
import { symbolsOf } from '../../server/src/engine/symbols';
import { FakeOpenAI, fakeVector } from '../fake-openai/server';
import { CORPORA } from '../helpers';

const KEY = 'sk-test-embeddings-0123456789';
let fake: FakeOpenAI;
const silent = { info() {}, warn() {}, error() {} };
const embedder = (extra: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) =>
  new OpenAIEmbedder({
    model: 'fake-embed',
    baseUrl: fake.url,
    apiKey: KEY,
    dimensions: 8,
    batchSize: 4,
    maxRetries: 2,
    ...extra,
  });
const inputsSent = () => fake.calls('/embeddings').reduce((n, r) => n + (r.body.input as string[]).length, 0);

before(async () => {
  fake = await FakeOpenAI.start({ apiKey: KEY });
});
after(async () => fake.close());

test('built-in embedder: unit vectors; snake_case, camelCase and words land close, unrelated code far', () => {
  const e = new HashEmbedder();
  const a = e.embedOne('def get_user_id(request): return request.user.id');
  const b = e.embedOne('function getUserId(req) { return req.user.id }');
  const c = e.embedOne('SELECT store_sk, sum(net_paid) FROM store_sales GROUP BY store_sk');
  assert.ok(Math.abs(dot(a, a) - 1) < 1e-5);
  assert.ok(dot(a, b) > 0.5, `snake vs camel ${dot(a, b)}`);
  assert.ok(dot(a, c) < 0.2, `unrelated ${dot(a, c)}`);
  assert.deepEqual(e.embedOne('x = 1'), e.embedOne('x = 1'), 'deterministic');
});

test('OpenAI-compatible embedder: batched requests in the real protocol (base64), vectors in input order', async () => {
  fake.requests.length = 0;
  const texts = Array.from({ length: 10 }, (_, i) => `chunk number ${i}`);
  const vecs = await embedder().embed(texts);
  const calls = fake.calls('/embeddings');
  assert.deepEqual(
    calls.map((c) => (c.body.input as string[]).length),
    [4, 4, 2],
  );
  assert.equal(calls[0].body.encoding_format, 'base64');
  assert.equal(calls[0].body.model, 'fake-embed');
  vecs.forEach((v, i) => {
    const want = fakeVector(texts[i]);
    want.forEach((x, j) => assert.ok(Math.abs(v[j] - x) < 1e-6));
  });
});

test('OpenAI-compatible embedder: a 429 then 500 are retried; a bad key fails clearly without echoing it', async () => {
  fake.requests.length = 0;
  fake.reply(
    { type: 'status', status: 429, headers: { 'retry-after-ms': '10' } },
    { type: 'status', status: 500, headers: { 'retry-after-ms': '10' } },
  );
  const [v] = await embedder().embed(['retried']);
  assert.equal(v.length, 8);
  assert.equal(fake.calls('/embeddings').length, 3);
  const bad = new OpenAIEmbedder({
    model: 'fake-embed',
    baseUrl: fake.url,
    apiKey: 'sk-wrong-key-zzzz',
    dimensions: 8,
    maxRetries: 0,
  });
  await assert.rejects(
    bad.embed(['x']),
    (e: Error) => /401|API key/i.test(e.message) && !e.message.includes('sk-wrong-key-zzzz'),
  );
});

test('OpenAI-compatible embedder: a vector size other than configured is an error that names the setting', async () => {
  await assert.rejects(
    embedder({ dimensions: 16 }).embed(['x']),
    /returned 8-d vectors, expected 16.*daglens\.embeddings\.dimensions/,
  );
  assert.throws(
    () => new OpenAIEmbedder({ model: 'my-own-model', baseUrl: fake.url, apiKey: KEY }),
    /daglens\.embeddings\.dimensions/,
  );
});

test('content-hash cache: unchanged chunks are never re-embedded, across edits and moves', async () => {
  fake.requests.length = 0;
  const idx = new CodeIndex({ root: '/ws', log: silent, embedder: new CachedEmbedder(embedder()) });
  const text = readFileSync(path.join(CORPORA, 'pyspark/pyspark-example-project/jobs/etl_job.py'), 'utf8');
  const index = (t: string) => idx.indexFile('jobs/etl_job.py', 'python', t, symbolsOf(parseText('python', t)));
  const chunks = index(text);
  await idx.embeddingsSettled();
  assert.equal(inputsSent(), chunks);
  const edited = text.replace('def load_data(df):', 'def load_data(df, mode="overwrite"):');
  index('\n' + edited);
  await idx.embeddingsSettled();
  assert.equal(inputsSent(), chunks + 1, 'only load_data was embedded again');
  // Hybrid search with the remote vectors: the query is embedded by the endpoint too.
  const hits = await idx.search('load_data', { k: 3 });
  assert.equal(hits[0].name, 'load_data');
  assert.ok(hits.some((h) => h.via.includes('vector')));
  // Undoing the edit brings back text whose vector the cache still holds.
  const before = inputsSent();
  assert.equal(index(text), 1, 'load_data changed back');
  await idx.embeddingsSettled();
  assert.equal(inputsSent(), before, 'from the cache, not the endpoint');
});

test('an endpoint that is down leaves chunks searchable lexically, with a logged reason', async () => {
  const errors: string[] = [];
  const down = new OpenAIEmbedder({
    model: 'fake-embed',
    baseUrl: 'http://127.0.0.1:9/v1',
    apiKey: KEY,
    dimensions: 8,
    maxRetries: 0,
    timeoutMs: 2000,
  });
  const idx = new CodeIndex({ root: '/ws', log: { ...silent, error: (m) => errors.push(m) }, embedder: down });
  const text = 'def orders_by_customer(df):\n    return df.groupBy("customer_id").count()\n';
  idx.indexFile('a.py', 'python', text, symbolsOf(parseText('python', text)));
  await idx.embeddingsSettled();
  assert.ok(
    errors.some((m) => /embedding 1 chunks failed: .*lexically only/.test(m)),
    errors.join('\n'),
  );
  assert.ok(!errors.join('').includes(KEY));
  const hits = await idx.search('orders_by_customer', { k: 1, mode: 'lexical' });
  assert.equal(hits[0].name, 'orders_by_customer');
});
