/**
 * The security checks: nothing outside the workspace is read through CLI flags (`ask --file`, `explain --file`),
 * DAG inputs that name files (manifests, JSON DAGs, event logs' call sites), citations a model makes up, LSP
 * requests, or MCP tools (when `daglens mcp` exists) — the secret file's text never shows in any output and never
 * reaches the model; the API key (a marker every process of the run got) appears in no file the run wrote, no
 * output and no LSP message; and the webviews keep their Content-Security-Policy.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { REPO } from '../helpers';
import { FakeOpenAI } from '../fake-openai/server';
import type { AreaOptions } from './cliArea';
import type { FuzzContext } from './context';
import { LspDriver, uriOf } from './lspDriver';
import { runNode } from './proc';

interface Check {
  name: string;
  ok: boolean;
  why?: string;
}

/** Every file under `dir` that holds `needle` (binary-safe; symlinks are not followed). */
export function filesHolding(dir: string, needle: string): string[] {
  const out: string[] = [];
  const bytes = Buffer.from(needle, 'utf8');
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      let st;
      try {
        st = statSync(p, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 512 * 2 ** 20) {
        try {
          if (readFileSync(p).includes(bytes)) out.push(p);
        } catch {
          // unreadable: not ours
        }
      }
    }
  };
  walk(dir);
  return out;
}

/** Renders the webview shell with a stub of `vscode` and checks its Content-Security-Policy. */
function cspChecks(): Check[] {
  const checks: Check[] = [];
  const loader = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
  const original = loader._resolveFilename;
  loader._resolveFilename = (req: string, ...rest: unknown[]) =>
    req === 'vscode' ? path.join(__dirname, 'vscodeStub.cjs') : original.call(Module, req, ...rest);
  try {
    const host = require('../../client/src/webview/host') as typeof import('../../client/src/webview/host');
    const { Uri } = require('./vscodeStub.cjs') as { Uri: { file(p: string): unknown } };
    const webview = { cspSource: 'vscode-resource:', asWebviewUri: (u: unknown) => u };
    const render = () =>
      host.renderShell(webview as never, Uri.file('/ext') as never, {
        title: '<script>x</script>',
        script: 'chat',
        styles: ['chat.css'],
        body: '<div id="app"></div>',
      });
    const a = render();
    const b = render();
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(a)?.[1] ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    checks.push({ name: 'webview: a CSP meta tag', ok: !!csp });
    checks.push({ name: "webview: default-src 'none'", ok: /default-src 'none'/.test(csp) });
    checks.push({
      name: 'webview: no unsafe-inline / unsafe-eval / remote sources',
      ok: !/unsafe-|https?:|\*/.test(csp),
      why: csp,
    });
    checks.push({
      name: 'webview: every script carries the nonce',
      ok: !!nonce && [...a.matchAll(/<script\b[^>]*>/g)].every((m) => m[0].includes(`nonce="${nonce}"`)),
    });
    checks.push({ name: 'webview: a fresh nonce per render', ok: nonce !== /script-src 'nonce-([^']+)'/.exec(b)?.[1] });
    checks.push({ name: 'webview: the title is escaped', ok: !a.includes('<script>x</script>') });
  } finally {
    loader._resolveFilename = original;
  }
  // Every webview's HTML comes from renderShell.
  const src = path.join(REPO, 'client', 'src');
  const offenders: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/\.html\s*=\s*([^;]+);/g))
          if (!/renderShell\(/.test(m[1])) offenders.push(`${path.relative(REPO, p)}: ${m[0].slice(0, 80)}`);
    }
  };
  walk(src);
  checks.push({
    name: 'webview: every page is rendered by renderShell (with its CSP)',
    ok: offenders.length === 0,
    why: offenders.join('; '),
  });
  return checks;
}

/** A minimal MCP client over stdio (newline-delimited JSON-RPC). */
class McpClient {
  private buf = '';
  private next = 1;
  private readonly waiting = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>();
  readonly output: string[] = [];
  readonly proc;
  constructor(cli: string, ws: string, env: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, [cli, 'mcp', '--workspace', ws, '--no-save', '--no-cache'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stdout.on('data', (d: Buffer) => {
      this.buf += String(d);
      this.output.push(String(d));
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        try {
          const m = JSON.parse(line) as { id?: number; result?: unknown; error?: { message: string } };
          if (typeof m.id === 'number') this.waiting.get(m.id)?.(m);
        } catch {
          // not a message
        }
      }
    });
    this.proc.stderr.on('data', (d: Buffer) => this.output.push(String(d)));
  }
  request(
    method: string,
    params: unknown,
    ms = 30_000,
  ): Promise<{ result?: unknown; error?: { message: string }; timeout?: boolean }> {
    const id = this.next++;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve({ timeout: true }), ms);
      this.waiting.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      this.proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }
  notify(method: string, params?: unknown): void {
    this.proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');
  }
  close(): void {
    this.proc.kill('SIGKILL');
  }
}

