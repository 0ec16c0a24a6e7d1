import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorTokens } from '../../server/src/engine/dag/source/anchorTokens';
import { indexedPlaceholders, neutraliseJinja, refTarget, resolvePlaceholder } from '../../server/src/engine/sql/jinja';
import { ANCHORS, identOf, LINEAGE, stringValue, tokenizeSql } from '../../server/src/engine/sql/tokens';

const kinds = (text: string, d = LINEAGE) => tokenizeSql(text, d).map((t) => `${t.kind}:${t.text}`);

test('one tokenizer, exact offsets, comments dropped', () => {
  const src = 'select a.b, "x""y" -- note\nfrom [t] /* c */ where s = \'it\'\'s\'';
  const toks = tokenizeSql(src, LINEAGE);
  for (const t of toks) assert.equal(src.slice(t.start, t.end), t.text);
  assert.deepEqual(
    toks.map((t) => t.kind),
    ['word', 'word', 'dot', 'word', 'comma', 'quoted', 'word', 'quoted', 'word', 'word', 'op', 'string'],
  );
  assert.equal(identOf(toks[5]), 'x"y');
  assert.equal(identOf(toks[7]), 't');
  assert.equal(stringValue(toks[11]), "it's");
});

test('the two dialects keep their readers’ differences', () => {
  // Templated SQL in code: placeholders (lineage) vs Jinja read in place (anchors).
  assert.deepEqual(kinds('from {tbl} where x = ?'), [
    'word:from',
    'param:{tbl}',
    'word:where',
    'word:x',
    'op:=',
    'param:?',
  ]);
  assert.deepEqual(kinds("from {{ ref('m') }} {% if x %}", ANCHORS), ['word:from', "jinja:{{ ref('m') }}"]);
  // Backslash escapes only in the lineage dialect.
  assert.deepEqual(kinds("'a\\'b'"), ["string:'a\\'b'"]);
  assert.deepEqual(kinds("'a\\'b'", ANCHORS), ["string:'a\\'", 'word:b', "string:'"]);
  // `[x]`: a T-SQL name where a name can start (lineage), or whenever it holds no space (anchors).
  assert.deepEqual(kinds('a[0]'), ['word:a', 'op:[', 'number:0', 'op:]']);
  assert.deepEqual(kinds('a[0] [b c]', ANCHORS), ['word:a', 'quoted:[0]', 'word:b', 'word:c', 'op:]']);
  // Numbers and operators.
  assert.deepEqual(kinds('0x1F <=> 1.'), ['number:0x1F', 'op:<=', 'op:>', 'number:1.']);
  assert.deepEqual(kinds('0x1F <=> 1.', ANCHORS), ['number:0', 'word:x1F', 'op:<=>', 'number:1', 'dot:.']);
});

test('anchor tokens: lines from the line table, dbt refs read as their table, terms normalised', () => {
  const toks = anchorTokens("select 1.50, 'A''b'\nfrom {{ ref('pkg', 'Orders') }}\njoin {{ var('x') }}", 10);
  assert.deepEqual(
    toks.map((t) => [t.kind, t.lower, t.line, t.endLine]),
    [
      ['word', 'select', 10, 10],
      ['number', '1.5', 10, 10],
      ['comma', ',', 10, 10],
      ['string', "a'b", 10, 10],
      ['word', 'from', 11, 11],
      ['word', 'orders', 11, 11],
      ['word', 'join', 12, 12],
      ['word', '__jinja__', 12, 12],
    ],
  );
  assert.equal(refTarget('source(\'raw\', "events")'), 'events');
});

test('Jinja neutralised two ways over one scan: same layout, placeholders that map back', () => {
  const src = "{{ config(x=1) }}\nselect * from {{ ref('a') }}\n{% if y %}";
  const plain = neutraliseJinja(src);
  const indexed = indexedPlaceholders({ text: src, jinja: plain.blocks });
  assert.equal(plain.text.length, src.length);
  assert.equal(indexed.length, src.length);
  assert.match(indexed, /^ {17}\nselect \* from __dbt1_+\n {10}$/);
  assert.equal(resolvePlaceholder('__dbt1___', plain.blocks, new Map([[plain.blocks[1].start, 'model.a']])), 'model.a');
});
