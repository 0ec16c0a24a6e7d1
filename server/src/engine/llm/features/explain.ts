/**
 * Explanations: one paragraph per symbol, generated when the user hovers or asks (or in bulk on request),
 * stored by the hash of the symbol's text so an unchanged symbol is never explained twice.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { ensureDir, writeFileAtomic } from '../../durableFs';
import path from 'node:path';
import type { ExplainAllResult, Explanation } from '../../../protocol/contracts';
import { flattenSymbols } from '../../symbols';
import type { CodeSymbol } from '../../types';
import { toLineRange } from '../../types';
import type { Job } from '../budget';
import { LlmError } from '../errors';
import type { LlmService } from '../service';
import { truncateToTokens } from '../tokens';

// A symbol's summary, as the protocol declares it; `cached`: from the explanation store (no request made).
export type { Explanation };

/** Summaries by content hash, on disk (one JSON file per summary) or in memory. */
export class ExplanationStore {
  private readonly memory = new Map<string, { summary: string; model: string }>();
  constructor(private readonly dir: string | undefined) {}

  get(hash: string): { summary: string; model: string } | undefined {
    const m = this.memory.get(hash);
    if (m || !this.dir) return m;
    try {
      const v = JSON.parse(readFileSync(path.join(this.dir, `${hash}.json`), 'utf8')) as {
        summary: string;
        model: string;
      };
      const ok = !!v && typeof v.summary === 'string' && typeof v.model === 'string';
      if (ok) this.memory.set(hash, v);
      return ok ? v : undefined;
    } catch {
      return undefined;
    }
  }

  clear(): void {
    this.memory.clear();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  set(hash: string, v: { summary: string; model: string }): void {
    this.memory.set(hash, v);
    if (!this.dir) return;
    try {
      ensureDir(this.dir);
      writeFileAtomic(path.join(this.dir, `${hash}.json`), JSON.stringify(v));
    } catch {
      // Unwritable store: the summary still serves this session.
    }
  }
}

export function contentHash(lang: string, text: string): string {
  return createHash('sha256').update(`${lang}\0${text}`).digest('hex');
}

/** Where a symbol is: its (dotted) name, a 0-based line inside it, or (atName) the position of its name. */
export interface SymbolWhere {
  name?: string;
  line?: number;
  character?: number;
  atName?: boolean;
}

/** The symbol with this name, the innermost one containing the line, or the one whose name is at the position. */
export function findSymbol(
  symbols: CodeSymbol[],
  where: SymbolWhere,
): { symbol: CodeSymbol; name: string } | undefined {
  let best: { symbol: CodeSymbol; name: string } | undefined;
  const l = where.line ?? 0;
  const ch = where.character ?? 0;
  for (const { symbol, container } of flattenSymbols(symbols)) {
    const name = [...container, symbol.name].join('.');
    if (where.name !== undefined) {
      if (name === where.name || symbol.name === where.name) return { symbol, name };
      continue;
    }
    if (where.atName) {
      const s = symbol.selection;
      const inside =
        (l > s.start.line || (l === s.start.line && ch >= s.start.character)) &&
        (l < s.end.line || (l === s.end.line && ch <= s.end.character));
      if (inside) best = { symbol, name };
      continue;
    }
    if (symbol.span.start.line <= l && l <= symbol.span.end.line) best = { symbol, name }; // later = deeper
  }
  return best;
}

/** The stored explanation for a symbol, without making any request (for hovers that must be instant). */
export function storedExplanation(svc: LlmService, file: string, where: SymbolWhere): Explanation | undefined {
  const target = locate(svc, file, where);
  if (!target) return undefined;
  const hit = svc.explanations.get(target.hash);
  return hit ? { ...target.info, summary: hit.summary, model: hit.model, cached: true } : undefined;
}

export async function explainSymbol(
  svc: LlmService,
  file: string,
  where: SymbolWhere,
  signal?: AbortSignal,
  job?: Job,
): Promise<Explanation> {
  const target = locate(svc, file, where);
  if (!target)
    throw new LlmError('bad-request', `no symbol ${where.name ?? `at line ${(where.line ?? 0) + 1}`} in ${file}`);
  const hit = svc.explanations.get(target.hash);
  if (hit) return { ...target.info, summary: hit.summary, model: hit.model, cached: true };
  const why = svc.unavailableReason();
  if (why) throw new LlmError('disabled', why);
  const client = svc.client!;
  const body = truncateToTokens(
    target.text,
    Math.min(6000, Math.min(...client.providers.map((p) => p.config.contextWindow)) - 1500),
  );
  const res = await client.chat({
    feature: 'explain',
    job: job ?? svc.job('explanation'),
    signal,
    maxTokens: 300,
    temperature: 0,
    messages: [
      {
        role: 'system',
        content:
          'You document data-engineering code. Reply with one plain paragraph (at most 5 sentences): what the code does, which tables or datasets it reads and writes, and anything surprising. No preamble, no Markdown headings.',
      },
      {
        role: 'user',
        content: `${target.info.symbol} — a ${target.kind} in ${file} (${target.lang}):\n\`\`\`\n${body}\n\`\`\``,
      },
    ],
  });
  const summary = res.text.trim();
  if (!summary) throw new LlmError('invalid-output', 'the model returned an empty explanation');
  svc.explanations.set(target.hash, { summary, model: res.model });
  return { ...target.info, summary, model: res.model, cached: res.cached };
}

/** Explains every symbol of the given files (all by default) under one job budget; stops when it runs out. */
export async function explainAll(
  svc: LlmService,
  files: string[] | undefined,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<ExplainAllResult> {
  const job = svc.job('bulk explanation');
  const targets: Array<{ file: string; name: string }> = [];
  for (const file of files ?? svc.text.relFiles()) {
    const entry = svc.text.entry(file);
    if (!entry) continue;
    for (const { symbol, container } of flattenSymbols(entry.symbols)) {
      if (['function', 'method', 'class', 'model', 'cte', 'statement'].includes(symbol.kind))
        targets.push({ file, name: [...container, symbol.name].join('.') });
    }
  }
  let explained = 0;
  let fromStore = 0;
  for (const [i, t] of targets.entries()) {
    try {
      const r = await explainSymbol(svc, t.file, { name: t.name }, signal, job);
      if (r.cached) fromStore++;
      else explained++;
    } catch (e) {
      if (e instanceof LlmError && (e.kind === 'budget' || e.kind === 'cancelled' || e.kind === 'disabled'))
        return { explained, fromStore, stoppedBy: e.message };
      svc.log.warn(`explaining ${t.name} in ${t.file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    onProgress?.(i + 1, targets.length);
  }
  return { explained, fromStore };
}

function locate(svc: LlmService, file: string, where: SymbolWhere) {
  const entry = svc.text.entry(file);
  if (!entry) return undefined;
  const found = findSymbol(entry.symbols, where);
  if (!found) return undefined;
  const text = svc.text.symbolText(file, found.symbol) ?? '';
  return {
    hash: contentHash(entry.lang, text),
    text,
    kind: found.symbol.kind,
    lang: entry.lang,
    info: { file, symbol: found.name, ...toLineRange(found.symbol.span) },
  };
}
