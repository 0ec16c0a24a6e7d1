/**
 * Reads a run from a live Spark History Server over its REST API (`/api/v1`): the application list, one
 * application, and its SQL executions with their plan graphs and metrics (paged). Every request has a
 * timeout that also covers a body that stalls; cancellation aborts the request in flight. Every failure is
 * one RunsInputError line naming the URL (without credentials) and what to do.
 */
import { z } from 'zod';
import { RunsCancelled, RunsInputError } from './errors';
import type { ReadOutcome } from './read';
import {
  appListOf,
  classifyRest,
  latestAttempt,
  RestExecutionSchema,
  runFromRest,
  type RestApp,
  type RestExecution,
} from './rest';

export interface HistoryServerOptions {
  /** Per request: no answer, or no further bytes of it, for this long is a failure (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Tests inject faults below HTTP (a DNS failure); default: Node's global fetch. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Executions asked per /sql page (Spark's default page is 20). */
const PAGE = 50;
/** One answer larger than this is refused (the REST answers of a huge application still fit). */
const MAX_ANSWER_BYTES = 512 * 2 ** 20;
const CANCELLED = 'reading the run from the History Server';

interface Answer {
  url: string;
  status: number;
  statusText: string;
  contentType: string;
  text: string;
}

export class HistoryServerClient {
  /** The server as shown in messages and results: no credentials, no `/api/v1`. */
  readonly server: string;
  /** Bytes of JSON read so far. */
  bytesRead = 0;
  private readonly api: string;
  private readonly headers: Record<string, string> = { accept: 'application/json' };
  private readonly timeoutMs: number;
  private readonly signal?: AbortSignal;
  private readonly fetchFn: typeof fetch;
  private readonly apps = new Map<string, RestApp>();

