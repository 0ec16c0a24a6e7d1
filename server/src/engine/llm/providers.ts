/** One live provider of the chain: its `openai` client, circuit breaker and rate limiter. */
import OpenAI, { AzureOpenAI } from 'openai';
import { CircuitBreaker } from './breaker';
import { RateLimiter } from './limiter';
import type { LlmSettings, ProviderConfig } from './settings';

export interface LiveProvider {
  config: ProviderConfig;
  api: OpenAI;
  breaker: CircuitBreaker;
  limiter: RateLimiter;
}

export function openProvider(config: ProviderConfig, s: LlmSettings): LiveProvider {
  // Retries are ours (with the breaker and the fallback chain), so the client's own are off.
  // Its logger is off too: nothing about requests or keys reaches a log.
  // An editor model (`vscode-lm`) is reached through the editor (vscodeLm.ts): its client here is never called.
  const common = { apiKey: config.apiKey || 'unused', timeout: s.timeoutMs, maxRetries: 0, logLevel: 'off' as const };
  const api = config.azure
    ? new AzureOpenAI({
        ...common,
        endpoint: config.azure.endpoint,
        deployment: config.azure.deployment,
        apiVersion: config.azure.apiVersion,
      })
    : new OpenAI({ ...common, baseURL: config.baseUrl });
  return {
    config,
    api,
    breaker: new CircuitBreaker(),
    limiter: new RateLimiter(s.maxConcurrency, s.requestsPerMinute),
  };
}

/** OpenAI's own API wants `max_completion_tokens` (required by reasoning models); most compatible servers know `max_tokens`. */
export function usesMaxCompletionTokens(p: ProviderConfig): boolean {
  return !!p.azure || /(^|\.)openai\.com$/.test(safeHost(p.baseUrl));
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
