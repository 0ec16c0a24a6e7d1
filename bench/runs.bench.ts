/**
 * `npm run bench:runs`: reading and mapping a large Spark run. A ~140 MB event log (the size of the largest
 * real ones) is built from the public logs' events (bench/largeLog.ts: the e2e and NDS logs repeated with their
 * ids shifted) and read plain, gzip and zstd (when the zstd tool is there to write it), each in a fresh process:
 * read time, map time for every execution, peak RSS. Targets: ≤ 5 s and ≤ 500 MB. Prints the machine.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CORPORA } from '../test/helpers';
import { largeEventLog } from './largeLog';

const MB = Number(process.env.DAGLENS_BENCH_LOG_MB ?? 140);
const root = path.join(CORPORA, 'spark-eventlogs', 'code');

function once(file: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'runsOnce.ts'), file, root], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    readMs: number;
    mapMs: number;
    totalMs: number;
    maxRssMb: number;
    executions: number;
    located: number;
    operators: number;
    events: number;
    progressReports: number;
  };
}

async function main() {
  console.log(
    `machine: ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`,
  );
  const t = performance.now();
  const log = await largeEventLog(CORPORA, os.tmpdir(), MB);
  console.log(
    `log: ${log.file}, ${(log.bytes / 1e6).toFixed(0)} MB of JSON lines${log.repetitions > 0 ? ` (${log.repetitions} repetitions of the e2e + NDS logs' events, built in ${((performance.now() - t) / 1000).toFixed(1)} s)` : ' (reused)'}`,
  );
  console.log(`workspace: ${root}\n`);
  const variants: Array<[string, string]> = [['plain', log.file]];
  const gz = `${log.file}.gz`;
  if (!existsSync(gz)) await pipeline(createReadStream(log.file), createGzip({ level: 6 }), createWriteStream(gz));
  variants.push(['gzip', gz]);
  const zst = `${log.file}.zstd`;
  if (!existsSync(zst) && spawnSync('zstd', ['-q', '-3', '-f', log.file, '-o', zst]).status !== 0)
    console.log('(zstd tool not found: the zstd variant is skipped)');
  if (existsSync(zst)) variants.push(['zstd', zst]);
  console.log(
    `${'input'.padEnd(8)} ${'file'.padStart(8)}  ${'read'.padStart(7)}  ${'map'.padStart(7)}  ${'total'.padStart(7)}  ${'peak RSS'.padStart(9)}  executions (located), operators, events`,
  );
  for (const [name, file] of variants) {
    // Best of two fresh processes: the first also warms the page cache.
    const runs = [once(file), once(file)];
    const r = runs.sort((a, b) => a.totalMs - b.totalMs)[0];
    const rss = Math.max(...runs.map((x) => x.maxRssMb));
    console.log(
      `${name.padEnd(8)} ${`${(statSync(file).size / 1e6).toFixed(0)} MB`.padStart(8)}  ${`${(r.readMs / 1000).toFixed(2)} s`.padStart(7)}  ${`${(r.mapMs / 1000).toFixed(2)} s`.padStart(7)}  ${`${(r.totalMs / 1000).toFixed(2)} s`.padStart(7)}  ${`${rss.toFixed(0)} MB`.padStart(9)}  ${r.executions} (${r.located}), ${r.operators}, ${r.events} — ${r.progressReports} progress reports`,
    );
  }
  console.log(
    '\ntargets: total ≤ 5 s, peak RSS ≤ 500 MB (read every event, map every execution; RSS includes Node and the workspace)',
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
