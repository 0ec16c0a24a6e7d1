import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseText } from '../../server/src/engine/parsing/parse';
import { flattenSymbols, symbolsOf } from '../../server/src/engine/symbols';
import { PYTHON_DECLARATION_HOLDERS } from '../../server/src/engine/symbols/codeSymbols';
import { toLineRange, type CodeSymbol } from '../../server/src/engine/types';
import { CORPORA } from '../helpers';

const outline = (syms: CodeSymbol[]) =>
  flattenSymbols(syms).map(
    ({ symbol, container }) =>
      `${[...container, symbol.name].join('.')}:${symbol.kind}:${toLineRange(symbol.span).startLine}-${toLineRange(symbol.span).endLine}`,
  );

test('PySpark job: functions with exact line ranges (real etl_job.py)', () => {
  const file = path.join(CORPORA, 'pyspark/pyspark-example-project/jobs/etl_job.py');
  const text = readFileSync(file, 'utf8');
  const syms = symbolsOf(parseText('python', text));
  const lines = text.split('\n');
  const names = syms.map((s) => s.name);
  assert.deepEqual(names, ['main', 'extract_data', 'transform_data', 'load_data', 'create_test_data']);
  for (const s of syms) {
    // The selection is the name, on the `def` line that the span starts on.
    const r = toLineRange(s.span);
    assert.match(lines[r.startLine - 1], new RegExp(`def ${s.name}\\(`));
    assert.equal(text.slice(s.selection.startOffset, s.selection.endOffset), s.name);
  }
});

test('Python: classes → methods → nested functions, decorators inside the span', () => {
  const src = [
    'import functools',
    '',
    'class Job:',
    '    @staticmethod',
    '    def run(spark):',
    '        def helper(df):',
    '            return df',
    '        return helper',
    '',
    '    async def stop(self): ...',
    '',
    '@functools.cache',
    'def top(): pass',
  ].join('\n');
  const syms = symbolsOf(parseText('python', src));
  assert.deepEqual(outline(syms), [
    'Job:class:3-10',
    'Job.run:method:4-8',
    'Job.run.helper:function:6-7',
    'Job.stop:method:10-10',
    'top:function:12-13',
  ]);
  const run = syms[0].children[0];
  assert.deepEqual(run.selection.start, { line: 4, character: 8 });
});

test('Spark SQL (TPC-DS query01): one statement with its CTE', () => {
  const text = readFileSync(path.join(CORPORA, 'spark-tpcds/spark3/queries/query01.sql'), 'utf8');
  const syms = symbolsOf(parseText('sql', text));
  assert.equal(syms.length, 1);
  assert.equal(syms[0].kind, 'statement');
  assert.deepEqual(
    syms[0].children.map((c) => [c.name, c.kind]),
    [['customer_total_return', 'cte']],
  );
  const cte = toLineRange(syms[0].children[0].span);
  assert.equal(cte.startLine, 2); // "with customer_total_return as"
  assert.equal(cte.endLine, 11); // ",sr_store_sk)"
});

test('SQL statements are named by what they write; CTEs nest', () => {
  const src =
    'with a as (select 1 x), b as (with c as (select 2) select * from c)\ninsert into db.t select * from a;\ncreate table out_t as select 1;\nselect 1;';
  const syms = symbolsOf(parseText('sql', src));
  assert.deepEqual(outline(syms), [
    'INSERT INTO db.t:statement:1-2',
    'INSERT INTO db.t.a:cte:1-1',
    'INSERT INTO db.t.b:cte:1-1',
    'INSERT INTO db.t.b.c:cte:1-1',
    'CREATE TABLE out_t:statement:3-3',
    'SELECT:statement:4-4',
  ]);
});

test('dbt model with Jinja (jaffle-shop orders.sql): a model named after the file, its CTEs inside', () => {
  const file = path.join(CORPORA, 'dbt/jaffle-shop/models/marts/orders.sql');
  const text = readFileSync(file, 'utf8');
  const parsed = parseText('sql', text);
  assert.equal(parsed.text.length, text.length, 'neutralising Jinja keeps every offset');
  const syms = symbolsOf(parsed, file);
  assert.equal(syms.length, 1);
  assert.equal(syms[0].kind, 'model');
  assert.equal(syms[0].name, 'orders');
  const ctes = syms[0].children.map((c) => c.name);
  assert.deepEqual(ctes.slice(0, 3), ['orders', 'order_items', 'order_items_summary']);
  const first = syms[0].children[0];
  assert.equal(text.split('\n')[first.span.start.line], 'orders as (');
});

