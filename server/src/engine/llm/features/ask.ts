/**
 * The chat backend: retrieve evidence for a question (hybrid index + the user's current file, selection or
 * DAG node), prompt with numbered evidence, stream the answer, and return only citations that exist.
 * Without a usable LLM the answer is the evidence itself, with the reason.
 */
import { checkCitations, type Citation } from '../citations';
import { LlmError } from '../errors';
import type { LlmService } from '../service';
import { fitEvidence, type ChatMessage } from '../tokens';
import { renderEvidence, type Evidence } from './evidence';

export interface AskInput {
  question: string;
  /** Workspace-relative file the user is looking at. */
  file?: string;
  /** 1-based inclusive selection in `file`. */
  selection?: { startLine: number; endLine: number };
  /** Extra context text (a DAG node's details, lineage around the file). */
  context?: string;
  /** Evidence snippets to retrieve (default 8). */
  k?: number;
}

export interface AskOutput {
  answer: string;
  citations: Citation[];
  /** Citations the model made that do not exist in the workspace (dropped). */
  droppedCitations: number;
  evidence: Citation[];
  /** True when no model answered (the answer lists the evidence and says why). */
  offline: boolean;
  reason?: string;
  costUsd: number;
  cached: boolean;
}

const SYSTEM = [
  'You are DagLens, an assistant for data engineers working in this code workspace.',
  'Answer the question using only the numbered evidence below; say so when it is not enough.',
  'Cite evidence inline as [n] right after the claim it supports. Be concise; use Markdown.',
].join(' ');

export async function ask(svc: LlmService, input: AskInput, onToken?: (delta: string) => void, signal?: AbortSignal): Promise<AskOutput> {
  const evidence = await gather(svc, input, signal);
  const evidenceCitations = evidence.map(({ file, startLine, endLine, symbol }) => ({ file, startLine, endLine, ...(symbol ? { symbol } : {}) }));
  const unavailable = svc.unavailableReason();
  if (unavailable) return offlineAnswer(evidence, evidenceCitations, unavailable, onToken);

  const client = svc.client!;
  const lineage = input.file ? svc.lineageOf(input.file, input.selection) : undefined;
  const context = [input.context, lineage].filter(Boolean).join('\n\n');
  const render = (ev: string[]): ChatMessage[] => [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: [
        ev.length ? `Evidence:\n\n${ev.join('\n\n')}` : 'Evidence: (none found)',
        context ? `Context:\n${context}` : '',
        input.file ? `The user is looking at ${input.file}${input.selection ? ` lines ${input.selection.startLine}-${input.selection.endLine}` : ''}.` : '',
        `Question: ${input.question}`,
      ].filter(Boolean).join('\n\n'),
    },
  ];
  const window = Math.min(...client.providers.map((p) => p.config.contextWindow));
  const fit = fitEvidence(evidence.map((e, i) => renderEvidence(e, i + 1)), render, window, client.config.settings.maxOutputTokens);
  const kept = evidence.slice(0, fit.evidence.length);
  try {
    const res = await client.chat({ feature: 'ask', job: svc.job('ask'), messages: render(fit.evidence), promptTokens: fit.promptTokens, onToken, signal, temperature: 0.2 });
    const { citations, dropped } = extractCitations(res.text, kept, svc);
    return { answer: res.text, citations, droppedCitations: dropped, evidence: evidenceCitations, offline: false, costUsd: res.costUsd, cached: res.cached };
  } catch (e) {
    if (e instanceof LlmError && e.kind === 'cancelled') throw e;
    const reason = e instanceof LlmError ? e.message : String(e);
    svc.log.warn(`ask: ${reason}; answering offline`);
    return offlineAnswer(evidence, evidenceCitations, reason, onToken);
  }
}

async function gather(svc: LlmService, input: AskInput, signal?: AbortSignal): Promise<Evidence[]> {
  const k = input.k ?? 8;
  const out: Evidence[] = [];
  if (input.file && input.selection) {
    const text = svc.text.lines(input.file, input.selection.startLine, input.selection.endLine);
    if (text !== undefined) out.push({ file: input.file, ...input.selection, text });
  }
  const query = [input.question, input.context ?? ''].join('\n');
  for (const e of await svc.retrieve(query, k, signal)) {
    if (out.length >= k) break;
    if (!out.some((o) => o.file === e.file && o.startLine <= e.endLine && e.startLine <= o.endLine)) out.push(e);
  }
  return out;
}

/**
 * Citations from the answer: `[n]` refers to evidence n; `[path:10-20]` / `path:10` is checked against the
 * workspace. Both kinds are validated; what does not exist is dropped and counted.
 */
export function extractCitations(answer: string, evidence: Evidence[], svc: Pick<LlmService, 'text'>): { citations: Citation[]; dropped: number } {
  const cited: Citation[] = [];
  let dropped = 0;
  const re = /\[(\d+(?:\s*,\s*\d+)*)\]|\[?`?([A-Za-z0-9_./-]+\.[A-Za-z0-9]+):(\d+)(?:-(\d+))?`?\]?/g;
  for (const m of answer.matchAll(re)) {
    if (m[1]) {
      for (const n of m[1].split(',').map((s) => Number(s.trim()))) {
        const e = evidence[n - 1];
        if (e) cited.push({ file: e.file, startLine: e.startLine, endLine: e.endLine, ...(e.symbol ? { symbol: e.symbol } : {}) });
        else dropped++;
      }
    } else if (m[2]) {
      const start = Number(m[3]);
      cited.push({ file: resolveFile(m[2], svc.text), startLine: start, endLine: m[4] ? Number(m[4]) : start });
    }
  }
  const checked = checkCitations(cited, svc.text);
  return { citations: checked.kept, dropped: dropped + checked.dropped.length };
}

/** Models often cite `orders.sql:10` for `models/marts/orders.sql`: a path suffix that names one file resolves to it. */
function resolveFile(cited: string, text: LlmService['text']): string {
  const file = cited.replace(/^\.\//, '');
  if (text.lineCount(file) !== undefined) return file;
  const matches = text.relFiles().filter((f) => f.endsWith(`/${file}`));
  return matches.length === 1 ? matches[0] : file;
}

function offlineAnswer(evidence: Evidence[], citations: Citation[], reason: string, onToken?: (d: string) => void): AskOutput {
  const lines = [
    `_No model answered: ${reason}._`,
    '',
    evidence.length ? 'The most relevant code in the workspace:' : 'Nothing in the workspace matches the question.',
    ...evidence.map((e, i) => `${i + 1}. \`${e.file}:${e.startLine}-${e.endLine}\`${e.symbol ? ` — ${e.symbol}` : ''} [${i + 1}]`),
  ];
  const answer = lines.join('\n');
  onToken?.(answer);
  return { answer, citations, droppedCitations: 0, evidence: citations, offline: true, reason, costUsd: 0, cached: false };
}
