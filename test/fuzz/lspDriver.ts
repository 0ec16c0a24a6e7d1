/**
 * A raw LSP client for fuzzing dist/server.js --stdio: frames messages itself (so a case can also write broken
 * bytes), answers the server's own requests like an editor, times every request (30 s without an answer is a
 * hang), watches the server's stderr for uncaught exceptions, reads its resident memory from /proc, and scans
 * everything the server says for a marker (the API key must never appear in LSP traffic).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from '../helpers';
import { HANG_MS } from './proc';

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface Reply {
  result?: unknown;
  error?: RpcError;
  /** No answer within the timeout. */
  hung?: boolean;
  /** The server went away before answering. */
  gone?: boolean;
  ms: number;
}

export interface DriverOptions {
  workspace: string;
  /** What workspace/configuration answers for `daglens` (sections below it are read from it). */
  settings: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** VS Code's workspace storage for this workspace (the index lives there). */
  storage: string;
  /** Strings that must never appear in what the server sends (API keys). */
  markers: string[];
  server?: string;
}

interface Pending {
  resolve: (r: Reply) => void;
  started: number;
  timer: NodeJS.Timeout;
}

export const uriOf = (p: string) => pathToFileURL(p).toString();

export class LspDriver {
  readonly proc: ChildProcess;
  readonly stderr: string[] = [];
  /** Notifications by method (capped per method). */
  readonly notifications = new Map<string, unknown[]>();
  /** Times a marker appeared in server output (and where). */
  readonly leaks: string[] = [];
  /** Uncaught exceptions / unhandled rejections the server logged. */
  readonly uncaught: string[] = [];
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  bytesIn = 0;
  private readonly pending = new Map<number | string, Pending>();
  private nextId = 1;
  private buf: Buffer = Buffer.alloc(0);
  private tail = '';
  private readonly exited: Promise<void>;
  private peakMb = 0;

