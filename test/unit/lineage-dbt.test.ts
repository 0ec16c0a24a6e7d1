/** dbt resolution pieces on real project files (../shared/corpora/dbt) and small snippets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  callsIn,
  evalJinja,
  folderSchema,
  jinjaBlocks,
  macroCalls,
  readDbtProject,
  readMacros,
  readSources,
} from '../../server/src/engine/lineage/dbt';
import { scanLineage } from '../../bench/lineageScore';
import { DEFAULT_NAMES } from '../../server/src/engine/lineage/names';
import { requireCorpora } from '../helpers';

const calls = (sql: string) => callsIn(jinjaBlocks(sql)).map((c) => `${c.kind}(${c.args.join(',')})`);

test('ref/source calls: packages, versions, keyword names, set variables and for loops evaluated', () => {
  assert.deepEqual(
    calls(
      "{{ ref('orders', v=2) }} {{ ref('pkg', 'customers') }} {{ source('raw', 'events') }} {{ ref(model_name='x') }}",
    ),
    ['ref(orders)', 'ref(pkg,customers)', 'source(raw,events)', 'ref(x)'],
  );
  assert.deepEqual(
    calls("{% set p = 'int_' %}{% for s in ['a', 'b'] %}select * from {{ ref(p ~ s ~ '_daily') }}{% endfor %}"),
    ['ref(int_a_daily)', 'ref(int_b_daily)'],
  );
  // A name only known at run time is left out (the caller reports the model as partial).
  assert.deepEqual(calls("{{ ref(var('model')) }}"), []);
  assert.equal(evalJinja('"a" ~ b', new Map([['b', 'c']])), 'ac');
});

test('dbt_analytics: the real model-template macro, with its {% if criteria %} branch decided by the call', () => {
  const root = path.join(requireCorpora(), 'dbt', 'dbt_analytics');
  const file = path.join(root, 'macros/model_templates/marketing/attribution_last_click_n_days_same_x.sql');
  const text = readFileSync(file, 'utf8');
  const macros = new Map(readMacros(file, text, jinjaBlocks(text)).map((m) => [m.name, m]));
  assert.deepEqual([...macros.keys()], ['attribution_last_click_n_days_same_x']);
  const refs = (model: string) => {
    const t = readFileSync(path.join(root, 'models/intermediate/marketing/attribution', model), 'utf8');
    return macroCalls(jinjaBlocks(t), macros)
      .map((c) => c.args.join('.'))
      .sort();
  };
  assert.deepEqual(refs('int_marketing__int_attribution_last_click_14d.sql'), [
    'int_marketing__int_attributions',
    'stg_csparc__transactions',
    'stg_reltio__individual_party_keys',
  ]);
  assert.deepEqual(refs('int_marketing__int_attribution_last_click_14d_same_brand.sql'), [
    'int_marketing__int_attributions',
    'stg_csparc__transactions',
    'stg_reltio__individual_party_keys',
    'stg_rms__products',
  ]);
});

test('dbt_analytics: project config gives folder schemas; sources YAML gives relations', () => {
  const root = path.join(requireCorpora(), 'dbt', 'dbt_analytics');
  const project = readDbtProject(
    path.join(root, 'dbt_project.yml'),
    readFileSync(path.join(root, 'dbt_project.yml'), 'utf8'),
  )!;
  assert.equal(project.name, 'analytics');
  assert.equal(
    folderSchema(project, path.join(root, 'models/staging/reltio/stg_reltio__individual_emails.sql')),
    'reltio',
  );
  assert.equal(
    folderSchema(project, path.join(root, 'models/marts/marketing/fct_marketing__fct_attribution.sql')),
    'mrt_marketing',
  );
  const yml = path.join(root, 'models/staging/accounts_db/__sources.yml');
  const sources = readSources(project, yml, readFileSync(yml, 'utf8'), DEFAULT_NAMES);
  assert.deepEqual(
    sources.map((s) => [s.id, s.relation]),
    [['source.analytics.accounts_db.accounts', 'raw.accounts_db.accounts']],
  );
});

test("jaffle-shop: a model's known columns are what its SQL computes plus what its YAML documents, and a qualified column of a documented `*` resolves", async () => {
  const root = path.join(requireCorpora(), 'dbt', 'jaffle-shop');
  const lineage = await scanLineage(root);
  // stg_customers.yml documents customer_id only; the SQL also computes customer_name.
  assert.deepEqual(lineage.columnsOf('model.jaffle_shop.stg_customers'), ['customer_id', 'customer_name']);
  const customers = lineage.processesIn('models/marts/customers.sql')[0]!;
  // `customers.*` over stg_customers carries customer_name through to the mart.
  assert.ok(
    customers.columns.some((c) => c.name === 'customer_name'),
    customers.columns.map((c) => c.name).join(', '),
  );
  // sum(orders.subtotal): `orders` is a CTE of `select * from ref('orders')`; orders.yml does not list subtotal.
  const spend = customers.columns.find((c) => c.name === 'lifetime_spend_pretax')!;
  assert.deepEqual(spend.sources, [{ asset: 'model.jaffle_shop.orders', column: 'subtotal' }]);
});
