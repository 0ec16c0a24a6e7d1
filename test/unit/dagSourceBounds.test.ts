// DataFrame anchors on a file whose brackets never close (cut short, pasted twice): each call is read over a
// bounded stretch, not to the end of the file (a fuzz case: every call's arguments ran to the end — quadratic).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pythonUnit } from '../../server/src/engine/dag/source/pythonAnchors';

test('an unclosed .filter( is read over a bounded stretch of the file, and closed calls are unchanged', () => {
  const unclosed = Array.from({ length: 3000 }, (_, i) => `df${i} = orders.filter(col("amount") > ${i}`).join('\n');
  const unit = pythonUnit('job.py', `orders = spark.table("orders")\n${unclosed}\n`, 'job');
  const filters = unit.anchors.filter((a) => a.kind === 'predicate');
  assert.equal(filters.length, 3000);
  // How far past its own line each call's words reach.
  const reach = Math.max(...filters.map((a) => Math.max(...a.words.map((w) => w.line)) - a.startLine));
  assert.ok(reach < 1000, `a call's words reach ${reach} lines past it`);

  const closed = pythonUnit(
    'job.py',
    'orders = spark.table("orders")\nbig = orders.filter(col("amount") > 100)\n',
    'job',
  );
  const f = closed.anchors.find((a) => a.kind === 'predicate')!;
  assert.deepEqual([f.startLine, f.endLine], [2, 2]);
  assert.ok(f.words.some((w) => w.t === 'amount'));
});
