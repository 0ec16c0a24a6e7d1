/**
 * A fake OpenAI-compatible HTTP server on 127.0.0.1 that speaks the real wire protocol: chat completions
 * (JSON, or SSE when `stream: true`, with the usage chunk when `stream_options.include_usage`), embeddings
 * (base64 float32 by default, as the `openai` client asks, or float arrays), `GET /models`, OpenAI-shaped
 * error bodies. Each test scripts the replies in order; when the script runs out `otherwise` answers.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Reply =
  /** A normal answer; `content` may be an object (sent as its JSON text). Streamed in `chunks` if the request streams. */
  | {
      type: 'answer';
      content: string | object;
      usage?: { prompt_tokens: number; completion_tokens: number };
      chunks?: number;
      delayMs?: number;
      chunkDelayMs?: number;
    }
  /** Any status with an OpenAI error body (or `body`), plus headers such as Retry-After. */
  | {
      type: 'status';
      status: number;
      headers?: Record<string, string>;
      message?: string;
      body?: string;
      contentType?: string;
    }
  /** Accepts the request and never answers (until the client gives up). */
  | { type: 'hang' }
  /** A web page where an API should be (a proxy or a wrong base URL). */
  | { type: 'html'; status?: number }
  /** Streams `content` then cuts the connection before the end. */
  | { type: 'broken-stream'; content: string };

export interface RecordedRequest {
  method: string;
  path: string;
  /** Path with the query string. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface FakeOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** When set, other model names get a 404 model_not_found. */
  models?: string[];
  /** Answer when the script is empty (default: the text "ok"). */
  otherwise?: (req: RecordedRequest) => Reply;
}

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose client hung up before the reply ended (a cancelled or timed-out HTTP request). */
  abandoned = 0;
  /** Requests being handled right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly script: Reply[] = [];
  private readonly sockets = new Set<Socket>();
  private server!: http.Server;
  url = '';

  private constructor(private readonly opts: FakeOptions) {}

  static async start(opts: FakeOptions = {}): Promise<FakeOpenAI> {
    const f = new FakeOpenAI(opts);
    f.server = http.createServer((req, res) => void f.handle(req, res));
    f.server.on('connection', (s) => {
      f.sockets.add(s);
      s.on('close', () => f.sockets.delete(s));
    });
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', r));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}/v1`;
    return f;
  }

  /** Queues replies for the next requests, in order. */
  reply(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Requests to a path suffix, e.g. 'chat/completions'. */
  calls(suffix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  /** Drops replies that were scripted but never asked for. */
  clear(): void {
    this.script.length = 0;
  }

  get pending(): number {
    return this.script.length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return error(res, 400, 'could not parse the JSON body of your request', 'invalid_request_error');
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => {
      this.inFlight--;
      if (!res.writableEnded) this.abandoned++;
    });
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '').split('?')[0],
      url: req.url ?? '',
      headers: req.headers,
      body,
    };
    this.requests.push(rec);

    // OpenAI sends `Authorization: Bearer KEY`; Azure OpenAI sends `api-key: KEY`.
    if (
      this.opts.apiKey &&
      req.headers.authorization !== `Bearer ${this.opts.apiKey}` &&
      req.headers['api-key'] !== this.opts.apiKey
    ) {
      return error(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    if (body?.model && this.opts.models && !this.opts.models.includes(body.model)) {
      return error(
        res,
        404,
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      );
    }
    const reply = this.script.shift() ?? this.opts.otherwise?.(rec) ?? { type: 'answer', content: 'ok' };
    if (rec.method === 'GET' && rec.path.endsWith('/models') && reply.type === 'answer') {
      return json(res, 200, {
        object: 'list',
        data: (this.opts.models ?? ['fake-model']).map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })),
      });
    }
    if (rec.path.endsWith('/embeddings') && reply.type === 'answer') return embeddings(res, body);
    if (!rec.path.endsWith('/chat/completions') && reply.type === 'answer')
      return error(res, 404, `no route ${rec.path}`, 'invalid_request_error');

    switch (reply.type) {
      case 'hang':
        return; // the socket stays open until the client aborts or the fake closes
      case 'html':
        res.writeHead(reply.status ?? 200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(
          '<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Corporate proxy</h1></body></html>',
        );
      case 'status':
        if (reply.body !== undefined) {
          res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain', ...reply.headers });
          return void res.end(reply.body);
        }
        return error(
          res,
          reply.status,
          reply.message ?? http.STATUS_CODES[reply.status] ?? 'error',
          reply.status >= 500 ? 'server_error' : 'invalid_request_error',
          undefined,
          reply.headers,
        );
      case 'broken-stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sse(chunk(body, { role: 'assistant', content: reply.content })));
        return void setTimeout(() => res.socket?.destroy(), 5);
      case 'answer': {
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        const content = typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content);
        const usage = reply.usage ?? {
          prompt_tokens: roughTokens(JSON.stringify(body?.messages ?? '')),
          completion_tokens: roughTokens(content),
        };
        const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
        if (body?.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write(sse(chunk(body, { role: 'assistant', content: '' })));
          for (const piece of split(content, reply.chunks ?? 4)) {
            if (reply.chunkDelayMs) await new Promise((r) => setTimeout(r, reply.chunkDelayMs));
            res.write(sse(chunk(body, { content: piece })));
          }
          res.write(sse({ ...chunk(body, {}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
          if (body.stream_options?.include_usage) res.write(sse({ ...chunk(body, {}), choices: [], usage: fullUsage }));
          return void res.end('data: [DONE]\n\n');
        }
        return json(res, 200, {
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body?.model ?? 'fake-model',
          choices: [
            { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
          ],
          usage: fullUsage,
        });
      }
    }
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function error(
  res: http.ServerResponse,
  status: number,
  message: string,
  type: string,
  code?: string,
  headers?: Record<string, string>,
): void {
  json(res, status, { error: { message, type, param: null, code: code ?? null } }, headers);
}

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function chunk(body: any, delta: Record<string, unknown>) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: body?.model ?? 'fake-model',
    choices: [{ index: 0, delta, finish_reason: null }],
  };
}

function split(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** ~4 characters a token: the fake only needs plausible usage numbers. */
function roughTokens(s: string): number {
  return Math.max(1, Math.ceil(s.length / 4));
}

/** A deterministic 8-dimensional unit vector per text. */
export function fakeVector(text: string): number[] {
  const h = createHash('sha256').update(text).digest();
  const v = Array.from({ length: 8 }, (_, i) => h.readInt16LE(i * 2) / 32768);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function embeddings(res: http.ServerResponse, body: any): void {
  const inputs: string[] = Array.isArray(body?.input) ? body.input : [body?.input ?? ''];
  const base64 = body?.encoding_format === 'base64';
  json(res, 200, {
    object: 'list',
    model: body?.model,
    data: inputs.map((t, index) => {
      const v = fakeVector(String(t));
      return {
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
      };
    }),
    usage: {
      prompt_tokens: inputs.reduce((n, t) => n + roughTokens(String(t)), 0),
      total_tokens: inputs.reduce((n, t) => n + roughTokens(String(t)), 0),
    },
  });
}
