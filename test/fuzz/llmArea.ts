/**
 * The LLM-fault area, through the fake OpenAI server (test/fake-openai): 429 storms, 500s, hangs, streams cut
 * short, garbage and HTML bodies, huge answers, structured replies that are not the JSON asked for — under a
 * small job budget and hourly cap. Through the CLI (`ask`, `map --llm`, two `ask`s at once on one ledger) and
 * the language server (`daglens/ask` streamed and cancelled, `daglens/explainSymbol`, `daglens/mapDag`). Each
 * job must end in a clear state (an answer, or the offline result with its reason, or a clean error), leave no
 * request running at the fake, and the spend ledger must never hold more than the hourly cap in any hour.
 */
import path from 'node:path';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { CORPORA } from '../helpers';
import { FakeOpenAI, type Reply as FakeReply } from '../fake-openai/server';
import type { AreaOptions } from './cliArea';
import { type FuzzContext, progress } from './context';
import { LspDriver, uriOf, type Reply } from './lspDriver';
import { classifyCli, INTERNAL_STDERR, runNode } from './proc';
import { Rng } from './rng';

const CAP = { maxJobCostUsd: 0.004, maxHourlyCostUsd: 0.02 };

type Fault =
  'ok' | 'storm429' | 'server500' | 'hang' | 'cut' | 'html' | 'garbage' | 'huge' | 'wrongJson' | 'empty' | 'slow';

function faultReplies(f: Fault, rng: Rng): FakeReply[] {
  switch (f) {
    case 'storm429':
      return Array.from(
        { length: rng.range(2, 12) },
        () => ({ type: 'status', status: 429, headers: { 'retry-after-ms': String(rng.int(50)) } }) as FakeReply,
      );
    case 'server500':
      return Array.from(
        { length: rng.range(1, 6) },
        () => ({ type: 'status', status: rng.pick([500, 502, 503]) }) as FakeReply,
      );
    case 'hang':
      return [{ type: 'hang' }];
    case 'cut':
      return [{ type: 'broken-stream', content: rng.pick(['The orders mo', '{"candidate": 1, "conf', '']) }];
    case 'html':
      return [{ type: 'html', status: rng.pick([200, 502]) }];
    case 'garbage':
      return [
        rng.pick<FakeReply>([
          { type: 'status', status: 200, body: 'not json at all', contentType: 'application/json' },
          { type: 'status', status: 200, body: '{"choices": "nope"}', contentType: 'application/json' },
          { type: 'status', status: 200, body: '{"id": 1}', contentType: 'application/json' },
          {
            type: 'status',
            status: 200,
            body: 'data: {"garbage": true}\n\ndata: [DONE]\n\n',
            contentType: 'text/event-stream',
          },
          { type: 'status', status: 400, body: '<<<>>>' },
        ]),
      ];
    case 'huge':
      return [
        { type: 'answer', content: 'word '.repeat(rng.pick([20_000, 400_000, 2_000_000])), chunks: rng.pick([4, 200]) },
      ];
    case 'wrongJson':
      return [
        rng.pick<FakeReply>([
          { type: 'answer', content: '{"candidate": "first", "confidence": 2}' },
          { type: 'answer', content: '[1,2,3]' },
          { type: 'answer', content: '```json\n{"candidate":' },
          { type: 'answer', content: { summary: 42 } },
          { type: 'answer', content: 'Sure! Here is the JSON you asked for.' },
        ]),
      ];
    case 'empty':
      return [{ type: 'answer', content: '' }];
    case 'slow':
      return [{ type: 'answer', content: 'The orders model [1].', chunks: 5, chunkDelayMs: rng.range(50, 400) }];
    default:
      return [
        {
          type: 'answer',
          content: rng.pick([
            'The orders model builds it [1].',
            '{"candidate": 1, "confidence": 0.9, "explanation": "the filter"}',
            'Summary: it joins orders and payments.',
          ]),
        },
      ];
  }
}

/** Cost in every rolling hour of a ledger never exceeds the cap (entries are time-ordered appends). */
function overCap(file: string, capUsd: number): number {
  if (!existsSync(file)) return 0;
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        const e = JSON.parse(l) as { t: number; costUsd: number };
        return typeof e.t === 'number' && typeof e.costUsd === 'number' ? [e] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.t - b.t);
  let over = 0;
  let lo = 0;
  let sum = 0;
  for (const e of entries) {
    sum += e.costUsd;
    while (entries[lo].t < e.t - 3_600_000) sum -= entries[lo++].costUsd;
    if (sum > capUsd + 1e-9) over++;
  }
  return over;
}

