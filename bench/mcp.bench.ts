/**
 * `npm run bench:mcp`: agent-tool latency through the MCP stdio transport. `daglens mcp` (dist/cli.js, rebuilt
 * when a source is newer) serves ../shared/corpora; the MCP SDK's client calls each tool over stdio, one call at
 * a time, after the workspace has loaded: lineage and impact (both directions) of every asset of the lineage graph,
 * search_code for every asset name and a few phrases, map_plan of every Spark plan file in the corpora (each
 * mapped once: no result cache helps), plus explain_symbol, list_runs and map_run for reference. Reports
 * p50/p95/max per tool (client-side wall time: JSON-RPC, schema checks, serialisation included) against the
 * targets (p95 ≤ 50 ms for lineage/impact/search, ≤ 100 ms for map_plan), the time to the first answer, and the
 * corpus and machine. `--rounds N` repeats the lineage/impact/search calls N times (default 3).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CORPORA, REPO } from '../test/helpers';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const CLI = path.join(REPO, 'dist', 'cli.js');

function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((n) => newest(path.join(p, n))));
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

async function main() {
  if (!statSafe(CLI) || newest(path.join(REPO, 'server', 'src')) > statSync(CLI).mtimeMs) {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  const files = walk(CORPORA);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at start`,
  );
  console.log(
    `corpus: ${CORPORA} — ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB (dbt, Airflow, PySpark, TPC-DS and TPC-H queries and plans, Spark event logs)`,
  );
  console.log(
    `server: node dist/cli.js mcp --workspace <corpus> --no-save --no-cache (index and caches in memory), over stdio\n`,
  );

  const started = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--workspace', CORPORA, '--no-save', '--no-cache'],
    stderr: 'pipe',
  });
  const client = new Client({ name: 'daglens-bench', version: '1.0.0' });
  await client.connect(transport);
  const connected = performance.now() - started;
  const times = new Map<string, number[]>();
  const call = async (name: string, args: Record<string, unknown>) => {
    const t = performance.now();
    const r = (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as {
      isError?: boolean;
      content: Array<{ text?: string }>;
      structuredContent?: unknown;
    };
    const ms = performance.now() - t;
    if (r.isError) throw new Error(`${name} ${JSON.stringify(args)}: ${r.content[0]?.text}`);
    const list = times.get(name) ?? [];
    list.push(ms);
    times.set(name, list);
    return r.structuredContent as Record<string, unknown>;
  };
  // The first call waits for the scan and the index.
  await call('list_runs', {});
  const firstAnswer = performance.now() - started;
  times.clear();

  const graph = JSON.parse(
    ((await client.readResource({ uri: 'daglens://lineage' })).contents[0] as { text: string }).text,
  ) as { assets: Array<{ id: string; name: string }> };
  const names = graph.assets.map((a) => a.id);
  const queries = [
    ...new Set(graph.assets.map((a) => a.name.replace(/[{}]/g, ' ').trim()).filter((n) => n.length > 2)),
    'customer lifetime value',
    'join orders and customers',
    'write parquet partitioned',
    'window rank over partition',
    'read csv with schema',
  ];
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      await call('lineage', { name });
      await call('impact', { name, direction: 'downstream' });
      await call('impact', { name, direction: 'upstream' });
    }
    for (const query of queries) await call('search_code', { query, k: 10 });
  }
  const plans = files.filter((f) => /\.explain\.txt$/.test(f)).map((f) => path.relative(CORPORA, f));
  for (const file of plans) await call('map_plan', { file, limit: 50 });
  const symbols = (await call('search_code', { query: 'select from where group by', k: 50 })).hits as Array<{
    file: string;
    startLine: number;
  }>;
  for (const h of symbols) await call('explain_symbol', { file: h.file, line: h.startLine });
  for (let i = 0; i < 5; i++) await call('list_runs', {});
  await call('map_run', { path: 'spark-eventlogs/logs/e2e_local_stale.zstd' });
  for (let e = 0; e < 10; e++)
    await call('map_run', { path: 'spark-eventlogs/logs/e2e_local_stale.zstd', execution: e });
  await client.close();

  console.log(
    `connected in ${connected.toFixed(0)} ms; first answer (scan + index + graph) after ${(firstAnswer / 1000).toFixed(2)} s`,
  );
  console.log(
    `${'tool'.padEnd(15)} ${'calls'.padStart(6)}  ${'p50 ms'.padStart(7)}  ${'p95 ms'.padStart(7)}  ${'max ms'.padStart(7)}  target`,
  );
  const targets: Record<string, number> = { lineage: 50, impact: 50, search_code: 50, map_plan: 100 };
  let missed = 0;
  for (const [name, xs] of times) {
    const p95 = pct(xs, 0.95);
    const target = targets[name];
    const verdict = target === undefined ? '—' : `p95 ≤ ${target} ms: ${p95 <= target ? 'met' : 'MISSED'}`;
    if (target !== undefined && p95 > target) missed++;
    console.log(
      `${name.padEnd(15)} ${String(xs.length).padStart(6)}  ${pct(xs, 0.5).toFixed(1).padStart(7)}  ${p95.toFixed(1).padStart(7)}  ${Math.max(
        ...xs,
      )
        .toFixed(1)
        .padStart(7)}  ${verdict}`,
    );
  }
  console.log(
    `\nmap_plan: ${plans.length} plan files, each mapped once (the first map of a plan; repeats are answered from the result cache). map_run: the first call reads and maps the whole log (${times.get('map_run')![0].toFixed(0)} ms), the rest page the kept result.`,
  );
  console.log(`load average at end ${os.loadavg()[0].toFixed(1)}`);
  if (missed && process.argv.includes('--strict')) process.exit(1);
}

function statSafe(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
