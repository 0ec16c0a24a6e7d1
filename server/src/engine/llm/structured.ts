/**
 * Structured output: a zod schema becomes the request's JSON-schema `response_format`; the reply is parsed
 * and validated; an invalid reply is sent back once per repair attempt with the validation error; when no
 * attempt validates, an 'invalid-output' LlmError tells the feature to keep its offline result.
 */
import { z } from 'zod/v4';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type { ChatRequest, ChatResult, LlmClient } from './client';
import { LlmError } from './errors';
import type { ChatMessage } from './tokens';

export function responseFormatOf(
  name: string,
  schema: z.ZodType,
  mode: 'json_schema' | 'json_object',
): ChatCompletionCreateParams['response_format'] {
  if (mode === 'json_object') return { type: 'json_object' };
  const { $schema: _drop, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { type: 'json_schema', json_schema: { name, schema: json, strict: false } };
}

/** Parses a reply as JSON, tolerating the ```json fences some models add despite instructions. */
export function parseJsonReply(text: string): unknown {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return JSON.parse(fenced ? fenced[1] : text);
}

/** The first problem of a reply, in words the model can act on; undefined when the reply is valid. */
export function validationError<T>(schema: z.ZodType<T>, text: string): { error?: string; value?: T } {
  let data: unknown;
  try {
    data = parseJsonReply(text);
  } catch (e) {
    return { error: `the reply is not valid JSON (${(e as Error).message})` };
  }
  const r = schema.safeParse(data);
  if (r.success) return { value: r.data };
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { error: `the JSON does not match the schema: ${issues.join('; ')}` };
}

export interface StructuredResult<T> {
  value: T;
  /** Every call made, repairs included. */
  calls: ChatResult[];
}

export async function structured<T>(
  client: LlmClient,
  req: Omit<ChatRequest, 'responseFormat' | 'cacheIf' | 'onToken'> & { name: string; schema: z.ZodType<T> },
): Promise<StructuredResult<T>> {
  const { schema, name, ...rest } = req;
  const responseFormat = responseFormatOf(name, schema, client.config.settings.structuredOutput);
  const messages: ChatMessage[] = [...req.messages];
  const calls: ChatResult[] = [];
  let lastError = '';
  for (let attempt = 0; attempt <= client.config.settings.repairAttempts; attempt++) {
    // A caller's token count describes the first prompt only; repairs are longer and get counted.
    const promptTokens = attempt === 0 ? rest.promptTokens : undefined;
    const res = await client.chat({
      ...rest,
      promptTokens,
      messages,
      responseFormat,
      cacheIf: (t) => !validationError(schema, t).error,
    });
    calls.push(res);
    const { error, value } = validationError(schema, res.text);
    if (!error) return { value: value as T, calls };
    lastError = error;
    messages.push(
      { role: 'assistant', content: res.text },
      {
        role: 'user',
        content: `That reply is invalid: ${error}. Reply again with only a JSON object that matches the schema.`,
      },
    );
  }
  throw new LlmError(
    'invalid-output',
    `the model's reply did not validate after ${calls.length} attempts (${lastError})`,
  );
}
