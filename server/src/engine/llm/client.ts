/**
 * The LLM client every feature goes through: one request walks the provider chain; on each provider it
 * waits for the rate limiter, is checked against the cache and the budget, is sent with a timeout and the
 * caller's cancellation, and is retried with backoff (or the server's Retry-After) on 429/5xx/network
 * errors until the provider's circuit opens or retries run out — then the next provider is tried.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
} from 'openai/resources/chat/completions';
import { backoffDelay, sleep as realSleep } from './backoff';
import { Budget, type Job } from './budget';
import { cacheKey, type ResponseCache } from './cache';
import { classify, LlmError } from './errors';
import type { Ledger } from './ledger';
import { costUsd, priceOf } from './prices';
import { openProvider, usesMaxCompletionTokens, type LiveProvider } from './providers';
import type { LlmConfig } from './settings';
import { countMessages, countTokens, type ChatMessage } from './tokens';
import { editorMessages, JUSTIFICATIONS, type EditorLm } from './vscodeLm';

/** Longest Retry-After we wait for on one provider before moving on to the next. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface ChatRequest {
  /** Which feature asks (for stats): 'ask', 'verify', 'explain', … */
  feature: string;
  job: Job;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  responseFormat?: ChatCompletionCreateParams['response_format'];
  signal?: AbortSignal;
  /** Streams the reply through this callback (SSE). */
  onToken?: (delta: string) => void;
  /** Prompt tokens when the caller already knows them (an upper bound from context fitting). */
  promptTokens?: number;
  /** Only replies this accepts are cached (a structured reply that failed validation is not). */
  cacheIf?: (text: string) => boolean;
  /** Answer from the cache or not at all ('disabled'): for views that must never spend (code lenses). */
  cacheOnly?: boolean;
}

export interface ChatResult {
  text: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  cached: boolean;
}

