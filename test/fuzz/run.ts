/**
 * `npm run fuzz -- --seed N --cases M`: the fuzz and fault suite (issue 14). Seeded and bounded: M cases are
 * shared between the CLI (~35 %) and the LSP server (~65 %); the storage (kill -9), LLM-fault and security areas
 * scale with M. Prints cases per area, crashes, hangs, peak RSS, kills survived, data lost, ledger over cap and
 * key leaks; exits 1 if any case failed (each failure is printed with the command that reruns it alone).
 *
 *   --seed N            the run's seed (default: the date, printed)
 *   --cases M           CLI + LSP cases (default 2000)
 *   --areas a,b         only these areas: cli, lsp, storage, llm, security
 *   --only area:k       rerun one case (as a failure report says); lsp:a-b reruns cases a..b on one server
 *   --kills K           kill -9 cases in the storage area (default: M / 350, at least 8, at most 80)
 *   --concurrency C     CLI processes at once (default: cores)
 *   --json FILE         also write the report as JSON
 *   --keep              keep the temp folder (workspaces, caches, logs)
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from '../helpers';
import { cliArea } from './cliArea';
import { FuzzContext } from './context';
import { lspArea } from './lspArea';
import { llmArea } from './llmArea';
import { report, type RunSummary } from './report';
import { securityArea } from './securityArea';
import { storageArea } from './storageArea';

export const AREAS = ['cli', 'lsp', 'storage', 'llm', 'security'] as const;
export type AreaName = (typeof AREAS)[number];

export interface RunOptions {
  seed: number;
  cases: number;
  areas: AreaName[];
  only?: { area: AreaName; case: number; to?: number };
  kills?: number;
  concurrency?: number;
  keep?: boolean;
  /** Peak-RSS limit of the language server (MB). */
  serverRssLimitMb?: number;
  /** LLM-fault cases (default: scales with `cases`). */
  llmCases?: number;
  /** The short slice the normal test run takes: no documents of tens of MB (reliability-lsp.test.ts has one). */
  smoke?: boolean;
}

export function shareOf(cases: number): { cli: number; lsp: number; kills: number; llm: number } {
  const cli = Math.round(cases * 0.35);
  return {
    cli,
    lsp: cases - cli,
    kills: Math.max(8, Math.min(80, Math.round(cases / 350))),
    llm: Math.max(12, Math.min(200, Math.round(cases / 100))),
  };
}

export async function runFuzz(o: RunOptions): Promise<RunSummary> {
  const ctx = new FuzzContext(o.seed);
  const started = Date.now();
  const share = shareOf(o.cases);
  const keepDir = path.join(REPO, 'test-results', 'fuzz', `seed-${o.seed}`);
  const concurrency = o.concurrency ?? Math.max(1, Math.min(4, availableParallelism()));
  const want = (a: AreaName) => (o.only ? o.only.area === a : o.areas.includes(a));
  const only = (a: AreaName) => (o.only?.area === a ? o.only.case : undefined);
  try {
    if (want('cli')) await cliArea(ctx, { cases: share.cli, only: only('cli'), concurrency, keepDir });
    if (want('lsp'))
      await lspArea(ctx, {
        cases: share.lsp,
        only: only('lsp'),
        onlyTo: o.only?.area === 'lsp' ? o.only.to : undefined,
        concurrency: 1,
        keepDir,
        rssLimitMb: o.serverRssLimitMb ?? 1536,
        hugeDocuments: !o.smoke,
      });
    if (want('storage'))
      await storageArea(ctx, { cases: o.kills ?? share.kills, only: only('storage'), concurrency: 1, keepDir });
    if (want('llm')) await llmArea(ctx, { cases: o.llmCases ?? share.llm, only: only('llm'), concurrency: 1, keepDir });
    if (want('security')) await securityArea(ctx, { cases: 1, only: only('security'), concurrency: 1, keepDir });
    return report(ctx, o, (Date.now() - started) / 1000);
  } finally {
    if (!o.keep) ctx.cleanup();
    else process.stderr.write(`kept ${ctx.root}\n`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      cases: { type: 'string' },
      areas: { type: 'string' },
      only: { type: 'string' },
      kills: { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  const int = (v: string | undefined, name: string, dflt: number) => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got '${v}'`);
    return n;
  };
  const today = new Date();
  const seed = int(
    values.seed,
    'seed',
    Number(
      `${today.getUTCFullYear()}${String(today.getUTCMonth() + 1).padStart(2, '0')}${String(today.getUTCDate()).padStart(2, '0')}`,
    ),
  );
  const areas = (values.areas ? values.areas.split(',') : [...AREAS]) as AreaName[];
  for (const a of areas) if (!AREAS.includes(a)) throw new Error(`unknown area '${a}' (${AREAS.join(', ')})`);
  let only: RunOptions['only'];
  if (values.only) {
    const m = /^(\w+):(\d+)(?:-(\d+))?$/.exec(values.only);
    if (!m || !AREAS.includes(m[1] as AreaName) || (m[3] !== undefined && m[1] !== 'lsp'))
      throw new Error(`--only takes area:case, e.g. cli:12, or a range of LSP cases on one server, e.g. lsp:40-45`);
    only = { area: m[1] as AreaName, case: Number(m[2]), to: m[3] === undefined ? undefined : Number(m[3]) };
  }
  process.stderr.write(
    `daglens fuzz: seed ${seed}, ${int(values.cases, 'cases', 2000)} cases${only ? `, only ${values.only}` : ''}\n`,
  );
  const summary = await runFuzz({
    seed,
    cases: int(values.cases, 'cases', 2000),
    areas,
    only,
    kills: values.kills ? int(values.kills, 'kills', 0) : undefined,
    concurrency: values.concurrency ? int(values.concurrency, 'concurrency', 2) : undefined,
    keep: values.keep,
  });
  process.stdout.write(summary.text + '\n');
  if (values.json) {
    mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
    writeFileSync(values.json, JSON.stringify(summary.json, null, 2) + '\n');
  }
  process.exitCode = summary.ok ? 0 : 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
}
