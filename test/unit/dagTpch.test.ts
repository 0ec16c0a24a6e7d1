/**
 * DAG → code on Spark's TPC-H plans mapped onto code that is not a .sql file (issue 12 targets): SQL inside
 * PySpark strings and the Scala DataFrame API. Floors on all plans and on the odd and even halves separately
 * (the rules are generic: both halves must clear them); and the evidence behind single answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { summarise } from '../../bench/mapEval';
import { evaluateTpch, tpchUnits } from '../../bench/tpchEval';
import { ingestDag } from '../../server/src/engine/dag/ingest';
import { mapDag } from '../../server/src/engine/dag/mapping/mapper';
import { requireCorpora } from '../helpers';

const tpch = () => path.join(requireCorpora(), 'tpch');
const plan = (q: number) => ingestDag(readFileSync(path.join(tpch(), 'plans', `q${q}.explain.txt`), 'utf8'));
const FLOORS = { pyspark: 0.95, scala: 0.85 } as const;

for (const ws of ['pyspark', 'scala'] as const) {
  test(`TPC-H on ${ws}: file top-1, labelled operators and high-confidence precision clear the targets, on each half too`, () => {
    const all = evaluateTpch(tpch(), ws);
    const s = summarise(all);
    assert.ok(s.fileTop1 >= 0.98, `file top-1 ${s.fileTop1}`);
    assert.ok(s.lineAccuracy >= FLOORS[ws], `line accuracy ${s.lineAccuracy}`);
    assert.ok(s.highPrecision >= 0.97, `high precision ${s.highPrecision}`);
    assert.equal(all.degenerate?.namedNoFile, all.degenerate?.plans, 'a plan with nothing to map names no file');
    for (const half of [0, 1]) {
      const h = summarise(evaluateTpch(tpch(), ws, (q) => q % 2 === half));
      assert.ok(h.lineAccuracy >= FLOORS[ws] - 0.05, `${ws} half ${half}: line accuracy ${h.lineAccuracy}`);
      assert.ok(h.highPrecision >= 0.95, `${ws} half ${half}: high precision ${h.highPrecision}`);
    }
  });
}

const at = (r: ReturnType<typeof mapDag>, id: string) => r.mappings[r.dag.nodes.findIndex((n) => n.id === id)];

test('a decorrelated scalar subquery: its join maps to `col = (`, its operators to the subquery block, not the main one', () => {
  const r = mapDag(plan(2), tpchUnits(tpch(), 'pyspark'));
  const f = 'queries/pyspark/q2.py';
  // (38) joins ps_supplycost with min(ps_supplycost): line 31 is `and ps_supplycost = (`.
  assert.deepEqual([at(r, '38').best?.file, at(r, '38').best?.startLine], [f, 31]);
  assert.match(at(r, '38').best!.explanation, /^Compares ps_supplycost with a scalar subquery/);
  // Inside it, the same joins and filter as the main query, each in the subquery's lines (39–45), not 23–30.
  for (const id of ['31', '24', '18', '28'])
    assert.ok(
      at(r, id).best!.startLine >= 39 && at(r, id).best!.startLine <= 45,
      `${id}: ${at(r, id).best!.startLine}`,
    );
  for (const id of ['9', '44', '50'])
    assert.ok(
      at(r, id).best!.startLine >= 23 && at(r, id).best!.startLine <= 30,
      `${id}: ${at(r, id).best!.startLine}`,
    );
});

test("DataFrame code: a chain started from a table's data reads it; names without the SQL aliases still count", () => {
  const r = mapDag(plan(3), tpchUnits(tpch(), 'scala'));
  const f = 'src/main/scala/Q03.scala';
  assert.equal(r.sources[0].file, f);
  // `customer.filter($"c_mktsegment" === "BUILDING")` (line 14): the scan of customer and its filter.
  assert.deepEqual([at(r, '1').status, at(r, '1').best?.startLine], ['high', 14]);
  assert.deepEqual([at(r, '3').status, at(r, '3').best?.startLine], ['high', 14]);
  // `order` stands for the orders table (line 15).
  assert.equal(at(r, '5').best?.startLine, 15);
  // `fcust.join(forders, $"c_custkey" === forders("o_custkey"))`.
  assert.equal(at(r, '9').best?.startLine, 18);
  // q1 reads `schemaProvider.lineitem` and names none of the SQL's aliases: still high.
  const q1 = mapDag(plan(1), tpchUnits(tpch(), 'scala'));
  assert.ok(
    q1.mappings.filter((m) => m.status === 'high').length >= 4,
    JSON.stringify(q1.mappings.map((m) => m.status)),
  );
});

test('a plan constant folding reduced to an EmptyRelation is mapped nowhere, with the reason', () => {
  const r = mapDag(plan(6), tpchUnits(tpch(), 'pyspark'));
  assert.deepEqual(r.sources, []);
  assert.ok(r.mappings.every((m) => m.status === 'unmapped' && !m.best));
  assert.ok(
    r.problems.some((p) => /reads no table .* reduced it to EmptyRelation/.test(p.message)),
    JSON.stringify(r.problems),
  );
});
