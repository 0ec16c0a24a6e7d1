/**
 * Token counting before sending (o200k_base, the encoding of current OpenAI models; for other models an
 * estimate, which is why budgets add a margin) and fitting prompts to the context window: instructions and
 * the question are kept whole, evidence is dropped from the least relevant end, then truncated.
 */
import type { TiktokenBPE } from 'js-tiktoken/lite' with { 'resolution-mode': 'import' };

/**
 * A byte-pair-encoding token counter over js-tiktoken's o200k_base ranks. js-tiktoken's own constructor
 * takes seconds (it builds two 200k-entry maps keyed by comma-joined byte lists); keying ranks by the
 * bytes' latin1 string builds in a fraction of that and counts the same (checked against js-tiktoken
 * on the corpora in test/unit/llm-tokens.test.ts). We only count and cut, so no decoder is needed.
 */
class BpeCounter {
  private readonly ranks = new Map<string, number>();
  private readonly pattern: RegExp;

  constructor(bpe: TiktokenBPE) {
    this.pattern = new RegExp(bpe.pat_str, 'gu');
    for (const line of bpe.bpe_ranks.split('\n')) {
      if (!line) continue;
      const fields = line.split(' ');
      const offset = Number.parseInt(fields[1], 10);
      for (let i = 2; i < fields.length; i++)
        this.ranks.set(Buffer.from(fields[i], 'base64').toString('latin1'), offset + i - 2);
    }
  }

  /** Token count of each pre-tokenised piece of the text, in order. */
  *pieces(text: string): Generator<{ end: number; tokens: number }> {
    this.pattern.lastIndex = 0;
    for (const m of text.matchAll(this.pattern)) {
      const bytes = Buffer.from(m[0], 'utf8').toString('latin1');
      yield { end: m.index + m[0].length, tokens: this.ranks.has(bytes) ? 1 : this.merge(bytes) };
    }
  }

  count(text: string): number {
    let n = 0;
    for (const p of this.pieces(text)) n += p.tokens;
    return n;
  }

  /** Standard BPE: repeatedly merge the adjacent pair with the lowest rank; the parts left are the tokens. */
  private merge(piece: string): number {
    const bounds: number[] = [];
    for (let i = 0; i <= piece.length; i++) bounds.push(i);
    while (bounds.length > 2) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < bounds.length - 2; i++) {
        const r = this.ranks.get(piece.slice(bounds[i], bounds[i + 2]));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      bounds.splice(best + 1, 1);
    }
    return bounds.length - 1;
  }
}

// Built on first use: a session without an LLM never loads the 2 MB of ranks.
let counter: BpeCounter | undefined;

function enc(): BpeCounter {
  counter ??= new BpeCounter(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
  return counter;
}

/** Counts of recently seen long texts: the same evidence snippets come back question after question. */
const memo = new Map<string, number>();
const MEMO_SIZE = 4096;

export function countTokens(text: string): number {
  if (text.length < 256) return enc().count(text);
  const hit = memo.get(text);
  if (hit !== undefined) {
    memo.delete(text);
    memo.set(text, hit); // most recently used last
    return hit;
  }
  const n = enc().count(text);
  memo.set(text, n);
  if (memo.size > MEMO_SIZE) memo.delete(memo.keys().next().value!);
  return n;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Tokens of a chat prompt: content plus the per-message framing the chat format adds. */
export function countMessages(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + 4 + countTokens(m.content), 3);
}

const CUT_MARK = '\n…[truncated]';

/** Cuts text to at most `max` tokens, between pre-tokenised pieces, marking the cut. */
export function truncateToTokens(text: string, max: number): string {
  const room = Math.max(0, max - countTokens(CUT_MARK));
  let n = 0;
  let end = 0;
  for (const p of enc().pieces(text)) {
    if (n + p.tokens > room) return text.slice(0, end) + CUT_MARK;
    n += p.tokens;
    end = p.end;
  }
  return text;
}

export interface FitResult {
  /** Evidence kept, in the original order (possibly the last one truncated). */
  evidence: string[];
  dropped: number;
  truncated: boolean;
  /** An upper bound of the prompt's tokens (parts counted separately, with room for separators). */
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
  if (fixed > budget)
    throw new Error(`the instructions alone need ${fixed} tokens; the model's window leaves ${budget}`);
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
      const cut = truncateToTokens(e, room);
      kept.push(cut);
      used += countTokens(cut) + 8;
      truncated = true;
    }
    break;
  }
  // Counting the parts (memoised) instead of the assembled prompt keeps a 20 kB prompt from being encoded twice.
  return { evidence: kept, dropped: evidence.length - kept.length, truncated, promptTokens: used };
}
