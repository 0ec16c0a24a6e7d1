/**
 * The LSP area: one language server (dist/server.js --stdio) takes every case of the run, so a leak or a slow
 * creep shows in its peak RSS. Cases open mutated documents and query them (symbols, lenses and their
 * resolution, hovers, definitions, lineage, impact, DAG mapping, search) with in- and out-of-range edits; send
 * wrong parameters to every method, unknown methods, malformed JSON-RPC bodies, cancellations mid-flight, bursts
 * of a thousand edits in a second, and documents of tens of megabytes. Short-lived servers take what ends a
 * session: broken framing, and requests after shutdown. A case fails when the server dies, logs an uncaught
 * exception, answers with an internal error or an internal message, or leaves a request unanswered for 30 s.
 */
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { type FuzzContext, progress } from './context';
import type { AreaOptions } from './cliArea';
import { fragments, seeds, EXTENSION, LANGUAGE_ID, SHAPE, type Category } from './inputs';
import { LspDriver, uriOf, type Reply } from './lspDriver';
import { mutate } from './mutate';
import { INTERNAL_STDERR } from './proc';
import { Rng } from './rng';
import { FakeOpenAI } from '../fake-openai/server';

export interface LspAreaOptions extends AreaOptions {
  /** With `only`: run cases only..onlyTo on one server (a failure that needs what earlier cases left behind). */
  onlyTo?: number;
  /** The server's resident memory must stay under this (MB) through the whole area. */
  rssLimitMb: number;
  /** Open documents of 10–50 MB first (the full run). */
  hugeDocuments?: boolean;
}

type Kind = 'doc' | 'params' | 'unknown' | 'malformed' | 'cancel' | 'storm' | 'ask' | 'session';

const DOC_CATEGORIES: Category[] = [
  'sql',
  'sql',
  'sql',
  'python',
  'python',
  'scala',
  'yaml',
  'planText',
  'planText',
  'planFormatted',
  'planJson',
  'dagJson',
  'manifest',
  'restAnswer',
  'eventLog',
];

/** Every method the server handles, standard and DagLens's own (protocol/lsp.ts). */
const METHODS = [
  'textDocument/documentSymbol',
  'textDocument/codeLens',
  'codeLens/resolve',
  'textDocument/hover',
  'textDocument/definition',
  'workspace/symbol',
  'daglens/workspaceInfo',
  'daglens/search',
  'daglens/reindex',
  'daglens/lineage',
  'daglens/impact',
  'daglens/mapDag',
  'daglens/runs/open',
  'daglens/runs/execution',
  'daglens/runs/list',
  'daglens/runs/close',
  'daglens/runs/slowest',
  'daglens/llmStats',
  'daglens/ask',
  'daglens/explainSymbol',
  'daglens/llmCheck',
  'daglens/explainAll',
  'daglens/clearLlmCache',
];
const NOTIFICATIONS = [
  'textDocument/didOpen',
  'textDocument/didChange',
  'textDocument/didClose',
  'textDocument/didSave',
  'workspace/didChangeConfiguration',
  'workspace/didChangeWatchedFiles',
  'daglens/setWorkspaceTrust',
  '$/cancelRequest',
  '$/setTrace',
  'initialized',
];
/** Requests that may legitimately take long or change state for the rest of the run: never fuzzed with wild params. */
const HEAVY = new Set(['daglens/reindex', 'daglens/explainAll', 'daglens/clearLlmCache']);

