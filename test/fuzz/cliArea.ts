/**
 * The CLI area: each case runs dist/cli.js on a mutated input — `map --dag` on plans, plan JSON, REST answers,
 * JSON DAGs and manifests; `runs` on event logs (plain, gzip, or damaged compressed bytes) and REST answers;
 * `symbols`, `lineage`, `index` + `search`, `impact` on workspaces of mutated SQL, Python, Scala and YAML; and
 * arbitrary argument vectors. A case passes when the process exits 0, or 2 with one line saying what is wrong.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { CORPORA, REPO } from '../helpers';
import { type FuzzContext, progress } from './context';
import { fragments, seeds, EXTENSION, SHAPE, type Category } from './inputs';
import { mutate } from './mutate';
import { classifyCli, runNode } from './proc';
import { Rng } from './rng';
import { e2eApp, FakeHistoryServer, type FakeApp, type Fault } from '../fake-history-server/server';

/** History Server faults a `runs --history-server` case scripts on one path. */
function shsFault(rng: Rng): Fault {
  switch (rng.int(6)) {
    case 0:
      return { type: 'status', status: rng.pick([404, 500, 503, 401]) };
    case 1:
      return { type: 'stall', bytes: rng.int(200) };
    case 2:
      return { type: 'cut', bytes: rng.int(500) };
    case 3:
      return { type: 'html', status: rng.pick([200, 502]) };
    case 4:
      return { type: 'delay', ms: rng.int(300) };
    default:
      return {
        type: 'body',
        body: rng.pick(['{', '[]', 'null', '{"id": 1}', '[{"id": "x"}]', 'not json', '\uFEFF[]']),
        contentType: 'application/json',
      };
  }
}

export interface AreaOptions {
  cases: number;
  /** Run only this case number (a repro). */
  only?: number;
  concurrency: number;
  /** Where failing inputs are kept. */
  keepDir: string;
}

type Kind = 'map' | 'runs' | 'shs' | 'source' | 'argv' | 'huge';

const MAP_CATEGORIES: Category[] = [
  'planText',
  'planText',
  'planFormatted',
  'planJson',
  'restAnswer',
  'dagJson',
  'manifest',
  'eventLog',
];
const SOURCE_CATEGORIES: Category[] = ['sql', 'sql', 'python', 'python', 'scala', 'yaml'];

/** A small workspace to map against: fast to scan, so cases stay cheap. */
function mapWorkspace(ctx: FuzzContext): string {
  const ws = ctx.dir('cli-ws');
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop', 'models'), path.join(ws, 'models'), { recursive: true });
  mkdirSync(path.join(ws, 'tpcds'), { recursive: true });
  for (const q of ['query03', 'query05', 'query19', 'query36', 'query42', 'query48']) {
    cpSync(path.join(CORPORA, 'spark-tpcds', 'spark3', 'queries', `${q}.sql`), path.join(ws, 'tpcds', `${q}.sql`));
  }
  cpSync(path.join(CORPORA, 'spark-eventlogs', 'code'), path.join(ws, 'runs-code'), { recursive: true });
  return ws;
}

const WORDS = [
  'map',
  'runs',
  'symbols',
  'lineage',
  'impact',
  'ask',
  'explain',
  'stats',
  'index',
  'search',
  'help',
  '--help',
  '-h',
  '--version',
  'bogus',
  '',
];
const FLAGS = [
  '--dag',
  '--workspace',
  '-w',
  '--json',
  '--no-cache',
  '--max-parallel',
  '--index-dir',
  '--max-file-bytes',
  '--exclude',
  '--workers',
  '--k',
  '--lang',
  '--glob',
  '--file',
  '--lines',
  '--query',
  '--upstream',
  '--model',
  '--base-url',
  '--max-cost',
  '--no-llm',
  '--llm',
  '-e',
  '--app',
  '--history-server',
  '--verbose',
  '--no-save',
  '--bogus',
  '--',
  '-',
];