/**
 * MCP tools must not read outside the workspace: every tool that takes a path-like string is called with paths
 * that leave it (relative, absolute, a file: URI, a symlink pointing out). Runs only when `daglens mcp` exists.
 */
async function mcpChecks(ctx: FuzzContext, ws: string, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const probe = await runNode([ctx.cli, 'mcp', '--help'], { env, timeoutMs: 20_000 });
  if (probe.code !== 0) return [{ name: 'MCP tools: skipped (no `daglens mcp` in this build)', ok: true }];
  const checks: Check[] = [];
  const c = new McpClient(ctx.cli, ws, env);
  try {
    const init = await c.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'daglens-fuzz', version: '1' },
    });
    if (init.timeout || init.error)
      return [{ name: 'MCP: initialize', ok: false, why: init.error?.message ?? 'no answer' }];
    c.notify('notifications/initialized');
    const list = await c.request('tools/list', {});
    const tools =
      (
        list.result as {
          tools?: Array<{
            name: string;
            inputSchema?: { properties?: Record<string, { type?: string }>; required?: string[] };
          }>;
        }
      )?.tools ?? [];
    checks.push({ name: `MCP: tools listed (${tools.length})`, ok: tools.length > 0 });
    const outside = [
      ctx.secretFile,
      path.relative(ws, ctx.secretFile),
      uriOf(ctx.secretFile),
      'linked_secret.sql',
      `${path.basename(ws)}/../outside/secret_orders.sql`,
    ];
    let calls = 0;
    for (const tool of tools) {
      const props = tool.inputSchema?.properties ?? {};
      const pathy = Object.keys(props).filter(
        (k) => /path|file|uri|dag|plan|log|dir|source/i.test(k) && props[k].type !== 'number',
      );
      for (const key of pathy) {
        for (const value of outside) {
          const args: Record<string, unknown> = {};
          for (const r of tool.inputSchema?.required ?? [])
            args[r] = props[r]?.type === 'number' || props[r]?.type === 'integer' ? 1 : 'orders';
          args[key] = value;
          const r = await c.request('tools/call', { name: tool.name, arguments: args });
          calls++;
          const text = JSON.stringify(r);
          if (text.includes(ctx.secret) || text.includes(ctx.secret.toLowerCase()))
            checks.push({
              name: `MCP ${tool.name}.${key} = ${value}`,
              ok: false,
              why: 'the secret file outside the workspace was read',
            });
          if (r.timeout)
            checks.push({ name: `MCP ${tool.name}.${key} = ${value}`, ok: false, why: 'no answer in 30 s' });
        }
      }
    }
    checks.push({
      name: `MCP: ${calls} tool calls with paths outside the workspace read nothing outside`,
      ok: !checks.some((x) => !x.ok),
    });
  } finally {
    c.close();
  }
  return checks;
}

