/**
 * Lineage speed and memory on real code (../shared/corpora):
 *  1. SQL extraction throughput on the TPC-DS queries (both Spark versions), and on one 10,000-statement
 *     file made of those queries back to back (the "huge migration script" case);
 *  2. a cold workspace: scan (tree-sitter parse, done by the Workspace) + lineage extraction + graph build,
 *     per corpus, with the heap the lineage holds;
 *  3. an edit: one file changed, then the next query (graph rebuild), as the editor does per keystroke.
 *   npm run bench:lineage
 */
import os from 'node:os';
import path from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { extractSql } from '../server/src/engine/lineage/sql/extract';
import { Lineage } from '../server/src/engine/lineage';
import { parseSettings } from '../server/src/engine/config';
import { Workspace } from '../server/src/engine/workspace/workspace';
import { TPCDS_NAMES } from './lineageScore';

const CORPORA = path.resolve(__dirname, '..', '..', 'shared', 'corpora');
const silent = { info() {}, warn() {}, error() {} };

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function heapMb(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function main() {
  console.log(
    `machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length} cores, node ${process.version}, ${os.platform()}`,
  );
  console.log(`corpus:  ${CORPORA}\n`);

  const queries: string[] = [];
  for (const v of ['spark3', 'spark2']) {
    const dir = path.join(CORPORA, 'spark-tpcds', v, 'queries');
    for (const f of readdirSync(dir).sort()) queries.push(readFileSync(path.join(dir, f), 'utf8'));
  }
  const bytes = queries.reduce((n, q) => n + q.length, 0);
  for (const q of queries) extractSql(q, { names: TPCDS_NAMES }); // warm up
  let t0 = process.hrtime.bigint();
  const rounds = 20;
  for (let i = 0; i < rounds; i++) for (const q of queries) extractSql(q, { names: TPCDS_NAMES });
  const perRound = ms(t0) / rounds;
  console.log(
    `1. TPC-DS SQL extraction: ${queries.length} files, ${(bytes / 1024).toFixed(0)} KiB: ${perRound.toFixed(1)} ms per pass (${(bytes / 1024 / 1024 / (perRound / 1000)).toFixed(1)} MiB/s, mean of ${rounds})`,
  );

  const statements = queries.flatMap((q) => q.split(';').filter((s) => /\bselect\b/i.test(s)));
  const huge: string[] = [];
  for (let i = 0; huge.length < 10_000; i++) huge.push(statements[i % statements.length]);
  const hugeText = huge.join(';\n') + ';';
  const before = heapMb();
  t0 = process.hrtime.bigint();
  const out = extractSql(hugeText, { names: TPCDS_NAMES });
  const hugeMs = ms(t0);
  console.log(
    `   10,000-statement file (${(hugeText.length / 2 ** 20).toFixed(1)} MiB): ${hugeMs.toFixed(0)} ms, ${out.length} statements, ${out.reduce((n, s) => n + s.reads.length, 0)} table reads, result heap ${(heapMb() - before).toFixed(1)} MiB`,
  );

  console.log('\n2. cold workspace: scan + lineage + graph');
  for (const corpus of [
    'spark-tpcds',
    'dbt/dbt_analytics',
    'dbt/jaffle-shop',
    'airflow/astronomer-2-9-example-dags',
    'pyspark/pyspark-example-project',
  ]) {
    const root = path.join(CORPORA, corpus);
    const h0 = heapMb();
    const ws = new Workspace(root, parseSettings({}).settings, silent);
    const lineage = new Lineage(root, { names: corpus === 'spark-tpcds' ? TPCDS_NAMES : {} });
    ws.listen(lineage);
    t0 = process.hrtime.bigint();
    await ws.scan();
    const scanMs = ms(t0);
    t0 = process.hrtime.bigint();
    const g = lineage.graph();
    const buildMs = ms(t0);
    console.log(
      `   ${corpus.padEnd(38)} ${String(ws.size).padStart(4)} files  scan+extract ${scanMs.toFixed(0).padStart(5)} ms  graph ${buildMs.toFixed(1).padStart(6)} ms  ${String(g.processes.size).padStart(4)} processes ${String(g.assets.size).padStart(4)} assets  heap +${(heapMb() - h0).toFixed(1)} MiB`,
    );

    // 3. One edit, then the next query.
    const file = ws.all().find((f) => f.lang === 'sql' || f.lang === 'python');
    if (file) {
      const text = readFileSync(file.path, 'utf8');
      const edits = 10;
      t0 = process.hrtime.bigint();
      for (let i = 0; i < edits; i++) {
        ws.setText(file.path, text + `\n-- edit ${i}\n`.replace('--', file.lang === 'python' ? '#' : '--'));
        lineage.graph();
      }
      console.log(
        `   ${''.padEnd(38)} edit ${file.rel}: re-parse + re-extract + rebuild ${(ms(t0) / edits).toFixed(1)} ms per edit (mean of ${edits})`,
      );
    }
  }
}

void main();
