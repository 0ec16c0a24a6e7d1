/** Picks the embedder the settings ask for; falls back to the built-in one (saying why) if it cannot start. */
import type { EngineSettings } from '../config';
import { errorMessage, type Logger } from '../log';
import type { Embedder } from './embedder';
import { HashEmbedder } from './hashEmbedder';
import { OpenAIEmbedder } from './openaiEmbedder';

export function createEmbedder(settings: EngineSettings, log: Logger, apiKey?: string): Embedder {
  const e = settings.embeddings;
  if (e.provider === 'openai') {
    try {
      return new OpenAIEmbedder({ model: e.model, baseUrl: e.baseUrl, dimensions: e.dimensions, apiKey });
    } catch (err) {
      log.warn(`OpenAI-compatible embeddings unavailable (${errorMessage(err)}); using the built-in embedder`);
    }
  }
  return new HashEmbedder();
}