export async function securityArea(ctx: FuzzContext, _opts: AreaOptions): Promise<void> {
  const stats = ctx.area('security');
  const started = Date.now();
  const fake = await FakeOpenAI.start({
    apiKey: ctx.apiKey,
    // The model cites files outside the workspace, by every spelling.
    otherwise: () => ({
      type: 'answer',
      content: `See [1], ${ctx.secretFile}:1-2, ../outside/secret_orders.sql:1 and /etc/passwd:1.`,
    }),
  });
  const ws = ctx.baseWorkspace('security-ws');
  ctx.linkSecret(ws);
  // The link is there for `--file linked_secret.sql`; discovery (which follows links like the editor) is told to skip it.
  writeFileSync(path.join(ws, '.gitignore'), 'linked_secret.sql\n');
  const env = ctx.env({ OPENAI_BASE_URL: fake.url, DAGLENS_LLM_MODEL: 'gpt-4o-mini' });
  const checks: Check[] = [];
  const secretIn = (s: string) => s.includes(ctx.secret) || s.includes(ctx.secret.toLowerCase());
  const cli = async (
    name: string,
    args: string[],
    expect: (r: Awaited<ReturnType<typeof runNode>>) => string | undefined,
  ) => {
    const r = await runNode([ctx.cli, ...args], { env, maxOutput: 50_000_000 });
    ctx.scan(r.stdout + r.stderr, `security ${name}`);
    const why = secretIn(r.stdout + r.stderr) ? 'the secret file outside the workspace shows in the output' : expect(r);
    checks.push({ name, ok: !why, why });
  };
  try {
    // CLI flags naming files outside the workspace: refused, one line, exit 2.
    for (const file of [ctx.secretFile, path.relative(ws, ctx.secretFile), 'linked_secret.sql']) {
      await cli(
        `ask --file ${file}`,
        ['ask', 'what does this do?', '--workspace', ws, '--file', file, '--lines', '1-2'],
        (r) =>
          r.code === 2 && /outside the workspace/.test(r.stderr)
            ? undefined
            : `expected a refusal (exit 2, "outside the workspace"), got ${r.code}: ${r.stderr.trim().slice(0, 200)}`,
      );
      await cli(`explain --file ${file}`, ['explain', '--workspace', ws, '--file', file], (r) =>
        r.code === 2 && /outside the workspace|not a parsed workspace file/.test(r.stderr)
          ? undefined
          : `expected a refusal (exit 2), got ${r.code}: ${r.stderr.trim().slice(0, 200)}`,
      );
    }
    // Citations the model makes up (files outside, absolute paths): dropped, never opened.
    await cli(
      'ask: citations outside the workspace are dropped',
      ['ask', 'where are orders built?', '--workspace', ws, '--json'],
      (r) => {
        if (r.code !== 0) return `exit ${r.code}: ${r.stderr.trim()}`;
        const out = JSON.parse(r.stdout) as { citations: Array<{ file: string }>; droppedCitations: number };
        const bad = out.citations.filter(
          (c) => c.file.startsWith('..') || path.isAbsolute(c.file) || /secret/.test(c.file),
        );
        return bad.length
          ? `citations outside the workspace kept: ${bad.map((c) => c.file).join(', ')}`
          : out.droppedCitations < 1
            ? 'the invented citations were not reported as dropped'
            : undefined;
      },
    );
    // DAG inputs that name files outside the workspace.
    const manifest = path.join(ctx.root, 'outside-manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json' },
        nodes: {
          'model.x.secret_rel': {
            resource_type: 'model',
            name: 'secret_orders',
            original_file_path: '../outside/secret_orders.sql',
            depends_on: { nodes: [] },
          },
          'model.x.secret_abs': {
            resource_type: 'model',
            name: 'secret_abs',
            original_file_path: ctx.secretFile,
            depends_on: { nodes: ['model.x.secret_rel'] },
          },
          'model.x.orders': {
            resource_type: 'model',
            name: 'orders',
            original_file_path: 'models/marts/orders.sql',
            depends_on: { nodes: ['model.x.secret_abs'] },
          },
        },
      }),
    );
    const generic = path.join(ctx.root, 'outside-dag.json');
    writeFileSync(
      generic,
      JSON.stringify({
        nodes: [
          { id: 'a', label: 'secret', attributes: { file: ctx.secretFile, path: '../outside/secret_orders.sql' } },
          { id: 'b', label: 'orders', attributes: { file: 'models/marts/orders.sql' } },
        ],
        edges: [['a', 'b']],
      }),
    );
    const log = path.join(ctx.root, 'outside-log');
    writeFileSync(
      log,
      [
        { Event: 'SparkListenerApplicationStart', 'App Name': 'x', 'App ID': 'app-1', Timestamp: 1, User: 'u' },
        {
          Event: 'org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart',
          executionId: 0,
          description: 'collect',
          details: `org.apache.spark.sql.Dataset.collect(Dataset.scala:1)\n${ctx.secretFile}:1`,
          physicalPlanDescription: '== Physical Plan ==\n*(1) Scan parquet default.secret_orders [order_id#1]',
          sparkPlanInfo: {
            nodeName: 'Scan parquet default.secret_orders',
            simpleString: 'Scan parquet default.secret_orders',
            children: [],
            metrics: [],
          },
          time: 2,
        },
        { Event: 'org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd', executionId: 0, time: 3 },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    for (const [name, args] of [
      ['map: a manifest naming files outside', ['map', '--dag', manifest, '--workspace', ws, '--json', '--no-cache']],
      [
        'map --llm: a manifest naming files outside',
        ['map', '--dag', manifest, '--workspace', ws, '--json', '--no-cache', '--llm'],
      ],
      ['map: a JSON DAG naming files outside', ['map', '--dag', generic, '--workspace', ws, '--json', '--no-cache']],
      ['runs: an event log whose call site is outside', ['runs', log, '--workspace', ws, '--json', '--no-cache']],
    ] as const) {
      await cli(name, [...args], (r) => {
        if (r.code !== 0 && r.code !== 2) return `exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`;
        const files = [...r.stdout.matchAll(/"file":\s*"([^"]+)"/g)]
          .map((m) => m[1])
          .filter((f) => f.startsWith('..') || path.isAbsolute(f));
        return files.length ? `the result points outside the workspace: ${[...new Set(files)].join(', ')}` : undefined;
      });
    }
    const bodies = fake.requests.map((q) => JSON.stringify(q.body ?? '')).join('\n');
    checks.push({ name: 'the model never received the secret file', ok: !secretIn(bodies) });
    checks.push({ name: 'the model never received the API key in a prompt', ok: !bodies.includes(ctx.apiKey) });
    checks.push({
      name: 'the key reached the provider only as the Authorization header',
      ok: fake.requests.every((q) => !q.url.includes(ctx.apiKey)),
    });

    // The language server: requests naming files outside its folder read nothing there.
    const lspStorage = ctx.dir('security-lsp-storage');
    const d = new LspDriver({
      workspace: ws,
      settings: { llm: { model: 'gpt-4o-mini', baseUrl: fake.url, timeoutMs: 5000 } },
      env: ctx.env(),
      storage: lspStorage,
      markers: [ctx.apiKey, ctx.secret, ctx.secret.toLowerCase()],
    });
    try {
      await d.initialize();
      await d.ready();
      const secretUri = uriOf(ctx.secretFile);
      for (const [method, params] of [
        [
          'daglens/ask',
          {
            question: 'what does this file do?',
            uri: secretUri,
            selection: { startLine: 1, endLine: 2 },
            streamId: 'sec',
          },
        ],
        ['daglens/explainSymbol', { uri: secretUri, line: 1 }],
        ['daglens/lineage', { uri: secretUri }],
        ['textDocument/documentSymbol', { textDocument: { uri: secretUri } }],
        ['textDocument/hover', { textDocument: { uri: secretUri }, position: { line: 1, character: 10 } }],
        ['daglens/impact', { uri: secretUri, position: { line: 1, character: 10 } }],
      ] as const) {
        const r = await d.ask(method, params);
        checks.push({
          name: `LSP ${method} on a file outside the workspace`,
          ok: !r.hung && !r.gone,
          why: r.hung ? 'no answer' : r.gone ? 'server gone' : undefined,
        });
      }
      checks.push({
        name: 'LSP: the secret never appears in what the server sends',
        ok: !d.leaks.some((l) => secretIn(l)),
        why: d.leaks.find((l) => secretIn(l)),
      });
      for (const l of d.leaks)
        if (l.includes(ctx.apiKey)) ctx.leaks.push(`security lsp: ${l.replace(ctx.apiKey, '<KEY>')}`);
      await d.shutdown();
    } finally {
      d.kill();
    }
    checks.push({
      name: 'the model never received the secret file (after the LSP requests)',
      ok: !secretIn(fake.requests.map((q) => JSON.stringify(q.body ?? '')).join('\n')),
    });

    checks.push(...(await mcpChecks(ctx, ws, env)));
    checks.push(...cspChecks());

    // Finally, the key on disk: every file the whole run wrote (workspaces, caches, indexes, ledgers, storage).
    const onDisk = filesHolding(ctx.root, ctx.apiKey);
    for (const p of onDisk) ctx.leaks.push(`on disk: ${path.relative(ctx.root, p)}`);
    checks.push({
      name: `the API key is in none of the files the run wrote (${countFiles(ctx.root)} files)`,
      ok: onDisk.length === 0,
      why: onDisk.join(', '),
    });
  } finally {
    await fake.close();
  }
  for (const c of checks) {
    stats.cases++;
    if (!c.ok)
      ctx.fail({
        area: 'security',
        case: stats.cases,
        kind: /secret|outside/.test(`${c.name} ${c.why}`) ? 'leak' : 'check',
        what: c.name,
        why: c.why ?? 'failed',
      });
  }
  stats.figures.checks = checks.length;
  stats.figures.failed = checks.filter((c) => !c.ok).length;
  stats.figures['MCP'] = checks.some((c) => /^MCP: tools listed/.test(c.name)) ? 'checked' : 'not in this build';
  stats.ms += Date.now() - started;
}

function countFiles(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else n++;
    }
  };
  if (existsSync(dir)) walk(dir);
  return n;
}
