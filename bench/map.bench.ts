/**
 * `npm run bench:map`: speed and memory of DAG → code mapping. Prints the corpus and machine it ran on.
 *   - building the source units of the TPC-DS workspace (both Spark versions' 49 queries) and of both TPC-H ones,
 *   - read + map per plan once indexed (best of 5 after a warm-up), for the largest plans,
 *   - a synthetic 10,000-operator plan (2,500 union branches) read and mapped,
 *   - a 2,000-file synthetic SQL workspace: unit build time and heap.
 */
import os from 'node:os';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { ingestDag } from '../server/src/engine/dag/ingest';
import { mapDag } from '../server/src/engine/dag/mapping/mapper';
import type { SourceUnit } from '../server/src/engine/dag/source/anchors';
import { buildUnit } from '../server/src/engine/dag/source/units';
import { CORPORA } from '../test/helpers';
import { corpusUnits } from './mapEval';
import { TPCH_WORKSPACES, tpchUnits } from './tpchEval';

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const signed = (mb: number) => `${mb < 0 ? '−' : '+'}${Math.abs(mb).toFixed(0)} MB`;
const best = (n: number, f: () => void) => {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f();
    b = Math.min(b, performance.now() - t);
  }
  return b;
};

console.log(
  `machine: ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`,
);
/** Read + map of every plan of a corpus (best of 5 after a warm-up), against that corpus's workspace. */
function timePlans(label: string, planDir: string, units: SourceUnit[], buildMs: number): void {
  const plans = readdirSync(planDir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => ({ f, text: readFileSync(path.join(planDir, f), 'utf8') }));
  const times = plans
    .map(({ f, text }) => {
      mapDag(ingestDag(text), units);
      return { f, nodes: ingestDag(text).dag.nodes.length, ms: best(5, () => mapDag(ingestDag(text), units)) };
    })
    .sort((a, b) => b.ms - a.ms);
  const sorted = times.map((t) => t.ms).sort((a, b) => a - b);
  console.log(`\n${label}: units for ${units.length} files in ${buildMs.toFixed(1)} ms; ${plans.length} plans`);
  console.log(
    `  read + map per plan: median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)].toFixed(1)} ms   (target: median ≤ 50 ms)`,
  );
  console.log(
    `  largest: ${times
      .slice(0, 3)
      .map((t) => `${t.f} (${t.nodes} operators) ${t.ms.toFixed(1)} ms`)
      .join('; ')}`,
  );
}

for (const v of ['spark3', 'spark2']) {
  const dir = path.join(CORPORA, 'spark-tpcds', v);
  const buildMs = best(3, () => corpusUnits(dir));
  timePlans(path.relative(process.cwd(), dir), path.join(dir, 'plans'), corpusUnits(dir), buildMs);
}
const tpch = path.join(CORPORA, 'tpch');
for (const ws of TPCH_WORKSPACES) {
  const buildMs = best(3, () => tpchUnits(tpch, ws));
  timePlans(
    `${path.relative(process.cwd(), tpch)} plans on ws-${ws}/`,
    path.join(tpch, 'plans'),
    tpchUnits(tpch, ws),
    buildMs,
  );
}

const lines = ['== Physical Plan ==', 'Union'];
for (let i = 0; i < 2500; i++) {
  const last = i === 2499;
  const p = last ? '   ' : ':  ';
  lines.push(
    `${last ? '+-' : ':-'} Project [a#1]`,
    `${p}+- Filter (isnotnull(a#1) AND (a#1 > ${i % 10}))`,
    `${p}   +- ColumnarToRow`,
    `${p}      +- FileScan parquet db.t${i % 50}[a#1] Batched: true`,
  );
}
const big = lines.join('\n');
const tables = Array.from({ length: 50 }, (_, i) => `select a from t${i} where a > ${i % 10}`).join('\nunion all\n');
const bigUnits = [buildUnit('all.sql', tables, 'sql')!];
const h0 = heapMb();
const readMs = best(3, () => ingestDag(big));
let peak = 0;
const mapMs = best(3, () => {
  mapDag(ingestDag(big), bigUnits);
  peak = Math.max(peak, process.memoryUsage().heapUsed / 2 ** 20);
});
console.log(
  `\nsynthetic 10,001-operator plan against the 50-table query it reads: read ${readMs.toFixed(0)} ms, read + map ${mapMs.toFixed(0)} ms, peak heap ${peak.toFixed(0)} MB (heap retained: ${signed(heapMb() - h0)})`,
);

const h1 = heapMb();
const files = Array.from(
  { length: 2000 },
  (_, i) =>
    `-- model ${i}\nwith s as (\n  select * from src_${i % 97}\n  where amount > ${i}\n)\nselect customer_id, sum(amount) as total_${i}\nfrom s\njoin dim_${i % 13} d on s.k = d.k\ngroup by customer_id\norder by total_${i} desc\nlimit 10\n`,
);
const t0 = performance.now();
const many = files.map((text, i) => buildUnit(`models/m${i}.sql`, text, 'sql')!);
const unitMs = performance.now() - t0;
console.log(
  `synthetic workspace of 2,000 SQL models: units built in ${unitMs.toFixed(0)} ms, heap ${signed(heapMb() - h1)} (${many.length} units held)`,
);