function argValue(rng: Rng, ctx: FuzzContext, ws: string, caseDir: string): string {
  return rng.pick([
    ws,
    caseDir,
    path.join(caseDir, 'nope'),
    '/proc/daglens-fuzz',
    '/proc/self/mem',
    '/dev/null',
    '/',
    '../outside/secret_orders.sql',
    '../../outside',
    '',
    '0',
    '-1',
    '1e99',
    'NaN',
    'ten',
    '2-1',
    '1-',
    '999999999999',
    '\u0000',
    'x'.repeat(5000),
    '**/*',
    '[',
    'models/**',
    'http://127.0.0.1:9/',
    'file:///etc/passwd',
    path.join(REPO, 'package.json'),
    String(rng.wildNumber()),
  ]);
}

function randomArgv(rng: Rng, ctx: FuzzContext, ws: string, caseDir: string): string[] {
  const argv = [rng.pick(WORDS)];
  for (let i = rng.int(7); i > 0; i--) {
    if (rng.chance(0.7)) argv.push(rng.pick(FLAGS));
    if (rng.chance(0.7)) argv.push(argValue(rng, ctx, ws, caseDir));
  }
  // Commands that reach the network need a base URL nobody listens on: a case must never wait for a real server.
  if (argv.includes('--history-server')) argv.push('--history-server', 'http://127.0.0.1:9/');
  return argv.filter((a) => !a.includes('\u0000'));
}

