import { parseSettings } from '../../engine/config';
import { silentLogger } from '../../engine/log';
import { LlmService } from '../../engine/llm/service';
import type { UsageTotals } from '../../engine/llm/stats';
import { Workspace } from '../../engine/workspace/workspace';
import { workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';
import { LLM_OPTION_HELP, LLM_OPTIONS, llmSettingsFromFlags, usd } from './llmOptions';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'LLM spend, tokens, cache hits and latency of a workspace (from its ledger in the user cache)',
  usage: 'daglens stats --workspace DIR [--json]',
  options: {
    workspace: { type: 'string', short: 'w' },
    json: { type: 'boolean' },
    check: { type: 'boolean' },
    ...LLM_OPTIONS,
  },
  optionHelp: [
    '-w, --workspace DIR       the workspace folder (default: the current directory)',
    '    --json                print { state, message, problems, providers, limits, lastHour, total, byFeature, byModel }',
    '    --check               also ask each provider for its models (no code sent): wrong key, bad URL, unknown model',
    ...LLM_OPTION_HELP,
  ],
  async run(values) {
    const root = workspaceDir(values.workspace);
    // No scan: stats come from the ledger; the configuration is resolved to report its state.
    const ws = new Workspace(root, parseSettings({}).settings, stderrLogger(false));
    // Problems are printed below (not also as warnings).
    const svc = new LlmService({
      workspace: ws,
      settings: llmSettingsFromFlags(values),
      env: process.env,
      log: silentLogger,
    });
    const s = svc.stats();
    if (values.check) s.problems = await svc.check();
    if (values.json) {
      process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      return 0;
    }
    const out: string[] = [];
    out.push(`LLM: ${s.state === 'ready' ? s.message : `${s.state} — ${s.message}`}`);
    for (const p of s.problems) out.push(`problem: ${p}`);
    out.push(
      `limits: ${usd(s.limits.maxJobCostUsd)} per job, ${usd(s.limits.maxHourlyCostUsd)} per hour (spent ${usd(s.lastHour.costUsd)} in the last hour)`,
    );
    out.push('');
    const head = ['', 'requests', 'cached', 'errors', 'refused', 'prompt tok', 'reply tok', 'cost', 'p50 ms', 'p95 ms'];
    const row = (name: string, t: UsageTotals) =>
      [
        name,
        t.requests,
        t.cacheHits,
        t.errors,
        t.refused,
        t.promptTokens,
        t.completionTokens,
        usd(t.costUsd),
        t.latencyP50Ms,
        t.latencyP95Ms,
      ].map(String);
    const rows = [
      head,
      row('last hour', s.lastHour),
      row('total', s.total),
      ...Object.entries(s.byFeature).map(([k, t]) => row(`  ${k}`, t)),
      ...Object.entries(s.byModel).map(([k, t]) => row(`  ${k}`, t)),
    ];
    const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    out.push(fmt(rows[0]), fmt(rows[1]), fmt(rows[2]));
    const nf = Object.keys(s.byFeature).length;
    if (nf) out.push('by feature:', ...rows.slice(3, 3 + nf).map(fmt), 'by model:', ...rows.slice(3 + nf).map(fmt));
    out.push('', `ledger: ${s.cacheDir ?? '(memory)'}/ledger.jsonl`);
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};
