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
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'server/src/cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('map prints a readable table: one row per operator, where it maps and why', () => {
  const r = cli('map', '--dag', path.join(demo, 'tpcds/plans/query03.explain.txt'), '--workspace', demo, '--no-cache');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /spark-explain, 19 nodes — made by tpcds\/queries\/query03\.sql/);
  // line 72: Filter (i_manufact_id = 128) → WHERE … = 128 on query line 11
  assert.match(r.out, /\n\s+72 {2}Filter\s+high\s+1\.00 {2}tpcds\/queries\/query03\.sql:11 {2}WHERE holds the filter's column and literal \(i_manufact_id vs 128\)\./);
  assert.match(r.out, /\n\s+58 {2}Exchange\s+derived\s+tpcds\/queries\/query03\.sql:13-15\n/);
  assert.match(r.out, /\d+ high, 0 low, \d+ derived, 0 unmapped/);
});

test('map --json prints the contract, valid against the protocol schema', () => {
  const r = cli('map', '--dag', path.join(demo, 'tpcds/plans/query03.explain.txt'), '--workspace', demo, '--json', '--no-cache');
  assert.equal(r.code, 0, r.err);
  const json = DagMapResultSchema.parse(JSON.parse(r.out));
  assert.equal(json.dag.kind, 'spark-explain');
  assert.equal(json.mappings.length, json.dag.nodes.length);
  const scan = json.mappings[json.dag.nodes.findIndex((n) => n.line === 73)];
  assert.deepEqual({ file: scan.best!.file, startLine: scan.best!.startLine, status: scan.status }, { file: 'tpcds/queries/query03.sql', startLine: 8, status: 'high' });
  assert.equal(json.stats.llmCalls, 0);
});

test('user mistakes: one line on stderr, exit code 2', () => {
  const missing = cli('map', '--workspace', demo);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--dag FILE is required/);
  const nofile = cli('map', '--dag', path.join(demo, 'nope.txt'), '--workspace', demo);
  assert.equal(nofile.code, 2);
  assert.match(nofile.err, /cannot read the DAG file .*ENOENT/);
  const notDag = cli('map', '--dag', path.join(demo, 'models/staging/stg_dates.sql'), '--workspace', demo, '--no-cache');
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
    const j = DagMapResultSchema.parse(JSON.parse(cli('map', '--dag', path.join(project, 'dbt-graph.json'), '--workspace', empty, '--json', '--no-cache').out));
    assert.ok(j.mappings.every((m) => m.status === 'unmapped'));
    assert.ok(j.problems.some((p) => /models\/staging\/accounts_db\/stg_accounts_db__accounts\.sql is not in the workspace/.test(p.message)));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('an Airflow DAG file maps through the lineage extraction: tasks, their dependencies and lines', () => {
  const root = path.join(requireCorpora(), 'airflow', 'astronomer-2-9-example-dags');
  const r = cli('map', '--dag', path.join(root, 'dags/toys/complex_dag_structure_rainbow.py'), '--workspace', root, '--json', '--no-cache');
  assert.equal(r.code, 0, r.err);
  const json = DagMapResultSchema.parse(JSON.parse(r.out));
  assert.equal(json.dag.kind, 'airflow');
  const byLabel = (l: string) => json.dag.nodes.findIndex((n) => n.label === `complex_dag_structure_rainbow.${l}`);
  const start = byLabel('start');
  const extract = byLabel('sales_data_extract');
  assert.ok(start >= 0 && extract >= 0);
  assert.ok(json.dag.edges.some(([a, b]) => a === json.dag.nodes[start].id && b === json.dag.nodes[extract].id), 'start >> sales_data_extract');
  const m = json.mappings[extract];
  assert.deepEqual([m.status, m.best?.file, m.best?.startLine], ['high', 'dags/toys/complex_dag_structure_rainbow.py', 41]);
});