export async function cliArea(ctx: FuzzContext, opts: AreaOptions): Promise<void> {
  const stats = ctx.area('cli');
  const started = Date.now();
  const ws = mapWorkspace(ctx);
  const all = seeds();
  const frags = fragments();
  const cases = opts.only !== undefined ? [opts.only] : Array.from({ length: opts.cases }, (_, k) => k);
  const env = ctx.env();
  let next = 0;
  let done = 0;
  let shsApp: FakeApp | undefined;
  const servers = new Set<FakeHistoryServer>();

  const runCase = async (k: number) => {
    const rng = Rng.forCase(ctx.seed, 'cli', k);
    const kind = rng.weighted<Kind>({ map: 43, runs: 15, shs: 5, source: 27, argv: 9.7, huge: 0.3 });
    const caseDir = path.join(ctx.root, 'cli-cases', String(k));
    rmSync(caseDir, { recursive: true, force: true });
    mkdirSync(caseDir, { recursive: true });
    let args: string[];
    let what: string;
    const write = (category: Category, maxBytes: number, name = `input${EXTENSION[category]}`) => {
      const seed = rng.pick(all.get(category)!);
      const { bytes, ops } = mutate(seed.bytes, SHAPE[category], rng, { maxBytes, fragments: frags });
      const file = path.join(caseDir, name);
      writeFileSync(file, bytes);
      return { file, desc: `${category} from ${seed.origin} [${ops.join(', ')}] (${bytes.length} bytes)` };
    };
    switch (kind) {
      case 'map': {
        const category = rng.pick(MAP_CATEGORIES);
        const { file, desc } = write(category, 3_000_000, category === 'eventLog' ? 'app-1.log' : undefined);
        args = ['map', '--dag', file, '--workspace', ws];
        if (rng.chance(0.75)) args.push('--no-cache');
        if (rng.chance(0.5)) args.push('--json');
        if (rng.chance(0.1)) args.push('--max-parallel', String(rng.range(1, 16)));
        what = `map ${desc}`;
        stats.byKind[`map:${category}`] = (stats.byKind[`map:${category}`] ?? 0) + 1;
        break;
      }
      case 'runs': {
        const category: Category = rng.chance(0.8) ? 'eventLog' : 'restAnswer';
        let { file, desc } = write(category, 3_000_000, category === 'eventLog' ? `app-${k}` : undefined);
        if (category === 'eventLog' && rng.chance(0.25)) {
          // A compressed log: mutated before compression, or (half the time) its compressed bytes damaged.
          let gz = zlib.gzipSync(readFileSync(file));
          if (rng.chance(0.5)) {
            gz = Buffer.from(gz);
            for (let i = rng.range(1, 6); i > 0; i--) gz[rng.int(gz.length)] ^= 1 << rng.int(8);
            if (rng.chance(0.5)) gz = gz.subarray(0, rng.int(gz.length));
          }
          rmSync(file);
          file += '.gz';
          writeFileSync(file, gz);
          desc += ' gzipped';
        }
        args = ['runs', file, '--workspace', ws, '--no-cache'];
        if (rng.chance(0.5)) args.push('--json');
        if (rng.chance(0.2)) args.push('-e', String(rng.int(12)));
        what = `runs ${desc}`;
        stats.byKind[`runs:${category}`] = (stats.byKind[`runs:${category}`] ?? 0) + 1;
        break;
      }
      case 'shs': {
        // A live History Server (the tests' fake) answering with faults, or with executions fuzzed like a saved answer.
        const app = (shsApp ??= await e2eApp());
        let body: string | undefined;
        if (rng.chance(0.5)) {
          const { bytes, ops } = mutate(Buffer.from(JSON.stringify(app.executions)), 'json', rng, {
            maxBytes: 2_000_000,
            fragments: frags,
          });
          // Served as the mutation left the bytes: parsing and re-serialising here would choke on what the case
          // is meant to try (a nesting deeper than JSON.stringify's stack) and drop every non-JSON mutation.
          body = bytes.toString('utf8');
          stats.byKind['shs:mutated executions'] = (stats.byKind['shs:mutated executions'] ?? 0) + 1;
          what = `runs --history-server (executions [${ops.join(', ')}])`;
        } else what = 'runs --history-server';
        const shs = await FakeHistoryServer.start([app]);
        servers.add(shs);
        if (body !== undefined) shs.fault(/\/sql$/, { type: 'body', body, contentType: 'application/json' }, Infinity);
        const paths = ['/applications', `/applications/${app.info.id}`, '/sql', /\/sql\/\d+/, /\/sql\b/];
        for (let i = rng.int(3); i > 0; i--) {
          const fault = shsFault(rng);
          shs.fault(rng.pick(paths), fault, rng.pick([1, 2, Infinity]));
          what += ` ${fault.type}`;
        }
        args = ['runs', '--history-server', shs.url, '--workspace', ws, '--no-cache', '--timeout', '2'];
        if (rng.chance(0.8)) args.push('--app', rng.chance(0.9) ? app.info.id : 'app-nope');
        if (rng.chance(0.5)) args.push('--json');
        if (rng.chance(0.2)) args.push('-e', String(rng.int(12)));
        stats.byKind.shs = (stats.byKind.shs ?? 0) + 1;
        break;
      }
      case 'source': {
        const sws = path.join(caseDir, 'ws');
        mkdirSync(path.join(sws, 'models'), { recursive: true });
        const descs: string[] = [];
        for (let i = rng.range(1, 3); i > 0; i--) {
          const category = rng.pick(SOURCE_CATEGORIES);
          const seed = rng.pick(all.get(category)!);
          const { bytes, ops } = mutate(seed.bytes, SHAPE[category], rng, { maxBytes: 1_500_000, fragments: frags });
          writeFileSync(path.join(sws, i % 2 ? 'models' : '', `f${i}${EXTENSION[category]}`), bytes);
          descs.push(`${category} from ${seed.origin} [${ops.join(', ')}] (${bytes.length} bytes)`);
          stats.byKind[`source:${category}`] = (stats.byKind[`source:${category}`] ?? 0) + 1;
        }
        const cmd = rng.weighted({ symbols: 35, lineage: 30, index: 20, impact: 10, search: 5 });
        args =
          cmd === 'index'
            ? ['index', '--workspace', sws, '--index-dir', path.join(caseDir, 'idx')]
            : cmd === 'search'
              ? [
                  'search',
                  rng.pick(['orders', 'customer revenue', 'select', '*', '"']),
                  '--workspace',
                  sws,
                  '--index-dir',
                  path.join(caseDir, 'idx'),
                ]
              : cmd === 'impact'
                ? [
                    'impact',
                    rng.pick(['orders', 'raw_orders', 'stg_customers.customer_id', 'main.x', '']),
                    '--workspace',
                    sws,
                  ]
                : [cmd, '--workspace', sws];
        if (rng.chance(0.5)) args.push('--json');
        if (rng.chance(0.1)) args.push('--max-file-bytes', String(rng.pick([1, 100, 10_000, 2_000_000])));
        what = `${cmd} on ${descs.join('; ')}`;
        break;
      }
      case 'huge': {
        // Files of tens of MB: bounded time and memory, a clear answer.
        const category = rng.pick<Category>(['planText', 'planJson', 'dagJson', 'eventLog', 'sql']);
        const seed = rng.pick(all.get(category)!);
        const target = rng.pick([20e6, 50e6, 100e6]);
        const reps = Math.max(1, Math.ceil(target / seed.bytes.length));
        const file = path.join(caseDir, `huge${EXTENSION[category] || '.log'}`);
        writeFileSync(file, Buffer.concat(Array.from({ length: reps }, () => seed.bytes)).subarray(0, target));
        args =
          category === 'eventLog'
            ? ['runs', file, '--workspace', ws, '--no-cache', '--json']
            : category === 'sql'
              ? ['symbols', '--workspace', caseDir, '--max-file-bytes', '200000000']
              : ['map', '--dag', file, '--workspace', ws, '--no-cache', '--json'];
        what = `huge ${category} (${(target / 1e6).toFixed(0)} MB) from ${seed.origin}`;
        stats.byKind[`huge:${category}`] = (stats.byKind[`huge:${category}`] ?? 0) + 1;
        break;
      }
      default: {
        args = randomArgv(rng, ctx, ws, caseDir);
        what = `argv ${JSON.stringify(args).slice(0, 300)}`;
        stats.byKind.argv = (stats.byKind.argv ?? 0) + 1;
      }
    }
    const r = await runNode([ctx.cli, ...args], {
      env,
      cwd: caseDir,
      rssFile: path.join(caseDir, '.rss'),
      maxOutput: 4_000_000,
    });
    ctx.scan(r.stdout, `cli case ${k} stdout`);
    ctx.scan(r.stderr, `cli case ${k} stderr`);
    if (r.stdout.includes(ctx.secret) || r.stderr.includes(ctx.secret)) {
      ctx.fail({
        area: 'cli',
        case: k,
        kind: 'leak',
        what,
        why: 'the content of a file outside the workspace was shown',
      });
    }
    stats.cases++;
    if (r.peakMb && r.peakMb > stats.peakMb) {
      stats.peakMb = r.peakMb;
      stats.figures['peak RSS case'] = `${what.slice(0, 90)} → ${args[0]}`;
    }
    const v = classifyCli(r);
    if (v.verdict !== 'ok') {
      const keep = path.join(opts.keepDir, `cli-${k}`);
      rmSync(keep, { recursive: true, force: true });
      mkdirSync(path.dirname(keep), { recursive: true });
      cpSync(caseDir, keep, { recursive: true });
      writeFileSync(
        path.join(keep, 'result.txt'),
        `daglens ${args.join(' ')}\nexit ${r.code} signal ${r.signal} ${r.ms} ms\n--- stderr\n${r.stderr}\n--- stdout\n${r.stdout.slice(0, 100_000)}\n`,
      );
      ctx.fail({
        area: 'cli',
        case: k,
        kind: v.verdict === 'hang' ? 'hang' : 'crash',
        what,
        why: `${v.why} · daglens ${args.map((a) => (a.length > 80 ? `${a.slice(0, 80)}…` : a)).join(' ')} (input kept in ${keep})`,
      });
    }
    rmSync(caseDir, { recursive: true, force: true });
    for (const s of servers)
      if (s.url && args.includes(s.url)) {
        servers.delete(s);
        await s.close();
      }
    progress('cli', ++done, cases.length, `peak ${stats.peakMb.toFixed(0)} MB`);
  };

  await Promise.all(
    Array.from({ length: Math.max(1, opts.concurrency) }, async () => {
      while (next < cases.length) await runCase(cases[next++]);
    }),
  );
  stats.ms += Date.now() - started;
}
