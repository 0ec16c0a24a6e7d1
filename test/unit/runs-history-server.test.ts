/** A live History Server (the fake one, on 127.0.0.1): applications, a run read page by page and mapped, every fault. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { MemoryJobStore } from '../../server/src/engine/dag/jobs';
import { DagService } from '../../server/src/engine/dag/service';
import { silentLogger } from '../../server/src/engine/log';
import { RunsCancelled, RunsInputError } from '../../server/src/engine/runs/errors';
import { HistoryServerClient, readHistoryServer } from '../../server/src/engine/runs/historyServer';
import { readRunPath } from '../../server/src/engine/runs/read';
import { RunsService } from '../../server/src/engine/runs/service';
import { Workspace } from '../../server/src/engine/workspace/workspace';
import { RunsResultSchema } from '../../server/src/protocol';
import { requireCorpora } from '../helpers';
import { e2eApp, FakeHistoryServer, restAttempt, type FakeApp } from '../fake-history-server/server';

const APP = 'local-1776286786993';
let fake: FakeHistoryServer;
let e2e: FakeApp;

before(async () => {
  e2e = await e2eApp();
  // 120 executions: more than two of the client's pages (50), so paging has to go on to a short third page.
  const many: FakeApp = {
    info: {
      id: 'app-many',
      name: 'many',
      attempts: [restAttempt({ startTime: 1_700_000_000_000, endTime: 1_700_000_100_000, sparkVersion: '3.5.1' })],
    },
    executions: Array.from({ length: 120 }, (_, i) => ({ ...e2e.executions[i % 10], id: i })),
  };
  // YARN cluster mode: two attempts, listed newest first as Spark does; the newest still running.
  const yarn: FakeApp = {
    info: {
      id: 'application_1700000000000_0042',
      name: 'nightly',
      attempts: [
        restAttempt({ attemptId: '2', startTime: 1_700_000_500_000, endTime: null, sparkVersion: '3.5.1' }),
        restAttempt({
          attemptId: '1',
          startTime: 1_700_000_000_000,
          endTime: 1_700_000_400_000,
          sparkVersion: '3.5.1',
        }),
      ],
    },
    executions: e2e.executions.slice(0, 3),
  };
  fake = await FakeHistoryServer.start([e2e, many, yarn]);
});
after(() => fake.close());

/** Runs `fn`, expecting a RunsInputError; returns its message and how long it took. */
async function failure(fn: () => Promise<unknown>): Promise<{ message: string; ms: number }> {
  const t = performance.now();
  try {
    await fn();
  } catch (e) {
    const ms = performance.now() - t;
    assert.ok(
      e instanceof RunsInputError,
      `expected a RunsInputError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    );
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return { message: e.message, ms };
  }
  assert.fail('expected a failure');
}

test(
  'the application list: every application with its name, times, state and Spark version, however the URL is given',
  { timeout: 10_000 },
  async () => {
    fake.clear();
    const r = await readHistoryServer(fake.url);
    assert.equal(r.kind, 'apps');
    if (r.kind !== 'apps') return;
    assert.equal(r.apps.source, fake.url);
    const app = r.apps.apps.find((a) => a.id === APP)!;
    const attempt = e2e.info.attempts[0];
    assert.deepEqual(app, {
      id: APP,
      name: 'shs-e2e-app1',
      startTime: attempt.startTimeEpoch,
      endTime: attempt.endTimeEpoch,
      completed: true,
      sparkVersion: '4.1.0',
    });
    assert.deepEqual(
      r.apps.apps.map((a) => a.id),
      [APP, 'app-many', 'application_1700000000000_0042'],
    );
    // The most recent attempt (listed first by Spark) is the application's state: still running.
    const yarn = r.apps.apps[2];
    assert.equal(yarn.completed, false);
    assert.equal(yarn.startTime, 1_700_000_500_000);
    assert.equal(yarn.endTime, null);
    for (const url of [
      `${fake.url}/`,
      `${fake.url}/api/v1`,
      `${fake.url}/api/v1/applications/`,
      fake.url.replace('http://', ''),
    ]) {
      const again = await readHistoryServer(url);
      assert.deepEqual(again, r, url);
    }
    assert.ok(
      fake.requests.every((q) => q.path === '/api/v1/applications'),
      'every form of the URL asks /api/v1/applications',
    );
  },
);

test(
  'an application read end to end and mapped: 10 executions, located, their nodes carrying Spark ids and metrics',
  { timeout: 10_000 },
  async () => {
    fake.clear();
    const progress: number[] = [];
    const r = await readHistoryServer(`${fake.url}/`, { app: APP, onProgress: (p) => progress.push(p.executions) });
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.deepEqual(r.source, {
      kind: 'historyServer',
      path: `${fake.url}/api/v1/applications/${APP}`,
      parts: 1,
      inProgress: false,
    });
    assert.deepEqual(progress, [10]);
    assert.ok(r.run.stats.bytes > 80_000, 'the bytes read are counted');
    // Exactly: the application, then one page of the SQL list with details and plans.
    assert.deepEqual(
      fake.requests.map((q) => `${q.path}?${q.query}`),
      [
        `/api/v1/applications/${APP}?`,
        `/api/v1/applications/${APP}/sql?details=true&planDescription=true&offset=0&length=50`,
      ],
    );
    assert.equal(fake.requests[0].headers.accept, 'application/json');

    const root = path.join(requireCorpora(), 'spark-eventlogs', 'code');
    const ws = new Workspace(root, parseSettings({}).settings, silentLogger);
    const dag = new DagService(root, silentLogger, () => 4, new MemoryJobStore());
    ws.listen(dag);
    await ws.scan();
    const result = RunsResultSchema.parse(await new RunsService(dag).map(r.run, r.source));
    assert.deepEqual(result.app, {
      id: APP,
      name: 'shs-e2e-app1',
      sparkVersion: '4.1.0',
      startTime: e2e.info.attempts[0].startTimeEpoch,
      endTime: e2e.info.attempts[0].endTimeEpoch,
    });
    assert.deepEqual(
      result.executions.map((e) => e.executionId),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(result.executions[2].status, 'failed');
    const x6 = result.executions[6];
    assert.equal(x6.location?.file, 'e2e/generate_events.py');
    assert.equal(x6.location?.startLine, 90);
    assert.deepEqual(
      x6.jobs.map((j) => j.jobId),
      [8, 9, 10, 11, 12, 13, 14],
    );
    const smj = x6.result.dag.nodes.find((n) => n.operator === 'SortMergeJoin' && n.section !== 'initial')!;
    assert.equal(smj.sparkId, 19);
    assert.equal(smj.metrics!.find((m) => m.name === 'number of output rows')!.total, 500_000);
    for (const x of result.executions) {
      const rest = e2e.executions[x.executionId] as unknown as { nodes: Array<{ metrics: unknown[] }> };
      assert.equal(
        x.result.dag.nodes.filter((n) => n.sparkId !== undefined).length,
        rest.nodes.length,
        `execution ${x.executionId}: every Spark node is on the map`,
      );
      if (rest.nodes.some((n) => n.metrics.length))
        assert.ok(
          x.result.dag.nodes.some((n) => n.metrics?.length),
          `execution ${x.executionId}: metrics on its nodes`,
        );
      assert.equal(x.location?.file, 'e2e/generate_events.py', `execution ${x.executionId} located`);
    }
    // Live or saved, the same answers make the same run.
    const saved = await readRunPath(
      path.join(requireCorpora(), 'spark-eventlogs', 'derived', 'e2e_local_stale.sql.json'),
    );
    assert.ok(saved.kind === 'run');
    assert.deepEqual(r.run.executions, saved.run.executions);
  },
);

test(
  'the SQL list is paged until a short page; the fake pages like Spark (20 by default)',
  { timeout: 10_000 },
  async () => {
    fake.clear();
    const seen: number[] = [];
    const client = new HistoryServerClient(fake.url);
    const xs = await client.sqlExecutions('app-many', (n) => seen.push(n));
    assert.deepEqual(
      xs.map((x) => x.id),
      Array.from({ length: 120 }, (_, i) => i),
    );
    assert.deepEqual(seen, [50, 100, 120]);
    const pages = fake.calls('/applications/app-many/sql');
    assert.deepEqual(
      pages.map((q) => [q.query.get('offset'), q.query.get('length')]),
      [
        ['0', '50'],
        ['50', '50'],
        ['100', '50'],
      ],
    );
    // Spark's own default, which a client that does not page would be stuck with.
    const res = await fetch(`${fake.url}/api/v1/applications/app-many/sql`);
    assert.equal(((await res.json()) as unknown[]).length, 20);
  },
);

test(
  'an application with attempts (YARN cluster mode): the most recent attempt is read, from its /<attemptId>/sql',
  { timeout: 10_000 },
  async () => {
    fake.clear();
    const r = await readHistoryServer(fake.url, { app: 'application_1700000000000_0042' });
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.equal(fake.calls('/applications/application_1700000000000_0042/2/sql').length, 1);
    assert.equal(r.source.inProgress, true);
    assert.deepEqual(r.run.app, {
      id: 'application_1700000000000_0042',
      name: 'nightly',
      sparkVersion: '3.5.1',
      startTime: 1_700_000_500_000,
      endTime: null,
    });
    assert.deepEqual(
      r.run.executions.map((x) => x.executionId),
      [0, 1, 2],
    );
  },
);

test(
  'a server that is not there: connection refused, or a host name that does not resolve',
  { timeout: 10_000 },
  async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await failure(() => readHistoryServer(`http://127.0.0.1:${port}`, { timeoutMs: 300 }));
    assert.match(
      refused.message,
      new RegExp(
        `^cannot reach the Spark History Server at http://127\\.0\\.0\\.1:${port}/api/v1/applications \\(connection refused: is the History Server running`,
      ),
    );
    assert.ok(refused.ms < 2000, `${refused.ms} ms`);
    // A DNS failure as Node's fetch reports it (no real lookup: nothing leaves 127.0.0.1).
    const dnsFailure: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND shs.example.invalid'), { code: 'ENOTFOUND' }),
      });
    };
    const dns = await failure(() =>
      new HistoryServerClient('http://shs.example.invalid:18080', { fetch: dnsFailure }).applications(),
    );
    assert.match(
      dns.message,
      /^cannot reach the Spark History Server at http:\/\/shs\.example\.invalid:18080\/api\/v1\/applications \(host 'shs\.example\.invalid' not found: check the host name/,
    );
    // https:// to a server that speaks http.
    const tls = await failure(() => readHistoryServer(fake.url.replace('http:', 'https:'), { timeoutMs: 300 }));
    assert.match(tls.message, /\(it does not speak https on this port: try http:\/\/\)$/);
  },
);

