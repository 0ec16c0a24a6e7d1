/**
 * USD per million tokens. Built-in list prices (checked 2025; override or extend with `daglens.llm.prices`).
 * Local endpoints cost nothing unless priced in settings. An unknown remote model is charged at a
 * deliberately high default so the budget stays a real bound.
 */
import type { Price } from './settings';

export const BUILTIN_PRICES: Record<string, Price> = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
};

export const UNKNOWN_MODEL_PRICE: Price = { input: 5, output: 15 };

export interface PriceLookup {
  price: Price;
  known: boolean;
}

export function priceOf(model: string, local: boolean, overrides: Record<string, Price>): PriceLookup {
  const exact = overrides[model] ?? BUILTIN_PRICES[model];
  if (exact) return { price: exact, known: true };
  // Dated snapshots ("gpt-4o-mini-2024-07-18") cost what their family costs: longest matching prefix wins.
  const family = Object.keys({ ...BUILTIN_PRICES, ...overrides })
    .filter((k) => model.startsWith(`${k}-`))
    .sort((a, b) => b.length - a.length)[0];
  if (family) return { price: overrides[family] ?? BUILTIN_PRICES[family], known: true };
  if (local) return { price: { input: 0, output: 0 }, known: true };
  return { price: UNKNOWN_MODEL_PRICE, known: false };
}

export function costUsd(price: Price, promptTokens: number, completionTokens: number): number {
  return (promptTokens * price.input + completionTokens * price.output) / 1e6;
}
