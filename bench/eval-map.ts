/**
 * `npm run eval:map`: DAG → code mapping accuracy, per corpus: the labelled Spark TPC-DS plans (Spark 3.5 and 2,
 * against the .sql query files) and Spark's TPC-H plans against two real implementations (SQL in PySpark strings,
 * the Scala DataFrame API): file top-1, labelled-node line accuracy (by kind), high-confidence precision, a
 * calibration table and ms per plan once the workspace is read. Prints the corpus and machine it ran on.
 *   npm run eval:map [-- spark3 spark2 tpch-pyspark tpch-scala] [--misses]
 */
import os from 'node:os';
import path from 'node:path';
import { CORPORA } from '../test/helpers';
import { absentCodeReport, evaluateCorpus, summarise, type CorpusReport } from './mapEval';
import { evaluateTpch, TPCH_WORKSPACES } from './tpchEval';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const verbose = process.argv.includes('--misses');
const CORPUS_NAMES = ['spark3', 'spark2', ...TPCH_WORKSPACES.map((w) => `tpch-${w}`)];
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at start`,
);

function print(r: CorpusReport, title: string, targets: { file: string; lines: string; high: string }): void {
  const s = summarise(r);
  console.log(
    `\n${title} — ${r.plans} plans${r.degenerate ? ` (+${r.degenerate.plans} with nothing to map)` : ''}, ${r.nodes.length} labelled nodes (units built in ${r.indexMs.toFixed(0)} ms)`,
  );
  console.log(`  file top-1            ${pct(s.fileTop1)}   (target ${targets.file})`);
  console.log(`  node line accuracy    ${pct(s.lineAccuracy)}   (target ${targets.lines})`);
  console.log(`  high-conf precision   ${pct(s.highPrecision)} of ${s.highCount}   (target ${targets.high})`);
  if (r.degenerate)
    console.log(
      `  no evidence           ${r.degenerate.namedNoFile}/${r.degenerate.plans} plan(s) left unmapped naming no file (must be all)`,
    );
  console.log(
    `  ms per plan           median ${s.medianMs.toFixed(1)}, p95 ${s.p95Ms.toFixed(1)}, max ${Math.max(...r.msPerPlan).toFixed(1)}   (read + map, best of 3 runs, load average now ${os.loadavg()[0].toFixed(1)})`,
  );
  console.log('  by kind:');
  for (const [k, x] of Object.entries(s.byKind).sort())
    console.log(`    ${k.padEnd(10)} ${String(x.right).padStart(4)}/${String(x.n).padEnd(4)} ${pct(x.right / x.n)}`);
  console.log('  calibration (confidence bucket → accuracy):');
  for (const b of s.buckets)
    console.log(`    ${b.bucket.padEnd(9)} ${String(b.n).padStart(4)} nodes  ${b.n ? pct(b.right / b.n) : '—'}`);
  if (verbose)
    for (const n of r.nodes.filter((x) => !x.right))
      console.log(
        `    miss ${n.plan}:${n.planLine} ${n.kind} ${n.status} ${n.confidence ?? ''} best=${n.best} want=${n.lines.join(',')}`,
      );
}

for (const name of wanted.length ? wanted : CORPUS_NAMES) {
  if (!CORPUS_NAMES.includes(name)) throw new Error(`unknown corpus '${name}' (${CORPUS_NAMES.join(', ')})`);
  if (name.startsWith('tpch-')) {
    const ws = name.slice(5) as (typeof TPCH_WORKSPACES)[number];
    const tpch = path.join(CORPORA, 'tpch');
    const targets = { file: '≥ 98 %', lines: ws === 'pyspark' ? '≥ 95 %' : '≥ 85 %', high: '≥ 97 %' };
    print(
      evaluateTpch(tpch, ws, undefined, { warm: true }),
      `corpus: ${path.relative(process.cwd(), tpch)} plans on ws-${ws}/ (every file of the workspace)`,
      targets,
    );
    continue;
  }
  const dir = path.join(CORPORA, 'spark-tpcds', name);
  const r = evaluateCorpus(dir, undefined, { warm: true });
  print(r, `corpus: ${path.relative(process.cwd(), dir)}; workspace = all ${r.plans} query files`, {
    file: '≥ 98 %',
    lines: '≥ 85 %',
    high: '≥ 95 %',
  });
  const absent = absentCodeReport(dir);
  console.log(
    `  code absent (each plan vs the other ${r.plans - 1} queries): ${absent.high} of ${absent.semanticNodes} operator nodes still 'high' (${pct(absent.high / Math.max(1, absent.semanticNodes))}), ${absent.low} 'low'; worst: ${absent.byPlan
      .slice(0, 3)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}`,
  );
}