function garbage(rng: Rng, depth = 0, ws = '/'): unknown {
  switch (rng.int(depth > 3 ? 8 : 12)) {
    case 0:
      return null;
    case 1:
      return rng.wildNumber();
    case 2:
      return rng.pick([
        '',
        'x',
        'file:///',
        'file:///nope.sql',
        uriOf(path.join(ws, 'models', 'orders.sql')),
        'untitled:Untitled-1',
        '../../etc/passwd',
        'file:///%00',
        'a'.repeat(rng.int(100_000)),
        '\uD800',
        '{"jsonrpc":"2.0"}',
      ]);
    case 3:
      return rng.chance(0.5);
    case 4:
      return { line: rng.wildNumber(), character: rng.wildNumber() };
    case 5:
      return { uri: garbage(rng, depth + 1, ws) };
    case 6:
      return { textDocument: { uri: garbage(rng, depth + 1, ws) }, position: garbage(rng, depth + 1, ws) };
    case 7:
      return rng.pick([
        {},
        [],
        [[]],
        { query: '' },
        { query: 'x'.repeat(5000) },
        { k: -1, query: 'a' },
        { asset: '' },
        { runId: 'x', executionId: -1 },
      ]);
    default: {
      if (rng.chance(0.5)) return Array.from({ length: rng.int(5) }, () => garbage(rng, depth + 1, ws));
      const o: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--)
        o[
          rng.pick([
            'uri',
            'textDocument',
            'position',
            'query',
            'k',
            'text',
            'question',
            'streamId',
            'path',
            'historyServer',
            'asset',
            'direction',
            'rebuild',
            'line',
            'name',
            'range',
            'id',
            '__proto__',
            'constructor',
          ])
        ] = garbage(rng, depth + 1, ws);
      return o;
    }
  }
}

const MALFORMED = [
  '{',
  '}',
  '[]',
  '[{}]',
  'null',
  '42',
  '"x"',
  '{"jsonrpc":"2.0"}',
  '{"jsonrpc":"2.0","id":1}',
  '{"jsonrpc":"2.0","method":42}',
  '{"jsonrpc":"2.0","id":{},"method":"daglens/workspaceInfo"}',
  '{"jsonrpc":"2.0","id":[1],"method":"textDocument/hover"}',
  '{"jsonrpc":"2.0","id":1.5,"method":"daglens/search","params":{"query":"x"}}',
  '{"jsonrpc":"1.0","id":9,"method":"shutdown"}',
  '{"jsonrpc":"2.0","id":null,"method":"daglens/lineage"}',
  '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":"x"}',
  '{"jsonrpc":"2.0","id":99999999999999999999,"method":"daglens/workspaceInfo"}',
  '{"jsonrpc":"2.0","result":{},"id":123456}',
  '{"jsonrpc":"2.0","error":{"code":1,"message":"x"},"id":77}',
  '\u0000\u0001',
  '\uFEFF{"jsonrpc":"2.0","method":"x"}',
  '{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"nope"}}',
];