function ledgers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const n of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, n.name);
    if (n.isDirectory()) out.push(...ledgers(p));
    else if (n.name === 'ledger.jsonl') out.push(p);
  }
  return out;
}

export async function llmArea(ctx: FuzzContext, opts: AreaOptions): Promise<void> {
  const stats = ctx.area('llm');
  const started = Date.now();
  const fake = await FakeOpenAI.start({ apiKey: ctx.apiKey });
  const ws = ctx.dir('llm-ws');
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop', 'models'), path.join(ws, 'models'), { recursive: true });
  cpSync(path.join(CORPORA, 'spark-tpcds', 'spark3', 'queries', 'query42.sql'), path.join(ws, 'query42.sql'));
  const plan = path.join(CORPORA, 'spark-tpcds', 'spark3', 'plans', 'query42.explain.txt');
  const env = ctx.env({
    OPENAI_BASE_URL: fake.url,
    DAGLENS_LLM_MODEL: 'gpt-4o-mini',
    DAGLENS_LLM_MAX_HOURLY_COST_USD: String(CAP.maxHourlyCostUsd),
    DAGLENS_LLM_MAX_JOB_COST_USD: String(CAP.maxJobCostUsd),
  });
  const storage = ctx.dir('llm-storage');
  const settings = {
    llm: { model: 'gpt-4o-mini', baseUrl: fake.url, timeoutMs: 1500, maxRetries: 2, requestsPerMinute: 6000, ...CAP },
  };
  let server: LspDriver | undefined;
  const f = { leftRunning: 0, refusedByBudget: 0, offline: 0, answered: 0, errors: 0 };
  const cases = opts.only !== undefined ? [opts.only] : Array.from({ length: opts.cases }, (_, k) => k);

  /** Nothing may still be talking to the provider once a job ended. */
  const settled = async (k: number, what: string) => {
    const until = Date.now() + 3000;
    while (fake.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    if (fake.inFlight > 0) {
      f.leftRunning++;
      ctx.fail({
        area: 'llm',
        case: k,
        kind: 'check',
        what,
        why: `${fake.inFlight} request(s) to the provider still open after the job ended`,
      });
    }
  };

  try {
    for (const k of cases) {
      const rng = Rng.forCase(ctx.seed, 'llm', k);
      const via = rng.weighted({ cliAsk: 30, cliMap: 12, cliPair: 8, lspAsk: 30, lspExplain: 10, lspMap: 10 });
      const fault = rng.weighted<Fault>({
        ok: 12,
        storm429: 12,
        server500: 12,
        hang: via.startsWith('lsp') ? 10 : 0,
        cut: 10,
        html: 8,
        garbage: 10,
        huge: 8,
        wrongJson: 10,
        empty: 4,
        slow: 6,
      });
      const what = `${via} with ${fault}`;
      stats.byKind[via] = (stats.byKind[via] ?? 0) + 1;
      stats.byKind[`fault:${fault}`] = (stats.byKind[`fault:${fault}`] ?? 0) + 1;
      fake.clear();
      fake.reply(...faultReplies(fault, rng));
      if (via.startsWith('cli')) {
        const ask = () =>
          runNode(
            [
              ctx.cli,
              'ask',
              rng.pick(['where is revenue computed?', 'what reads stg_orders?', 'explain orders']),
              '--workspace',
              ws,
              ...(rng.chance(0.3) ? ['--json'] : []),
            ],
            { env },
          );
        const results =
          via === 'cliPair'
            ? await Promise.all([ask(), ask()])
            : via === 'cliMap'
              ? [
                  await runNode([ctx.cli, 'map', '--dag', plan, '--workspace', ws, '--llm', '--no-cache', '--json'], {
                    env,
                    maxOutput: 20_000_000,
                  }),
                ]
              : [await ask()];
        for (const r of results) {
          ctx.scan(r.stdout + r.stderr, `llm case ${k}`);
          const v = classifyCli(r);
          if (v.verdict !== 'ok')
            ctx.fail({ area: 'llm', case: k, kind: v.verdict === 'hang' ? 'hang' : 'crash', what, why: v.why ?? '' });
          if (/budget|cap of/.test(r.stdout + r.stderr)) f.refusedByBudget++;
          if (/No model answered|offline/.test(r.stdout + r.stderr)) f.offline++;
          else if (r.code === 0) f.answered++;
        }
      } else {
        server ??= await (async () => {
          const d = new LspDriver({ workspace: ws, settings, env: ctx.env(), storage, markers: [ctx.apiKey] });
          await d.initialize();
          await d.ready();
          return d;
        })();
        const d = server;
        let r: Reply;
        if (via === 'lspAsk') {
          const { id, reply } = d.request('daglens/ask', {
            question: rng.pick(['where is revenue computed?', 'which models read orders?']),
            streamId: `s${k}`,
            uri: uriOf(path.join(ws, 'models', 'marts', 'orders.sql')),
          });
          if (rng.chance(0.25)) {
            await new Promise((res) => setTimeout(res, rng.int(300)));
            d.cancel(id);
          }
          r = await reply;
        } else if (via === 'lspExplain') {
          r = await d.ask('daglens/explainSymbol', {
            uri: uriOf(path.join(ws, 'models', 'marts', 'orders.sql')),
            line: rng.int(30),
          });
        } else {
          r = await d.ask('daglens/mapDag', { uri: uriOf(plan) });
        }
        if (r.hung) ctx.fail({ area: 'llm', case: k, kind: 'hang', what, why: 'no answer within 30 s' });
        else if (r.gone) {
          ctx.fail({
            area: 'llm',
            case: k,
            kind: 'crash',
            what,
            why: `the server exited: ${d.stderr.join('').slice(-400)}`,
          });
          server = undefined;
        } else if (r.error) {
          f.errors++;
          // A clean error names an LLM failure (its kind in data), a cancellation, or the input — never our internals.
          const clean =
            (r.error.data as { kind?: string } | undefined)?.kind ||
            r.error.code === -32800 ||
            r.error.code === -32602 ||
            r.error.code === -32600;
          if (!clean || INTERNAL_STDERR.test(r.error.message))
            ctx.fail({
              area: 'llm',
              case: k,
              kind: 'crash',
              what,
              why: `error ${r.error.code}: ${r.error.message.slice(0, 300)}`,
            });
          if (/budget|cap of/.test(r.error.message)) f.refusedByBudget++;
        } else {
          const res = r.result as { offline?: boolean; reason?: string } | null;
          if (res?.offline) f.offline++;
          else f.answered++;
          if (res?.reason && INTERNAL_STDERR.test(res.reason))
            ctx.fail({ area: 'llm', case: k, kind: 'crash', what, why: `reason shows internals: ${res.reason}` });
        }
        for (const leak of d.leaks.splice(0)) ctx.leaks.push(`llm lsp case ${k}: ${leak.replace(ctx.apiKey, '<KEY>')}`);
        if (d.uncaught.length)
          ctx.fail({ area: 'llm', case: k, kind: 'crash', what, why: d.uncaught.splice(0).join('\n').slice(0, 400) });
      }
      await settled(k, what);
      stats.cases++;
      progress('llm', stats.cases, cases.length, `over cap 0`);
    }
  } finally {
    if (server) {
      stats.peakMb = server.rss().peakMb;
      await server.shutdown().catch(() => server?.kill());
    }
    await fake.close();
  }
  // Every ledger the area wrote (the CLI's in the run's user cache, the server's in its storage folder).
  let over = 0;
  for (const file of [...ledgers(path.join(ctx.cacheHome, 'daglens', 'llm')), ...ledgers(storage)])
    over += overCap(file, CAP.maxHourlyCostUsd);
  if (over)
    ctx.fail({
      area: 'llm',
      case: -1,
      kind: 'cap',
      what: 'ledger',
      why: `${over} ledger entries took an hour's spend over the cap of $${CAP.maxHourlyCostUsd}`,
    });
  stats.figures['ledger over cap'] = over;
  stats.figures['requests left running'] = f.leftRunning;
  stats.figures['refused by budget'] = f.refusedByBudget;
  stats.figures['offline answers'] = f.offline;
  stats.figures.answered = f.answered;
  stats.figures['clean errors'] = f.errors;
  stats.figures['provider requests'] = fake.requests.length;
  stats.ms += Date.now() - started;
}
