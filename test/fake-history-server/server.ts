/**
 * A fake Spark History Server on 127.0.0.1 that speaks the real REST API (`/api/v1`): the application list,
 * one application, its SQL executions with Spark's offset/length paging (default length 20, as Spark 3.x
 * pages), `/sql/<id>`, and the `/<attemptId>/…` paths of applications with attempts. Each test scripts
 * faults per path (a status, a delay, headers then a stalled body, a cut body, an HTML page, any body);
 * every request is recorded, with whether the client hung up before the answer ended.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { readRunPath } from '../../server/src/engine/runs/read';
import { requireCorpora } from '../helpers';

/** An application as the server holds it: its REST `ApplicationInfo` and its executions in `/sql` shape. */
export interface FakeApp {
  info: { id: string; name: string; attempts: Array<Record<string, unknown>> };
  executions: Array<Record<string, unknown> & { id: number }>;
}

export type Fault =
  /** Any status; the body defaults to Spark's plain-text error. */
  | { type: 'status'; status: number; body?: string; contentType?: string }
  /** The normal answer, after a wait (headers included). */
  | { type: 'delay'; ms: number }
  /** Headers and the first `bytes` of the body, then nothing (the socket stays open). */
  | { type: 'stall'; bytes?: number }
  /** Declares the whole body's Content-Length, sends `bytes` of it, then destroys the socket. */
  | { type: 'cut'; bytes?: number }
  /** A login or proxy page where JSON should be. */
  | { type: 'html'; status?: number }
  /** Any body (invalid JSON, JSON of another shape). */
  | { type: 'body'; body: string; contentType?: string; status?: number };

export interface RecordedRequest {
  method: string;
  /** Path below the server root, without the query: '/api/v1/applications/x/sql'. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The client closed the connection before the answer ended (an aborted or timed-out request). */
  clientClosed: boolean;
}

interface ScriptedFault {
  match: string | RegExp;
  fault: Fault;
  times: number;
}

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in - Corporate SSO</title></head><body><form>…</form></body></html>';

export class FakeHistoryServer {
  readonly requests: RecordedRequest[] = [];
  url = '';
  private readonly faults: ScriptedFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private server!: http.Server;

  private constructor(private readonly apps: FakeApp[]) {}

  static async start(apps: FakeApp[]): Promise<FakeHistoryServer> {
    const f = new FakeHistoryServer(apps);
    f.server = http.createServer((req, res) => f.handle(req, res));
    f.server.on('connection', (s) => {
      f.sockets.add(s);
      s.on('close', () => f.sockets.delete(s));
    });
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', r));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  /** Requests to `path` (below /api/v1) answer with `fault`, `times` times (default: until cleared). */
  fault(match: string | RegExp, fault: Fault, times = Infinity): this {
    this.faults.push({ match, fault, times });
    return this;
  }

  clear(): void {
    this.faults.length = 0;
    this.requests.length = 0;
  }

  /** Recorded requests whose path (below /api/v1) is `match`. */
  calls(match: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => matches(match, r.path.replace(/^\/api\/v1/, '')));
  }

