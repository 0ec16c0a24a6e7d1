/**
 * What can go wrong talking to a provider, as one kind + one clear sentence. Raw `openai` errors are
 * classified here once so the retry loop, the fallback chain and the features all reason about kinds.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

export type LlmErrorKind =
  | 'disabled' // LLM off, untrusted workspace, or no provider configured
  | 'budget' // the request would exceed the job or hourly budget: not sent
  | 'cancelled'
  | 'timeout'
  | 'unreachable'
  | 'rate-limited'
  | 'server'
  | 'auth'
  | 'model'
  | 'bad-request'
  | 'bad-response' // not an OpenAI-compatible reply (HTML, wrong shape)
  | 'invalid-output' // the model's structured reply never validated
  | 'circuit-open';

export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly opts: { provider?: string; retryAfterMs?: number; status?: number } = {},
  ) {
    super(message);
    this.name = 'LlmError';
  }

  /** Worth trying the same provider again after a pause. */
  get retryable(): boolean {
    return (
      this.kind === 'timeout' || this.kind === 'unreachable' || this.kind === 'rate-limited' || this.kind === 'server'
    );
  }

  /** Worth trying the next provider of the chain (the request itself was fine). */
  get providerFault(): boolean {
    return (
      this.retryable ||
      this.kind === 'auth' ||
      this.kind === 'model' ||
      this.kind === 'bad-response' ||
      this.kind === 'circuit-open'
    );
  }
}

/** Parses `retry-after-ms` (OpenAI) or `Retry-After` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (!ra) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Turns anything thrown by the `openai` client into an LlmError with a message a user can act on. */
export function classify(e: unknown, provider: string, model: string): LlmError {
  if (e instanceof LlmError) return e;
  const p = { provider };
  if (e instanceof APIUserAbortError) return new LlmError('cancelled', 'cancelled', p);
  if (e instanceof APIConnectionTimeoutError) return new LlmError('timeout', `${provider} did not answer in time`, p);
  if (e instanceof APIConnectionError) {
    return new LlmError('unreachable', `cannot reach ${provider}: ${causeOf(e)} — check daglens.llm.baseUrl`, p);
  }
  if (e instanceof APIError) {
    const status = e.status ?? 0;
    const html = typeof e.error === 'string' && /<html|<!doctype/i.test(e.error);
    const detail = apiDetail(e);
    const o = { provider, status, retryAfterMs: retryAfterMs(e.headers) };
    if (status === 401 || status === 403)
      return new LlmError(
        'auth',
        `${provider} rejected the API key (${status}) — run "DagLens: Set API Key" or check the key's environment variable`,
        o,
      );
    if (status === 404)
      return new LlmError(
        'model',
        `${provider} does not know model '${model}' or the base URL is wrong (404${detail ? `: ${detail}` : ''})`,
        o,
      );
    if (status === 429) return new LlmError('rate-limited', `${provider} is rate-limiting requests (429)`, o);
    if (status >= 500)
      return new LlmError(
        'server',
        `${provider} failed (${status})${html ? ' with an HTML page' : detail ? `: ${detail}` : ''}`,
        o,
      );
    if (html)
      return new LlmError(
        'bad-response',
        `${provider} returned an HTML page, not an OpenAI-compatible API — check daglens.llm.baseUrl`,
        o,
      );
    return new LlmError('bad-request', `${provider} refused the request (${status}${detail ? `: ${detail}` : ''})`, o);
  }
  if (e instanceof SyntaxError)
    return new LlmError(
      'bad-response',
      `${provider} sent a reply that is not JSON — is daglens.llm.baseUrl an OpenAI-compatible API?`,
      p,
    );
  if (e instanceof Error && e.name === 'AbortError') return new LlmError('cancelled', 'cancelled', p);
  return new LlmError('bad-response', `${provider}: ${e instanceof Error ? e.message : String(e)}`, p);
}

/** The innermost cause (fetch wraps the socket error): "ECONNREFUSED" beats "fetch failed". */
function causeOf(e: Error): string {
  let cur: unknown = e;
  let best = e.message;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const c = cur as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (typeof c.message === 'string' && c.message) best = c.message;
    cur = c.cause;
  }
  return best;
}

function apiDetail(e: APIError): string {
  const err = e.error as { message?: unknown } | undefined;
  const m = err && typeof err === 'object' && typeof err.message === 'string' ? err.message : '';
  return m.slice(0, 200);
}