test('broken code keeps the symbols that still parse', () => {
  // Mid-typing: an unfinished call in one function must not hide the class that follows it.
  const py =
    'def good():\n    return 1\n\ndef half(df):\n    x = df.filter(\n\nclass Later:\n    def m(self):\n        pass\n';
  const parsed = parseText('python', py);
  assert.ok(parsed.hasErrors);
  assert.deepEqual(outline(symbolsOf(parsed)), [
    'good:function:1-2',
    'half:function:4-5',
    'Later:class:7-9',
    'Later.m:method:8-9',
  ]);

  const sql = 'select a from t where;\ncreate table kept as select 1;\nwith x as (select 1) select * from x;';
  const s = symbolsOf(parseText('sql', sql)).map((x) => x.name);
  assert.ok(s.includes('CREATE TABLE kept'), s.join(','));
});

test('Java, Scala, TypeScript and dbt YAML symbols', () => {
  const java =
    'package p;\npublic class Etl {\n  public Etl() {}\n  void run() {}\n  interface Step { void go(); }\n}\n';
  assert.deepEqual(outline(symbolsOf(parseText('java', java))), [
    'Etl:class:2-6',
    'Etl.Etl:method:3-3',
    'Etl.run:method:4-4',
    'Etl.Step:interface:5-5',
    'Etl.Step.go:method:5-5',
  ]);
  const scala =
    'object Job {\n  def main(args: Array[String]): Unit = {\n    val df = spark.table("a")\n  }\n}\ntrait T { def f(): Int }\n';
  assert.deepEqual(outline(symbolsOf(parseText('scala', scala))), [
    'Job:object:1-5',
    'Job.main:method:2-4',
    'T:trait:6-6',
    'T.f:method:6-6',
  ]);
  const ts = 'export class A { m() {} }\nexport const f = (x: number) => x;\nfunction g() {}\ninterface I {}\n';
  assert.deepEqual(outline(symbolsOf(parseText('typescript', ts))), [
    'A:class:1-1',
    'A.m:method:1-1',
    'f:function:2-2',
    'g:function:3-3',
    'I:interface:4-4',
  ]);
  const yml = readFileSync(path.join(CORPORA, 'dbt/jaffle-shop/models/marts/orders.yml'), 'utf8');
  const ys = flattenSymbols(symbolsOf(parseText('yaml', yml)));
  const orders = ys.find((s) => s.symbol.kind === 'model' && s.symbol.name === 'orders');
  assert.ok(orders, 'the orders model is a symbol');
  assert.ok(
    ys.some((s) => s.symbol.kind === 'column' && s.container.includes('orders')),
    'its columns are symbols under it',
  );
});

test("the Python walk enters exactly the node types that can hold a def or class (from the grammar's node-types.json)", () => {
  type NodeType = {
    type: string;
    named: boolean;
    fields?: Record<string, { types: Array<{ type: string }> }>;
    children?: { types: Array<{ type: string }> };
    subtypes?: Array<{ type: string }>;
  };
  const nodeTypes = JSON.parse(
    readFileSync(require.resolve('tree-sitter-python/src/node-types.json'), 'utf8'),
  ) as NodeType[];
  const inner = new Map<string, string[]>();
  for (const t of nodeTypes.filter((n) => n.named)) {
    const kids = [
      ...(t.children?.types ?? []),
      ...Object.values(t.fields ?? {}).flatMap((f) => f.types),
      ...(t.subtypes ?? []),
    ];
    inner.set(
      t.type,
      kids.map((k) => k.type),
    );
  }
  // Fixed point: a type can hold a declaration when one of its possible children can.
  const holders = new Set(['function_definition', 'class_definition', 'decorated_definition']);
  for (let grew = true; grew;) {
    grew = false;
    for (const [type, kids] of inner)
      if (!holders.has(type) && kids.some((k) => holders.has(k))) grew = !!holders.add(type);
  }
  holders.delete('_compound_statement'); // a supertype: never a node in a tree
  assert.deepEqual([...PYTHON_DECLARATION_HOLDERS].filter((t) => t !== 'ERROR').sort(), [...holders].sort());
});

test('Python symbols inside every statement that can hold them (and under a half-written def)', () => {
  const src = [
    'if X:',
    '    def a(): pass',
    'elif Y:',
    '    def b(): pass',
    'else:',
    '    class C: pass',
    'for i in r:',
    '    def d(): pass',
    'while w:',
    '    def e(): pass',
    'try:',
    '    def f(): pass',
    'except E:',
    '    def g(): pass',
    'finally:',
    '    def h(): pass',
    'with ctx:',
    '    def i(): pass',
    'match v:',
    '    case 1:',
    '        def j(): pass',
    'x = [lambda: 1 for _ in ()]',
    'def k(:',
    '    def l(): pass',
  ].join('\n');
  const names = flattenSymbols(symbolsOf(parseText('python', src))).map(({ symbol }) => symbol.name);
  for (const n of ['a', 'b', 'C', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'l'])
    assert.ok(names.includes(n), `${n} missing from ${names.join(',')}`);
});
