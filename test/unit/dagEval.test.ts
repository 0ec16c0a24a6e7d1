/**
 * Floors for DAG → code mapping on the labelled Spark TPC-DS corpus (issue 5 targets), so a regression
 * fails CI. Each version is also checked on two disjoint halves of the queries: the rules are generic,
 * so both halves must clear the same floors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { absentCodeReport, evaluateCorpus, summarise } from '../../bench/mapEval';
import { requireCorpora } from '../helpers';

const corpus = (v: string) => path.join(requireCorpora(), 'spark-tpcds', v);
const queryNo = (planFile: string) => Number(/(\d+)/.exec(planFile)?.[1] ?? 0);

for (const version of ['spark3', 'spark2']) {
  test(`${version}: file top-1, node line accuracy and high-confidence precision clear the targets`, () => {
    const s = summarise(evaluateCorpus(corpus(version)));
    // spark3/query39's plan file holds only a SET command's plan: nothing to find its query by (1 of 49).
    assert.ok(s.fileTop1 >= 0.97, `file top-1 ${s.fileTop1}`);
    // Targets: 85 % and 95 %. The floors sit a little under what we measure (97.9 / 99.4 %, 100 %) so
    // that a regression fails here, not only one that crosses the target.
    assert.ok(s.lineAccuracy >= 0.94, `line accuracy ${s.lineAccuracy}`);
    assert.ok(s.highPrecision >= 0.97, `high-confidence precision ${s.highPrecision}`);
    // Every kind of labelled operator is mapped, not only the easy ones.
    for (const [kind, k] of Object.entries(s.byKind)) assert.ok(k.right / k.n >= 0.85, `${kind}: ${k.right}/${k.n}`);
  });

  test(`${version}: the odd and even halves of the queries each clear the floors`, () => {
    for (const half of [0, 1]) {
      const s = summarise(evaluateCorpus(corpus(version), (f) => queryNo(f) % 2 === half));
      assert.ok(s.lineAccuracy >= 0.9, `half ${half}: line accuracy ${s.lineAccuracy}`);
      assert.ok(s.highPrecision >= 0.95, `half ${half}: high precision ${s.highPrecision}`);
    }
  });
}

test('code not in the workspace: few wrong "high" guesses (each plan mapped without its query)', () => {
  for (const version of ['spark3', 'spark2']) {
    const r = absentCodeReport(corpus(version));
    // What stays high comes from near-identical TPC-DS templates (q4/q11, q10/q35): same tables, same names.
    assert.ok(r.high / r.semanticNodes <= 0.1, `${version}: ${r.high} of ${r.semanticNodes} still high`);
  }
});
