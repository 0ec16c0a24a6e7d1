/** Saved History Server answers: the SQL list, one execution with and without its plan, the application list. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { MemoryJobStore } from '../../server/src/engine/dag/jobs';
import { DagService } from '../../server/src/engine/dag/service';
import { silentLogger } from '../../server/src/engine/log';
import { runtimeArtefact } from '../../server/src/engine/runs/detect';
import { RunsInputError } from '../../server/src/engine/runs/errors';
import { readRunPath } from '../../server/src/engine/runs/read';
import { RunsService } from '../../server/src/engine/runs/service';
import { Workspace } from '../../server/src/engine/workspace/workspace';
import { RunsResultSchema } from '../../server/src/protocol';
import { requireCorpora } from '../helpers';

const derived = (f: string) => path.join(requireCorpora(), 'spark-eventlogs', 'derived', f);

async function mapped(file: string) {
  const root = path.join(requireCorpora(), 'spark-eventlogs', 'code');
  const ws = new Workspace(root, parseSettings({}).settings, silentLogger);
  const dag = new DagService(root, silentLogger, () => 4, new MemoryJobStore());
  ws.listen(dag);
  await ws.scan();
  const r = await readRunPath(file);
  if (r.kind !== 'run') throw new Error('not a run');
  return new RunsService(dag).map(r.run, r.source);
}

test('the /sql list: every execution, with its status, jobs, metrics on nodes named by nodeId, and its place in code', async () => {
  const r = RunsResultSchema.parse(await mapped(derived('e2e_local_stale.sql.json')));
  assert.equal(r.source.kind, 'restList');
  assert.deepEqual(
    r.executions.map((e) => e.executionId),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal(r.executions.find((e) => e.executionId === 2)!.status, 'failed');
  const x6 = r.executions.find((e) => e.executionId === 6)!;
  assert.equal(x6.durationMs, 1659);
  assert.deepEqual(
    x6.jobs.map((j) => j.jobId),
    [8, 9, 10, 11, 12, 13, 14],
  );
  assert.equal(x6.location?.startLine, 90);
  // The REST nodes' metrics, on the plan's operators matched by name and order: the SortMergeJoin is node 19.
  const smj = x6.result.dag.nodes.find((n) => n.operator === 'SortMergeJoin' && n.section !== 'initial')!;
  assert.equal(smj.sparkId, 19);
  assert.equal(smj.metrics!.find((m) => m.name === 'number of output rows')!.total, 500_000);
  const sortSpill = x6.result.dag.nodes.find((n) => n.sparkId === 21)!;
  assert.equal(sortSpill.operator, 'Sort');
  assert.equal(sortSpill.metrics!.find((m) => m.name === 'spill size')!.total, 15 * 2 ** 20);
  assert.equal(x6.topOperators[0].operator, 'WholeStageCodegen (3)');
});

test('one /sql/<id> answer, with its plan and without: the same node ids and metrics; without a plan the names still map', async () => {
  const withPlan = await mapped(derived('e2e_local_stale.sql-6.json'));
  const noPlan = await mapped(derived('e2e_local_stale.sql-6.noplan.json'));
  assert.equal(withPlan.source.kind, 'restExecution');
  const ids = (r: typeof withPlan) =>
    r.executions[0].result.dag.nodes
      .filter((n) => n.sparkId !== undefined && n.metrics?.length)
      .map((n) => n.sparkId)
      .sort((a, b) => a! - b!);
  assert.deepEqual(ids(noPlan), ids(withPlan));
  assert.ok(withPlan.executions[0].result.mappings.filter((m) => m.status === 'high').length >= 6);
  assert.equal(noPlan.executions[0].location?.file, 'e2e/generate_events.py');
});

test('the application list is listed, not mapped; answers of other shapes are refused with what was expected', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-rest-'));
  const apps = path.join(dir, 'applications.json');
  writeFileSync(
    apps,
    JSON.stringify([
      {
        id: 'app-1',
        name: 'nightly',
        attempts: [
          {
            startTime: '2026-04-15T20:59:45.660GMT',
            endTime: '2026-04-15T21:00:05.000GMT',
            completed: true,
            appSparkVersion: '3.5.3',
          },
        ],
      },
    ]),
  );
  const list = await readRunPath(apps);
  assert.equal(list.kind, 'apps');
  if (list.kind === 'apps')
    assert.deepEqual(list.apps.apps[0], {
      id: 'app-1',
      name: 'nightly',
      startTime: Date.UTC(2026, 3, 15, 20, 59, 45, 660),
      endTime: Date.UTC(2026, 3, 15, 21, 0, 5),
      completed: true,
      sparkVersion: '3.5.3',
    });
  const odd = path.join(dir, 'odd.json');
  writeFileSync(odd, JSON.stringify([{ id: 'x', nodes: 'not a list' }]));
  await assert.rejects(
    readRunPath(odd),
    (e: unknown) => e instanceof RunsInputError && /not the History Server's SQL execution list/.test(e.message),
  );
  const bom = path.join(dir, 'bom.json');
  writeFileSync(bom, `\uFEFF${readFileSync(derived('e2e_local_stale.sql-6.noplan.json'), 'utf8')}`);
  assert.equal((await readRunPath(bom)).kind, 'run', 'a byte-order mark is not an error');
});

test('runs are recognised as runs, plans as plans', () => {
  const logs = path.join(requireCorpora(), 'spark-eventlogs', 'logs');
  assert.equal(runtimeArtefact(path.join(logs, 'e2e_local_stale.zstd'))?.kind, 'eventLog');
  assert.equal(runtimeArtefact(path.join(logs, 'eventlog_v2_local-1623876083964'))?.kind, 'rollingEventLog');
  assert.equal(runtimeArtefact(path.join(logs, 'local-1532512550423'))?.kind, 'eventLog');
  assert.equal(runtimeArtefact(derived('e2e_local_stale.sql.json'))?.kind, 'restList');
  assert.equal(runtimeArtefact(derived('e2e_local_stale.sql-6.json'))?.kind, 'restExecution');
  assert.equal(
    runtimeArtefact(path.join(requireCorpora(), 'spark-tpcds', 'spark3', 'plans', 'query03.explain.txt')),
    undefined,
  );
});
