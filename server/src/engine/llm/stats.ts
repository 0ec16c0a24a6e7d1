/** `daglens stats` and the editor's stats command: spend, tokens, cache hits and latency from the ledger. */
import type { LlmUsage } from '../../protocol/contracts';
import type { LedgerEntry } from './ledger';

/** Latencies are of answered (non-cached) requests, in ms. */
export type UsageTotals = LlmUsage;

export function totals(entries: readonly LedgerEntry[]): UsageTotals {
  const t: UsageTotals = {
    requests: 0,
    cacheHits: 0,
    errors: 0,
    refused: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    latencyP50Ms: 0,
    latencyP95Ms: 0,
  };
  const latencies: number[] = [];
  for (const e of entries) {
    if (e.outcome === 'ok') {
      t.requests++;
      latencies.push(e.latencyMs);
    } else if (e.outcome === 'cached') t.cacheHits++;
    else if (e.outcome === 'error') t.errors++;
    else t.refused++;
    t.promptTokens += e.promptTokens;
    t.completionTokens += e.completionTokens;
    t.costUsd += e.costUsd;
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : 0;
  t.latencyP50Ms = q(0.5);
  t.latencyP95Ms = q(0.95);
  return t;
}

export function groupTotals(
  entries: readonly LedgerEntry[],
  key: (e: LedgerEntry) => string,
): Record<string, UsageTotals> {
  const groups = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const k = key(e);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(e);
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, totals(v)]));
}
