/** `daglens map` end to end (the CLI entry through tsx): readable table, --json contract, errors, dbt DAGs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DagMapResultSchema } from '../../server/src/protocol';
import { REPO, requireCorpora } from '../helpers';

const demo = path.join(REPO, 'examples', 'demo');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'server/src/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('map prints a readable table: one row per operator, where it maps and why', () => {
  const r = cli('map', '--dag', path.join(demo, 'tpcds/plans/query03.explain.txt'), '--workspace', demo, '--no-cache');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /spark-explain, 19 nodes — made by tpcds\/queries\/query03\.sql/);
  // line 72: Filter (i_manufact_id = 128) → WHERE … = 128 on query line 11
  assert.match(
    r.out,
    /\n\s+72 {2}Filter\s+high\s+1\.00 {2}tpcds\/queries\/query03\.sql:11 {2}WHERE holds the filter's column and literal \(i_manufact_id vs 128\)\./,
  );
  assert.match(r.out, /\n\s+58 {2}Exchange\s+derived\s+tpcds\/queries\/query03\.sql:13-15\n/);
  assert.match(r.out, /\d+ high, 0 low, \d+ derived, 0 unmapped/);
});

test('map --json prints the contract, valid against the protocol schema', () => {
  const r = cli(
    'map',
    '--dag',
    path.join(demo, 'tpcds/plans/query03.explain.txt'),
    '--workspace',
    demo,
    '--json',
    '--no-cache',
  );
  assert.equal(r.code, 0, r.err);
  const json = DagMapResultSchema.parse(JSON.parse(r.out));
  assert.equal(json.dag.kind, 'spark-explain');
  assert.equal(json.mappings.length, json.dag.nodes.length);
  const scan = json.mappings[json.dag.nodes.findIndex((n) => n.line === 73)];
  assert.deepEqual(
    { file: scan.best!.file, startLine: scan.best!.startLine, status: scan.status },
    { file: 'tpcds/queries/query03.sql', startLine: 8, status: 'high' },
  );
  assert.equal(json.stats.llmCalls, 0);
});

test('map on a workspace links files: a table read through a helper imported from another module', () => {
  const ws = path.join(REPO, 'test', 'fixtures', 'dag', 'pyspark-df');
  const r = cli(
    'map',
    '--dag',
    path.join(requireCorpora(), 'tpch', 'plans', 'q5.explain.txt'),
    '--workspace',
    ws,
    '--json',
    '--no-cache',
  );
  assert.equal(r.code, 0, r.err);
  const json = DagMapResultSchema.parse(JSON.parse(r.out));
  const scans = json.dag.nodes.map((n, i) => ({ n, m: json.mappings[i] })).filter(({ n }) => /^Scan/.test(n.label));
  assert.deepEqual(
    scans.map(({ m }) => `${m.status} ${m.best?.file}:${m.best?.startLine}`),
    [12, 13, 14, 15, 16, 17].map((l) => `high tpch_q5.py:${l}`),
  );
});

test('user mistakes: one line on stderr, exit code 2', () => {
  const missing = cli('map', '--workspace', demo);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--dag FILE is required/);
  const nofile = cli('map', '--dag', path.join(demo, 'nope.txt'), '--workspace', demo);
  assert.equal(nofile.code, 2);
  assert.match(nofile.err, /cannot read the DAG file .*ENOENT/);
  const notDag = cli(
    'map',
    '--dag',
    path.join(demo, 'models/staging/stg_dates.sql'),
    '--workspace',
    demo,
    '--no-cache',
  );
  assert.equal(notDag.code, 2);
  assert.match(notDag.err, /no DAG nodes in .*stg_dates\.sql: no '== Physical Plan ==' section/);
});

test('a dbt graph export maps each model to its file; files the workspace lacks are named, nodes unmapped', () => {
  const project = path.join(requireCorpora(), 'dbt', 'dbt_analytics');
  const r = cli('map', '--dag', path.join(project, 'dbt-graph.json'), '--workspace', project, '--json', '--no-cache');
  assert.equal(r.code, 0, r.err);
  const json = DagMapResultSchema.parse(JSON.parse(r.out));
  assert.equal(json.dag.nodes.length, 31);
  const model = json.mappings[json.dag.nodes.findIndex((n) => n.id === 'model.analytics.stg_accounts_db__accounts')];
  assert.equal(model.best?.file, 'models/staging/accounts_db/stg_accounts_db__accounts.sql');
  const source = json.mappings[json.dag.nodes.findIndex((n) => n.id === 'source.analytics.accounts_db.accounts')];
  assert.equal(source.best?.file, 'models/staging/accounts_db/__sources.yml');
  assert.equal(source.status, 'high');

  // The same DAG against a workspace without those files: unmapped, and a problem per missing file.
  const empty = mkdtempSync(path.join(os.tmpdir(), 'daglens-empty-'));
  try {
    writeFileSync(path.join(empty, 'other.sql'), 'select 1');
    const j = DagMapResultSchema.parse(
      JSON.parse(
        cli('map', '--dag', path.join(project, 'dbt-graph.json'), '--workspace', empty, '--json', '--no-cache').out,
      ),
    );
    assert.ok(j.mappings.every((m) => m.status === 'unmapped'));
    assert.ok(
      j.problems.some((p) =>
        /models\/staging\/accounts_db\/stg_accounts_db__accounts\.sql is not in the workspace/.test(p.message),
      ),
    );
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('an Airflow DAG file maps through the lineage extraction: tasks, their dependencies and lines', () => {
  const root = path.join(requireCorpora(), 'airflow', 'astronomer-2-9-example-dags');
  const r = cli(
    'map',
    '--dag',
    path.join(root, 'dags/toys/complex_dag_structure_rainbow.py'),
    '--workspace',
    root,
    '--json',
    '--no-cache',
  );
  assert.equal(r.code, 0, r.err);
  const json = DagMapResultSchema.parse(JSON.parse(r.out));
  assert.equal(json.dag.kind, 'airflow');
  // Nodes are named by task id; the operator is the task's class or TaskFlow decorator.
  const byLabel = (l: string) => json.dag.nodes.findIndex((n) => n.label === l);
  const start = byLabel('start');
  const extract = byLabel('sales_data_extract');
  assert.ok(start >= 0 && extract >= 0);
  assert.equal(json.dag.nodes[start].operator, 'EmptyOperator');
  assert.equal(json.dag.nodes[extract].operator, 'ExtractFromObjectStorageOperator');
  assert.equal(json.dag.nodes[byLabel('determine_load_type')].operator, '@task.branch');
  assert.ok(
    json.dag.edges.some(([a, b]) => a === json.dag.nodes[start].id && b === json.dag.nodes[extract].id),
    'start >> sales_data_extract',
  );
  const m = json.mappings[extract];
  assert.deepEqual(
    [m.status, m.best?.file, m.best?.startLine, m.best?.symbol],
    ['high', 'dags/toys/complex_dag_structure_rainbow.py', 41, 'complex_dag_structure_rainbow.sales_data_extract'],
  );
});

test('a dbt manifest: models to their final SELECT, sources to their YAML entry, tests left out, missing files named', () => {
  const project = path.join(requireCorpora(), 'dbt', 'jaffle-shop');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'daglens-manifest-'));
  try {
    // The shape dbt writes to target/manifest.json (the fields DagLens reads), for this project's files.
    const manifest = {
      metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', dbt_version: '1.8.0' },
      nodes: {
        'model.jaffle_shop.stg_orders': {
          resource_type: 'model',
          name: 'stg_orders',
          original_file_path: 'models/staging/stg_orders.sql',
          depends_on: { nodes: ['source.jaffle_shop.ecom.raw_orders'], macros: ['macro.jaffle_shop.cents_to_dollars'] },
        },
        'model.jaffle_shop.orders': {
          resource_type: 'model',
          name: 'orders',
          original_file_path: 'models/marts/orders.sql',
          depends_on: { nodes: ['model.jaffle_shop.stg_orders'] },
        },
        'model.jaffle_shop.gone': {
          resource_type: 'model',
          name: 'gone',
          original_file_path: 'models/marts/gone.sql',
          depends_on: { nodes: ['model.jaffle_shop.orders'] },
        },
        'test.jaffle_shop.not_null_orders_order_id.1': {
          resource_type: 'test',
          name: 'not_null_orders_order_id',
          depends_on: { nodes: ['model.jaffle_shop.orders'] },
        },
      },
      sources: {
        'source.jaffle_shop.ecom.raw_orders': {
          resource_type: 'source',
          name: 'raw_orders',
          source_name: 'ecom',
          original_file_path: 'models/staging/__sources.yml',
        },
      },
    };
    const file = path.join(tmp, 'manifest.json');
    writeFileSync(file, JSON.stringify(manifest));
    const r = cli('map', '--dag', file, '--workspace', project, '--json', '--no-cache');
    assert.equal(r.code, 0, r.err);
    const json = DagMapResultSchema.parse(JSON.parse(r.out));
    assert.equal(json.dag.kind, 'dbt-manifest');
    assert.deepEqual(json.dag.nodes.map((n) => n.id).sort(), [
      'model.jaffle_shop.gone',
      'model.jaffle_shop.orders',
      'model.jaffle_shop.stg_orders',
      'source.jaffle_shop.ecom.raw_orders',
    ]);
    assert.ok(
      json.dag.edges.some(
        ([a, b]) => a === 'source.jaffle_shop.ecom.raw_orders' && b === 'model.jaffle_shop.stg_orders',
      ),
    );
    const m = (id: string) => json.mappings[json.dag.nodes.findIndex((n) => n.id === id)];
    assert.deepEqual(
      [m('model.jaffle_shop.stg_orders').best?.file, m('model.jaffle_shop.stg_orders').best?.startLine],
      ['models/staging/stg_orders.sql', 33],
    );
    assert.deepEqual(
      [m('source.jaffle_shop.ecom.raw_orders').best?.file, m('source.jaffle_shop.ecom.raw_orders').best?.startLine],
      ['models/staging/__sources.yml', 10],
    );
    assert.equal(m('model.jaffle_shop.gone').status, 'unmapped');
    assert.ok(json.problems.some((p) => /models\/marts\/gone\.sql is not in the workspace/.test(p.message)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