export async function lspArea(ctx: FuzzContext, opts: LspAreaOptions): Promise<void> {
  const stats = ctx.area('lsp');
  const started = Date.now();
  const ws = ctx.baseWorkspace('lsp-ws');
  const storage = ctx.dir('lsp-storage');
  const fake = await FakeOpenAI.start({
    apiKey: ctx.apiKey,
    otherwise: () => ({
      type: 'answer',
      content: 'The orders model is built in models/marts/orders.sql [1].',
      chunks: 3,
    }),
  });
  const settings = {
    llm: {
      model: 'gpt-4o-mini',
      baseUrl: fake.url,
      timeoutMs: 4000,
      maxRetries: 1,
      maxJobCostUsd: 0.01,
      maxHourlyCostUsd: 0.05,
      requestsPerMinute: 6000,
    },
    codeLens: { dagMapping: true, lineage: true, runs: true },
  };
  const all = seeds();
  const frags = fragments();
  const cases =
    opts.only !== undefined
      ? Array.from({ length: Math.max(1, (opts.onlyTo ?? opts.only) - opts.only + 1) }, (_, i) => opts.only! + i)
      : Array.from({ length: opts.cases }, (_, k) => k);
  let server: LspDriver | undefined;
  let serverPeak = 0;
  let restarts = 0;
  let stormWorstMs = 0;
  let storms = 0;
  let hugeWorstMs = 0;
  let open: string[] = [];
  let reported = 0;

  const start = async (): Promise<LspDriver> => {
    const d = new LspDriver({ workspace: ws, settings, env: ctx.env(), storage, markers: [ctx.apiKey, ctx.secret] });
    await d.initialize();
    await d.ready();
    return d;
  };
  /** Failures this case caused: the server died, logged an uncaught exception, or answered with internals. */
  const check = (k: number, what: string, replies: Array<{ method: string; r: Reply }>) => {
    const d = server!;
    for (const { method, r } of replies) {
      if (r.hung) ctx.fail({ area: 'lsp', case: k, kind: 'hang', what, why: `${method}: no answer within 30 s` });
      else if (
        r.error &&
        (r.error.code === -32603 || INTERNAL_STDERR.test(r.error.message)) &&
        !(r.error.data as { kind?: string } | undefined)?.kind
      ) {
        ctx.fail({
          area: 'lsp',
          case: k,
          kind: 'crash',
          what,
          why: `${method} answered an internal error: ${r.error.code} ${r.error.message.slice(0, 300)}`,
        });
      } else if (r.error && INTERNAL_STDERR.test(r.error.message)) {
        ctx.fail({
          area: 'lsp',
          case: k,
          kind: 'crash',
          what,
          why: `${method} error shows internals: ${r.error.message.slice(0, 300)}`,
        });
      }
    }
    const shown = (d.notifications.get('window/showMessage') ?? []) as Array<{ message?: string }>;
    for (const m of shown.splice(0))
      if (m?.message && INTERNAL_STDERR.test(m.message))
        ctx.fail({
          area: 'lsp',
          case: k,
          kind: 'crash',
          what,
          why: `a message shown to the user holds internals: ${m.message.slice(0, 300)}`,
        });
    if (d.uncaught.length > reported) {
      for (const u of d.uncaught.slice(reported))
        ctx.fail({ area: 'lsp', case: k, kind: 'crash', what, why: `uncaught in the server: ${u.slice(0, 500)}` });
      reported = d.uncaught.length;
    }
    for (const leak of d.leaks.splice(0)) ctx.leaks.push(`lsp case ${k}: ${leak.replace(ctx.apiKey, '<KEY>')}`);
    const { peakMb } = d.rss();
    serverPeak = Math.max(serverPeak, peakMb);
    if (!d.alive) {
      ctx.fail({
        area: 'lsp',
        case: k,
        kind: 'crash',
        what,
        why: `the server exited (${JSON.stringify(d.exit)}); stderr: ${d.stderr.join('').slice(-600)}`,
      });
      server = undefined;
    }
  };

  const docText = (rng: Rng, category: Category, maxBytes = 600_000) => {
    const seed = rng.pick(all.get(category)!);
    const { bytes, ops } = mutate(seed.bytes, SHAPE[category], rng, { maxBytes, fragments: frags });
    return {
      text: bytes.toString(rng.chance(0.9) ? 'utf8' : 'latin1'),
      desc: `${category} from ${seed.origin} [${ops.join(', ')}] (${bytes.length} bytes)`,
    };
  };

  const randomPosition = (rng: Rng, text: string) => {
    const lines = text.split('\n').length;
    if (rng.chance(0.1)) return { line: rng.wildNumber(), character: rng.wildNumber() };
    return { line: rng.range(-2, lines + 3), character: rng.range(-2, 300) };
  };

  const randomEdit = (rng: Rng, text: string) => {
    const p1 = randomPosition(rng, text);
    const p2 = rng.chance(0.7) ? { line: p1.line + rng.int(3), character: rng.int(200) } : randomPosition(rng, text);
    const insert = rng.pick([
      '',
      'x',
      '\n',
      'select * from orders;\n',
      '))))',
      '\r\n',
      "'",
      '"""',
      ' -- comment\n',
      '{{ ref("orders") }}',
      '\uD83D',
      'a'.repeat(rng.int(5000)),
    ]);
    return rng.chance(0.1) ? { text: insert } : { range: { start: p1, end: p2 }, text: insert };
  };

  const runCase = async (k: number) => {
    const rng = Rng.forCase(ctx.seed, 'lsp', k);
    if (!server) {
      if (stats.cases > 0) restarts++;
      server = await start();
    }
    const d = server;
    const kind = rng.weighted<Kind>({
      doc: 55,
      params: 18,
      unknown: 3,
      malformed: 8,
      cancel: 8,
      storm: 0.25,
      ask: 4,
      session: 0.5,
    });
    const replies: Array<{ method: string; r: Reply }> = [];
    // What a failing case leaves under keepDir: its documents and the messages it sent, to replay by hand.
    const failuresBefore = ctx.failures.length;
    const trace: string[] = [];
    const docs: Array<{ name: string; text: string }> = [];
    const ask = async (method: string, params: unknown) => {
      trace.push(`→ ${method} ${JSON.stringify(params)?.slice(0, 2000)}`);
      const r = await d.ask(method, params);
      trace.push(
        `← ${r.hung ? 'no answer' : r.error ? `error ${r.error.code} ${r.error.message.slice(0, 300)}` : 'ok'} in ${r.ms} ms`,
      );
      replies.push({ method, r });
    };
    let what: string = kind;
    stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
    switch (kind) {
      case 'doc': {
        const category = rng.pick(DOC_CATEGORIES);
        const { text, desc } = docText(rng, category);
        what = `doc ${desc}`;
        stats.byKind[`doc:${category}`] = (stats.byKind[`doc:${category}`] ?? 0) + 1;
        const file = path.join(ws, 'fuzz', `case-${k}${EXTENSION[category] || '.log'}`);
        const uri = rng.chance(0.92)
          ? uriOf(file)
          : rng.pick([
              `untitled:Untitled-${k}`,
              `file:///%00/x${k}.sql`,
              `file://host/share/x${k}.sql`,
              `git:/x${k}.sql`,
              `file:${k}.sql`,
            ]);
        const languageId = rng.chance(0.9)
          ? LANGUAGE_ID[category]
          : rng.pick(['plaintext', 'sql', 'python', 'jinja-sql', 'json', 'bogus', '']);
        let version = 1;
        let current = text;
        d.notify('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
        docs.push({ name: `case-${k}${EXTENSION[category] || '.log'}`, text });
        trace.push(`→ didOpen ${uri} as '${languageId}' (${text.length} chars)`);
        open.push(uri);
        for (let i = rng.range(1, 5); i > 0; i--) {
          const op = rng.weighted({
            symbols: 20,
            lens: 20,
            hover: 12,
            definition: 8,
            lineage: 8,
            impact: 6,
            map: category.startsWith('plan') || SHAPE[category] === 'json' ? 14 : 2,
            edit: 18,
            wsymbol: 3,
            search: 3,
          });
          const pos = randomPosition(rng, current);
          switch (op) {
            case 'symbols':
              await ask('textDocument/documentSymbol', { textDocument: { uri } });
              break;
            case 'lens': {
              const r = await d.ask('textDocument/codeLens', { textDocument: { uri } });
              replies.push({ method: 'textDocument/codeLens', r });
              const lenses = Array.isArray(r.result) ? (r.result as Array<{ data?: unknown }>) : [];
              for (const lens of lenses.filter((l) => l.data).slice(0, 5))
                await ask('codeLens/resolve', rng.chance(0.8) ? lens : { ...lens, data: garbage(rng, 0, ws) });
              break;
            }
            case 'hover':
              await ask('textDocument/hover', { textDocument: { uri }, position: pos });
              break;
            case 'definition':
              await ask('textDocument/definition', { textDocument: { uri }, position: pos });
              break;
            case 'lineage':
              await ask('daglens/lineage', { uri });
              break;
            case 'impact':
              await ask(
                'daglens/impact',
                rng.chance(0.5)
                  ? { uri, position: pos }
                  : {
                      asset: rng.pick(['orders', 'stg_orders', 'raw_orders.amount', 'x']),
                      direction: rng.pick(['downstream', 'upstream']),
                    },
              );
              break;
            case 'map':
              await ask('daglens/mapDag', rng.chance(0.8) ? { uri } : { uri, text: docText(rng, category).text });
              break;
            case 'edit': {
              const changes = Array.from({ length: rng.range(1, 4) }, () => randomEdit(rng, current));
              const v = rng.chance(0.9) ? ++version : rng.pick([version, 0, -1, version - 3, 2 ** 31]);
              d.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: changes });
              trace.push(`→ didChange v${v} ${JSON.stringify(changes).slice(0, 2000)}`);
              const full = changes.find((c) => !('range' in c));
              if (full) current = full.text;
              break;
            }
            case 'wsymbol':
              await ask('workspace/symbol', { query: rng.pick(['', 'ord', 'customer', 'q', '*', 'zz'.repeat(50)]) });
              break;
            case 'search':
              await ask('daglens/search', {
                query: rng.pick(['orders', 'revenue by customer', 'select', 'x']),
                k: rng.range(1, 20),
              });
              break;
          }
        }
        if (rng.chance(0.9)) {
          d.notify('textDocument/didClose', { textDocument: { uri } });
          open = open.filter((u) => u !== uri);
        }
        break;
      }
      case 'params': {
        const method = rng.pick(METHODS.filter((m) => !HEAVY.has(m)));
        const params = garbage(rng, 0, ws);
        what = `params ${method} ${JSON.stringify(params)?.slice(0, 200)}`;
        if (method === 'daglens/runs/open' && params && typeof params === 'object' && 'historyServer' in params)
          (params as Record<string, unknown>).historyServer = 'http://127.0.0.1:9/';
        await ask(method, params);
        if (rng.chance(0.3)) d.notify(rng.pick(NOTIFICATIONS.filter((n) => n !== 'initialized')), garbage(rng, 0, ws));
        break;
      }
      case 'unknown': {
        const method = rng.pick([
          'daglens/nope',
          'textDocument/semanticTokens/full',
          'workspace/executeCommand',
          '$/unknown',
          'x',
          '',
          'daglens/',
          'rpc.on',
          '__proto__',
        ]);
        what = `unknown method '${method}'`;
        await ask(method, garbage(rng, 0, ws));
        d.notify(method, garbage(rng, 0, ws));
        break;
      }
      case 'malformed': {
        const body = rng.pick(MALFORMED);
        what = `malformed body ${JSON.stringify(body)}`;
        d.raw(Buffer.from(body, 'utf8'));
        break;
      }
      case 'cancel': {
        const method = rng.pick([
          'workspace/symbol',
          'daglens/search',
          'daglens/lineage',
          'daglens/mapDag',
          'textDocument/documentSymbol',
          'daglens/ask',
        ]);
        const params =
          method === 'workspace/symbol'
            ? { query: '' }
            : method === 'daglens/search'
              ? { query: 'orders customer revenue', k: 50 }
              : method === 'daglens/lineage'
                ? {}
                : method === 'daglens/ask'
                  ? { question: 'where is revenue computed?', streamId: `s${k}` }
                  : {
                      uri: uriOf(path.join(ws, 'tpcds', 'queries', 'query05.sql')),
                      textDocument: { uri: uriOf(path.join(ws, 'models', 'marts', 'orders.sql')) },
                    };
        what = `cancel ${method}`;
        const { id, reply } = d.request(method, params);
        const delay = rng.pick([0, 0, 1, 5, 20, 100]);
        if (delay) await new Promise((r) => setTimeout(r, delay));
        d.cancel(rng.chance(0.9) ? id : id + 1000);
        replies.push({ method, r: await reply });
        break;
      }
      case 'storm': {
        // 1,000 edits within about a second, then the server must answer again promptly.
        const uri = uriOf(path.join(ws, 'fuzz', `storm-${k}.sql`));
        const text = (all.get('sql')!.find((s) => s.bytes.length > 3000) ?? all.get('sql')![0]).bytes.toString('utf8');
        d.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text } });
        const t0 = Date.now();
        for (let v = 2; v <= 1001; v++) {
          const line = rng.int(20);
          d.notify('textDocument/didChange', {
            textDocument: { uri, version: v },
            contentChanges: [
              {
                range: { start: { line, character: 0 }, end: { line, character: 0 } },
                text: rng.pick(['-- x\n', 'select 1;\n', ' ']),
              },
            ],
          });
          if (v % 50 === 0) await new Promise((r) => setTimeout(r, Math.max(0, v - (Date.now() - t0))));
        }
        const r = await d.ask('textDocument/documentSymbol', { textDocument: { uri } });
        replies.push({ method: 'textDocument/documentSymbol (after 1,000 edits)', r });
        storms++;
        stormWorstMs = Math.max(stormWorstMs, r.ms);
        what = `1,000 edits in ${((Date.now() - t0 - r.ms) / 1000).toFixed(1)} s, then symbols in ${r.ms} ms`;
        d.notify('textDocument/didClose', { textDocument: { uri } });
        break;
      }
      case 'ask': {
        const streamId = `q${k}`;
        const question = rng.pick([
          'where is revenue computed?',
          'what reads stg_orders?',
          'x',
          '?'.repeat(100),
          `summarise ${path.relative(ws, ctx.secretFile)}`,
        ]);
        what = `ask "${question.slice(0, 40)}"`;
        if (rng.chance(0.3))
          fake.reply(
            rng.pick([
              { type: 'status', status: 429, headers: { 'retry-after': '0' } },
              { type: 'status', status: 500 },
              { type: 'broken-stream', content: 'half an ans' },
              { type: 'html' },
              { type: 'answer', content: `See [${path.relative(ws, ctx.secretFile)}:1-3] and [/etc/passwd:1]` },
            ] as const),
          );
        const { id, reply } = d.request('daglens/ask', {
          question,
          streamId,
          uri: rng.chance(0.5) ? uriOf(path.join(ws, 'models', 'marts', 'orders.sql')) : undefined,
        });
        if (rng.chance(0.2)) {
          await new Promise((r) => setTimeout(r, rng.int(50)));
          d.cancel(id);
        }
        replies.push({ method: 'daglens/ask', r: await reply });
        break;
      }
      case 'session':
        what = await shortSession(ctx, rng, k, replies);
        break;
    }
    if (open.length > 20 || (k % 50 === 49 && open.length)) {
      for (const uri of open) d.notify('textDocument/didClose', { textDocument: { uri } });
      open = [];
    }
    // Liveness: whatever the case did, the server still answers.
    if (server && d.alive && kind !== 'session')
      replies.push({ method: 'daglens/workspaceInfo (liveness)', r: await d.ask('daglens/workspaceInfo') });
    stats.cases++;
    check(k, what, replies);
    if (ctx.failures.length > failuresBefore) {
      const keep = path.join(opts.keepDir, `lsp-${k}`);
      mkdirSync(keep, { recursive: true });
      for (const doc of docs) writeFileSync(path.join(keep, doc.name), doc.text);
      writeFileSync(
        path.join(keep, 'trace.txt'),
        `${what}\n${trace.join('\n')}\n--- server stderr (tail)\n${d.stderr.join('').slice(-20_000)}\n`,
      );
    }
    if (serverPeak > opts.rssLimitMb) {
      ctx.fail({
        area: 'lsp',
        case: k,
        kind: 'crash',
        what,
        why: `the server's resident memory reached ${serverPeak.toFixed(0)} MB (limit ${opts.rssLimitMb} MB)`,
      });
      opts.rssLimitMb = Infinity; // said once
    }
    progress('lsp', stats.cases, cases.length, `server peak ${serverPeak.toFixed(0)} MB`);
  };

  try {
    if (opts.only === undefined && opts.hugeDocuments !== false) {
      server = await start();
      hugeWorstMs = await hugeDocuments(
        ctx,
        server,
        ws,
        stats,
        (w) => check(-1, w, []),
        (ms) => {
          hugeWorstMs = Math.max(hugeWorstMs, ms);
        },
      );
      if (!server.alive) server = undefined;
    }
    for (const k of cases) await runCase(k);
  } finally {
    if (server) {
      server.rss();
      serverPeak = Math.max(serverPeak, server.rss().peakMb);
      await server.shutdown().catch(() => server?.kill());
      if (server.uncaught.length > reported)
        ctx.fail({
          area: 'lsp',
          case: -1,
          kind: 'crash',
          what: 'shutdown',
          why: server.uncaught.slice(reported).join('\n').slice(0, 500),
        });
      if (server.exit && server.exit.code !== 0)
        ctx.fail({
          area: 'lsp',
          case: -1,
          kind: 'crash',
          what: 'shutdown',
          why: `exit ${JSON.stringify(server.exit)}`,
        });
    }
    await fake.close();
  }
  stats.peakMb = Math.max(stats.peakMb, serverPeak);
  stats.figures['server peak MB'] = Math.round(serverPeak);
  stats.figures['server restarts'] = restarts;
  stats.figures['edit storms'] = storms;
  stats.figures['worst answer after a storm ms'] = stormWorstMs;
  stats.figures['worst answer on a huge document ms'] = hugeWorstMs;
  stats.ms += Date.now() - started;
}