  /** Resolves once `pred` holds (checked every 5 ms), rejects after `ms`. */
  async until(pred: () => boolean, ms = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('the fake History Server waited in vain');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const u = new URL(req.url ?? '/', 'http://fake');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      clientClosed: false,
    };
    this.requests.push(rec);
    let cutByUs = false;
    res.on('close', () => {
      if (!res.writableEnded && !cutByUs) rec.clientClosed = true;
    });
    const rel = u.pathname.replace(/^\/api\/v1/, '');
    const scripted = this.faults.find((f) => f.times > 0 && matches(f.match, rel));
    if (scripted) scripted.times--;
    const fault = scripted?.fault;
    let answer: { status: number; body: string; contentType: string };
    try {
      answer = u.pathname.startsWith('/api/v1/')
        ? this.route(rel, u.searchParams)
        : { status: 404, body: `no route ${u.pathname}`, contentType: 'text/plain' };
    } catch (e) {
      // An app a test built oddly is the test's problem, not a reason to take the process running the suite down.
      answer = {
        status: 500,
        body: `fake server: ${e instanceof Error ? e.message : String(e)}`,
        contentType: 'text/plain',
      };
    }
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { 'content-type': answer.contentType });
      res.end(answer.body);
    };
    if (!fault) return send();
    switch (fault.type) {
      case 'status':
        res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/plain;charset=utf-8' });
        return void res.end(fault.body ?? `${http.STATUS_CODES[fault.status] ?? 'error'}`);
      case 'html':
        res.writeHead(fault.status ?? 200, { 'content-type': 'text/html;charset=utf-8' });
        return void res.end(HTML_PAGE);
      case 'body':
        res.writeHead(fault.status ?? 200, { 'content-type': fault.contentType ?? 'application/json' });
        return void res.end(fault.body);
      case 'delay':
        return this.later(fault.ms, send);
      case 'stall': {
        const body = Buffer.from(answer.body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.subarray(0, fault.bytes ?? Math.min(100, body.length >> 1)));
        return; // and never more: the client's timeout or cancellation ends it
      }
      case 'cut': {
        const body = Buffer.from(answer.body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.subarray(0, fault.bytes ?? body.length >> 1), () => {
          cutByUs = true;
          res.socket?.destroy();
        });
        return;
      }
    }
  }

  /** The real answers: Spark's paths, paging and 404s ("no such app: …" as plain text). */
  private route(rel: string, q: URLSearchParams): { status: number; body: string; contentType: string } {
    const json = (v: unknown) => ({ status: 200, body: JSON.stringify(v, null, 2), contentType: 'application/json' });
    const notFound = (msg: string) => ({ status: 404, body: msg, contentType: 'text/plain;charset=utf-8' });
    if (rel === '/applications') {
      const limit = Number(q.get('limit') ?? NaN);
      return json(this.apps.map((a) => a.info).slice(0, Number.isFinite(limit) ? limit : undefined));
    }
    const m = /^\/applications\/([^/]+)(?:\/([^/]+))?(?:\/sql(?:\/(\d+))?)?$/.exec(rel);
    if (!m) return notFound(`no route ${rel}`);
    const [, appId, attemptOrSql, execId] = m.map((s) => (s === undefined ? s : decodeURIComponent(s)));
    const app = this.apps.find((a) => a.info.id === appId);
    const isSql = /\/sql(\/\d+)?$/.test(rel);
    const attemptId = attemptOrSql !== undefined && attemptOrSql !== 'sql' ? attemptOrSql : undefined;
    if (!app) return notFound(`no such app: ${appId}`);
    if (!isSql) {
      if (attemptId !== undefined) return notFound(`no route ${rel}`);
      return json(app.info);
    }
    // Spark keys an application's UI by attempt: with attempts, /sql without the attempt's id is unknown.
    const ids = app.info.attempts.map((a) => a.attemptId).filter((x): x is string => typeof x === 'string');
    if (ids.length ? attemptId === undefined || !ids.includes(attemptId) : attemptId !== undefined)
      return notFound(`no such app: ${appId}${attemptId ? `/${attemptId}` : ''}`);
    const shaped = (x: FakeApp['executions'][number]) => ({
      ...x,
      ...(q.get('planDescription') === 'false' ? { planDescription: '' } : {}),
      ...(q.get('details') === 'false' ? { nodes: [], edges: [] } : {}),
    });
    if (execId !== undefined) {
      const x = app.executions.find((e) => e.id === Number(execId));
      return x ? json(shaped(x)) : notFound(`unknown query execution id: ${execId}`);
    }
    const offset = Number(q.get('offset') ?? 0);
    const length = Number(q.get('length') ?? 20);
    const list = [...app.executions].sort((a, b) => a.id - b.id);
    return json((length > 0 ? list.slice(offset, offset + length) : list).map(shaped));
  }
}

function matches(match: string | RegExp, p: string): boolean {
  return typeof match === 'string' ? match === p : match.test(p);
}

/** Spark's JSON dates: "2026-04-15T20:59:46.231GMT". */
const sparkDate = (ms: number) => new Date(ms).toISOString().replace(/Z$/, 'GMT');

/** An attempt in Spark's ApplicationAttemptInfo shape; a running one ends at -1 as Spark writes it. */
export function restAttempt(a: {
  startTime: number;
  endTime: number | null;
  sparkVersion: string;
  attemptId?: string;
}): Record<string, unknown> {
  const end = a.endTime ?? -1;
  return {
    ...(a.attemptId !== undefined ? { attemptId: a.attemptId } : {}),
    startTime: sparkDate(a.startTime),
    endTime: sparkDate(end),
    lastUpdated: sparkDate(a.endTime ?? a.startTime),
    duration: a.endTime === null ? 0 : a.endTime - a.startTime,
    sparkUser: 'spark',
    completed: a.endTime !== null,
    appSparkVersion: a.sparkVersion,
    startTimeEpoch: a.startTime,
    endTimeEpoch: end,
    lastUpdatedEpoch: a.endTime ?? a.startTime,
  };
}

/**
 * The e2e application of the corpus: its identity and times from its event log (logs/e2e_local_stale.zstd),
 * its executions from the saved /sql answer derived from that log.
 */
export async function e2eApp(): Promise<FakeApp> {
  const corpus = path.join(requireCorpora(), 'spark-eventlogs');
  const log = await readRunPath(path.join(corpus, 'logs', 'e2e_local_stale.zstd'));
  if (log.kind !== 'run' || !log.run.app.id || log.run.app.startTime === null)
    throw new Error('the e2e event log has no application');
  const a = log.run.app;
  return {
    info: {
      id: a.id!,
      name: a.name ?? '',
      attempts: [restAttempt({ startTime: a.startTime!, endTime: a.endTime, sparkVersion: a.sparkVersion ?? '' })],
    },
    executions: JSON.parse(readFileSync(path.join(corpus, 'derived', 'e2e_local_stale.sql.json'), 'utf8')),
  };
}
