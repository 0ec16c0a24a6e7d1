/** Executions → code on the public event logs: the eval's floors, and the evidence behind single answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { MemoryJobStore } from '../../server/src/engine/dag/jobs';
import { DagService } from '../../server/src/engine/dag/service';
import { silentLogger } from '../../server/src/engine/log';
import { readRunPath } from '../../server/src/engine/runs/read';
import { RunsService } from '../../server/src/engine/runs/service';
import { Workspace } from '../../server/src/engine/workspace/workspace';
import type { RunsResult } from '../../server/src/protocol';
import { evaluateRuns, summariseRuns } from '../../bench/runsEval';
import { requireCorpora } from '../helpers';

const corpus = () => path.join(requireCorpora(), 'spark-eventlogs');

async function runsIn(root: string, log: string): Promise<RunsResult> {
  const ws = new Workspace(root, parseSettings({}).settings, silentLogger);
  const dag = new DagService(root, silentLogger, () => 4, new MemoryJobStore());
  ws.listen(dag);
  await ws.scan();
  const r = await readRunPath(path.join(corpus(), 'logs', log));
  if (r.kind !== 'run') throw new Error('not a run');
  return new RunsService(dag).map(r.run, r.source);
}

test('eval floors on the public logs: every input read, every execution listed, ≥ 90 % located, ≤ 2 % confident and wrong', async () => {
  const r = await evaluateRuns(requireCorpora());
  const s = summariseRuns(r);
  assert.equal(
    s.accepted,
    s.inputs,
    r.inputs
      .filter((i) => !i.accepted)
      .map((i) => `${i.input}: ${i.error}`)
      .join('; '),
  );
  assert.ok(s.listed, 'every labelled execution is listed');
  assert.ok(s.withCode >= 50, `${s.withCode} labelled executions`);
  assert.ok(s.located / s.withCode >= 0.9, `located ${s.located}/${s.withCode}`);
  assert.ok(
    s.confidentWrong / Math.max(1, s.confident) <= 0.02,
    `confident and wrong ${s.confidentWrong}/${s.confident}`,
  );
  assert.equal(s.metricsCoverage, 1, 'every operator with metrics in the log carries them');
  // Sessions typed into a shell have no file: nothing may be claimed for them.
  assert.deepEqual(
    r.rows.filter((x) => x.label === null && x.location).map((x) => `${x.input}#${x.executionId}`),
    [],
  );
});

test('a stale callSite is checked against the code: the action is found where it moved, and a failing UDF is found by name', async () => {
  const r = await runsIn(path.join(corpus(), 'code'), 'e2e_local_stale.zstd');
  const x6 = r.executions.find((e) => e.executionId === 6)!;
  assert.equal(x6.callSite, 'collect at /app/generate_events.py:86');
  assert.deepEqual(
    [x6.location!.file, x6.location!.startLine, x6.location!.endLine],
    ['e2e/generate_events.py', 90, 102],
  );
  assert.match(x6.location!.evidence, /is stale \(line 86 no longer calls collect\)/);
  const x2 = r.executions.find((e) => e.executionId === 2)!;
  assert.equal(x2.status, 'failed');
  assert.match(x2.error!, /deliberate permanent failure|Job aborted/);
  assert.deepEqual(
    x2.errorLocations.map((l) => [l.file, l.startLine, l.endLine]),
    [['e2e/generate_events.py', 59, 60]],
  );
  assert.match(x2.errorLocations[0].evidence, /fail_udf at line 51; the code has moved/);
  // Writes called through the JVM are told apart by the path their plan writes.
  const x8 = r.executions.find((e) => e.executionId === 8)!;
  assert.equal(x8.location!.startLine, 114);
  assert.ok(x8.location!.confidence >= 0.8);
});

test('the code moved further than a few lines: every execution is still found, at its new lines', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-moved-'));
  const src = readFileSync(path.join(corpus(), 'code', 'e2e', 'generate_events.py'), 'utf8');
  const header = Array.from({ length: 12 }, (_, i) => `# notes line ${i + 1}`).join('\n');
  writeFileSync(path.join(dir, 'generate_events.py'), `${header}\n${src}`);
  const r = await runsIn(dir, 'e2e_local_stale.zstd');
  const labels = JSON.parse(
    readFileSync(path.join(__dirname, '..', '..', 'bench', 'labels', 'spark-eventlogs.json'), 'utf8'),
  ).logs['logs/e2e_local_stale.zstd'] as Record<string, { startLine: number }>;
  for (const e of r.executions) {
    assert.equal(e.location?.file, 'generate_events.py', `execution ${e.executionId}`);
    assert.ok(
      Math.abs(e.location!.startLine - (labels[e.executionId].startLine + 12)) <= 2,
      `execution ${e.executionId}: ${e.location!.startLine}`,
    );
  }
});

test('the code is not in the workspace: no execution is placed with confidence', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-other-'));
  cpSync(path.join(corpus(), 'code', 'nds'), path.join(dir, 'nds'), { recursive: true });
  cpSync(path.join(corpus(), 'code', 'taxi'), path.join(dir, 'taxi'), { recursive: true });
  const r = await runsIn(dir, 'e2e_local_stale.zstd');
  assert.deepEqual(
    r.executions
      .filter((e) => e.location && e.location.confidence >= 0.8)
      .map((e) => `${e.executionId} ${e.location!.file}:${e.location!.startLine}`),
    [],
  );
});

test('a query file named by the job description wins over the generic runner line; temp views resolve the scans', async () => {
  const r = await runsIn(path.join(corpus(), 'code'), 'nds_q9_gpu_oom.zstd');
  const q = r.executions.find((e) => e.executionId === 24)!;
  assert.equal(q.location!.file, 'nds/query09.sql');
  assert.match(q.location!.evidence, /"query9" is nds\/query09\.sql; run by nds\/nds_power\.py:131/);
  // The 24 views are created by one line of the driver; the only such call the plan does not contradict.
  const views = r.executions.filter((e) => /createOrReplaceTempView/.test(e.description));
  assert.equal(views.length, 24);
  assert.ok(
    views.every(
      (e) => e.location?.file === 'nds/nds_power.py' && e.location.startLine === 99 && e.location.confidence >= 0.8,
    ),
  );
  // A scan of the store_sales view (over …/store_sales) maps to a FROM store_sales of the query, with the view's creation as an alternative.
  const scans = q.result.dag.nodes
    .map((n, i) => ({ n, m: q.result.mappings[i] }))
    .filter(({ n }) => n.operator === 'Scan' && n.section !== 'initial');
  assert.ok(scans.length >= 5);
  for (const { m } of scans) {
    assert.equal(m.best?.file, 'nds/query09.sql');
    assert.ok(
      m.alternatives.some((a) => a.file === 'nds/nds_power.py' && a.startLine === 99),
      JSON.stringify(m.alternatives),
    );
  }
});

test('a scan of a cached temp view maps to the FROM that names the view', async () => {
  const r = await runsIn(path.join(corpus(), 'code'), 'e2e_local_stale.zstd');
  const x6 = r.executions.find((e) => e.executionId === 6)!;
  const i = x6.result.dag.nodes.findIndex((n) => n.operator === 'InMemoryTableScan' && n.section !== 'initial');
  assert.ok(i >= 0);
  const m = x6.result.mappings[i];
  assert.equal(m.best?.file, 'e2e/generate_events.py');
  assert.equal(m.best?.startLine, 98, 'FROM employees e');
});