/** Documents of tens of MB (a 50 MB SQL file, a 10 MB single-line one, a 20 MB plan): answered, and memory stays bounded. */
async function hugeDocuments(
  ctx: FuzzContext,
  d: LspDriver,
  ws: string,
  stats: ReturnType<FuzzContext['area']>,
  check: (what: string) => void,
  worst: (ms: number) => void,
): Promise<number> {
  const sql =
    seeds()
      .get('sql')!
      .find((s) => /query05/.test(s.origin))
      ?.bytes.toString('utf8') ?? 'select 1;\n';
  const plan = seeds().get('planText')![0].bytes.toString('utf8');
  const docs = [
    { name: 'huge50.sql', languageId: 'sql', text: sql.repeat(Math.ceil(50e6 / sql.length)).slice(0, 50e6) },
    {
      name: 'oneline10.sql',
      languageId: 'sql',
      text: sql
        .replace(/\s*\n\s*/g, ' ')
        .repeat(Math.ceil(10e6 / sql.length))
        .slice(0, 10e6),
    },
    {
      name: 'huge20.explain.txt',
      languageId: 'sparkplan',
      text: plan.repeat(Math.ceil(20e6 / plan.length)).slice(0, 20e6),
    },
  ];
  let w = 0;
  for (const doc of docs) {
    const uri = uriOf(path.join(ws, 'fuzz', doc.name));
    d.notify('textDocument/didOpen', { textDocument: { uri, languageId: doc.languageId, version: 1, text: doc.text } });
    for (const method of [
      'textDocument/documentSymbol',
      'textDocument/codeLens',
      'textDocument/documentSymbol',
      'textDocument/codeLens',
    ]) {
      const r = await d.ask(method, { textDocument: { uri } });
      w = Math.max(w, r.ms);
      worst(r.ms);
      if (r.hung || r.gone || r.error)
        ctx.fail({
          area: 'lsp',
          case: -1,
          kind: r.hung ? 'hang' : 'crash',
          what: `huge document ${doc.name}`,
          why: `${method}: ${r.hung ? 'no answer in 30 s' : r.gone ? 'server gone' : r.error?.message}`,
        });
    }
    d.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [
        { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '-- edited\n' },
      ],
    });
    const r = await d.ask('textDocument/documentSymbol', { textDocument: { uri } });
    w = Math.max(w, r.ms);
    d.notify('textDocument/didClose', { textDocument: { uri } });
    stats.byKind[`huge:${doc.name}`] = 1;
    stats.cases++;
    check(`huge document ${doc.name}`);
  }
  return w;
}