export interface ClientHooks {
  /** Replaces real sleeping (tests record the delays asked for instead of waiting them out). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

interface Billed<T> {
  value: T;
  promptTokens: number;
  completionTokens: number;
}

export class LlmClient {
  readonly providers: LiveProvider[];

  constructor(
    readonly config: LlmConfig,
    private readonly budget: Budget,
    private readonly cache: ResponseCache,
    private readonly ledger: Ledger,
    private readonly hooks: ClientHooks = {},
    /** How `vscode-lm` providers (the editor's models) are reached; absent outside the editor. */
    private readonly editor?: EditorLm,
  ) {
    this.providers = config.providers.map((p) => openProvider(p, config.settings));
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const maxTokens = req.maxTokens ?? this.config.settings.maxOutputTokens;
    return this.walk(req.feature, req.job, req.signal, !!req.cacheOnly, (p) => {
      const promptTokens = req.promptTokens ?? countMessages(req.messages);
      if (promptTokens + maxTokens > p.config.contextWindow) {
        throw new LlmError(
          'bad-request',
          `the prompt (${promptTokens} tokens) does not fit ${p.config.model}'s window of ${p.config.contextWindow}`,
        );
      }
      const body: ChatCompletionCreateParams = {
        model: p.config.model,
        messages: req.messages,
        ...(usesMaxCompletionTokens(p.config) ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens }),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        ...(req.responseFormat ? { response_format: req.responseFormat } : {}),
      };
      return {
        key: cacheKey({
          provider: p.config.baseUrl,
          model: p.config.model,
          prompt: [req.messages, maxTokens, req.temperature],
          schema: req.responseFormat,
        }),
        promptTokens,
        maxCompletionTokens: maxTokens,
        fromCache: (text: string) => {
          req.onToken?.(text);
          return text;
        },
        cacheable: (text: string) => text.length > 0 && (req.cacheIf?.(text) ?? true),
        send: (signal: AbortSignal | undefined, emitted: { any: boolean }) =>
          p.config.kind === 'vscode-lm'
            ? this.viaEditor(p, req, signal, emitted, promptTokens)
            : req.onToken
              ? this.stream(p, body, req.onToken, signal, emitted, promptTokens)
              : this.complete(p, body, signal, promptTokens),
      };
    }).then(({ value, provider, model, promptTokens, completionTokens, costUsd, cached }) => ({
      text: value,
      provider,
      model,
      promptTokens,
      completionTokens,
      costUsd,
      cached,
    }));
  }

  /** A `vscode-lm` provider: the request goes through the editor (which may ask the user's consent first). */
  private async viaEditor(
    p: LiveProvider,
    req: ChatRequest,
    signal: AbortSignal | undefined,
    emitted: { any: boolean },
    promptTokens: number,
  ): Promise<Billed<string>> {
    if (!this.editor || !p.config.vscodeModelId)
      throw new LlmError('unreachable', `${p.config.name} can only be reached inside VS Code`, {
        provider: p.config.name,
      });
    const onDelta =
      req.onToken &&
      ((d: string) => {
        emitted.any = true;
        req.onToken!(d);
      });
    const r = await this.editor.chat(
      {
        modelId: p.config.vscodeModelId,
        messages: editorMessages(req.messages, req.responseFormat),
        justification: JUSTIFICATIONS[req.feature] ?? 'DagLens sends code of this workspace to a language model.',
      },
      onDelta,
      signal,
    );
    return { value: r.text, promptTokens, completionTokens: countTokens(r.text) };
  }

  private async complete(
    p: LiveProvider,
    body: ChatCompletionCreateParams,
    signal: AbortSignal | undefined,
    promptTokens: number,
  ): Promise<Billed<string>> {
    const res = (await p.api.chat.completions.create({ ...body, stream: false }, { signal })) as
      ChatCompletion | string;
    const msg = typeof res === 'object' && res && Array.isArray(res.choices) ? res.choices[0]?.message : undefined;
    if (!msg) {
      const html = typeof res === 'string' && /<html|<!doctype/i.test(res);
      throw new LlmError(
        'bad-response',
        html
          ? `${p.config.name} returned an HTML page, not an OpenAI-compatible API — check daglens.llm.baseUrl`
          : `${p.config.name} sent a reply without a message — is daglens.llm.baseUrl an OpenAI-compatible API?`,
      );
    }
    const text = typeof msg.content === 'string' ? msg.content : '';
    const cap = replyCap(body);
    if (text.length > maxReplyChars(cap))
      throw new LlmError(
        'bad-response',
        `${p.config.name} sent a reply far longer than the ${cap} tokens asked for; it was dropped`,
      );
    const u = (res as ChatCompletion).usage;
    return {
      value: text,
      promptTokens: tokensOr(u?.prompt_tokens, promptTokens),
      completionTokens: Math.min(cap, tokensOr(u?.completion_tokens, countTokens(text))),
    };
  }

  private async stream(
    p: LiveProvider,
    body: ChatCompletionCreateParams,
    onToken: (d: string) => void,
    signal: AbortSignal | undefined,
    emitted: { any: boolean },
    promptTokens: number,
  ): Promise<Billed<string>> {
    const stream = await p.api.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    let text = '';
    let usage: ChatCompletionChunk['usage'];
    const cap = replyCap(body);
    for await (const chunk of stream) {
      if (!chunk || typeof chunk !== 'object')
        throw new LlmError('bad-response', `${p.config.name} sent a malformed stream`);
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices?.[0]?.delta?.content;
      if (typeof delta === 'string' && delta) {
        text += delta;
        emitted.any = true;
        // A server that ignores max_tokens must not fill the memory (or the chat) without end.
        if (text.length > maxReplyChars(cap))
          throw new LlmError(
            'bad-response',
            `${p.config.name} kept streaming past the ${cap} tokens asked for; the reply was stopped`,
          );
        onToken(delta);
      }
    }
    return {
      value: text,
      promptTokens: tokensOr(usage?.prompt_tokens, promptTokens),
      completionTokens: Math.min(cap, tokensOr(usage?.completion_tokens, countTokens(text))),
    };
  }

  /**
   * The chain walk of one request. `plan(p)` describes the request for one provider:
   * its cache key, token counts for the budget, and how to send it.
   */
  private async walk<T>(
    feature: string,
    job: Job,
    signal: AbortSignal | undefined,
    cacheOnly: boolean,
    plan: (p: LiveProvider) => {
      key: string;
      promptTokens: number;
      maxCompletionTokens: number;
      fromCache: (v: T) => T;
      cacheable: (v: T) => boolean;
      send: (signal: AbortSignal | undefined, emitted: { any: boolean }) => Promise<Billed<T>>;
    },
  ): Promise<Billed<T> & { provider: string; model: string; costUsd: number; cached: boolean }> {
    if (this.providers.length === 0)
      throw new LlmError(
        'disabled',
        this.config.problems[0] ?? 'no LLM provider is configured (set daglens.llm.model)',
      );
    const sleep = this.hooks.sleep ?? realSleep;
    const failures: LlmError[] = [];
    for (const p of this.providers) {
      const plan0 = plan(p);
      const model = p.config.model;
      const base = { feature, provider: p.config.name, model };
      const hit = this.cache.get<T>(plan0.key);
      if (hit !== undefined) {
        this.ledger.add({ ...base, outcome: 'cached', promptTokens: 0, completionTokens: 0, costUsd: 0, latencyMs: 0 });
        return {
          value: plan0.fromCache(hit),
          promptTokens: 0,
          completionTokens: 0,
          provider: p.config.name,
          model,
          costUsd: 0,
          cached: true,
        };
      }
      if (cacheOnly) {
        failures.push(new LlmError('disabled', 'no cached reply (cache-only request)', { provider: p.config.name }));
        continue;
      }
      if (!p.breaker.allow()) {
        failures.push(
          new LlmError('circuit-open', `${p.config.name} is failing; paused for a while`, { provider: p.config.name }),
        );
        continue;
      }
      const { price } = priceOf(model, p.config.local, this.config.settings.prices);
      // Our count (o200k) is exact for OpenAI models; other tokenizers can split code into up to ~40% more
      // tokens, so their reservation carries a wider margin.
      const margin = /^(gpt-|o\d|text-embedding-)/.test(model) ? 1.1 : 1.5;
      const worstCase = costUsd(price, Math.ceil(plan0.promptTokens * margin) + 16, plan0.maxCompletionTokens);
      let reservation;
      try {
        reservation = this.budget.reserve(job, worstCase);
      } catch (e) {
        this.ledger.add({
          ...base,
          outcome: 'refused',
          promptTokens: 0,
          completionTokens: 0,
          costUsd: 0,
          latencyMs: 0,
          error: 'budget',
        });
        p.breaker.releaseTrial(); // the provider was not tried: a half-open trial stays available
        failures.push(e as LlmError);
        continue;
      }
      let spent = 0;
      try {
        for (let attempt = 0; ; attempt++) {
          const emitted = { any: false };
          const started = Date.now();
          let release: (() => void) | undefined;
          try {
            release = await p.limiter.acquire(signal);
            const r = await plan0.send(signal, emitted);
            spent = costUsd(price, r.promptTokens, r.completionTokens);
            p.breaker.success();
            this.ledger.add({
              ...base,
              outcome: 'ok',
              promptTokens: r.promptTokens,
              completionTokens: r.completionTokens,
              costUsd: spent,
              latencyMs: Date.now() - started,
            });
            if (plan0.cacheable(r.value)) this.cache.set(plan0.key, r.value);
            return { ...r, provider: p.config.name, model, costUsd: spent, cached: false };
          } catch (e) {
            const err = signal?.aborted
              ? new LlmError('cancelled', 'cancelled', { provider: p.config.name })
              : redact(classify(e, p.config.name, model), p.config.apiKey);
            if (!release) throw err; // cancelled while waiting for a slot: nothing was sent
            // A stream cut short or a request cancelled in flight may still be billed: count its worst case.
            const billed = emitted.any || err.kind === 'cancelled' ? worstCase : 0;
            spent = Math.max(spent, billed);
            this.ledger.add({
              ...base,
              outcome: 'error',
              promptTokens: 0,
              completionTokens: 0,
              costUsd: billed,
              latencyMs: Date.now() - started,
              error: err.kind,
            });
            if (err.kind === 'cancelled') throw err;
            if (err.providerFault) p.breaker.failure();
            const wait = err.opts.retryAfterMs ?? backoffDelay(attempt, { random: this.hooks.random });
            // Once tokens reached the caller a retry would repeat them: fail over instead.
            const again =
              err.retryable &&
              !emitted.any &&
              attempt < this.config.settings.maxRetries &&
              p.breaker.state === 'closed' &&
              wait <= MAX_RETRY_AFTER_MS;
            if (again) {
              await sleep(wait, signal).catch(() => {
                throw new LlmError('cancelled', 'cancelled', { provider: p.config.name });
              });
              continue;
            }
            if (!err.providerFault || emitted.any) throw err;
            failures.push(err);
            break;
          } finally {
            release?.();
          }
        }
      } finally {
        this.budget.settle(reservation, spent);
      }
    }
    throw summarise(failures);
  }
}

