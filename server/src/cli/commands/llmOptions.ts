/** Flags shared by the commands that can use an LLM; flags win over the environment (OPENAI_API_KEY, …). */
import { UserError } from '../args';

export const LLM_OPTIONS = {
  model: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key-env': { type: 'string' },
  'max-cost': { type: 'string' },
  'no-llm': { type: 'boolean' },
} as const;

export const LLM_OPTION_HELP = [
  '    --model NAME          chat model (else $DAGLENS_LLM_MODEL; without one, answers are offline)',
  '    --base-url URL        OpenAI-compatible endpoint (else $OPENAI_BASE_URL, else api.openai.com)',
  '    --api-key-env VAR     environment variable holding the key (default $OPENAI_API_KEY)',
  '    --max-cost USD        budget of this run (default 0.50; never exceeded)',
  '    --no-llm              send nothing to any model',
];

/** The `daglens` settings object these flags stand for (keys never come from flags: they would show in `ps`). */
export function llmSettingsFromFlags(values: Record<string, unknown>): Record<string, unknown> {
  const llm: Record<string, unknown> = {};
  if (typeof values.model === 'string') llm.model = values.model;
  if (typeof values['base-url'] === 'string') llm.baseUrl = values['base-url'];
  if (typeof values['api-key-env'] === 'string') llm.apiKeyEnv = values['api-key-env'];
  if (values['max-cost'] !== undefined) {
    const n = Number(values['max-cost']);
    if (!Number.isFinite(n) || n < 0)
      throw new UserError(`--max-cost must be a number of US dollars, got '${values['max-cost']}'`);
    llm.maxJobCostUsd = n;
  }
  if (values['no-llm']) llm.enabled = false;
  return { llm };
}

/** "10-20" or "10" → 1-based inclusive lines. */
export function lineRangeOption(value: unknown): { startLine: number; endLine: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(value));
  const startLine = m ? Number(m[1]) : NaN;
  const endLine = m?.[2] ? Number(m[2]) : startLine;
  if (!m || startLine < 1 || endLine < startLine) throw new UserError(`--lines must look like 10-20, got '${value}'`);
  return { startLine, endLine };
}

export function usd(n: number): string {
  return n === 0 ? '$0' : n < 0.01 ? `$${n.toFixed(6)}` : `$${n.toFixed(4)}`;
}