  constructor(private readonly opts: DriverOptions) {
    this.proc = spawn(process.execPath, [opts.server ?? path.join(REPO, 'dist', 'server.js'), '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env,
      cwd: opts.workspace,
    });
    this.proc.stdin!.on('error', () => undefined); // writing to a server that died: noticed through `exit`
    this.proc.stdout!.on('data', (d: Buffer) => this.onData(d));
    this.proc.stderr!.on('data', (d: Buffer) => {
      const s = String(d);
      if (this.stderr.length < 2000) this.stderr.push(s);
      if (/\[daglens\] (uncaught|unhandled rejection)/.test(s)) this.uncaught.push(s.slice(0, 2000));
      this.scan(s, 'stderr');
    });
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          p.resolve({ gone: true, ms: Date.now() - p.started });
          this.pending.delete(id);
        }
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return !this.exit;
  }

  private scan(text: string, where: string): void {
    const window = this.tail + text;
    for (const m of this.opts.markers)
      if (window.includes(m))
        this.leaks.push(`${where}: …${window.slice(Math.max(0, window.indexOf(m) - 80), window.indexOf(m) + 40)}…`);
    this.tail = text.slice(-200);
  }

  private onData(d: Buffer): void {
    this.bytesIn += d.length;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const headerEnd = this.buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, headerEnd).toString('ascii'));
      if (!m) throw new Error(`bad header from the server: ${this.buf.subarray(0, headerEnd).toString('ascii')}`);
      const len = Number(m[1]);
      if (this.buf.length < headerEnd + 4 + len) return;
      const body = this.buf.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
      this.buf = this.buf.subarray(headerEnd + 4 + len);
      this.scan(body, 'lsp');
      this.onMessage(
        JSON.parse(body) as {
          id?: number | string;
          method?: string;
          params?: unknown;
          result?: unknown;
          error?: RpcError;
        },
      );
    }
  }

  private onMessage(msg: {
    id?: number | string;
    method?: string;
    params?: any;
    result?: unknown;
    error?: RpcError;
  }): void {
    if (msg.method && msg.id !== undefined) {
      // The server asks something of the editor.
      let result: unknown = null;
      if (msg.method === 'workspace/configuration')
        result = (msg.params?.items ?? []).map((i: { section?: string }) => this.section(i.section));
      this.send({ jsonrpc: '2.0', id: msg.id, result });
      return;
    }
    if (msg.method) {
      const list = this.notifications.get(msg.method) ?? [];
      if (list.length < 500) list.push(msg.params);
      else list[list.length - 1] = msg.params;
      this.notifications.set(msg.method, list);
      return;
    }
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(msg.id);
      p.resolve({ result: msg.result, error: msg.error, ms: Date.now() - p.started });
    }
  }

  private section(name: string | undefined): unknown {
    let v: unknown = { daglens: this.opts.settings };
    for (const part of (name ?? '').split('.').filter(Boolean))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v ?? null;
  }

  send(msg: unknown): void {
    this.raw(Buffer.from(JSON.stringify(msg), 'utf8'));
  }

  /** Writes a body with a correct header (or, with `header`, exactly these bytes). */
  raw(body: Buffer, header?: Buffer): void {
    if (this.exit) return;
    this.proc.stdin!.write(header ?? Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'));
    this.proc.stdin!.write(body);
  }

  notify(method: string, params?: unknown): void {
    this.send({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
  }

  /** Sends a request; resolves with its answer, or `hung` after the timeout, or `gone` if the server exits. */
  request(method: string, params?: unknown, timeoutMs = HANG_MS): { id: number; reply: Promise<Reply> } {
    const id = this.nextId++;
    const started = Date.now();
    const reply = new Promise<Reply>((resolve) => {
      if (this.exit) return resolve({ gone: true, ms: 0 });
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ hung: true, ms: Date.now() - started });
      }, timeoutMs);
      this.pending.set(id, { resolve, started, timer });
    });
    this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    return { id, reply };
  }

  ask(method: string, params?: unknown, timeoutMs = HANG_MS): Promise<Reply> {
    return this.request(method, params, timeoutMs).reply;
  }

  cancel(id: number): void {
    this.notify('$/cancelRequest', { id });
  }

  async initialize(extraInit: Record<string, unknown> = {}): Promise<Reply> {
    const ws = this.opts.workspace;
    const r = await this.ask(
      'initialize',
      {
        processId: process.pid,
        rootUri: uriOf(ws),
        workspaceFolders: [{ uri: uriOf(ws), name: path.basename(ws) }],
        capabilities: {
          workspace: {
            configuration: true,
            didChangeWatchedFiles: { dynamicRegistration: true },
            workspaceFolders: true,
          },
          window: { workDoneProgress: true },
          textDocument: { documentSymbol: { hierarchicalDocumentSymbolSupport: true } },
        },
        initializationOptions: { settings: this.opts.settings, indexStoragePath: this.opts.storage, ...extraInit },
      },
      60_000,
    );
    this.notify('initialized', {});
    return r;
  }

  /** Resolves once the server reported the first scan done (or after `ms`). */
  async ready(ms = 120_000): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until && this.alive) {
      const st = (this.notifications.get('daglens/serverStatus') ?? []) as Array<{
        quiescent?: boolean;
        message?: string;
      }>;
      if (st.some((s) => s.quiescent && s.message !== 'starting')) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Resident memory now and at its peak (VmHWM), in MB; 0 once the process is gone. */
  rss(): { rssMb: number; peakMb: number } {
    try {
      const s = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rssMb = Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024;
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024;
      this.peakMb = Math.max(this.peakMb, hwm, rssMb);
      return { rssMb, peakMb: this.peakMb };
    } catch {
      return { rssMb: 0, peakMb: this.peakMb };
    }
  }

  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.exit) return;
    await this.ask('shutdown', undefined, timeoutMs);
    this.notify('exit');
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs))]);
    if (!this.exit) this.kill();
    await this.exited;
  }

  kill(): void {
    try {
      this.proc.kill('SIGKILL');
    } catch {
      // gone
    }
  }

  waitExit(ms: number): Promise<boolean> {
    return Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }
}
