/** Our BPE counter against js-tiktoken's reference encoder, on the real corpora and on awkward text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { countTokens, truncateToTokens } from '../../server/src/engine/llm/tokens';
import { CORPORA } from '../helpers';

// The reference: js-tiktoken's own (slow to build) encoder over the same ranks.
const { Tiktoken } = require('js-tiktoken/lite');
const reference = new Tiktoken(require('js-tiktoken/ranks/o200k_base'));
const exact = (t: string): number => reference.encode(t, [], []).length;

function files(dir: string, re: RegExp): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? files(p, re) : re.test(e) ? [p] : [];
  });
}

test('counts equal js-tiktoken on every corpus file (SQL, Jinja, YAML, Python, Spark plans)', () => {
  const all = [
    ...files(path.join(CORPORA, 'dbt'), /\.(sql|yml)$/),
    ...files(path.join(CORPORA, 'airflow'), /\.py$/),
    ...files(path.join(CORPORA, 'pyspark'), /\.(py|json)$/),
    ...files(path.join(CORPORA, 'spark-tpcds', 'spark3'), /\.(sql|txt)$/).slice(0, 40),
  ];
  assert.ok(all.length > 100);
  for (const f of all) {
    const text = readFileSync(f, 'utf8');
    assert.equal(countTokens(text), exact(text), f);
  }
});

test('non-ASCII, emoji, special-token text and empty strings count like the reference', () => {
  for (const t of [
    '',
    ' ',
    'naïve café — 東京の売上 📈 <|endoftext|>',
    'x'.repeat(5000),
    '\n\n\t  \r\n',
    'SELECT "ünïcödé" FROM t;',
  ]) {
    assert.equal(countTokens(t), exact(t), JSON.stringify(t.slice(0, 40)));
  }
});

test('truncation keeps at most the token budget and marks the cut', () => {
  const text = readFileSync(path.join(CORPORA, 'spark-tpcds', 'spark3', 'plans', 'query42.explain.txt'), 'utf8');
  const cut = truncateToTokens(text, 200);
  assert.ok(cut.endsWith('…[truncated]'));
  // The marker may merge with the text before it, never by more than a token.
  assert.ok(countTokens(cut) <= 201, `${countTokens(cut)} tokens`);
  assert.ok(text.startsWith(cut.slice(0, -'\n…[truncated]'.length)));
  assert.equal(truncateToTokens('short text', 200), 'short text');
});
