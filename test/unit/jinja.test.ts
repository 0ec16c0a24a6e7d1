import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neutraliseJinja } from '../../server/src/engine/sql/jinja';

test('Jinja blocks are neutralised with every offset and line kept', () => {
  const src =
    "{{ config(materialized='table') }}\nselect *\nfrom {{ ref('stg_orders') }} {# note #}\n{% if is_incremental() %}\nwhere x > 1\n{% endif %}";
  const n = neutraliseJinja(src);
  assert.equal(n.text.length, src.length);
  assert.deepEqual(
    n.text.split('\n').map((l) => l.length),
    src.split('\n').map((l) => l.length),
  );
  assert.match(n.text, /^__dbt_+\nselect \*\nfrom __dbt_+ {11}\n {25}\nwhere x > 1\n {11}$/);
  assert.deepEqual(
    n.blocks.map((b) => [b.kind, b.inner]),
    [
      ['expression', "config(materialized='table')"],
      ['expression', "ref('stg_orders')"],
      ['comment', 'note'],
      ['statement', 'if is_incremental()'],
      ['statement', 'endif'],
    ],
  );
  assert.equal(src.slice(n.blocks[1].start, n.blocks[1].end), "{{ ref('stg_orders') }}");
});

test('multi-line and unterminated blocks keep their newlines', () => {
  const src = "select {{\n  dbt_utils.star(ref('a'))\n}} from t\n{% if x";
  const n = neutraliseJinja(src);
  assert.equal(n.text.length, src.length);
  assert.equal(n.text.split('\n').length, src.split('\n').length);
  assert.ok(n.unterminated);
  assert.ok(n.text.endsWith('       '));
});

test('text without Jinja is returned as is', () => {
  const src = 'select a, b from t where c = "{x}"';
  assert.equal(neutraliseJinja(src).text, src);
});
