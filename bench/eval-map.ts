/**
 * `npm run eval:map`: DAG → code mapping accuracy on the labelled Spark TPC-DS corpus, per Spark version:
 * file top-1, labelled-node line accuracy (by kind), high-confidence precision, a calibration table and
 * ms per plan once the workspace is indexed. Prints the corpus and machine it ran on.
 */
import os from 'node:os';
import path from 'node:path';
import { CORPORA } from '../test/helpers';
import { absentCodeReport, evaluateCorpus, summarise } from './mapEval';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const versions = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const verbose = process.argv.includes('--misses');
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at start`);
for (const v of versions.length ? versions : ['spark3', 'spark2']) {
  const dir = path.join(CORPORA, 'spark-tpcds', v);
  const r = evaluateCorpus(dir, undefined, { warm: true });
  const s = summarise(r);
  console.log(`\ncorpus: ${path.relative(process.cwd(), dir)} — ${r.plans} plans, ${r.nodes.length} labelled nodes; workspace = all ${r.plans} query files (units built in ${r.indexMs.toFixed(0)} ms)`);
  console.log(`  file top-1            ${pct(s.fileTop1)}   (target ≥ 98 %)`);
  console.log(`  node line accuracy    ${pct(s.lineAccuracy)}   (target ≥ 85 %)`);
  console.log(`  high-conf precision   ${pct(s.highPrecision)} of ${s.highCount}   (target ≥ 95 %)`);
  console.log(`  ms per plan           median ${s.medianMs.toFixed(1)}, p95 ${s.p95Ms.toFixed(1)}, max ${Math.max(...r.msPerPlan).toFixed(1)}   (target ≤ 100; read + map, best of 3 runs, load average now ${os.loadavg()[0].toFixed(1)})`);
  console.log('  by kind:');
  for (const [k, x] of Object.entries(s.byKind).sort()) console.log(`    ${k.padEnd(10)} ${String(x.right).padStart(4)}/${String(x.n).padEnd(4)} ${pct(x.right / x.n)}`);
  console.log('  calibration (confidence bucket → accuracy):');
  for (const b of s.buckets) console.log(`    ${b.bucket.padEnd(9)} ${String(b.n).padStart(4)} nodes  ${b.n ? pct(b.right / b.n) : '—'}`);
  const absent = absentCodeReport(dir);
  console.log(`  code absent (each plan vs the other ${r.plans - 1} queries): ${absent.high} of ${absent.semanticNodes} operator nodes still 'high' (${pct(absent.high / Math.max(1, absent.semanticNodes))}), ${absent.low} 'low'; worst: ${absent.byPlan.slice(0, 3).map(([p, n]) => `${p} ${n}`).join(', ')}`);
  if (verbose) for (const n of r.nodes.filter((x) => !x.right)) console.log(`    miss ${n.plan}:${n.planLine} ${n.kind} ${n.status} ${n.confidence ?? ''} best=${n.best} want=${n.lines.join(',')}`);
}
