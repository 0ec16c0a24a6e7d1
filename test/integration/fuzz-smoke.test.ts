/**
 * A short slice of `npm run fuzz` in the normal test run (issue 14): a fixed seed, ~100 CLI and LSP cases,
 * a few kill -9 cases, LLM faults and the security checks. Any crash, hang, lost write, ledger over its cap or
 * key leak fails it; each failure names the command that reruns that case alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../fuzz/run';

test('fuzz smoke slice: no crash, hang, data loss, overspend or key leak', async () => {
  const summary = await runFuzz({
    seed: 14,
    cases: 100,
    areas: ['cli', 'lsp', 'storage', 'llm', 'security'],
    kills: 4,
    llmCases: 8,
    smoke: true,
    concurrency: 2,
  });
  const h = summary.json as {
    crashes: number;
    hangs: number;
    dataLost: number;
    ledgerOverCap: number;
    keyLeaks: number;
    kills: number;
    killsSurvived: number;
    cliAndLspCases: number;
  };
  assert.ok(h.cliAndLspCases >= 100, `${h.cliAndLspCases} cases`);
  assert.equal(h.kills, h.killsSurvived);
  assert.ok(summary.ok, summary.text);
  assert.deepEqual([h.crashes, h.hangs, h.dataLost, h.ledgerOverCap, h.keyLeaks], [0, 0, 0, 0, 0]);
});