  constructor(baseUrl: string, opts: HistoryServerOptions = {}) {
    const raw = baseUrl.trim();
    let u: URL;
    try {
      // "host:18080" has no scheme: http is what a History Server speaks by default.
      u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    } catch {
      throw new RunsInputError(`'${stripCredentials(raw)}' is not a URL: give the History Server as http://host:18080`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new RunsInputError(`${stripCredentials(raw)}: a History Server URL must start with http:// or https://`);
    // fetch refuses URLs with credentials: they go in a Basic Authorization header (a proxy in front of the
    // server), and out of every URL shown (`origin` has none).
    if (u.username || u.password)
      this.headers.authorization = `Basic ${Buffer.from(`${decoded(u.username)}:${decoded(u.password)}`).toString('base64')}`;
    // Given as the server, its /api/v1, or a REST URL pasted whole: the root is what precedes /api/v1.
    const prefix = u.pathname.replace(/\/api\/v1(\/.*)?$/, '').replace(/\/+$/, '');
    this.server = `${u.origin}${prefix}`;
    this.api = `${this.server}/api/v1`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.signal = opts.signal;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** The URL of an application's REST resource (what a run read from it names as its source). */
  appUrl(appId: string): string {
    return `${this.api}/applications/${encodeURIComponent(appId)}`;
  }

  async applications(): Promise<RestApp[]> {
    const a = await this.get('/applications');
    if (a.status === 404)
      throw new RunsInputError(
        `${this.server} has no ${a.url.slice(this.server.length)} (HTTP 404): is it the Spark History Server's URL (usually http://host:18080)?`,
      );
    const v = this.json(a);
    const expected = 'the application list (a JSON array of { id, name, attempts })';
    if (!Array.isArray(v)) throw unknownShape(a.url, expected);
    return this.appsOf(v, a.url, expected);
  }

  async application(appId: string): Promise<RestApp> {
    const a = await this.get(`/applications/${encodeURIComponent(appId)}`);
    if (a.status === 404 && !isHtml(a))
      throw new RunsInputError(
        `no application '${appId}' on the Spark History Server at ${this.server}: list its applications to see their ids`,
      );
    const v = this.json(a);
    const app = this.appsOf([v], a.url, 'an application ({ id, name, attempts })')[0];
    this.apps.set(appId, app);
    return app;
  }

  /** Every SQL execution of the application's most recent attempt, page after page; `onPage` gets the count so far. */
  async sqlExecutions(appId: string, onPage?: (done: number) => void): Promise<RestExecution[]> {
    const app = this.apps.get(appId) ?? (await this.application(appId));
    // YARN cluster mode: an application has attempts, and its UI (so its /sql) lives under the attempt's id.
    const attemptId = latestAttempt(app)?.attemptId;
    const base = `/applications/${encodeURIComponent(appId)}${attemptId ? `/${encodeURIComponent(attemptId)}` : ''}/sql`;
    const byId = new Map<number, RestExecution>();
    for (let offset = 0; ;) {
      const a = await this.get(`${base}?details=true&planDescription=true&offset=${offset}&length=${PAGE}`);
      if (a.status === 404 && !isHtml(a)) {
        throw new RunsInputError(
          `the History Server at ${this.server} has no SQL executions for '${appId}' (HTTP 404 on ${a.url}; Spark serves them from 3.0 on): read the application's event log instead`,
        );
      }
      const v = this.json(a);
      if (!Array.isArray(v))
        throw unknownShape(a.url, 'the SQL execution list (a JSON array of { id, status, nodes, edges, … })');
      const page = z.array(RestExecutionSchema).safeParse(v);
      if (!page.success) throw unknownShape(a.url, `the SQL execution list (${issueText(page.error)})`);
      const before = byId.size;
      for (const x of page.data) byId.set(x.id, x);
      onPage?.(byId.size);
      // A short page is the last; a page of nothing new (a server that ignores offset) ends it too.
      if (page.data.length < PAGE || byId.size === before) break;
      offset += page.data.length;
    }
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  /** Applications, checked with rest.ts's schema (through classifyRest, which holds it). */
  private appsOf(v: unknown[], url: string, expected: string): RestApp[] {
    if (!v.every((x) => x && typeof x === 'object' && !Array.isArray(x) && 'attempts' in x))
      throw unknownShape(url, expected);
    if (!v.length) return [];
    const r = classifyRest(v, url);
    if (r.kind !== 'appList') throw unknownShape(url, expected);
    return r.apps;
  }

  /** One GET, body read whole; transport failures, timeouts and cancellation become errors here, statuses do not. */
  private async get(rel: string): Promise<Answer> {
    const url = this.api + rel;
    if (this.signal?.aborted) throw new RunsCancelled(CANCELLED);
    const ctl = new AbortController();
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Re-armed on every chunk: a slow but flowing answer is fine, a silent one is not.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, this.timeoutMs);
    };
    const onAbort = () => ctl.abort();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    let res: Response | undefined;
    let received = 0;
    try {
      arm();
      res = await this.fetchFn(url, { headers: this.headers, signal: ctl.signal, redirect: 'follow' });
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > MAX_ANSWER_BYTES) throw new RunsInputError(tooLarge(url, declared));
      const chunks: Uint8Array[] = [];
      if (res.body) {
        const reader = res.body.getReader();
        for (;;) {
          arm();
          const { done, value } = await reader.read();
          if (done) break;
          received += value.byteLength;
          if (received > MAX_ANSWER_BYTES) {
            await reader.cancel().catch(() => undefined);
            throw new RunsInputError(tooLarge(url, received));
          }
          chunks.push(value);
        }
      }
      this.bytesRead += received;
      return {
        url,
        status: res.status,
        statusText: res.statusText,
        contentType: res.headers.get('content-type') ?? '',
        text: Buffer.concat(chunks)
          .toString('utf8')
          .replace(/^\uFEFF/, ''),
      };
    } catch (e) {
      if (e instanceof RunsInputError) throw e;
      if (this.signal?.aborted) throw new RunsCancelled(CANCELLED);
      const secs = `${+(this.timeoutMs / 1000).toFixed(1)} s`;
      if (timedOut) {
        if (!res)
          throw new RunsInputError(
            `the Spark History Server at ${url} did not answer within ${secs}: it may be busy (loading a large application takes a while); try again or allow more time`,
          );
        throw new RunsInputError(
          `the Spark History Server at ${url} stopped sending its answer (${received} bytes, then nothing for ${secs}): try again or allow more time`,
        );
      }
      if (res)
        throw new RunsInputError(
          `the answer from ${url} was cut off after ${received} bytes (the connection closed before its end): try again`,
        );
      throw new RunsInputError(unreachable(url, this.server, e));
    } finally {
      clearTimeout(timer);
      this.signal?.removeEventListener('abort', onAbort);
      ctl.abort(); // a body left unread (refused as too large) must not hold its connection; after a full read, a no-op
    }
  }

  /** A successful JSON answer, parsed; any other answer is its one-line error. */
  private json(a: Answer): unknown {
    if (a.status < 200 || a.status >= 300) {
      const detail = isHtml(a)
        ? `an HTML page${htmlTitle(a.text) ? ` ('${htmlTitle(a.text)}')` : ''}`
        : firstLine(a.text);
      const hint =
        a.status === 401 || a.status === 403
          ? ': the server wants credentials (give them in the URL: http://user:password@host:port)'
          : a.status === 404
            ? ": is the URL the Spark History Server's?"
            : a.status >= 500
              ? ': the server failed; try again, or look at its log'
              : '';
      throw new RunsInputError(
        `${a.url} answered HTTP ${a.status}${a.statusText ? ` ${a.statusText}` : ''}${detail ? ` — ${detail}` : ''}${hint}`,
      );
    }
    if (isHtml(a)) {
      throw new RunsInputError(
        `${a.url} answered with an HTML page${htmlTitle(a.text) ? ` ('${htmlTitle(a.text)}')` : ''} instead of JSON: a proxy or login page? Check the URL is the Spark History Server's`,
      );
    }
    try {
      return JSON.parse(a.text);
    } catch (e) {
      throw new RunsInputError(
        `${a.url} answered with invalid JSON (${a.text.length ? (e as Error).message : 'an empty body'}): is it the Spark History Server?`,
      );
    }
  }
}

const issueText = (e: z.ZodError) =>
  e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');

function unknownShape(url: string, expected: string): RunsInputError {
  return new RunsInputError(
    `${url} answered JSON of an unknown shape, not ${expected}: is it the Spark History Server's REST API?`,
  );
}

const tooLarge = (url: string, bytes: number) =>
  `the answer from ${url} is over ${(bytes / 2 ** 20).toFixed(0)} MB: too large for one History Server answer (at most ${MAX_ANSWER_BYTES / 2 ** 20} MB)`;

function isHtml(a: Answer): boolean {
  return /text\/html|application\/xhtml/i.test(a.contentType) || /^\s*<(!doctype|html|head|body|\?xml)/i.test(a.text);
}

function htmlTitle(text: string): string {
  return (/<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1] ?? '').replace(/\s+/g, ' ').trim().slice(0, 80);
}

function firstLine(text: string): string {
  const line =
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray '%': taken as typed
  }
}

