import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractSql, type SqlStatement } from '../../server/src/engine/lineage/sql/extract';
import { normalizeName } from '../../server/src/engine/lineage/names';
import { sqlTableReferences } from '../../server/src/engine/lineage';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { requireCorpora } from '../helpers';

const reads = (st: SqlStatement) => st.reads.map((r) => r.name);
const writes = (st: SqlStatement) => st.writes.map((r) => r.name);
const one = (sql: string, schemaOf?: (t: string) => string[] | undefined) => {
  const all = extractSql(sql, { schemaOf });
  assert.equal(all.length, 1, `one statement expected in: ${sql}`);
  return all[0];
};

test('names: quoting, case and default catalog/schema collapse to one node', () => {
  for (const n of [
    'Sales',
    '`sales`',
    '"SALES"',
    'default.sales',
    'spark_catalog.default.sales',
    '[default].[Sales]',
  ]) {
    assert.equal(normalizeName(n), 'sales', n);
  }
  assert.equal(normalizeName('spark_catalog.tpcds.web_sales'), 'tpcds.web_sales');
  assert.equal(normalizeName('other.tpcds.web_sales'), 'other.tpcds.web_sales');
  assert.equal(normalizeName('web_sales', { defaultCatalog: 'c', defaultSchema: 'tpcds' }), 'web_sales');
  assert.equal(normalizeName('c.tpcds.web_sales', { defaultCatalog: 'c', defaultSchema: 'tpcds' }), 'web_sales');
});

test('reads: FROM, JOIN, comma joins, subqueries, IN/EXISTS, set operations — with exact offsets', () => {
  const sql = `select a.x, (select max(y) from dim_y) as m
from fact a
join db.dim_b b on a.k = b.k
left outer join (select k from dim_c where z in (select z from dim_z)) c on c.k = a.k, dim_d
where exists (select 1 from dim_e e where e.k = a.k)
union all
select x, 1, 2 from other_fact
intersect select x, 1, 2 from \`Quoted Fact\``;
  const st = one(sql);
  assert.deepEqual(reads(st), [
    'dim_y',
    'fact',
    'db.dim_b',
    'dim_c',
    'dim_z',
    'dim_d',
    'dim_e',
    'other_fact',
    'quoted fact',
  ]);
  for (const r of st.reads) assert.equal(sql.slice(r.start, r.end), r.raw);
  assert.equal(sql.slice(st.reads[2].start, st.reads[2].end), 'db.dim_b');
  assert.deepEqual(st.partial, []);
});

test('CTEs resolve to their definitions and are never reported as tables; recursive CTEs too', () => {
  const st = one(`with recent as (select * from orders where d > 1),
    top as (select customer, sum(amount) s from recent group by customer)
    select * from top join customers using (customer)`);
  assert.deepEqual(reads(st), ['orders', 'customers']);
  const rec = one(`with recursive tree(id, parent) as (
      select id, parent from nodes where parent is null
      union all
      select n.id, n.parent from nodes n join tree t on n.parent = t.id)
    select * from tree`);
  assert.deepEqual(reads(rec), ['nodes', 'nodes']);
  assert.deepEqual(rec.partial, []);
  // A CTE shadows a table of the same name only after it is defined.
  const shadow = one('with t as (select 1 x) select * from t, u');
  assert.deepEqual(reads(shadow), ['u']);
});

