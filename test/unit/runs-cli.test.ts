/** `daglens runs` end to end (the CLI entry through tsx): table, --json contract, one execution, errors; `map` on runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DagMapResultSchema, RunAppListSchema, RunsResultSchema } from '../../server/src/protocol';
import { REPO, requireCorpora } from '../helpers';
import { e2eApp, FakeHistoryServer } from '../fake-history-server/server';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'server/src/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const corpus = () => path.join(requireCorpora(), 'spark-eventlogs');
const code = () => path.join(corpus(), 'code');

test('runs prints every execution: status, duration, where in code, the slowest operators and where they map', () => {
  const r = cli('runs', path.join(corpus(), 'logs', 'e2e_local_stale.zstd'), '--workspace', code(), '--no-cache');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /shs-e2e-app1 \(local-1776286786993\) Spark 4\.1\.0 — 10 SQL executions/);
  assert.match(
    r.out,
    /\n\s+6 {2}succeeded\s+1\.7 s {2}e2e\/generate_events\.py:90-102 \(0\.\d\d\) {2}collect at \/app\/generate_events\.py:86\n/,
  );
  assert.match(r.out, /\n\s+2 {2}failed .*\n\s+error: Job aborted/);
  assert.match(r.out, /raised in e2e\/generate_events\.py:59-60/);
  assert.match(
    r.out,
    /slowest: WholeStageCodegen \(2\) 2\.9 s → e2e\/generate_events\.py:116; .*Sort 728 ms · spill 80 MiB → e2e\/generate_events\.py:116/,
  );
  assert.match(r.out, /10 of 10 executions located/);
});

test('runs --json is the contract: app, skippedLines, executions with location and the map result (nodes with sparkId, metrics)', () => {
  const r = cli(
    'runs',
    path.join(corpus(), 'logs', 'malformed_line.zstd'),
    '--workspace',
    code(),
    '--json',
    '--no-cache',
  );
  assert.equal(r.code, 0, r.err);
  const json = RunsResultSchema.parse(JSON.parse(r.out));
  assert.deepEqual(json.app, {
    id: 'application_1603128018386_7759',
    name: 'Spark shell',
    sparkVersion: '3.1.1',
    startTime: json.app.startTime,
    endTime: json.app.endTime,
  });
  assert.equal(json.skippedLines, 1);
  const x = json.executions[0];
  assert.equal(x.location, null, 'typed into spark-shell: no file of the workspace made it');
  assert.ok(x.durationMs! > 0);
  const withMetrics = x.result.dag.nodes.filter((n) => n.metrics?.length);
  assert.ok(withMetrics.length >= 8 && withMetrics.every((n) => n.sparkId !== undefined));
  DagMapResultSchema.parse(x.result);
});

test('runs -e N maps one execution in full and lists its operators by Spark id', () => {
  const r = cli(
    'runs',
    path.join(corpus(), 'logs', 'nds_q9_gpu_oom.zstd'),
    '--workspace',
    code(),
    '-e',
    '24',
    '--no-cache',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\n\s+24 {2}failed\s+1\.6 min {2}nds\/query09\.sql:\d+-\d+ \(0\.90\) {2}query9\n/);
  assert.match(
    r.out,
    /why: the job description names it: "query9" is nds\/query09\.sql; run by nds\/nds_power\.py:131/,
  );
  assert.match(r.out, /execution 24: \d+ operators\n\s+#0 {2}AdaptiveSparkPlan/);
  assert.match(r.out, /#4 {2}GpuFilter\s+high\s+nds\/query09\.sql:48/);
  assert.doesNotMatch(r.out, /\n\s+0 {2}succeeded/, 'only execution 24');
  assert.equal(cli('runs', path.join(corpus(), 'logs', 'nds_q9_gpu_oom.zstd'), '-e', '99').code, 2);
});

test('a folder of logs lists its applications; user mistakes are one line and exit code 2', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-runs-cli-'));
  const apps = cli('runs', path.join(corpus(), 'logs'), '--json');
  assert.equal(apps.code, 0, apps.err);
  const list = RunAppListSchema.parse(JSON.parse(apps.out));
  assert.ok(list.apps.some((a) => a.id === 'local-1623876083964'));
  writeFileSync(path.join(dir, 'plan.txt'), 'not a run at all\n');
  for (const [args, why] of [
    [['runs'], /runs needs a PATH/],
    [['runs', path.join(dir, 'missing')], /no such file or folder/],
    [['runs', path.join(dir, 'plan.txt')], /not a Spark event log/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, why);
    assert.equal(r.err.trim().split('\n').length, 1);
  }
});

test('map given a run points to runs; given one History Server execution it maps it with the run on the nodes', () => {
  const log = cli('map', '--dag', path.join(corpus(), 'logs', 'e2e_local_stale.zstd'), '--workspace', code());
  assert.equal(log.code, 2);
  assert.match(
    log.err,
    /is a zstd Spark event log, not a plan: 'daglens runs .* --workspace DIR' maps every SQL execution/,
  );
  const rolling = cli('map', '--dag', path.join(corpus(), 'logs', 'eventlog_v2_local-1623876083964'));
  assert.match(rolling.err, /a rolling Spark event log folder, not a plan/);
  const one = cli(
    'map',
    '--dag',
    path.join(corpus(), 'derived', 'e2e_local_stale.sql-6.json'),
    '--workspace',
    code(),
    '--json',
    '--no-cache',
  );
  assert.equal(one.code, 0, one.err);
  const r = DagMapResultSchema.parse(JSON.parse(one.out));
  assert.ok(r.dag.nodes.filter((n) => n.sparkId !== undefined).length >= 30);
  assert.ok(r.mappings.some((m) => m.status === 'high' && m.best?.startLine === 99));
});

test('runs --history-server lists the applications, reads one with --app like a log; an unreachable server is one line, exit 2', async () => {
  // The fake answers from this process: the CLI must run asynchronously (spawnSync would block its answers).
  const cliAsync = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'server/src/cli/main.ts'), ...args], {
        cwd: REPO,
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, out, err }));
    });
  const fake = await FakeHistoryServer.start([await e2eApp()]);
  try {
    const list = await cliAsync('runs', '--history-server', fake.url);
    assert.equal(list.code, 0, list.err);
    assert.match(
      list.out,
      new RegExp(
        `^${fake.url}: 1 application \\(choose one with --app ID\\)\\n {2}local-1776286786993 {2}shs-e2e-app1 {2}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}Spark 4\\.1\\.0\\n$`,
      ),
    );

    const run = await cliAsync(
      'runs',
      '--history-server',
      `${fake.url}/api/v1/`,
      '--app',
      'local-1776286786993',
      '--workspace',
      code(),
      '--json',
      '--no-cache',
    );
    assert.equal(run.code, 0, run.err);
    const json = RunsResultSchema.parse(JSON.parse(run.out));
    assert.deepEqual(json.source, {
      kind: 'historyServer',
      path: `${fake.url}/api/v1/applications/local-1776286786993`,
      parts: 1,
      inProgress: false,
    });
    assert.equal(json.app.name, 'shs-e2e-app1');
    assert.deepEqual(
      json.executions.map((e) => e.executionId),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(json.executions[6].location?.startLine, 90);
    assert.ok(
      json.executions[6].result.dag.nodes.filter((n) => n.sparkId !== undefined && n.metrics?.length).length >= 20,
    );
    assert.ok(
      fake.calls('/applications/local-1776286786993/sql').length >= 1,
      'the CLI read the SQL list from the server',
    );
  } finally {
    await fake.close();
  }
  // The fake's port, now closed: connection refused.
  const t = performance.now();
  const gone = await cliAsync('runs', '--history-server', fake.url, '--app', 'local-1776286786993');
  assert.equal(gone.code, 2, gone.err);
  assert.match(
    gone.err,
    /^daglens: cannot reach the Spark History Server at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/applications\/local-1776286786993 \(connection refused/,
  );
  assert.equal(gone.err.trim().split('\n').length, 1);
  assert.equal(gone.out, '');
  assert.ok(performance.now() - t < 10_000);
});
