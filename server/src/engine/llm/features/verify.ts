/**
 * Mapping verification: for DAG nodes whose offline mapping is `low` or ambiguous, the model sees the node
 * and the top-k candidate snippets, picks one (or none) and may narrow its lines; the verdict is checked
 * against the workspace and merged with a recalibrated confidence. Any failure keeps the offline mapping.
 */
import { z } from 'zod/v4';
import type { DagMapLocation, DagNodeMapping } from '../../../protocol/contracts';
import { checkCitations } from '../citations';
import { LlmError } from '../errors';
import type { LlmService } from '../service';
import { structured } from '../structured';
import { fitEvidence, truncateToTokens, type ChatMessage } from '../tokens';
import { renderEvidence, type Evidence } from './evidence';

/** The DAG mapper's location and node mapping (the protocol's DAG contract). */
export type MappedLocation = DagMapLocation;
export type NodeMapping = DagNodeMapping;
export interface VerifyTarget {
  node: { id: string; operator: string; label: string; detail?: string };
  mapping: NodeMapping;
}

export interface VerifyOutcome {
  /** Every mapping, in input order; verified ones updated. */
  mappings: NodeMapping[];
  llmCalls: number;
  costUsd: number;
  verified: number;
  changed: number;
  /** Why nodes kept their offline mapping (budget, invalid replies, unavailable LLM…). */
  problems: string[];
}

const Verdict = z.object({
  candidate: z.number().int().min(0).describe('number of the candidate that produced the node, or 0 if none did'),
  startLine: z.number().int().min(1).optional().describe('narrower first line inside the chosen candidate, if useful'),
  endLine: z.number().int().min(1).optional(),
  confidence: z.number().min(0).max(1),
  explanation: z.string().min(1).max(800),
});
type Verdict = z.infer<typeof Verdict>;

const SYSTEM = [
  'You map nodes of data-pipeline DAGs (Spark physical plans, dbt, Airflow) to the code that produced them.',
  'Given one node and numbered candidate code snippets, choose the candidate that produced the node (0 if none),',
  'optionally narrow it to the exact lines, and explain in one or two sentences. Reply with JSON only.',
].join(' ');

/** Low, or high with a runner-up too close to call. */
export function needsVerification(m: NodeMapping): boolean {
  if (m.status === 'low') return true;
  if (m.status !== 'high' || !m.best || m.alternatives.length === 0) return false;
  return m.best.confidence - m.alternatives[0].confidence < 0.1;
}

export function statusOf(confidence: number): NodeMapping['status'] {
  return confidence >= 0.8 ? 'high' : confidence >= 0.5 ? 'low' : 'unmapped';
}

export interface VerifyOptions {
  signal?: AbortSignal;
  /** Apply only verdicts already in the cache (free and instant; for code lenses), never send a request. */
  cacheOnly?: boolean;
}

export async function verifyMappings(
  svc: LlmService,
  targets: VerifyTarget[],
  opts: VerifyOptions = {},
): Promise<VerifyOutcome> {
  const { signal, cacheOnly } = opts;
  const out: VerifyOutcome = {
    mappings: targets.map((t) => t.mapping),
    llmCalls: 0,
    costUsd: 0,
    verified: 0,
    changed: 0,
    problems: [],
  };
  const todo = targets.map((t, i) => ({ t, i })).filter(({ t }) => needsVerification(t.mapping));
  if (todo.length === 0) return out;
  const why = svc.unavailableReason();
  if (why) {
    out.problems.push(`${todo.length} low or ambiguous nodes not verified: ${why}`);
    return out;
  }
  const job = svc.job('DAG verification');
  let stop: string | undefined;
  for (const { t, i } of todo) {
    if (stop) break;
    try {
      const r = await verifyOne(svc, t, job, signal, cacheOnly);
      out.llmCalls += r.calls;
      out.costUsd += r.costUsd;
      if (r.mapping) {
        out.mappings[i] = r.mapping;
        out.verified++;
        if (r.mapping.best?.file !== t.mapping.best?.file || r.mapping.best?.startLine !== t.mapping.best?.startLine)
          out.changed++;
      } else if (r.problem) out.problems.push(`${t.node.id}: ${r.problem}`);
    } catch (e) {
      const err = e instanceof LlmError ? e : new LlmError('bad-response', String(e));
      if (err.kind === 'cancelled') throw err;
      if (cacheOnly && err.kind === 'disabled') continue; // not verified yet: nothing to say
      // Out of budget or no provider answering: the next nodes would fail the same way.
      if (err.kind === 'budget' || err.kind === 'disabled' || err.providerFault) stop = err.message;
      out.problems.push(`${t.node.id}: ${err.message}; offline mapping kept`);
    }
  }
  if (stop) out.problems.push(`verification stopped: ${stop}`);
  return out;
}

