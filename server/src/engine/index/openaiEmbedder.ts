/**
 * Embeddings from any OpenAI-compatible endpoint through the official `openai` client: batched,
 * retried by the client on 429/5xx/connection errors with backoff, and (wrapped in CachedEmbedder by
 * the index) never asked twice for the same content. The key comes from the caller or OPENAI_API_KEY,
 * and never appears in logs or errors.
 */
import OpenAI from 'openai';
import { normaliseInPlace, type Embedder } from './embedder';

export interface OpenAIEmbedderOptions {
  model: string;
  baseUrl?: string;
  apiKey?: string;
  /** Vector length; required for models not in KNOWN_DIMENSIONS (sent as `dimensions` when given). */
  dimensions?: number;
  /** Inputs per request. */
  batchSize?: number;
  maxRetries?: number;
  timeoutMs?: number;
}

const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** Inputs longer than this are cut: embedding models take ~8k tokens, and a chunk's head says what it is. */
const MAX_INPUT_CHARS = 16_000;

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly client: OpenAI;
  private readonly batchSize: number;
  requests = 0;

  constructor(private readonly opts: OpenAIEmbedderOptions) {
    // The editor hands the SecretStorage key to the server in DAGLENS_LLM_API_KEY (see client/src/llm.ts).
    const apiKey = opts.apiKey ?? process.env.DAGLENS_LLM_API_KEY ?? process.env.OPENAI_API_KEY;
    if (!apiKey)
      throw new Error('no API key for embeddings: set OPENAI_API_KEY or store one with "DagLens: Set API Key"');
    const dims = opts.dimensions ?? KNOWN_DIMENSIONS[opts.model];
    if (!dims)
      throw new Error(`unknown vector size for embedding model '${opts.model}': set daglens.embeddings.dimensions`);
    this.dimensions = dims;
    this.batchSize = Math.max(1, opts.batchSize ?? 96);
    this.id = `openai:${opts.baseUrl ?? 'api.openai.com'}:${opts.model}:${dims}`;
    this.client = new OpenAI({
      apiKey,
      baseURL: opts.baseUrl,
      maxRetries: opts.maxRetries ?? 4,
      timeout: opts.timeoutMs ?? 60_000,
    });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts
        .slice(i, i + this.batchSize)
        .map((t) => (t.length > MAX_INPUT_CHARS ? t.slice(0, MAX_INPUT_CHARS) : t) || ' ');
      this.requests++;
      const res = await this.client.embeddings.create(
        { model: this.opts.model, input: batch, ...(this.opts.dimensions ? { dimensions: this.opts.dimensions } : {}) },
        { signal },
      );
      const byIndex = [...res.data].sort((a, b) => a.index - b.index);
      if (byIndex.length !== batch.length)
        throw new Error(`embeddings endpoint returned ${byIndex.length} vectors for ${batch.length} inputs`);
      for (const d of byIndex) {
        if (d.embedding.length !== this.dimensions) {
          throw new Error(
            `embeddings endpoint returned ${d.embedding.length}-d vectors, expected ${this.dimensions} (daglens.embeddings.dimensions)`,
          );
        }
        out.push(normaliseInPlace(Float32Array.from(d.embedding)));
      }
    }
    return out;
  }
}