/** The reply tokens a request asked for (an OpenAI-compatible server never bills more). */
function replyCap(body: ChatCompletionCreateParams): number {
  const n = Number(body.max_completion_tokens ?? body.max_tokens);
  return Number.isFinite(n) && n > 0 ? n : 4096;
}

/** Characters a reply of `tokens` tokens can plausibly have (a token is rarely over 16 characters). */
function maxReplyChars(tokens: number): number {
  return tokens * 16 + 4096;
}

/** A provider's token count when it is a sane number, else ours. */
function tokensOr(reported: unknown, ours: number): number {
  return typeof reported === 'number' && Number.isFinite(reported) && reported >= 0 ? reported : ours;
}

/** Providers sometimes echo the key (or most of it) in error bodies: never pass it on. */
export function redact(e: LlmError, key: string): LlmError {
  if (key.length < 8) return e;
  const parts = [key, key.slice(0, 8), key.slice(-6)].filter((k) => k.length >= 6);
  let msg = e.message;
  for (const k of parts) msg = msg.split(k).join('***');
  return msg === e.message ? e : new LlmError(e.kind, msg, e.opts);
}

/**
 * A startup check of each provider that sends no code: list its models. Finds a wrong key, an unreachable
 * URL, an HTML page where an API should be, and a model the server does not serve — one line each.
 */