test('writes: INSERT INTO/OVERWRITE, CREATE TABLE/VIEW AS, MERGE, UPDATE, DELETE, COPY, LOAD, directories', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['INSERT INTO mart.t SELECT * FROM s', ['s'], ['mart.t']],
    ['INSERT OVERWRITE TABLE t PARTITION (dt = "2024") SELECT a FROM s', ['s'], ['t']],
    ['CREATE OR REPLACE TEMPORARY VIEW v AS SELECT * FROM s JOIN u ON s.k = u.k', ['s', 'u'], ['v']],
    [
      'CREATE TABLE IF NOT EXISTS t USING delta PARTITIONED BY (d) AS WITH c AS (SELECT * FROM s) SELECT * FROM c',
      ['s'],
      ['t'],
    ],
    ['MERGE INTO t USING (SELECT * FROM s) src ON t.k = src.k WHEN MATCHED THEN UPDATE SET t.v = src.v', ['s'], ['t']],
    ['MERGE INTO t AS tgt USING upd ON tgt.k = upd.k WHEN NOT MATCHED THEN INSERT *', ['upd'], ['t']],
    ['UPDATE t SET v = (SELECT max(v) FROM s) WHERE k IN (SELECT k FROM u)', ['s', 'u'], ['t']],
    ['DELETE FROM t WHERE k IN (SELECT k FROM s)', ['s'], ['t']],
    [
      "COPY INTO raw.events FROM 's3://bucket/events/' FILE_FORMAT = (TYPE = JSON)",
      ['s3://bucket/events/'],
      ['raw.events'],
    ],
    ["LOAD DATA INPATH '/data/x.csv' OVERWRITE INTO TABLE staging.x", ['/data/x.csv'], ['staging.x']],
    ["INSERT OVERWRITE DIRECTORY '/out/x' SELECT * FROM s", ['s'], ['/out/x']],
    ['WITH c AS (SELECT * FROM s) INSERT INTO t SELECT * FROM c', ['s'], ['t']],
    ['SELECT * FROM parquet.`/lake/events` e JOIN dim d ON e.k = d.k', ['/lake/events', 'dim'], []],
    ["CREATE TABLE t USING delta LOCATION '/lake/t' AS SELECT * FROM s", ['s'], ['t', '/lake/t']],
    // Without a query the table is defined over existing files: it reads them.
    [
      "CREATE TABLE ext.events USING parquet OPTIONS (path 's3://lake/events/', header 'true')",
      ['s3://lake/events/'],
      ['ext.events'],
    ],
    ["CREATE EXTERNAL TABLE e (a INT) STORED AS PARQUET LOCATION 'hdfs:///e'", ['hdfs:///e'], ['e']],
  ];
  for (const [sql, r, w] of cases) {
    const st = one(sql);
    assert.deepEqual(reads(st), r, sql);
    assert.deepEqual(writes(st), w, sql);
    assert.deepEqual(st.partial, [], sql);
  }
  assert.equal(one('SELECT * FROM parquet.`/lake/events`').reads[0].kind, 'file');
});

test('Spark specifics: lateral view, USE schema, FROM-first multi insert, EXTRACT(… FROM …) is not a table', () => {
  const st = one('SELECT id, tag FROM events LATERAL VIEW explode(tags) t AS tag WHERE extract(year FROM ts) = 2024');
  assert.deepEqual(reads(st), ['events']);
  assert.deepEqual(
    st.columns.map((c) => c.name),
    ['id', 'tag'],
  );
  assert.deepEqual(st.columns[1].sources, [{ table: 'events', column: 'tags' }]);
  const [, q] = extractSql('USE sales; SELECT * FROM orders JOIN other.dim USING (k)');
  assert.deepEqual(reads(q), ['sales.orders', 'other.dim']);
  const multi = one('FROM src INSERT INTO a SELECT x INSERT INTO b SELECT y');
  assert.deepEqual(reads(multi), ['src']);
  assert.deepEqual(writes(multi), ['a', 'b']);
});

test('column lineage through aliases, CTEs, subqueries, expressions and aggregates', () => {
  const st = one(`insert into mart.revenue (country, day, total)
with paid as (select o.customer_id cid, o.amount * o.fx as amt, cast(o.ts as date) d from orders o where o.paid)
select c.country, p.d, sum(p.amt)
from paid p join customers c on c.id = p.cid
group by 1, 2`);
  assert.deepEqual(
    st.columns.map((c) => c.name),
    ['country', 'day', 'total'],
  );
  assert.deepEqual(st.columns[0].sources, [{ table: 'customers', column: 'country' }]);
  assert.deepEqual(st.columns[1].sources, [{ table: 'orders', column: 'ts' }]);
  assert.deepEqual(st.columns[2].sources, [
    { table: 'orders', column: 'amount' },
    { table: 'orders', column: 'fx' },
  ]);
  assert.deepEqual(st.defines, { table: 'mart.revenue', columns: ['country', 'day', 'total'] });
  // Every select item, CTEs included, keeps its own lineage (hovers inside the query).
  const amt = st.innerColumns.find((c) => c.name === 'amt')!;
  assert.deepEqual(amt.sources, [
    { table: 'orders', column: 'amount' },
    { table: 'orders', column: 'fx' },
  ]);
  assert.ok(st.innerColumns.length >= 6);
});

test('column lineage: * expanded where the schema is known, kept as * (and said so) where not', () => {
  const schema = (t: string) => (t === 'customers' ? ['id', 'name'] : undefined);
  const known = one('select * from customers', schema);
  assert.deepEqual(
    known.columns.map((c) => [c.name, c.sources]),
    [
      ['id', [{ table: 'customers', column: 'id' }]],
      ['name', [{ table: 'customers', column: 'name' }]],
    ],
  );
  const unknown = one('select o.*, c.name from orders o join customers c on o.cid = c.id', schema);
  assert.equal(unknown.columns[0].name, '*');
  assert.match(unknown.columns[0].note ?? '', /columns of orders unknown/);
  assert.deepEqual(unknown.columns[1].sources, [{ table: 'customers', column: 'name' }]);
  // An unqualified column in a two-table join: decided by the known schema, else listed as candidates.
  const decided = one('select name, amount from orders o join customers c on o.cid = c.id', schema);
  assert.deepEqual(decided.columns[0].sources, [{ table: 'customers', column: 'name' }]);
  assert.deepEqual(decided.columns[1].sources, [{ table: 'orders', column: 'amount' }]);
  const ambiguous = one('select amount from orders join payments on orders.id = payments.oid');
  assert.deepEqual(ambiguous.columns[0].sources, [{ column: 'amount', candidates: ['orders', 'payments'] }]);
});