/** `user:pass@` out of a URL (for messages: whatever the user typed). */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');
}

/**
 * The socket error under fetch's "fetch failed" (also inside an AggregateError of several addresses): its
 * code, else the innermost message ("bad port").
 */
function causeOf(e: unknown): { code?: string; message: string } {
  let cur: unknown = e;
  let message = e instanceof Error ? e.message : String(e);
  for (let i = 0; i < 6 && cur && typeof cur === 'object'; i++) {
    const c = cur as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof c.code === 'string' && c.code !== 'ABORT_ERR') return { code: c.code, message };
    if (typeof c.message === 'string' && c.message) message = c.message;
    cur = c.cause ?? (Array.isArray(c.errors) ? c.errors[0] : undefined);
  }
  return { message };
}

function unreachable(url: string, server: string, e: unknown): string {
  const { code, message } = causeOf(e);
  const host = (() => {
    try {
      return new URL(server).host;
    } catch {
      return server;
    }
  })();
  const why =
    code === 'ECONNREFUSED'
      ? `connection refused: is the History Server running, and listening on ${host}?`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME'
        ? `host '${new URL(server).hostname}' not found: check the host name in the URL`
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
          ? 'the connection was closed before an answer: try again, and check the URL (http vs https)'
          : code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT'
            ? `no connection to ${host} could be made in time: check the host, port and firewall`
            : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
              ? `no route to ${host}: check the network (a VPN?)`
              : code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG'
                ? 'it does not speak https on this port: try http://'
                : code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)
                  ? `its TLS certificate was refused (${code}): trust its CA with NODE_EXTRA_CA_CERTS`
                  : `${code ?? message}: check the URL`;
  return `cannot reach the Spark History Server at ${url} (${why})`;
}

export interface HistoryServerReadOptions {
  /** The application to read; without it, the server's applications are listed. */
  app?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (p: { executions: number }) => void;
}

/** A run (with `app`) or the application list (without) from a live History Server. */
export async function readHistoryServer(url: string, opts: HistoryServerReadOptions = {}): Promise<ReadOutcome> {
  const client = new HistoryServerClient(url, { signal: opts.signal, timeoutMs: opts.timeoutMs });
  if (!opts.app) {
    const apps = await client.applications();
    return { kind: 'apps', apps: appListOf(apps, client.server) };
  }
  const app = await client.application(opts.app);
  const executions = await client.sqlExecutions(opts.app, (n) => opts.onProgress?.({ executions: n }));
  const run = runFromRest(executions, app);
  run.stats.bytes = client.bytesRead;
  return {
    kind: 'run',
    run,
    source: {
      kind: 'historyServer',
      path: client.appUrl(opts.app),
      parts: 1,
      inProgress: latestAttempt(app)?.completed === false,
    },
  };
}
