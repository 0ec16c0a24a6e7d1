/**
 * `npm run eval:runs`: Spark runs → code over ../shared/corpora/spark-eventlogs (every log and the derived
 * History Server answers) against the hand labels in bench/labels/spark-eventlogs.json. Prints the corpus and
 * the machine it ran on. `--misses` lists the executions not located.
 */
import os from 'node:os';
import { CORPORA } from '../test/helpers';
import { evaluateRuns, summariseRuns } from './runsEval';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const verbose = process.argv.includes('--misses');

async function main() {
  console.log(
    `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(
    `corpus: ${CORPORA}/spark-eventlogs (logs/ and derived/); workspace: spark-eventlogs/code; labels: bench/labels/spark-eventlogs.json\n`,
  );
  const r = await evaluateRuns(CORPORA);
  console.log(`${'input'.padEnd(58)} ${'read'.padEnd(8)} execs  located   ms`);
  for (const i of r.inputs) {
    const rows = r.rows.filter((x) => x.input === i.input);
    const withCode = rows.filter((x) => x.label);
    const located = withCode.length ? `${withCode.filter((x) => x.right).length}/${withCode.length}` : '—';
    console.log(
      `${i.input.slice(0, 58).padEnd(58)} ${(i.accepted ? 'ok' : 'FAILED').padEnd(8)} ${String(i.executions).padStart(5)}  ${located.padStart(7)}  ${i.ms.toFixed(0).padStart(4)}${i.skippedLines ? `  (${i.skippedLines} line skipped)` : ''}${i.error ? `  ${i.error}` : ''}`,
    );
  }
  const s = summariseRuns(r);
  console.log('');
  console.log(`inputs accepted                  ${s.accepted}/${s.inputs}`);
  console.log(`every labelled execution listed  ${s.listed ? 'yes' : 'NO'}`);
  console.log(
    `executions with code located     ${s.located}/${s.withCode} = ${pct(s.located / Math.max(1, s.withCode))}   (target ≥ 90 %: right file, start within the labelled lines ± 2)`,
  );
  console.log(
    `confident (≥ 0.8) locations wrong ${s.confidentWrong}/${s.confident} = ${pct(s.confidentWrong / Math.max(1, s.confident))}   (target ≤ 2 %)`,
  );
  console.log(
    `operators with metrics annotated ${r.metricNodesAnnotated}/${r.metricNodes} = ${pct(s.metricsCoverage)}   (plan-graph nodes with values in the log)`,
  );
  const buckets = [
    [0.9, 1.01],
    [0.8, 0.9],
    [0.7, 0.8],
    [0.5, 0.7],
    [0, 0.5],
  ];
  console.log('calibration (confidence → right, executions with code):');
  for (const [lo, hi] of buckets) {
    const xs = r.rows.filter((x) => x.label && x.location && x.location.confidence >= lo && x.location.confidence < hi);
    console.log(
      `  ${lo.toFixed(1)}–${Math.min(1, hi).toFixed(1)}  ${String(xs.length).padStart(3)}  ${xs.length ? pct(xs.filter((x) => x.right).length / xs.length) : '—'}`,
    );
  }
  const noCode = r.rows.filter((x) => x.label === null);
  console.log(
    `executions without code in the workspace: ${noCode.length}, located anyway: ${noCode.filter((x) => x.location).length} (confident: ${noCode.filter((x) => x.location && x.location.confidence >= 0.8).length})`,
  );
  if (verbose)
    for (const x of r.rows.filter((y) => y.right === false || (y.label === null && y.location)))
      console.log(
        `  miss ${x.input} #${x.executionId}: got ${x.location ? `${x.location.file}:${x.location.startLine} (${x.location.confidence}) — ${x.location.evidence}` : 'nothing'}; want ${x.label ? `${x.label.file}:${x.label.startLine}-${x.label.endLine}` : 'nothing'}`,
      );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
