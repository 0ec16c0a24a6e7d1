/** One measured read + map of a run, in a fresh process (bench/runs.bench.ts spawns it): prints one JSON line. */
import { parseSettings } from '../server/src/engine/config';
import { MemoryJobStore } from '../server/src/engine/dag/jobs';
import { DagService } from '../server/src/engine/dag/service';
import { silentLogger } from '../server/src/engine/log';
import { readRunPath } from '../server/src/engine/runs/read';
import { RunsService } from '../server/src/engine/runs/service';
import { Workspace } from '../server/src/engine/workspace/workspace';

async function main() {
  const [file, root] = process.argv.slice(2);
  const ws = new Workspace(root, parseSettings({}).settings, silentLogger);
  const dag = new DagService(root, silentLogger, () => 4, new MemoryJobStore());
  ws.listen(dag);
  await ws.scan();
  let progress = 0;
  const t0 = performance.now();
  const read = await readRunPath(file, { onProgress: () => progress++ });
  const t1 = performance.now();
  if (read.kind !== 'run') throw new Error('not a run');
  const r = await new RunsService(dag).map(read.run, read.source);
  const t2 = performance.now();
  const ops = r.executions.reduce((n, e) => n + e.result.dag.nodes.length, 0);
  process.stdout.write(
    JSON.stringify({
      readMs: t1 - t0,
      mapMs: t2 - t1,
      totalMs: t2 - t0,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      executions: r.executions.length,
      located: r.executions.filter((e) => e.location).length,
      operators: ops,
      events: r.stats.events,
      progressReports: progress,
    }) + '\n',
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
