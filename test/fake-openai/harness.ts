/** Builds the real LLM client (real `openai` package) pointed at fake servers, with recorded backoff sleeps. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Budget, Job } from '../../server/src/engine/llm/budget';
import { ResponseCache } from '../../server/src/engine/llm/cache';
import { LlmClient } from '../../server/src/engine/llm/client';
import { Ledger } from '../../server/src/engine/llm/ledger';
import { resolveLlmConfig } from '../../server/src/engine/llm/settings';

export interface Harness {
  client: LlmClient;
  budget: Budget;
  ledger: Ledger;
  cache: ResponseCache;
  dir: string;
  /** Delays the client asked to sleep for (instead of sleeping them). */
  sleeps: number[];
  job(limitUsd?: number): Job;
}

export function harness(llm: Record<string, unknown>, env: NodeJS.ProcessEnv = { OPENAI_API_KEY: 'sk-test' }): Harness {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-llm-'));
  const config = resolveLlmConfig({ llm }, env);
  const ledger = new Ledger(dir);
  const budget = new Budget(ledger, config.settings.maxHourlyCostUsd);
  const cache = new ResponseCache(dir, config.settings.cacheTtlHours * 3_600_000);
  const sleeps: number[] = [];
  const client = new LlmClient(config, budget, cache, ledger, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  return {
    client,
    budget,
    ledger,
    cache,
    dir,
    sleeps,
    job: (limit = config.settings.maxJobCostUsd) => new Job('test', limit),
  };
}
