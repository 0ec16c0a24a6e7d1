/** The SQL clause localiser on real queries and the constructs that trip simple scanners. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { effectiveTables, type Anchor } from '../../server/src/engine/dag/source/anchors';
import { ingestDag } from '../../server/src/engine/dag/ingest';
import { mapDag } from '../../server/src/engine/dag/mapping/mapper';
import { sqlUnit } from '../../server/src/engine/dag/source/sqlAnchors';
import { requireCorpora } from '../helpers';

const show = (a: Anchor) => `${a.kind}@${a.startLine}-${a.endLine}${a.name ? `:${a.name}` : ''}`;

test('TPC-DS q5: CTEs, derived tables, UNION ALL sides, BETWEEN kept whole, ROLLUP, ORDER BY and LIMIT', () => {
  const text = readFileSync(path.join(requireCorpora(), 'spark-tpcds/spark3/queries/query05.sql'), 'utf8');
  const u = sqlUnit('query05.sql', text, 'query05');
  const names = u.blocks.map((b) => b.name).filter(Boolean);
  assert.ok(['ssr', 'csr', 'wsr'].every((n) => names.includes(n)));
  const tables = u.anchors.filter((a) => a.kind === 'table').map((a) => `${a.name}@${a.startLine}`);
  assert.deepEqual(tables.slice(0, 4), ['store_sales@15', 'store_returns@23', 'date_dim@25', 'store@26']);
  // `d_date between cast(...) and date_add(...)` is one predicate over two lines, not split at its AND
  const between = u.anchors.find((a) => a.kind === 'predicate' && a.startLine === 28)!;
  assert.equal(between.endLine, 29);
  assert.deepEqual(
    between.literals.map((l) => l.t),
    ['2000-08-23', '2000-08-23', '14'],
  );
  const unions = u.anchors.filter((a) => a.kind === 'union');
  assert.deepEqual(
    unions.map((a) => a.startLine),
    [16, 47, 78, 108, 115],
  );
  assert.deepEqual(u.anchors.filter((a) => a.kind === 'rollup').map(show), ['rollup@123-123:rollup']);
  assert.deepEqual(u.anchors.filter((a) => a.kind === 'order' || a.kind === 'limit').map(show), [
    'order@124-125',
    'limit@126-126',
  ]);
  // The ssr CTE reads, through its derived table, both channels' facts.
  const ssr = u.blocks.findIndex((b) => b.name === 'ssr');
  assert.deepEqual([...effectiveTables(u, ssr)].sort(), ['date_dim', 'store', 'store_returns', 'store_sales']);
});

test('comments, strings, Jinja refs, JOIN … ON followed by a comma, OVER (…) and select-item aliases', () => {
  const sql = [
    '-- where x = 1 (a comment: not a predicate)',
    "select o.id, sum(o.amount) over (partition by o.customer_id order by o.ts) as running_total, 'from t' as label",
    'from {{ ref("orders") }} o',
    '  left join customers c on o.customer_id = c.id, regions r',
    "where o.status = 'done' /* and o.x = 2 */",
    '  and o.amount between 10 and 20',
    'group by cube (o.id, c.id)',
  ].join('\n');
  const u = sqlUnit('m.sql', sql, 'm');
  assert.deepEqual(
    u.anchors.filter((a) => a.kind === 'table').map((a) => `${a.name}@${a.startLine}`),
    ['orders@3', 'customers@4', 'regions@4'],
  );
  const preds = u.anchors.filter((a) => a.kind === 'predicate');
  assert.deepEqual(
    preds.map((p) => `${p.clause}@${p.startLine}:${p.literals.map((l) => l.t).join(',')}`),
    ['on@4:', 'where@5:done', 'where@6:10,20'],
  );
  assert.equal(preds[0].eq, true);
  const win = u.anchors.find((a) => a.kind === 'window')!;
  assert.deepEqual(
    win.words.map((w) => w.t),
    ['o', 'customer_id', 'o', 'ts'],
  );
  assert.ok(u.anchors.some((a) => a.kind === 'select' && a.name === 'running_total' && a.startLine === 2));
  assert.deepEqual(
    u.anchors.filter((a) => a.kind === 'rollup').map((a) => a.name),
    ['cube'],
  );
});

test('a filter Spark rewrote from LIKE (StartsWith / Contains) maps to the LIKE predicates', () => {
  const unit = sqlUnit(
    'q.sql',
    "select c_name\nfrom customer\nwhere c_state = 'TN'\n  and c_name like 'Smi%'\n  and c_email like '%@example.%'\n",
    'q',
  );
  const plan =
    '== Physical Plan ==\nFilter ((isnotnull(c_name#1) AND StartsWith(c_name#1, Smi)) AND Contains(c_email#2, @example.))\n+- FileScan parquet db.customer[c_name#1,c_email#2] Batched: true\n';
  const r = mapDag(ingestDag(plan), [unit]);
  const m = r.mappings[0];
  assert.deepEqual(
    [m.status, m.best?.startLine, m.alternatives[0]?.startLine],
    ['high', 4, 5],
    'one LIKE is the best place, the other the runner-up',
  );
});

test('ORDER BY / GROUP BY ordinals resolve to the select items they number', () => {
  const unit = sqlUnit(
    'q.sql',
    'select channel, item, sum(x) as total\nfrom sales\ngroup by 1, 2\norder by 3 desc, 1\nlimit 100;\n',
    'q',
  );
  const plan = [
    '== Physical Plan ==',
    'TakeOrderedAndProject(limit=100, orderBy=[total#9 DESC NULLS LAST,channel#1 ASC NULLS FIRST], output=[channel#1,item#2,total#9])',
    '+- HashAggregate(keys=[channel#1, item#2], functions=[sum(x#3)], output=[channel#1, item#2, total#9])',
    '   +- Exchange hashpartitioning(channel#1, item#2, 200), ENSURE_REQUIREMENTS, [plan_id=7]',
    '      +- HashAggregate(keys=[channel#1, item#2], functions=[partial_sum(x#3)], output=[channel#1, item#2, sum#10])',
    '         +- FileScan parquet db.sales[channel#1,item#2,x#3] Batched: true',
  ].join('\n');
  const r = mapDag(ingestDag(plan), [unit]);
  assert.deepEqual(
    r.mappings.map((m) => `${m.status}:${m.best?.startLine}-${m.best?.endLine}`),
    ['high:4-5', 'high:3-3', 'derived:3-3', 'derived:3-3', 'high:2-2'],
  );
});