async function verifyOne(
  svc: LlmService,
  t: VerifyTarget,
  job: ReturnType<LlmService['job']>,
  signal?: AbortSignal,
  cacheOnly?: boolean,
) {
  const client = svc.client!;
  const candidates = await candidatesFor(svc, t, signal);
  if (candidates.length === 0) return { calls: 0, costUsd: 0, problem: 'no candidate code to choose from' };
  const nodeText = [
    `operator: ${t.node.operator}`,
    `label: ${t.node.label}`,
    t.node.detail ? `details:\n${t.node.detail}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const render = (ev: string[]): ChatMessage[] => [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `DAG node:\n${nodeText}\n\nCandidates:\n\n${ev.join('\n\n')}` },
  ];
  const window = Math.min(...client.providers.map((p) => p.config.contextWindow));
  const fit = fitEvidence(
    candidates.map((c, n) => renderEvidence({ ...c, text: truncateToTokens(c.text, 600) }, n + 1)),
    render,
    window,
    400,
  );
  const shown = candidates.slice(0, fit.evidence.length);
  const res = await structured(client, {
    feature: 'verify',
    job,
    signal,
    cacheOnly,
    maxTokens: 400,
    temperature: 0,
    name: 'dag_node_verdict',
    schema: Verdict,
    messages: render(fit.evidence),
    promptTokens: fit.promptTokens,
  });
  const calls = res.calls.filter((c) => !c.cached).length;
  const costUsd = res.calls.reduce((n, c) => n + c.costUsd, 0);
  const mapping = merge(svc, t.mapping, shown, res.value, res.calls.at(-1)!.model);
  return mapping
    ? { calls, costUsd, mapping }
    : {
        calls,
        costUsd,
        problem: `the model chose candidate ${res.value.candidate} of ${shown.length}; offline mapping kept`,
      };
}

type Candidate = Evidence & { offline?: number };

/** The mapper's best and alternatives first (with their offline confidence), then retrieval hits, up to topK. */
async function candidatesFor(svc: LlmService, t: VerifyTarget, signal?: AbortSignal): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const add = (c: Candidate) => {
    if (
      out.length < svc.config.topK &&
      !out.some((o) => o.file === c.file && o.startLine === c.startLine && o.endLine === c.endLine)
    )
      out.push(c);
  };
  for (const loc of [t.mapping.best, ...t.mapping.alternatives]) {
    if (!loc) continue;
    const text = svc.text.lines(loc.file, loc.startLine, loc.endLine);
    if (text !== undefined)
      add({
        file: loc.file,
        startLine: loc.startLine,
        endLine: loc.endLine,
        symbol: loc.symbol,
        text,
        offline: loc.confidence,
      });
  }
  const query = [t.node.label, t.node.detail ?? ''].join('\n');
  for (const e of await svc.retrieve(query, svc.config.topK, signal)) add(e);
  return out;
}

function merge(
  svc: LlmService,
  offline: NodeMapping,
  shown: Candidate[],
  v: Verdict,
  model: string,
): NodeMapping | undefined {
  const previous = [offline.best, ...offline.alternatives].filter((l): l is MappedLocation => !!l);
  if (v.candidate === 0) {
    // The model rejects every candidate: the offline best stays, trusted less.
    if (!offline.best) return undefined;
    const confidence = offline.best.confidence * 0.6;
    return relabel(
      offline,
      {
        ...offline.best,
        confidence,
        explanation: `${offline.best.explanation} LLM (${model}) found no match: ${v.explanation}`,
      },
      previous,
    );
  }
  const c = shown[v.candidate - 1];
  if (!c) return undefined;
  let { startLine, endLine } = c;
  if (v.startLine !== undefined && v.endLine !== undefined) {
    // A refinement must stay inside the chosen candidate and exist in the file.
    const ok =
      v.startLine >= c.startLine &&
      v.endLine <= c.endLine &&
      checkCitations([{ file: c.file, startLine: v.startLine, endLine: v.endLine }], svc.text).kept.length === 1;
    if (ok) ({ startLine, endLine } = v);
  }
  const prior = c.offline ?? 0.3;
  const agrees = offline.best?.file === c.file && offline.best.startLine === c.startLine;
  // Noisy-OR of the offline evidence and the model's judgement (weighted 0.8); overruling the offline best costs 5%.
  const confidence = Math.min(0.97, (1 - (1 - prior) * (1 - 0.8 * v.confidence)) * (agrees ? 1 : 0.95));
  const best: MappedLocation = {
    file: c.file,
    symbol: c.symbol ?? c.file,
    startLine,
    endLine,
    confidence,
    explanation: `LLM (${model}): ${v.explanation}`,
  };
  return relabel(offline, best, previous);
}

function relabel(offline: NodeMapping, best: MappedLocation, previous: MappedLocation[]): NodeMapping {
  const status = statusOf(best.confidence);
  const others = previous.filter(
    (p) => !(p.file === best.file && p.startLine === best.startLine && p.symbol === best.symbol),
  );
  if (status === 'unmapped')
    return { nodeId: offline.nodeId, status, best: null, alternatives: [best, ...others].slice(0, 3) };
  return { nodeId: offline.nodeId, status, best, alternatives: others.slice(0, 3) };
}

/** The parts of the DAG mapper's result (the protocol's `DagMapResult`) that verification reads and updates. */
export interface DagResultLike {
  dag: { nodes: Array<{ id: string; operator: string; label: string }> };
  mappings: NodeMapping[];
  stats: { llmCalls: number; costUsd: number };
  problems: Array<{ message: string }>;
}

/**
 * Verifies a finished mapping (`daglens map --llm`, the editor's map command): low or ambiguous nodes are
 * checked, everything else is returned as it was; LLM calls and spend are added to the result's stats.
 */
export async function verifyDagResult<R extends DagResultLike>(
  svc: LlmService,
  result: R,
  opts: VerifyOptions = {},
): Promise<R & { verification: Omit<VerifyOutcome, 'mappings'> }> {
  const nodes = new Map(result.dag.nodes.map((n) => [n.id, n]));
  const targets: VerifyTarget[] = result.mappings.map((m) => {
    const n = nodes.get(m.nodeId);
    return { node: { id: m.nodeId, operator: n?.operator ?? '', label: n?.label ?? m.nodeId }, mapping: m };
  });
  const { mappings, ...verification } = await verifyMappings(svc, targets, opts);
  return {
    ...result,
    mappings,
    stats: {
      ...result.stats,
      llmCalls: result.stats.llmCalls + verification.llmCalls,
      costUsd: result.stats.costUsd + verification.costUsd,
    },
    problems: [...result.problems, ...verification.problems.map((message) => ({ message }))],
    verification,
  };
}
