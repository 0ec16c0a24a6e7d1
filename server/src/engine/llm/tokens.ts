/**
 * Token counting before sending (o200k_base, the encoding of current OpenAI models; for other models an
 * estimate, which is why budgets add a margin) and fitting prompts to the context window: instructions and
 * the question are kept whole, evidence is dropped from the least relevant end, then truncated.
 */
import type { Tiktoken as TiktokenType, TiktokenBPE } from 'js-tiktoken/lite' with { 'resolution-mode': 'import' };

// js-tiktoken's types are ESM-only; its CommonJS build is what we load (and what esbuild bundles).
// Loaded on first use: the ranks are 2 MB that a session without an LLM never needs.
let encoder: TiktokenType | undefined;

function enc(): TiktokenType {
  if (!encoder) {
    const { Tiktoken } = require('js-tiktoken/lite') as { Tiktoken: typeof TiktokenType };
    encoder = new Tiktoken(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
  }
  return encoder;
}

export function countTokens(text: string): number {
  return enc().encode(text, [], []).length;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Tokens of a chat prompt: content plus the per-message framing the chat format adds. */
export function countMessages(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + 4 + countTokens(m.content), 3);
}

/** Cuts text to at most `max` tokens, on a token boundary, marking the cut. */
export function truncateToTokens(text: string, max: number): string {
  const ids = enc().encode(text, [], []);
  if (ids.length <= max) return text;
  return enc().decode(ids.slice(0, Math.max(0, max - 3))) + '\n…[truncated]';
}

export interface FitResult {
  /** Evidence kept, in the original order (possibly the last one truncated). */
  evidence: string[];
  dropped: number;
  truncated: boolean;
  promptTokens: number;
}

/**
 * Keeps as much evidence as fits in `contextWindow - maxOutputTokens` next to the fixed parts.
 * `render` builds the final messages from the kept evidence so the count is of what is really sent.
 */
export function fitEvidence(
  evidence: readonly string[],
  render: (evidence: string[]) => ChatMessage[],
  contextWindow: number,
  maxOutputTokens: number,
): FitResult {
  const budget = contextWindow - maxOutputTokens;
  const fixed = countMessages(render([]));
  if (fixed > budget) throw new Error(`the instructions alone need ${fixed} tokens; the model's window leaves ${budget}`);
  const kept: string[] = [];
  let used = fixed;
  let truncated = false;
  for (const e of evidence) {
    const cost = countTokens(e) + 8; // numbering and separators
    if (used + cost <= budget) {
      kept.push(e);
      used += cost;
      continue;
    }
    const room = budget - used - 16;
    if (room > 64) {
      kept.push(truncateToTokens(e, room));
      truncated = true;
    }
    break;
  }
  return { evidence: kept, dropped: evidence.length - kept.length, truncated, promptTokens: countMessages(render(kept)) };
}
