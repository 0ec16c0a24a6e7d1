/**
 * `daglens mcp` driven by the MCP SDK's own client over stdio, on ../shared/corpora read in place: the handshake
 * and tool list, every tool answering with structured content that matches its schema (and true things about the
 * code), the two resources, bad arguments (clear errors, the server stays up), paths outside the workspace
 * (refused), cancellation, the CLI giving the same answers (`daglens tool`), the server following edits on disk,
 * and the launch VS Code's MCP server list uses (`server.js mcp`).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AGENT_TOOL_NAMES, AGENT_TOOLS, type AgentToolName, type AgentToolOutput } from '../../server/src/protocol';
import { mcpLaunch } from '../../client/src/mcpDefinition';
import { CORPORA, REPO } from '../helpers';

const CLI = path.join(REPO, 'dist', 'cli.js');

interface Session {
  client: Client;
  stderr: string[];
  close(): Promise<void>;
}

async function startMcp(command: string, args: string[], env?: Record<string, string>): Promise<Session> {
  const transport = new StdioClientTransport({
    command,
    args,
    stderr: 'pipe',
    env: { ...(process.env as Record<string, string>), ...env },
  });
  const stderr: string[] = [];
  transport.stderr?.on('data', (d) => stderr.push(String(d)));
  const client = new Client({ name: 'daglens-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr, close: () => client.close() };
}

type ToolResult = {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

async function call(
  s: Session,
  name: string,
  args: Record<string, unknown>,
  opts?: { signal?: AbortSignal },
): Promise<ToolResult> {
  return (await s.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000, ...opts })) as ToolResult;
}

/** A successful call: text summary plus structured content that matches the tool's output schema. */
async function ok<N extends AgentToolName>(
  s: Session,
  name: N,
  args: Record<string, unknown>,
): Promise<AgentToolOutput<N>> {
  const r = await call(s, name, args);
  assert.ok(!r.isError, `${name} ${JSON.stringify(args)} failed: ${r.content[0]?.text}`);
  assert.ok(r.content[0]?.type === 'text' && r.content[0].text!.length > 0, 'a text summary');
  const v = AGENT_TOOLS[name].output.safeParse(r.structuredContent);
  assert.ok(
    v.success,
    `${name} structured output matches its schema: ${v.success ? '' : JSON.stringify(v.error.issues.slice(0, 3))}`,
  );
  return v.data as AgentToolOutput<N>;
}