export async function probeProviders(client: LlmClient, timeoutMs = 10_000): Promise<string[]> {
  const problems: string[] = [];
  for (const p of client.providers) {
    if (p.config.azure) continue; // deployments are not listed by /models
    if (p.config.kind === 'vscode-lm') continue; // the editor listed it: it exists
    try {
      const { data: page, response } = await p.api.models.list({ timeout: timeoutMs }).withResponse();
      const type = response.headers.get('content-type') ?? '';
      if (!type.includes('json')) {
        problems.push(
          `${p.config.name} returned ${type.includes('html') ? 'an HTML page' : `'${type || 'no content type'}'`}, not an OpenAI-compatible API — check daglens.llm.baseUrl`,
        );
        continue;
      }
      const data = (page as unknown as { data?: Array<{ id?: unknown }> }).data ?? [];
      const ids = data.map((m) => String(m.id));
      // Some servers list nothing (or only aliases): only an explicit, non-empty list can rule a model out.
      if (ids.length > 0 && !ids.includes(p.config.model)) {
        problems.push(
          `${p.config.name}: the server does not serve model '${p.config.model}' (it serves ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''}) — check daglens.llm.model`,
        );
      }
    } catch (e) {
      const err = redact(classify(e, p.config.name, p.config.model), p.config.apiKey);
      // A 404 on /models says nothing about chat completions (some gateways do not list models).
      if (err.kind !== 'model') problems.push(err.message);
    }
  }
  return problems;
}

/** One error for the whole chain: the first provider's, naming the others' too. */
function summarise(failures: LlmError[]): LlmError {
  if (failures.length === 1) return failures[0];
  const budget = failures.find((f) => f.kind === 'budget');
  if (budget && failures.every((f) => f.kind === 'budget')) return budget;
  const first = failures[0];
  return new LlmError(
    first.kind,
    `${first.message}; fallbacks failed too: ${failures
      .slice(1)
      .map((f) => f.message)
      .join('; ')}`,
    first.opts,
  );
}

export { Budget };