/** A server of its own: broken framing (then the editor goes away), or requests after shutdown. */
async function shortSession(
  ctx: FuzzContext,
  rng: Rng,
  k: number,
  replies: Array<{ method: string; r: Reply }>,
): Promise<string> {
  const ws = path.join(ctx.root, 'lsp-short', String(k));
  mkdirSync(path.join(ws, 'models'), { recursive: true });
  writeFileSync(path.join(ws, 'models', 'a.sql'), 'select * from orders;\n');
  const d = new LspDriver({
    workspace: ws,
    settings: {},
    env: ctx.env(),
    storage: path.join(ws, '.storage'),
    markers: [ctx.apiKey],
  });
  const kind = rng.pick(['framing', 'after-shutdown'] as const);
  let what = `short session: ${kind}`;
  try {
    await d.initialize();
    if (kind === 'after-shutdown') {
      await d.ask('shutdown');
      for (const m of ['daglens/workspaceInfo', 'textDocument/documentSymbol', 'daglens/search', 'shutdown']) {
        const r = await d.ask(
          m,
          { textDocument: { uri: uriOf(path.join(ws, 'models', 'a.sql')) }, query: 'x' },
          10_000,
        );
        // After shutdown a server answers with an error (or, for a second shutdown, nothing harmful) — it must answer.
        if (r.hung) replies.push({ method: `${m} after shutdown`, r });
        if (r.error && INTERNAL_STDERR.test(r.error.message)) replies.push({ method: `${m} after shutdown`, r });
      }
      d.notify('exit');
      const exited = await d.waitExit(10_000);
      what += exited ? `, exit ${d.exit?.code}` : ', did not exit';
      if (!exited)
        ctx.fail({ area: 'lsp', case: k, kind: 'hang', what, why: 'the server did not exit after shutdown + exit' });
      else if (d.exit?.code !== 0)
        ctx.fail({ area: 'lsp', case: k, kind: 'crash', what, why: `exit code ${d.exit?.code} after shutdown + exit` });
    } else {
      const header = rng.pick([
        'Content-Length: 99999999999\r\n\r\n',
        'Content-Length: -5\r\n\r\n',
        'Content-Length: abc\r\n\r\n',
        'Content-Type: x\r\n\r\n',
        'garbage\r\n\r\n',
        'Content-Length: 2\r\n\r\n{}{}{}',
        '\r\n\r\n\r\n',
      ]);
      what += ` ${JSON.stringify(header)}`;
      d.raw(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"daglens/workspaceInfo"}'), Buffer.from(header, 'ascii'));
      await new Promise((r) => setTimeout(r, 200));
      // The editor goes away: the server must end on its own, without an uncaught exception.
      d.proc.stdin!.end();
      const exited = await d.waitExit(15_000);
      if (!exited)
        ctx.fail({ area: 'lsp', case: k, kind: 'hang', what, why: 'the server did not exit when its input closed' });
    }
    if (d.uncaught.length)
      ctx.fail({ area: 'lsp', case: k, kind: 'crash', what, why: `uncaught: ${d.uncaught[0].slice(0, 400)}` });
    for (const leak of d.leaks) ctx.leaks.push(`lsp case ${k}: ${leak}`);
  } finally {
    d.kill();
  }
  return what;
}