async function fails(s: Session, name: string, args: Record<string, unknown>, pattern: RegExp): Promise<void> {
  const r = await call(s, name, args);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} is an error`);
  assert.match(r.content[0]?.text ?? '', pattern);
}

const lineOf = (file: string, line: number) =>
  readFileSync(path.join(CORPORA, file), 'utf8').split(/\r?\n/)[line - 1] ?? '';

describe('daglens mcp on the shared corpora', () => {
  let s: Session;
  before(async () => {
    s = await startMcp(process.execPath, [CLI, 'mcp', '--workspace', CORPORA, '--no-save', '--no-cache', '--verbose']);
  });
  after(() => s?.close());

  test('handshake: server info, instructions, seven read-only tools with input and output schemas, two resources', async () => {
    assert.equal(s.client.getServerVersion()?.name, 'daglens');
    assert.match(s.client.getInstructions() ?? '', /map_plan/);
    const { tools } = await s.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [...AGENT_TOOL_NAMES].sort());
    for (const t of tools) {
      assert.ok(t.outputSchema, `${t.name} declares its output`);
      assert.equal(t.annotations?.readOnlyHint, true);
      assert.deepEqual(
        Object.keys((t.inputSchema as { properties: object }).properties),
        Object.keys(AGENT_TOOLS[t.name as AgentToolName].input.shape),
      );
    }
    const { resources } = await s.client.listResources();
    assert.deepEqual(resources.map((r) => r.uri).sort(), ['daglens://dag/last', 'daglens://lineage']);
  });

  test('every tool answers over the transport', async () => {
    const lastBefore = await s.client.readResource({ uri: 'daglens://dag/last' });
    assert.equal(JSON.parse((lastBefore.contents[0] as { text: string }).text).plan, null);

    const plan = await ok(s, 'map_plan', { file: 'spark-tpcds/spark3/plans/query42.explain.txt', limit: 100 });
    const scan = plan.nodes.find((n) => /Scan/.test(n.operator) && /\bitem\b/.test(n.label));
    assert.ok(scan?.best, JSON.stringify(plan.nodes.map((n) => n.label)));
    assert.match(lineOf(scan.best.file, scan.best.startLine), /\bitem\b/i);
    const last = JSON.parse(
      ((await s.client.readResource({ uri: 'daglens://dag/last' })).contents[0] as { text: string }).text,
    );
    assert.equal(last.plan, 'spark-tpcds/spark3/plans/query42.explain.txt');
    assert.equal(last.dag.nodes.length, plan.page.total, 'the resource holds the whole DAG');

    const lin = await ok(s, 'lineage', { name: 'orders' });
    assert.equal(lin.resolved.id, 'model.jaffle_shop.orders');
    assert.deepEqual(
      lin.writers.map((w) => w.file),
      ['dbt/jaffle-shop/models/marts/orders.sql'],
    );

    const imp = await ok(s, 'impact', { name: 'stg_customers', direction: 'downstream' });
    assert.deepEqual(
      imp.hits.map((h) => h.name),
      ['customers'],
    );
    assert.match(lineOf(imp.hits[0].path[0].file!, imp.hits[0].path[0].line!), /ref\(\s*['"]stg_customers['"]\s*\)/);

    const search = await ok(s, 'search_code', { query: 'lifetime spend', k: 4 });
    assert.ok(search.hits.length === 4 && search.hits.some((h) => /customers/.test(h.file)));

    const ex = await ok(s, 'explain_symbol', { file: 'dbt/jaffle-shop/models/marts/orders.sql', line: 20 });
    assert.ok(ex.symbol && ex.symbol.startLine <= 20 && ex.symbol.endLine >= 20);
    assert.equal(ex.summary, null);

    const runs = await ok(s, 'list_runs', { paths: ['spark-eventlogs/logs'] });
    assert.equal(runs.page.total, 10);
    const run = await ok(s, 'map_run', { path: 'spark-eventlogs/logs/e2e_local_stale.zstd', limit: 3 });
    assert.equal(run.executions.length, 3);
    assert.equal(run.page.nextOffset, 3);
    assert.ok(run.executions.every((e) => e.location?.file === 'spark-eventlogs/code/e2e/generate_events.py'));

    const graph = JSON.parse(
      ((await s.client.readResource({ uri: 'daglens://lineage' })).contents[0] as { text: string }).text,
    );
    assert.ok(graph.assets.some((a: { id: string }) => a.id === 'model.jaffle_shop.orders'));
    assert.ok(
      graph.processes.every((p: { file: string }) => !path.isAbsolute(p.file)),
      'paths are workspace-relative',
    );
  });

  test('bad arguments are clear tool errors and the server stays up', async () => {
    await fails(
      s,
      'impact',
      { name: 42 },
      /Invalid arguments for tool impact: Expected string, received number at name/,
    );
    await fails(s, 'lineage', {}, /Invalid arguments for tool lineage: Required at name/);
    await fails(s, 'search_code', { query: 'x', k: 1000 }, /k/);
    await fails(s, 'explain_symbol', { file: 'dbt/jaffle-shop/models/marts/orders.sql', line: 0 }, /line/);
    await fails(s, 'impact', { name: 'orders', direction: 'sideways' }, /direction/);
    await fails(s, 'map_plan', { plan: 'x', file: 'y' }, /either `plan`/);
    await fails(s, 'map_plan', { plan: 'this is not a plan' }, /no plan nodes could be read/);
    await fails(s, 'lineage', { name: 'no_such_table_xyz' }, /no table, column, dbt model/);
    await fails(s, 'no_such_tool', {}, /Tool no_such_tool not found/);
    const still = await ok(s, 'impact', { name: 'stg_orders' });
    assert.equal(still.page.total, 3);
  });

  test('paths outside the workspace are refused by every tool that takes one', async () => {
    const outside = /outside the workspace/;
    await fails(s, 'map_plan', { file: '../../etc/passwd' }, outside);
    await fails(s, 'map_plan', { file: '/etc/hostname' }, outside);
    await fails(s, 'explain_symbol', { file: '../main/package.json', line: 1 }, outside);
    await fails(s, 'list_runs', { paths: ['..'] }, outside);
    await fails(s, 'map_run', { path: `${REPO}/package.json` }, outside);
    await fails(s, 'lineage', { name: '../../secret.sql' }, outside);
  });

  test('cancellation stops a long call; the server keeps serving', async () => {
    const ac = new AbortController();
    const p = call(s, 'map_run', { path: 'spark-eventlogs/logs/nds_q9_gpu_oom.zstd' }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 150);
    await assert.rejects(p, /abort/i);
    const deadline = Date.now() + 20_000;
    while (!s.stderr.join('').includes('map_run: cancelled') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.match(s.stderr.join(''), /map_run: cancelled after \d+ ms/, 'the server stopped the work');
    const listed = await ok(s, 'list_runs', { paths: ['spark-eventlogs/logs/nds_q9_gpu_oom.zstd'] });
    assert.equal(listed.runs[0].mapped, null, 'nothing of the cancelled read was kept');
    const whole = await ok(s, 'map_run', { path: 'spark-eventlogs/logs/nds_q9_gpu_oom.zstd' });
    assert.ok(whole.page.total >= 1);
  });

  test("the CLI (`daglens tool NAME --json`) gives the MCP tool's structured output", async () => {
    const cli = (args: string[]) => {
      const r = spawnSync(
        process.execPath,
        [CLI, 'tool', ...args, '--workspace', CORPORA, '--no-save', '--no-cache', '--json'],
        { encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const viaMcp = (await call(s, 'impact', { name: 'stg_orders', direction: 'upstream' })).structuredContent;
    assert.deepEqual(cli(['impact', '--name', 'stg_orders', '--direction', 'upstream']), viaMcp);
    const lin = (await call(s, 'lineage', { name: 'stg_orders.order_id', limit: 5 })).structuredContent;
    assert.deepEqual(cli(['lineage', '--input', '{"name":"stg_orders.order_id"}', '--limit', '5']), lin);
    const { ms: _a, ...plan } = (
      await call(s, 'map_plan', { file: 'spark-tpcds/spark2/plans/query42.explain.txt', offset: 2, limit: 5 })
    ).structuredContent!;
    const { ms: _b, ...planCli } = cli([
      'map_plan',
      '--file',
      'spark-tpcds/spark2/plans/query42.explain.txt',
      '--offset',
      '2',
      '--limit',
      '5',
    ]);
    assert.deepEqual(planCli, plan);
    const bad = spawnSync(process.execPath, [CLI, 'tool', 'lineage', '--query', 'x', '--workspace', CORPORA], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--query is not an argument of lineage \(it takes --name, --limit\)/);
  });
});

describe('daglens mcp follows edits on disk', () => {
  let ws: string;
  let s: Session;
  before(async () => {
    ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-mcp-edit-'));
    cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
    s = await startMcp(process.execPath, [CLI, 'mcp', '--workspace', ws, '--no-save', '--no-cache']);
  });
  after(async () => {
    await s?.close();
    rmSync(ws, { recursive: true, force: true });
  });

  test('a model an agent adds (and then deletes) shows up in impact at the next call', async () => {
    const before = await ok(s, 'impact', { name: 'orders' });
    assert.deepEqual(
      before.hits.map((h) => h.name),
      ['customers'],
    );
    const file = path.join(ws, 'models', 'marts', 'order_stats.sql');
    writeFileSync(file, "select customer_id, count(*) as n\nfrom {{ ref('orders') }}\ngroup by 1\n");
    let names: string[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      names = (await ok(s, 'impact', { name: 'orders' })).hits.map((h) => h.name);
      if (names.includes('order_stats')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(names.sort(), ['customers', 'order_stats']);
    const lin = await ok(s, 'lineage', { name: 'models/marts/order_stats.sql' });
    assert.equal(lin.reads[0].line, 2);
    unlinkSync(file);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      names = (await ok(s, 'impact', { name: 'orders' })).hits.map((h) => h.name);
      if (!names.includes('order_stats')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(names, ['customers']);
  });
});

describe("the MCP server VS Code lists (the extension's server.js in mcp mode)", () => {
  test('the launch the extension gives VS Code starts a working server on the folder', async () => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-mcp-def-'));
    const storage = mkdtempSync(path.join(os.tmpdir(), 'daglens-mcp-storage-'));
    cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
    const launch = mcpLaunch({
      serverJs: path.join(REPO, 'dist', 'server.js'),
      execPath: process.execPath,
      folder: ws,
      folderName: 'jaffle',
      storage,
    });
    assert.equal(launch.label, 'DagLens (jaffle)');
    assert.ok(launch.args.includes('--no-llm'), 'no code leaves through this process');
    const s = await startMcp(launch.command, launch.args, launch.env);
    try {
      const { tools } = await s.client.listTools();
      assert.equal(tools.length, AGENT_TOOL_NAMES.length);
      const out = await ok(s, 'lineage', { name: 'customers' });
      assert.deepEqual(
        out.writers.map((w) => w.file),
        ['models/marts/customers.sql'],
      );
      const indexes = readdirSync(path.join(storage, 'indexes'));
      assert.equal(indexes.length, 1);
      assert.ok(
        existsSync(path.join(storage, 'indexes', indexes[0], 'index.dlx')),
        "the index is kept in the extension's storage, beside the language server's",
      );
    } finally {
      await s.close();
      rmSync(ws, { recursive: true, force: true });
      rmSync(storage, { recursive: true, force: true });
    }
  });
});