test(
  'a server that is too slow: no answer, or headers then a stalled body, ends at the timeout and closes the request',
  { timeout: 10_000 },
  async () => {
    fake.clear();
    fake.fault('/applications', { type: 'delay', ms: 5000 });
    const slow = await failure(() => readHistoryServer(fake.url, { timeoutMs: 300 }));
    assert.match(
      slow.message,
      /^the Spark History Server at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/applications did not answer within 0\.3 s/,
    );
    assert.ok(slow.ms >= 280 && slow.ms < 1500, `${slow.ms} ms`);
    await fake.until(() => fake.calls('/applications')[0]?.clientClosed);

    fake.clear();
    fake.fault(`/applications/${APP}/sql`, { type: 'stall', bytes: 100 });
    const stalled = await failure(() => readHistoryServer(fake.url, { app: APP, timeoutMs: 300 }));
    assert.match(
      stalled.message,
      new RegExp(`/applications/${APP}/sql\\?.* stopped sending its answer \\(100 bytes, then nothing for 0\\.3 s\\)`),
    );
    assert.ok(stalled.ms < 1500, `${stalled.ms} ms`);
    await fake.until(() => fake.calls(`/applications/${APP}/sql`)[0]?.clientClosed);
  },
);

test(
  'answers that are not the REST API: unknown application, HTTP errors, HTML, a cut body, bad JSON, another shape',
  { timeout: 10_000 },
  async () => {
    const cases: Array<{
      at: string;
      fault?: Parameters<FakeHistoryServer['fault']>[1];
      app?: string;
      url?: string;
      why: RegExp;
    }> = [
      {
        at: '/applications/nope',
        app: 'nope',
        why: /^no application 'nope' on the Spark History Server at http:\/\/127\.0\.0\.1:\d+: list its applications/,
      },
      {
        at: `/applications/${APP}/sql`,
        app: APP,
        fault: {
          type: 'status',
          status: 500,
          body: 'java.lang.IllegalStateException: the store is closed\n\tat org.apache.spark.status.AppStatusStore.x(AppStatusStore.scala:1)',
        },
        why: /\/sql\?.* answered HTTP 500 Internal Server Error — java\.lang\.IllegalStateException: the store is closed: the server failed/,
      },
      {
        at: '/applications',
        fault: { type: 'status', status: 503, body: '' },
        why: /\/api\/v1\/applications answered HTTP 503 Service Unavailable: the server failed/,
      },
      {
        at: '/applications',
        fault: { type: 'status', status: 401, body: 'Unauthorized' },
        why: /answered HTTP 401 Unauthorized — Unauthorized: the server wants credentials/,
      },
      {
        at: '/applications',
        fault: { type: 'status', status: 404, body: 'Not Found' },
        why: /^http:\/\/127\.0\.0\.1:\d+ has no \/api\/v1\/applications \(HTTP 404\): is it the Spark History Server's URL/,
      },
      {
        at: '/applications',
        fault: { type: 'html' },
        why: /\/api\/v1\/applications answered with an HTML page \('Sign in - Corporate SSO'\) instead of JSON: a proxy or login page\?/,
      },
      {
        at: `/applications/${APP}`,
        app: APP,
        fault: { type: 'html', status: 404 },
        why: /answered HTTP 404 Not Found — an HTML page \('Sign in - Corporate SSO'\)/,
      },
      {
        at: `/applications/${APP}/sql`,
        app: APP,
        fault: { type: 'cut' },
        why: /^the answer from http:.*\/sql\?.* was cut off after \d+ bytes/,
      },
      {
        at: '/applications',
        fault: { type: 'body', body: '[{"id": "app-1", "attempts": [' },
        why: /\/api\/v1\/applications answered with invalid JSON \(.+\): is it the Spark History Server\?/,
      },
      { at: '/applications', fault: { type: 'body', body: '' }, why: /answered with invalid JSON \(an empty body\)/ },
      {
        at: '/applications',
        fault: { type: 'body', body: '{"status": "ok"}' },
        why: /\/api\/v1\/applications answered JSON of an unknown shape, not the application list/,
      },
      {
        at: `/applications/${APP}/sql`,
        app: APP,
        fault: { type: 'body', body: '[{"id": "seven", "nodes": []}]' },
        why: /answered JSON of an unknown shape, not the SQL execution list \(0\.id: Expected number/,
      },
      {
        at: `/applications/${APP}`,
        app: APP,
        fault: { type: 'body', body: '[]' },
        why: /answered JSON of an unknown shape, not an application/,
      },
      { at: '/applications', url: 'ftp://127.0.0.1/', why: /must start with http:\/\/ or https:\/\// },
    ];
    for (const c of cases) {
      fake.clear();
      if (c.fault) fake.fault(c.at, c.fault);
      const f = await failure(() => readHistoryServer(c.url ?? fake.url, { app: c.app, timeoutMs: 300 }));
      assert.match(f.message, c.why, `${c.at} ${c.fault?.type ?? ''}`);
      assert.ok(f.ms < 1500, `${c.at}: ${f.ms} ms`);
    }
  },
);

test(
  'credentials in the URL go in a Basic header and never into messages or results',
  { timeout: 10_000 },
  async () => {
    fake.clear();
    const url = fake.url.replace('http://', 'http://alice:s%3Acret@');
    const r = await readHistoryServer(url, { app: APP });
    assert.equal(r.kind === 'run' && r.source.path, `${fake.url}/api/v1/applications/${APP}`);
    assert.equal(fake.requests[0].headers.authorization, `Basic ${Buffer.from('alice:s:cret').toString('base64')}`);
    fake.clear();
    fake.fault('/applications', { type: 'status', status: 500 });
    const f = await failure(() => readHistoryServer(url));
    assert.doesNotMatch(f.message, /alice|cret/);
    const bad = await failure(async () => new HistoryServerClient('http://bob:pw@[::1'));
    assert.match(bad.message, /is not a URL/);
    assert.doesNotMatch(bad.message, /bob|pw/);
  },
);

test(
  'cancelling aborts the request in flight at once (before the headers or mid-body), and the server sees it closed',
  { timeout: 10_000 },
  async () => {
    for (const fault of [{ type: 'delay', ms: 10_000 }, { type: 'stall' }] as const) {
      fake.clear();
      fake.fault(`/applications/${APP}/sql`, fault);
      const abort = new AbortController();
      const reading = readHistoryServer(fake.url, { app: APP, signal: abort.signal, timeoutMs: 10_000 });
      await fake.until(() => fake.calls(`/applications/${APP}/sql`).length === 1);
      await new Promise((r) => setTimeout(r, 50)); // the client is now waiting on this request
      const t = performance.now();
      abort.abort();
      await assert.rejects(reading, (e: unknown) => e instanceof RunsCancelled);
      assert.ok(performance.now() - t < 500, `${fault.type}: cancelled in ${performance.now() - t} ms`);
      await fake.until(() => fake.calls(`/applications/${APP}/sql`)[0].clientClosed, 1000);
    }
    // Already cancelled: no request at all.
    fake.clear();
    await assert.rejects(readHistoryServer(fake.url, { app: APP, signal: AbortSignal.abort() }), RunsCancelled);
    assert.equal(fake.requests.length, 0);
  },
);
