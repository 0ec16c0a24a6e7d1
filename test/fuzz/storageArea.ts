/**
 * The storage area: kill -9 at random moments while DagLens writes — `daglens index` (cold builds and updates),
 * the LLM ledger, response cache and explanations (one or two writers at once), `daglens map`'s results and
 * resume checkpoints, and the chat history — then start again and check: the next run succeeds, says why when it
 * rebuilt something, serves nothing damaged, lost nothing that was acknowledged, never rebuilt the vector graph
 * after a killed update, and left no temp files behind. Two `daglens index` runs on one folder at once must also
 * leave a good index.
 */
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { CORPORA, REPO } from '../helpers';
import { loadHistory } from '../../client/src/webview/chatHistory';
import { ResponseCache } from '../../server/src/engine/llm/cache';
import { ExplanationStore } from '../../server/src/engine/llm/features/explain';
import { Ledger } from '../../server/src/engine/llm/ledger';
import { workspaceKey } from '../../server/src/engine/storage';
import type * as vscode from 'vscode';
import type { AreaOptions } from './cliArea';
import { type FuzzContext, progress } from './context';
import { classifyCli, runNode } from './proc';
import { Rng } from './rng';

type Kind = 'index' | 'index-pair' | 'llm' | 'llm-pair' | 'map' | 'chat';

const TEMP = /\.tmp-\d+(-\d+)?$|\.\d+(\.\d+)?\.tmp$/;

/** Temp files anywhere under `dir`. */
function temps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) out.push(...temps(p));
    else if (TEMP.test(n)) out.push(p);
  }
  return out;
}

/** Starts a child, kills it with SIGKILL `afterMs` after `startSignal` (its first output line, or the spawn). */
function killedRun(
  args: string[],
  env: NodeJS.ProcessEnv,
  afterMs: number,
  waitForReady: boolean,
): Promise<{ stdout: string; killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let killed = false;
    let armed = false;
    const arm = () => {
      if (armed) return;
      armed = true;
      setTimeout(() => {
        if (p.exitCode === null && p.signalCode === null) {
          killed = true;
          p.kill('SIGKILL');
        }
      }, afterMs);
    };
    p.stdout.on('data', (d) => {
      stdout += d;
      if (waitForReady && stdout.includes('ready\n')) arm();
    });
    p.stderr.on('data', () => undefined);
    if (!waitForReady) arm();
    p.on('close', (code) => resolve({ stdout, killed, code }));
  });
}

