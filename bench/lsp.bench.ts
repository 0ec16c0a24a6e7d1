/**
 * `npm run bench:lsp [-- --files 1800] [--keep]`: the language server as an editor meets it, over stdio with a real
 * LSP client (vscode-languageserver-protocol), on a workspace the bench assembles in a temp folder:
 *   - the CPython standard library's source files (this machine's `python3` stdlib, without site-packages), copied
 *     as stdlib/, stdlib-2/, … until there are at least --files source files (the stdlib here may lack its tests),
 *   - a dbt project under analytics/ (../shared/corpora/dbt/jaffle-shop, copied).
 * A cold start (empty caches) and a warm start (the same folder reopened) each: the time to the first lens on a
 * dbt model after didOpen, to the first *right* lens (the value it has once everything is read), and to "ready"
 * (scan and index done); then codeLens, codeLens/resolve, hover and documentSymbol latencies (p50/p95/max) while
 * the workspace is read (ten rounds a second, as an editor a user works in might ask) and after. Also `daglens index` (the CLI) on the same files for comparison.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../test/helpers';
import { assembleLargeWorkspace, countSources } from '../test/largeWorkspace';
import { startLsp, uri, type LspSession } from '../test/lsp-client';

const args = process.argv.slice(2);
const wantFiles = Number(args[args.indexOf('--files') + 1]) || 1800;
const keep = args.includes('--keep');

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const ms = (x: number) => (Number.isNaN(x) ? '—' : x < 10 ? x.toFixed(1) : x.toFixed(0));
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

interface Phase {
  codeLens: number[];
  resolve: number[];
  hover: number[];
  documentSymbol: number[];
}
const phase = (): Phase => ({ codeLens: [], resolve: [], hover: [], documentSymbol: [] });

async function timed<T>(into: number[], f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  into.push(performance.now() - t);
  return r;
}

interface Lens {
  range: { start: { line: number } };
  command?: { title: string };
  data?: unknown;
}

async function run(label: string, ws: string, env: NodeJS.ProcessEnv, storage: string) {
  const model = path.join(ws, 'analytics/models/marts/customers.sql');
  const modelText = readFileSync(model, 'utf8');
  const refLine = modelText.split('\n').findIndex((l) => l.includes("ref('stg_customers')"));
  const refChar = modelText.split('\n')[refLine].indexOf('stg_customers');
  const big = path.join(ws, 'stdlib/typing.py');
  const started = performance.now();
  const s: LspSession = await startLsp(ws, {}, { env, indexStoragePath: storage });
  const since = () => performance.now() - started;
  let readyAt = NaN;
  // Ready: the server says it is quiescent (not its initial "starting") and no work-done progress is open.
  const checkProgress = () => {
    const open = new Set<unknown>();
    for (const p of (s.notifications.get('$/progress') ?? []) as Array<{ token: unknown; value: { kind: string } }>) {
      if (p.value.kind === 'begin') open.add(p.token);
      if (p.value.kind === 'end') open.delete(p.token);
    }
    const st = (s.notifications.get('daglens/serverStatus') ?? []) as Array<{ quiescent: boolean; message?: string }>;
    const last = st[st.length - 1];
    if (Number.isNaN(readyAt) && last?.quiescent && last.message !== 'starting' && open.size === 0) readyAt = since();
  };
  const openedAt = since();
  await s.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: uri(model), languageId: 'sql', version: 1, text: modelText },
  });
  await s.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: uri(big), languageId: 'python', version: 1, text: readFileSync(big, 'utf8') },
  });

  const during = phase();
  const after = phase();
  let firstLens = NaN;
  const titles: Array<[number, string]> = [];
  let rounds = 0;
  const round = async (into: Phase) => {
    const lenses = await timed(into.codeLens, () =>
      s.conn.sendRequest<Lens[] | null>('textDocument/codeLens', { textDocument: { uri: uri(model) } }),
    );
    const first = lenses?.find((l) => l.range.start.line === 0) ?? lenses?.[0];
    if (first) {
      const resolved = first.command
        ? first
        : await timed(into.resolve, () => s.conn.sendRequest<Lens>('codeLens/resolve', first));
      const title = resolved.command?.title ?? '';
      if (title && Number.isNaN(firstLens)) firstLens = since() - openedAt;
      titles.push([since() - openedAt, title]);
    }
    await timed(into.hover, () =>
      s.conn.sendRequest('textDocument/hover', {
        textDocument: { uri: uri(model) },
        position: { line: refLine, character: refChar + 2 },
      }),
    );
    await timed(into.documentSymbol, () =>
      s.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri(big) } }),
    );
    rounds++;
  };
  const deadline = Date.now() + 20 * 60_000;
  while (Number.isNaN(readyAt) && Date.now() < deadline) {
    await round(during);
    checkProgress();
    // About what an editor asks while a user reads and scrolls (lenses, hovers, outline), ten rounds a second.
    await sleep(100);
  }
  const readyMs = readyAt;
  // Let the last start-up work (saves, rebuilds) land inside the "after" window, as a user would meet it.
  for (let i = 0; i < 150; i++) {
    await round(after);
    await sleep(50);
  }
  // The right lens is the one it settles on; the first right one is where the unbroken run of it begins.
  const lastTitle = titles.length ? titles[titles.length - 1][1] : '';
  let k = titles.length;
  while (k > 0 && titles[k - 1][1] === lastTitle) k--;
  const firstRight = titles[k]?.[0] ?? NaN;
  // The counts can be right before the read ends (the lens then says "reading workspace…").
  const core = (t: string) => t.replace(/ · (reading workspace|updating)…$/, '');
  const firstRightCounts = titles.find(([, t]) => core(t) === core(lastTitle))?.[0] ?? NaN;
  const serverSaid = ((s.notifications.get('window/logMessage') ?? []) as Array<{ message: string }>)
    .map((m) => m.message)
    .filter((m) => /^read |^index|saved index|not used/.test(m));
  const rss = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(s.proc.pid)], { encoding: 'utf8' }).trim()) / 1024;
  await s.close();
  console.log(
    `\n${label}: ready after ${(readyMs / 1000).toFixed(1)} s; first lens ${ms(firstLens)} ms after didOpen, right (settled) lens from ${ms(firstRight)} ms` +
      ` (right counts from ${ms(firstRightCounts)} ms; final title: "${lastTitle}"); server RSS ${rss.toFixed(0)} MB; ${rounds} rounds`,
  );
  for (const m of serverSaid) console.log(`  server: ${m}`);
  console.log('  request          while reading (p50 / p95 / max, n)        after (p50 / p95 / max, n)');
  for (const k of Object.keys(during) as Array<keyof Phase>) {
    const a = during[k];
    const b = after[k];
    console.log(
      `  ${k.padEnd(16)} ${`${ms(pct(a, 0.5))} / ${ms(pct(a, 0.95))} / ${ms(a.length ? Math.max(...a) : NaN)} ms, ${a.length}`.padEnd(42)} ${ms(pct(b, 0.5))} / ${ms(pct(b, 0.95))} / ${ms(b.length ? Math.max(...b) : NaN)} ms, ${b.length}`,
    );
  }
  return { lastTitle, readyMs };
}

async function main() {
  if (!existsSync(path.join(REPO, 'dist/server.js')) || !existsSync(path.join(REPO, 'dist/cli.js'))) {
    console.log('building dist/ first (node esbuild.mjs)');
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'daglens-bench-lsp-'));
  const ws = path.join(tmp, 'workspace');
  mkdirSync(ws);
  const copies = assembleLargeWorkspace(ws, wantFiles);
  const files = countSources(ws);
  const bytes = (function size(d: string): number {
    let n = 0;
    for (const e of readdirSync(d, { withFileTypes: true }))
      n += e.isDirectory() ? size(path.join(d, e.name)) : statSync(path.join(d, e.name)).size;
    return n;
  })(ws);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(
    `workspace: ${files} source files, ${(bytes / 2 ** 20).toFixed(0)} MB (${copies} cop${copies === 1 ? 'y' : 'ies'} of the python3 stdlib + ../shared/corpora/dbt/jaffle-shop as analytics/) in ${ws}`,
  );

  // The CLI on the same files, cold, for comparison with the editor's cold start.
  const cliCache = path.join(tmp, 'cli-cache');
  const t = performance.now();
  const cli = spawnSync(
    process.execPath,
    [path.join(REPO, 'dist/cli.js'), 'index', '--workspace', ws, '--index-dir', cliCache],
    { encoding: 'utf8' },
  );
  const cliMs = performance.now() - t;
  console.log(
    `daglens index (CLI, cold): ${(cliMs / 1000).toFixed(1)} s${cli.status ? ` — exit ${cli.status}: ${cli.stderr.slice(0, 200)}` : ''}`,
  );

  const env = { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache') };
  const storage = path.join(tmp, 'storage');
  const cold = await run('cold start (empty caches)', ws, env, storage);
  const warm = await run('warm start (same folder reopened)', ws, env, storage);
  if (warm.lastTitle !== cold.lastTitle)
    console.log(`  warm lens "${warm.lastTitle}" differs from cold "${cold.lastTitle}"`);
  console.log(
    `\neditor cold start / CLI cold index: ${(cold.readyMs / cliMs).toFixed(2)}×; warm start to ready: ${(warm.readyMs / 1000).toFixed(1)} s`,
  );
  if (!keep) rmSync(tmp, { recursive: true, force: true });
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
