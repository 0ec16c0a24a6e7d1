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

export async function ask(
  svc: LlmService,
  input: AskInput,
  onToken?: (delta: string) => void,
  signal?: AbortSignal,
): Promise<AskOutput> {
  const evidence = await gather(svc, input, signal);
  const evidenceCitations = evidence.map(({ file, startLine, endLine, symbol }) => ({
    file,
    startLine,
    endLine,
    ...(symbol ? { symbol } : {}),
  }));
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
        input.file
          ? `The user is looking at ${input.file}${input.selection ? ` lines ${input.selection.startLine}-${input.selection.endLine}` : ''}.`
          : '',
        `Question: ${input.question}`,
      ]
        .filter(Boolean)
        .join('\n\n'),
    },
  ];
  const window = Math.min(...client.providers.map((p) => p.config.contextWindow));
  const fit = fitEvidence(
    evidence.map((e, i) => renderEvidence(e, i + 1)),
    render,
    window,
    client.config.settings.maxOutputTokens,
  );
  const kept = evidence.slice(0, fit.evidence.length);
  try {
    const res = await client.chat({
      feature: 'ask',
      job: svc.job('ask'),
      messages: render(fit.evidence),
      promptTokens: fit.promptTokens,
      onToken,
      signal,
      temperature: 0.2,
    });
    const { citations, dropped, text } = extractCitations(res.text, kept, svc);
    return {
      answer: text,
      citations,
      droppedCitations: dropped,
      evidence: evidenceCitations,
      offline: false,
      costUsd: res.costUsd,
      cached: res.cached,
    };
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
 * workspace. Both kinds are validated; what does not exist is dropped and counted. The answer comes back with
 * its citations numbered as the returned list (`[1]` is citations[0], so the text can link to them), a dropped
 * `[n]` removed, and a reference to a file or lines that do not exist struck through and noted — nothing the
 * model invented reads as a source. Code blocks are left as they are.
 */
export function extractCitations(
  answer: string,
  evidence: Evidence[],
  svc: Pick<LlmService, 'text'>,
): { citations: Citation[]; dropped: number; text: string } {
  const cited: Citation[] = [];
  const keyOf = (c: Citation) => `${c.file}:${c.startLine}-${c.endLine}`;
  let dropped = 0;
  /** The 1-based number of a citation in the returned list, or undefined when it does not exist. */
  const number = (c: Citation): number | undefined => {
    const checked = checkCitations([c], svc.text).kept[0];
    if (!checked) return undefined;
    const at = cited.findIndex((x) => keyOf(x) === keyOf(checked));
    return at >= 0 ? at + 1 : cited.push(checked);
  };
  const re = /\[(\d+(?:\s*,\s*\d+)*)\]|\[?`?([A-Za-z0-9_./-]+\.[A-Za-z0-9]+):(\d+)(?:-(\d+))?`?\]?/g;
  const rewrite = (prose: string) =>
    prose.replace(re, (whole: string, nums?: string, file?: string, start?: string, end?: string) => {
      if (nums) {
        const kept: number[] = [];
        for (const n of nums.split(',').map((x) => Number(x.trim()))) {
          const e = evidence[n - 1];
          const k = e
            ? number({
                file: e.file,
                startLine: e.startLine,
                endLine: e.endLine,
                ...(e.symbol ? { symbol: e.symbol } : {}),
              })
            : undefined;
          if (k === undefined) dropped++;
          else if (!kept.includes(k)) kept.push(k);
        }
        return kept.map((k) => `[${k}]`).join('');
      }
      const k = number({
        file: resolveFile(file!, svc.text),
        startLine: Number(start),
        endLine: end ? Number(end) : Number(start),
      });
      if (k !== undefined) return `${whole} [${k}]`;
      dropped++;
      return `~~${whole.replace(/^\[|\]$/g, '')}~~`;
    });
  // Fenced code blocks are code, not citations: only the prose between them is read and rewritten.
  const parts = answer.split(/(^```[^\n]*\n[\s\S]*?^```[ \t]*$)/m);
  let text = parts.map((part, i) => (i % 2 === 1 ? part : rewrite(part))).join('');
  // "[3] [1]" and "claim [2]." read fine; a removed marker must not leave "claim ." behind.
  text = text.replace(/ +([.,;:)])/g, '$1').replace(/ {2,}/g, ' ');
  if (dropped)
    text += `\n\n_DagLens left out ${dropped === 1 ? 'a citation' : `${dropped} citations`} to code that is not in the workspace${/~~/.test(text) ? ' (struck through)' : ''}._`;
  return { citations: cited, dropped, text };
}

/** Models often cite `orders.sql:10` for `models/marts/orders.sql`: a path suffix that names one file resolves to it. */
function resolveFile(cited: string, text: LlmService['text']): string {
  const file = cited.replace(/^\.\//, '');
  if (text.lineCount(file) !== undefined) return file;
  const matches = text.relFiles().filter((f) => f.endsWith(`/${file}`));
  return matches.length === 1 ? matches[0] : file;
}

/**
 * The answer without a model: what lineage says about the assets the question names (each claim citing its
 * code), then a pointer to the other evidence. The citations below the answer list the code; the text does
 * not repeat it.
 */
function offlineAnswer(
  evidence: Evidence[],
  citations: Citation[],
  reason: string,
  onToken?: (d: string) => void,
): AskOutput {
  const lines = [`_No model answered: ${reason}._`, ''];
  const byAsset = new Map<string, { reads: string[]; writes: string[] }>();
  evidence.forEach((e, i) => {
    if (!e.lineage) return;
    const entry = byAsset.get(e.lineage.asset) ?? { reads: [], writes: [] };
    entry[e.lineage.role].push(`\`${e.symbol ?? e.file}\` [${i + 1}]`);
    byAsset.set(e.lineage.asset, entry);
  });
  const list = (xs: string[]) =>
    xs.length <= 2 ? xs.join(' and ') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
  for (const [asset, { reads, writes }] of byAsset) {
    const said = [
      reads.length ? `is read by ${list(reads)}` : 'is read by nothing in this workspace',
      writes.length ? `written by ${list(writes)}` : 'written by no code here (an external source)',
    ];
    lines.push(`From the lineage: **${asset}** ${said.join('; it is ')}.`, '');
  }
  const rest = evidence.flatMap((e, i) => (e.lineage ? [] : [`[${i + 1}]`]));
  if (!evidence.length) lines.push('Nothing in the workspace matches the question.');
  else if (rest.length)
    lines.push(
      `${byAsset.size ? 'Search also found' : 'Search found'} ${rest.length === 1 ? 'one place' : `${rest.length} places`} in the code that match${rest.length === 1 ? 'es' : ''} the question: ${rest.join(' ')}.`,
    );
  const answer = lines.join('\n');
  onToken?.(answer);
  return {
    answer,
    citations,
    droppedCitations: 0,
    evidence: citations,
    offline: true,
    reason,
    costUsd: 0,
    cached: false,
  };
}