function acked(stdout: string, kind: string): number[] {
  return [...stdout.matchAll(new RegExp(`^ack ${kind} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
}

/** A synthetic 10,001-operator plan (the shape of bench/map.bench.ts'), long enough to map that a kill lands mid-job. */
function bigPlan(): string {
  const lines = ['== Physical Plan ==', 'Union'];
  for (let i = 0; i < 2500; i++) {
    const last = i === 2499;
    const p = last ? '   ' : ':  ';
    lines.push(
      `${last ? '+-' : ':-'} Project [a#1]`,
      `${p}+- Filter (isnotnull(a#1) AND (a#1 > ${i % 10}))`,
      `${p}   +- ColumnarToRow`,
      `${p}      +- FileScan parquet db.t${i % 50}[a#1] Batched: true`,
    );
  }
  return lines.join('\n') + '\n';
}

export async function storageArea(ctx: FuzzContext, opts: AreaOptions): Promise<void> {
  const stats = ctx.area('storage');
  const started = Date.now();
  const env = ctx.env();
  const cli = (...args: string[]) => runNode([ctx.cli, ...args], { env, timeoutMs: 120_000, maxOutput: 200_000_000 });
  const tsx = (...args: string[]) => ['--import', 'tsx', path.join(REPO, 'test', 'fuzz', 'storageChild.ts'), ...args];
  const f = { kills: 0, survived: 0, rebuilt: 0, graphRebuilds: 0, tempsLeft: 0, garbageServed: 0, pairs: 0 };

  // The index workspace: several corpora, so a cold build takes long enough to be killed anywhere in it.
  const iws = ctx.dir('storage-index-ws');
  for (const [from, to] of [
    ['dbt/jaffle-shop', 'jaffle'],
    ['dbt/dbt_analytics', 'analytics'],
    ['spark-tpcds/spark3/queries', 'tpcds'],
    ['spark-tpcds/spark2/queries', 'tpcds2'],
    ['airflow', 'airflow'],
    ['pyspark', 'pyspark'],
    ['tpch/ws-pyspark', 'tpch-py'],
    ['tpch/ws-scala', 'tpch-scala'],
  ] as const) {
    cpSync(path.join(CORPORA, from), path.join(iws, to), { recursive: true });
  }
  const idxDir = path.join(ctx.root, 'storage-index');
  const durations = { cold: 3000, update: 1000 };
  const QUERIES = ['orders by customer', 'revenue', 'store_sales date_dim'];
  const lexical = async (indexArgs: string[]) => {
    const out: string[] = [];
    for (const q of QUERIES) {
      const r = await cli('search', q, '--workspace', iws, ...indexArgs, '--mode', 'lexical', '--k', '10', '--json');
      if (r.code !== 0) return `search failed: ${r.stderr.trim()}`;
      const hits = (
        JSON.parse(r.stdout) as { hits: Array<{ file: string; startLine: number; endLine: number; score: number }> }
      ).hits;
      out.push(hits.map((h) => `${h.file}:${h.startLine}-${h.endLine}:${h.score.toFixed(4)}`).join(','));
    }
    return out.join('\n');
  };

  // Mapping: a workspace with the query the big plan reads, and the answer an uninterrupted run gives.
  const mws = ctx.dir('storage-map-ws');
  writeFileSync(
    path.join(mws, 'all.sql'),
    Array.from({ length: 50 }, (_, i) => `select a from t${i} where a > ${i % 10}`).join('\nunion all\n') + '\n',
  );
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop', 'models'), path.join(mws, 'models'), { recursive: true });
  const planFile = path.join(ctx.root, 'big-plan.explain.txt');
  writeFileSync(planFile, bigPlan());
  let mapReference: string | undefined;
  const dagCache = path.join(ctx.cacheHome, 'daglens', 'dag', workspaceKey(mws));
  const mappings = (stdout: string) => JSON.stringify((JSON.parse(stdout) as { mappings: unknown }).mappings);

  const cases = opts.only !== undefined ? [opts.only] : Array.from({ length: opts.cases }, (_, k) => k);
  for (const k of cases) {
    const rng = Rng.forCase(ctx.seed, 'storage', k);
    // The first cases cover every kind; the rest are drawn.
    const order: Kind[] = ['index', 'llm', 'map', 'chat', 'index-pair', 'llm-pair'];
    const kind: Kind =
      k < order.length
        ? order[k]
        : rng.weighted<Kind>({ index: 40, 'index-pair': 5, llm: 20, 'llm-pair': 8, map: 15, chat: 12 });
    stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
    let what: string = kind;
    const problem = (kindOf: 'lost' | 'check' | 'crash', why: string) =>
      ctx.fail({ area: 'storage', case: k, kind: kindOf, what, why });
    let ok = true;
    const fail = (kindOf: 'lost' | 'check' | 'crash', why: string) => {
      ok = false;
      problem(kindOf, why);
    };
    try {
      if (kind === 'index' || kind === 'index-pair') {
        const update = existsSync(path.join(idxDir, 'index.dlx')) && rng.chance(0.6);
        if (update) {
          // An update: some files change, one appears, one goes.
          const files = readdirSync(path.join(iws, 'tpcds')).filter((n) => n.endsWith('.sql'));
          for (let i = 0; i < 5; i++)
            appendFileSync(
              path.join(iws, 'tpcds', rng.pick(files)),
              `\n-- edit ${k}.${i}\nselect ${k} as edit_${i};\n`,
            );
          writeFileSync(path.join(iws, `new_${k}.sql`), `select * from orders_${k};\n`);
          const gone = readdirSync(iws).filter((n) => /^new_\d+\.sql$/.test(n) && n !== `new_${k}.sql`);
          if (gone.length) rmSync(path.join(iws, rng.pick(gone)));
        }
        if (kind === 'index-pair') {
          // Two writers on one index folder at once (the editor and a CLI run): both finish, the index is good.
          what = 'two `daglens index` runs on one folder at once';
          const [a, b] = await Promise.all([
            cli('index', '--workspace', iws, '--index-dir', idxDir),
            cli('index', '--workspace', iws, '--index-dir', idxDir),
          ]);
          for (const r of [a, b])
            if (classifyCli(r).verdict !== 'ok' || r.code !== 0)
              fail('crash', `a concurrent run failed: ${r.code} ${r.stderr.trim().slice(0, 300)}`);
          f.pairs++;
        } else {
          const typical = update ? durations.update : durations.cold;
          const delay = rng.int(Math.round(typical * 1.15));
          what = `kill -9 \`daglens index\` (${update ? 'update' : existsSync(path.join(idxDir, 'index.dlx')) ? 'no-op' : 'cold'}) after ${delay} ms`;
          const t0 = Date.now();
          const r = await killedRun([ctx.cli, 'index', '--workspace', iws, '--index-dir', idxDir], env, delay, false);
          if (!r.killed) durations[update ? 'update' : 'cold'] = Math.max(300, Date.now() - t0);
          f.kills++;
        }
        const next = await cli('index', '--workspace', iws, '--index-dir', idxDir, '--json', '--verbose');
        if (next.code !== 0)
          fail('crash', `the next run failed: exit ${next.code}: ${next.stderr.trim().slice(0, 400)}`);
        else {
          if (/not used \(/.test(next.stderr)) f.rebuilt++;
          if (/rebuilding it from the saved vectors|vector graph rebuilt/.test(next.stderr)) {
            f.graphRebuilds++;
            fail(
              'check',
              `the vector graph was rebuilt after the kill: ${next.stderr.match(/.*(rebuilding it|graph rebuilt).*/)?.[0]}`,
            );
          }
          const left = temps(idxDir);
          f.tempsLeft += left.length;
          if (left.length)
            fail('check', `temp files left after the next run: ${left.map((p) => path.basename(p)).join(', ')}`);
          const saved = await lexical(['--index-dir', idxDir]);
          const fresh = await lexical(['--no-save']);
          if (saved !== fresh)
            fail(
              'lost',
              `the saved index answers differently from a fresh one:\n${saved.slice(0, 300)}\nvs\n${fresh.slice(0, 300)}`,
            );
        }
      } else if (kind === 'llm' || kind === 'llm-pair') {
        const dir = path.join(ctx.root, 'storage-llm');
        const writers = kind === 'llm-pair' ? 2 : 1;
        const delay = rng.range(30, 900);
        what = `kill -9 ${writers} LLM cache/ledger writer${writers > 1 ? 's' : ''} after ${delay} ms`;
        const runs = await Promise.all(
          Array.from({ length: writers }, (_, w) =>
            killedRun(tsx('llm', dir, `${k}w${w}`), env, delay + w * rng.int(200), true),
          ),
        );
        f.kills += writers;
        const ledger = new Ledger(dir);
        const features = new Set(ledger.all().map((e) => e.feature));
        const cache = new ResponseCache(dir, 3_600_000);
        const explanations = new ExplanationStore(path.join(dir, 'explanations'));
        runs.forEach((r, w) => {
          const id = `${k}w${w}`;
          const missing = acked(r.stdout, 'ledger').filter((i) => !features.has(`fuzz-${id}-${i}`));
          if (missing.length)
            fail('lost', `ledger entries acknowledged but missing: ${missing.slice(0, 5).join(', ')}`);
          for (const i of acked(r.stdout, 'cache')) {
            const v = cache.get<{ text: string }>(`key-${id}-${i}`);
            if (!v || !v.text.startsWith(`answer ${id} ${i}`))
              fail('lost', `cache entry ${i} acknowledged but ${v ? 'wrong' : 'missing'}`);
          }
          for (const i of acked(r.stdout, 'explanation'))
            if (explanations.get(`h${id}x${i}`)?.summary !== `summary ${i}`)
              fail('lost', `explanation ${i} acknowledged but missing`);
        });
        // A torn last line is skipped, and the next entry still lands whole on a line of its own.
        if (ledger.damagedLines > writers)
          fail('check', `${ledger.damagedLines} unreadable ledger lines (at most one torn line per killed writer)`);
        const before = ledger.all().length;
        ledger.add({
          feature: `after-${k}`,
          provider: 'p',
          model: 'm',
          outcome: 'ok',
          promptTokens: 1,
          completionTokens: 1,
          costUsd: 0,
          latencyMs: 0,
        });
        const reread = new Ledger(dir).all();
        if (reread.length !== before + 1 || reread[reread.length - 1].feature !== `after-${k}`)
          fail('lost', 'an entry appended after the kill was not read back whole');
        // Whatever is on disk, the cache answers with a stored value or nothing.
        const responses = path.join(dir, 'responses');
        for (const sub of existsSync(responses) ? readdirSync(responses) : []) {
          for (const n of readdirSync(path.join(responses, sub))) {
            if (!n.endsWith('.json')) continue;
            const v = new ResponseCache(dir, 3_600_000).get<{ text?: unknown }>(n.slice(0, -5));
            if (v !== undefined && typeof v.text !== 'string') {
              f.garbageServed++;
              fail('check', `the cache served garbage for ${n}`);
            }
          }
        }
        const left = temps(dir).filter((p) => !/explanations/.test(p));
        f.tempsLeft += left.length;
        if (left.length)
          fail(
            'check',
            `temp files left after a new process used the cache: ${left.map((p) => path.basename(p)).join(', ')}`,
          );
      } else if (kind === 'map') {
        if (!mapReference) {
          const ref = await cli('map', '--dag', planFile, '--workspace', mws, '--no-cache', '--json');
          if (ref.code !== 0) throw new Error(`reference mapping failed: ${ref.stderr}`);
          mapReference = mappings(ref.stdout);
        }
        if (rng.chance(0.3)) rmSync(dagCache, { recursive: true, force: true });
        const delay = rng.range(50, 2500);
        what = `kill -9 \`daglens map\` (10,001 operators) after ${delay} ms`;
        await killedRun([ctx.cli, 'map', '--dag', planFile, '--workspace', mws, '--json'], env, delay, false);
        f.kills++;
        const again = await cli('map', '--dag', planFile, '--workspace', mws, '--json');
        if (again.code !== 0) fail('crash', `the next map failed: ${again.stderr.trim().slice(0, 300)}`);
        else if (mappings(again.stdout) !== mapReference)
          fail('lost', 'the mapping after the kill differs from an uninterrupted one');
        const left = temps(dagCache);
        f.tempsLeft += left.length;
        if (left.length)
          fail('check', `temp files left in the DAG cache: ${left.map((p) => path.basename(p)).join(', ')}`);
      } else {
        const file = path.join(ctx.root, 'storage-chat', `state-${k % 3}.json`);
        mkdirSync(path.dirname(file), { recursive: true });
        const delay = rng.range(20, 800);
        what = `kill -9 a chat history writer after ${delay} ms`;
        const r = await killedRun(tsx('chat', file, String(k)), env, delay, true);
        f.kills++;
        const problems: string[] = [];
        const state = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
        const memento = {
          get: (key: string) => state[key],
          update: () => Promise.resolve(),
          keys: () => Object.keys(state),
        } as unknown as vscode.Memento;
        const turns = loadHistory(memento, (m) => problems.push(m));
        if (problems.length) fail('check', `the saved history did not load cleanly: ${problems.join('; ')}`);
        if (turns.some((t) => t.status === 'streaming'))
          fail('check', 'a turn saved mid-stream was not marked stopped');
        const last = acked(r.stdout, 'turn').pop();
        if (last !== undefined && !turns.some((t) => t.id === `a${k}-${last}` && t.status === 'done'))
          fail('lost', `turn ${last} was saved but is missing`);
      }
    } catch (e) {
      fail('crash', `the check itself failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (ok && kind !== 'index-pair') f.survived += kind === 'llm-pair' ? 2 : 1;
    stats.cases++;
    progress('storage', stats.cases, cases.length, `kills ${f.kills}`);
  }
  stats.figures.kills = f.kills;
  stats.figures['kills survived'] = f.survived;
  stats.figures['data lost'] = ctx.failures.filter((x) => x.area === 'storage' && x.kind === 'lost').length;
  stats.figures['rebuilt with a reason'] = f.rebuilt;
  stats.figures['graph rebuilds after a kill'] = f.graphRebuilds;
  stats.figures['temp files left'] = f.tempsLeft;
  stats.figures['garbage served'] = f.garbageServed;
  stats.figures['concurrent index runs'] = f.pairs;
  stats.ms += Date.now() - started;
}
