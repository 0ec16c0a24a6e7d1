/** The fuzz run's closing report: a table per area and the figures the README quotes, as text and JSON. */
import type { FuzzContext } from './context';
import type { RunOptions } from './run';

export interface RunSummary {
  ok: boolean;
  text: string;
  json: Record<string, unknown>;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

export function report(ctx: FuzzContext, o: RunOptions, seconds: number): RunSummary {
  const rows: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  rows.push(
    `${pad('area', 10)}${pad('cases', 8)}${pad('crashes', 9)}${pad('hangs', 7)}${pad('peak RSS', 11)}${pad('time', 9)}figures`,
  );
  let cliLsp = 0;
  for (const [name, a] of ctx.areas) {
    if (name === 'cli' || name === 'lsp') cliLsp += a.cases;
    const figures = Object.entries(a.figures)
      .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`)
      .join(', ');
    rows.push(
      `${pad(name, 10)}${pad(String(a.cases), 8)}${pad(String(a.crashes), 9)}${pad(String(a.hangs), 7)}${pad(a.peakMb ? `${a.peakMb.toFixed(0)} MB` : '—', 11)}${pad(`${(a.ms / 1000).toFixed(0)} s`, 9)}${figures}`,
    );
  }
  const storage = ctx.areas.get('storage')?.figures ?? {};
  const llm = ctx.areas.get('llm')?.figures ?? {};
  const lsp = ctx.areas.get('lsp')?.figures ?? {};
  const crashes = [...ctx.areas.values()].reduce((n, a) => n + a.crashes, 0);
  const hangs = [...ctx.areas.values()].reduce((n, a) => n + a.hangs, 0);
  const keyLeaks = ctx.leaks.length;
  const headline = {
    seed: o.seed,
    cases: o.cases,
    cliAndLspCases: cliLsp,
    crashes,
    hangs,
    kills: num(storage.kills),
    killsSurvived: num(storage['kills survived']),
    dataLost: num(storage['data lost']),
    ledgerOverCap: num(llm['ledger over cap']),
    keyLeaks,
    serverPeakRssMb: Math.round(num(lsp['server peak MB'])),
    failures: ctx.failures.length,
    seconds: Math.round(seconds),
  };
  const lines = [
    '',
    `daglens fuzz — seed ${o.seed}, ${cliLsp.toLocaleString('en-US')} CLI + LSP cases in ${Math.round(seconds)} s`,
    ...rows,
    '',
    `crashes ${crashes} · hangs ${hangs} · kills survived ${headline.killsSurvived}/${headline.kills} · data lost ${headline.dataLost} · ledger over cap ${headline.ledgerOverCap} · key leaks ${keyLeaks} · server peak RSS ${headline.serverPeakRssMb} MB`,
  ];
  for (const l of ctx.leaks.slice(0, 10)) lines.push(`key leak: ${l}`);
  if (ctx.failures.length) {
    lines.push('', `${ctx.failures.length} failure(s):`);
    for (const f of ctx.failures.slice(0, 50))
      lines.push(
        `  ${f.area}:${f.case} ${f.kind}: ${f.what.slice(0, 160)} — ${f.why.slice(0, 300)}  (npm run fuzz -- --seed ${o.seed} --only ${f.area}:${f.case})`,
      );
  }
  const ok = ctx.failures.length === 0 && keyLeaks === 0;
  lines.push('', ok ? 'PASS' : 'FAIL');
  return {
    ok,
    text: lines.join('\n'),
    json: { ...headline, areas: Object.fromEntries(ctx.areas), failures: ctx.failures, leaks: ctx.leaks },
  };
}
