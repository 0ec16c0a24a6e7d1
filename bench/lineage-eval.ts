/**
 * `npm run eval:lineage`: precision/recall of table extraction on the TPC-DS corpus (vs Spark's physical
 * plans) side by side with node-sql-parser on the same statements, speed of both, and dbt model-edge
 * precision/recall. Prints the corpus and the machine it ran on.
 */
import os from 'node:os';
import path from 'node:path';
import { readdirSync, existsSync } from 'node:fs';
import { Parser } from 'node-sql-parser';
import { normalizeName } from '../server/src/engine/lineage/names';
import { extractSql } from '../server/src/engine/lineage/sql/extract';
import { dbtEdges, ourTables, score, tpcdsCases, TPCDS_NAMES, type Score } from './lineageScore';

const CORPORA = path.resolve(__dirname, '..', '..', 'shared', 'corpora');
const REPEAT = Number(process.env.REPEAT ?? 20);

function fmt(s: Score): string {
  return `P ${s.precision.toFixed(4)}  R ${s.recall.toFixed(4)}  (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`;
}

function peerTables(parser: Parser, sql: string): { tables: Set<string>; failed: boolean } {
  try {
    const list = parser.tableList(sql, { database: 'Hive' });
    return {
      tables: new Set(
        list
          .filter((t) => t.startsWith('select::'))
          .map((t) =>
            normalizeName(
              t
                .split('::')
                .slice(1)
                .filter((x) => x !== 'null')
                .join('.'),
              TPCDS_NAMES,
            ),
          ),
      ),
      failed: false,
    };
  } catch {
    return { tables: new Set(), failed: true };
  }
}

async function main() {
  console.log(
    `machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()}`,
  );
  console.log(
    `corpus:  ${path.join(CORPORA, 'spark-tpcds')} (spark3 + spark2 queries, EXPLAIN EXTENDED physical plans)\n`,
  );
  const cases = tpcdsCases(CORPORA);
  const parser = new Parser();
  const ours = cases.map((c) => ({ c, got: ourTables(c), truth: c.truth }));
  const peer = cases.map((c) => ({ c, ...peerTables(parser, c.firstStatement) }));
  const failedPeer = peer.filter((p) => p.failed).length;

  const time = (fn: () => void) => {
    fn(); // warm up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < REPEAT; i++) fn();
    return Number(process.hrtime.bigint() - t0) / 1e6 / REPEAT;
  };
  const msOurs = time(() => {
    for (const c of cases) extractSql(c.firstStatement, { names: TPCDS_NAMES });
  });
  const msPeer = time(() => {
    for (const c of cases) {
      try {
        parser.tableList(c.firstStatement, { database: 'Hive' });
      } catch {
        /* counted above */
      }
    }
  });

  const sOurs = score(ours);
  const sPeer = score(peer.map((p) => ({ got: p.tables, truth: p.c.truth })));
  console.log(
    `TPC-DS tables read vs physical-plan scans, ${cases.length} queries (${new Set(cases.map((c) => c.version)).size} Spark versions)`,
  );
  console.log(
    `  ${'extractor'.padEnd(16)} ${'precision'.padEnd(10)} ${'recall'.padEnd(10)} ${'failed'.padEnd(7)} ms/corpus (mean of ${REPEAT})`,
  );
  console.log(
    `  ${'daglens'.padEnd(16)} ${sOurs.precision.toFixed(4).padEnd(10)} ${sOurs.recall.toFixed(4).padEnd(10)} ${'0'.padEnd(7)} ${msOurs.toFixed(1)}`,
  );
  console.log(
    `  ${'node-sql-parser'.padEnd(16)} ${sPeer.precision.toFixed(4).padEnd(10)} ${sPeer.recall.toFixed(4).padEnd(10)} ${String(failedPeer).padEnd(7)} ${msPeer.toFixed(1)}`,
  );
  console.log(`  daglens:         ${fmt(sOurs)}`);
  console.log(
    `  node-sql-parser: ${fmt(sPeer)}  (parse failures: ${
      peer
        .filter((p) => p.failed)
        .map((p) => `${p.c.version}/${p.c.query}`)
        .join(', ') || 'none'
    })`,
  );
  for (const o of ours) {
    const extra = [...o.got].filter((t) => !o.truth.has(t));
    const miss = [...o.truth].filter((t) => !o.got.has(t));
    if (extra.length || miss.length)
      console.log(`  miss/extra ${o.c.version}/${o.c.query}: extra [${extra.join(', ')}] missing [${miss.join(', ')}]`);
  }

  console.log('');
  const dbtDir = path.join(CORPORA, 'dbt');
  for (const name of existsSync(dbtDir) ? readdirSync(dbtDir).sort() : []) {
    const r = await dbtEdges(path.join(dbtDir, name));
    if (!r) {
      console.log(`dbt ${name}: no dbt-graph.json, not scored`);
      continue;
    }
    const s = score([r]);
    console.log(`dbt ${name}: model edges vs dbt-graph.json: ${fmt(s)}`);
    for (const e of r.got) if (!r.truth.has(e)) console.log(`  extra ${e}`);
    for (const e of r.truth) if (!r.got.has(e)) console.log(`  missing ${e}`);
  }
}

void main();