test('bad input: unparseable SQL, dynamic names and huge files never throw and say what is partial', () => {
  const garbage = extractSql('SELEC * FRM x; )))((( from ; select from where; drop table;;; merge into');
  assert.ok(Array.isArray(garbage));
  const odd = one('FROBNICATE the_table WITH (select * from hidden_source)');
  assert.deepEqual(reads(odd), ['hidden_source']);
  assert.match(odd.partial.join(' '), /not understood/);
  const dyn = one('INSERT INTO audit.runs_{env} SELECT * FROM ${src_table}');
  assert.equal(dyn.writes[0].dynamic, true);
  assert.equal(dyn.reads[0].dynamic, true);
  const unterminated = one("select * from t where s = 'oops");
  assert.deepEqual(reads(unterminated), ['t']);
  const deep = one('select * from ' + '('.repeat(300) + 'select 1 from deep_t' + ')'.repeat(300) + ' x');
  assert.ok(deep.reads.some((r) => r.name === 'deep_t'));
  const big = Array.from({ length: 10_000 }, (_, i) => `insert into t${i % 7} select * from s${i};`).join('\n');
  const all = extractSql(big);
  assert.equal(all.length, 10_000);
  assert.deepEqual(reads(all[9_999]), ['s9999']);
  assert.deepEqual(writes(all[9_999]), ['t3']);
});

test('damaged real queries (TPC-DS cut, with spans dropped or stray brackets, quotes, Jinja): no throw, offsets valid', () => {
  const dir = path.join(requireCorpora(), 'spark-tpcds', 'spark3', 'queries');
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const junk = ['(', ')', "'", '"', '`', '/*', '--', 'select', 'from', 'with', ';', '{{', '{%'];
  let damaged = 0;
  for (const f of readdirSync(dir).sort()) {
    const q = readFileSync(path.join(dir, f), 'utf8');
    for (let k = 0; k < 12; k++) {
      const at = Math.floor(rnd() * q.length);
      const t =
        k % 3 === 0
          ? q.slice(0, at)
          : k % 3 === 1
            ? q.slice(0, at) + q.slice(at + Math.floor(rnd() * 40))
            : q.slice(0, at) + junk[k % junk.length] + q.slice(at);
      const out = extractSql(t);
      for (const st of out) {
        assert.ok(!st.partial.some((p) => p.startsWith('extractor error')), `${f}: ${st.partial.join('; ')}`);
        for (const r of [...st.reads, ...st.writes])
          assert.ok(r.start >= 0 && r.start <= r.end && r.end <= t.length, `${f}: offsets ${r.start}-${r.end}`);
      }
      damaged++;
    }
  }
  assert.ok(damaged > 500);
});

test('sqlTableReferences: per statement, reads and writes with 0-based spans, dbt Jinja neutralised', () => {
  const text = "-- nightly\nINSERT INTO mart.t\nSELECT * FROM {{ ref('x') }} JOIN raw.y ON 1 = 1;\nselect 1 from z";
  const [ins, sel] = sqlTableReferences(text);
  assert.equal(ins.verb, 'INSERT INTO');
  assert.deepEqual(ins.span.start, { line: 1, character: 0 });
  assert.deepEqual(
    ins.refs.map((r) => [r.role, r.name, r.span.start.line, r.span.start.character]),
    [
      ['write', 'mart.t', 1, 12],
      ['read', 'x', 2, 14],
      ['read', 'raw.y', 2, 34],
    ],
  );
  assert.deepEqual(
    sel.refs.map((r) => r.name),
    ['z'],
  );
});

test('SQL nested thousands of levels deep: the tables are still found and the reason is plain, not a stack overflow', () => {
  const depth = 50_000;
  const [st] = extractSql(`insert into out_t select ${'('.repeat(depth)}1${')'.repeat(depth)} from src_t;`);
  assert.ok(st);
  assert.ok(
    st.partial.includes('nested too deeply to read fully (thousands of parentheses or subqueries)'),
    JSON.stringify(st.partial),
  );
  assert.ok(!st.partial.some((p) => /call stack|RangeError/i.test(p)), JSON.stringify(st.partial));
  assert.ok(st.reads.some((r) => /src_t/.test(r.name)) && st.writes.some((w) => /out_t/.test(w.name)));
});
