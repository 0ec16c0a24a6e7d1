/**
 * dbt patterns beyond a plain `{{ ref() }}`: a relation bound with `{% set %}`, a name a macro builds from its
 * parameters, macros of packages (installed, missing, or known through the manifest), relations named directly.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanLineage } from '../../bench/lineageScore';
import type { Lineage, Process } from '../../server/src/engine/lineage';
import { processJson } from '../../server/src/engine/lineage/report';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const PROJECT = 'name: transit\nversion: "1.0.0"\nprofile: transit\nmodel-paths: ["models"]\nmacro-paths: ["macros"]\n';
const SOURCES = `version: 2
sources:
  - name: gtfs
    schema: raw_gtfs
    tables:
      - name: gtfs_routes
      - name: gtfs_stops
`;

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'daglens-dbt-'));
  roots.push(root);
  for (const [rel, text] of Object.entries({
    'dbt_project.yml': PROJECT,
    'models/staging/sources.yml': SOURCES,
    ...files,
  })) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

function model(lineage: Lineage, file: string): Process {
  const p = lineage.processesIn(file).find((x) => x.kind === 'dbt_model');
  assert.ok(p, `a dbt model in ${file}`);
  return p;
}
const reads = (p: Process) => [...new Set(p.reads.map((r) => r.asset.id))].sort();

const STG_ROUTES = "select route_id, route_short_name from {{ source('gtfs', 'gtfs_routes') }}\n";
const HUB_MODEL =
  "{{ config(materialized='incremental') }}\n{{ dbtvault.hub(src_pk='ROUTE_PK', src_nk='route_id', source_model='stg_routes') }}\n";
const HUB_MACRO = `{%- macro hub(src_pk, src_nk, source_model) -%}
select distinct {{ src_pk }}, {{ src_nk }} from {{ ref(source_model) }}
{%- endmacro -%}
`;

test('a relation bound by {% set %} is read where the call is made; {{ rel }} only prints it', async () => {
  const root = project({
    'models/staging/stg_stops.sql':
      "{% set stops = source('gtfs', 'gtfs_stops') %}\nwith s as (select * from {{ stops }})\nselect stop_id from s\n",
  });
  const p = model(await scanLineage(root), path.join(root, 'models/staging/stg_stops.sql'));
  assert.deepEqual(reads(p), ['source.transit.gtfs.gtfs_stops']);
  assert.deepEqual(p.partial, []);
  assert.equal(p.reads[0].location.span.start.line, 0, 'the read is located at the set statement');
});

test("a macro's parameters are bound for its calls: ref('gtfs_' ~ table_name) called as read_gtfs('routes')", async () => {
  const root = project({
    'macros/read_gtfs.sql':
      "{% macro read_gtfs(table_name) %}\nselect * from {{ source('gtfs', 'gtfs_' ~ table_name) }}\n{% endmacro %}\n",
    'models/staging/stg_routes.sql': "{{ read_gtfs('routes') }}\n",
    'models/staging/stg_stops.sql': "{{ read_gtfs(table_name='stops') }}\n",
  });
  const lineage = await scanLineage(root);
  assert.deepEqual(reads(model(lineage, path.join(root, 'models/staging/stg_routes.sql'))), [
    'source.transit.gtfs.gtfs_routes',
  ]);
  assert.deepEqual(reads(model(lineage, path.join(root, 'models/staging/stg_stops.sql'))), [
    'source.transit.gtfs.gtfs_stops',
  ]);
});

test('a package macro not installed leaves the model partial, naming the macro; installed, its refs resolve', async () => {
  const files = { 'models/staging/stg_routes.sql': STG_ROUTES, 'models/raw_vault/hub_route.sql': HUB_MODEL };
  const missing = project(files);
  const before = model(await scanLineage(missing), path.join(missing, 'models/raw_vault/hub_route.sql'));
  assert.deepEqual(reads(before), []);
  assert.deepEqual(before.unresolvedMacros, ['dbtvault.hub']);
  assert.match(before.partial.join('\n'), /dbtvault\.hub.*dbt deps/);
  assert.deepEqual(processJson(missing, before).unresolvedMacros, ['dbtvault.hub']);

  const installed = project({ ...files, 'dbt_packages/dbtvault/macros/tables/hub.sql': HUB_MACRO });
  const after = model(await scanLineage(installed), path.join(installed, 'models/raw_vault/hub_route.sql'));
  assert.deepEqual(reads(after), ['model.transit.stg_routes']);
  assert.equal(after.unresolvedMacros, undefined);
  assert.deepEqual(after.partial, []);
});

test("without the package, the manifest's depends_on gives what the macro refers to", async () => {
  const root = project({ 'models/staging/stg_routes.sql': STG_ROUTES, 'models/raw_vault/hub_route.sql': HUB_MODEL });
  const node = (name: string, file: string, deps: string[]) => ({
    resource_type: 'model',
    name,
    schema: 'vault',
    original_file_path: file,
    depends_on: { macros: ['macro.dbtvault.hub'], nodes: deps },
  });
  const manifest = {
    nodes: {
      'model.transit.stg_routes': node('stg_routes', 'models/staging/stg_routes.sql', [
        'source.transit.gtfs.gtfs_routes',
      ]),
      'model.transit.hub_route': node('hub_route', 'models/raw_vault/hub_route.sql', ['model.transit.stg_routes']),
    },
    sources: {
      'source.transit.gtfs.gtfs_routes': {
        source_name: 'gtfs',
        name: 'gtfs_routes',
        schema: 'raw_gtfs',
        original_file_path: 'models/staging/sources.yml',
      },
    },
  };
  mkdirSync(path.join(root, 'target'));
  writeFileSync(path.join(root, 'target/manifest.json'), JSON.stringify(manifest));
  const p = model(await scanLineage(root), path.join(root, 'models/raw_vault/hub_route.sql'));
  assert.deepEqual(reads(p), ['model.transit.stg_routes']);
  assert.equal(p.unresolvedMacros, undefined);
  assert.equal(p.reads[0].location.span.start.line, 1, 'located at the macro call');
});

test('a macro of a missing package in a select list reads no table: the model stays complete', async () => {
  const root = project({
    'models/staging/stg_routes.sql':
      "select {{ dbt_utils.generate_surrogate_key(['route_id']) }} as route_key, route_id\nfrom {{ source('gtfs', 'gtfs_routes') }}\n",
  });
  const p = model(await scanLineage(root), path.join(root, 'models/staging/stg_routes.sql'));
  assert.deepEqual(reads(p), ['source.transit.gtfs.gtfs_routes']);
  assert.equal(p.unresolvedMacros, undefined);
  assert.deepEqual(p.partial, []);
});

test('a dbt node named by its relation is read, marked direct: dbt draws no edge for it', async () => {
  const root = project({
    'models/staging/stg_routes.sql': STG_ROUTES,
    'models/marts/route_stats.sql':
      "select r.route_id, count(*) as n\nfrom {{ ref('stg_routes') }} r\njoin raw_gtfs.gtfs_stops s on s.route_id = r.route_id\ngroup by 1\n",
  });
  const p = model(await scanLineage(root), path.join(root, 'models/marts/route_stats.sql'));
  assert.deepEqual(reads(p), ['model.transit.stg_routes', 'source.transit.gtfs.gtfs_stops']);
  const direct = p.reads.filter((r) => r.direct).map((r) => r.asset.id);
  assert.deepEqual(direct, ['source.transit.gtfs.gtfs_stops']);
  assert.deepEqual(
    processJson(root, p)
      .reads.filter((r) => r.direct)
      .map((r) => r.line),
    [3],
  );
});
