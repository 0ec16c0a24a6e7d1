/**
 * The `vscode-lm` provider: chat models the editor offers (VS Code's `vscode.lm`: GitHub Copilot and other
 * model extensions), for users without an OpenAI-compatible key. The engine cannot call VS Code: the language
 * server hands it an `EditorLm` that forwards each request to the client (`daglens/lm/chat`), which asks VS Code —
 * and VS Code asks the user's consent. Everything else is the same path as any provider: the budget, the cache,
 * the ledger, citation checks and structured-output validation with repairs (llm/client.ts).
 */
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type { ChatMessage } from './tokens';

export interface EditorLmRequest {
  /** The editor's id of the model. */
  modelId: string;
  messages: ChatMessage[];
  /** Why DagLens asks (shown in the editor's consent prompt). */
  justification: string;
}

export interface EditorLm {
  /** Sends a chat request through the editor; the reply streams to `onDelta`. Failures are LlmErrors. */
  chat(
    req: EditorLmRequest,
    onDelta: ((text: string) => void) | undefined,
    signal?: AbortSignal,
  ): Promise<{ text: string; model: string }>;
}

/** What each feature tells the user it sends (the editor shows it when asking for consent). */
export const JUSTIFICATIONS: Record<string, string> = {
  ask: 'DagLens sends your question and the matching code of this workspace to answer it in its chat.',
  explain: 'DagLens sends the code of a symbol to write a one-paragraph explanation of it.',
  verify: 'DagLens sends a plan node and candidate code snippets to check which code made the node.',
};

/**
 * Messages as an editor model takes them: user and assistant turns only, so the instructions lead the first user
 * turn; a structured reply's JSON schema is spelled out (editor models have no response_format), and the reply is
 * validated and repaired like any other (structured.ts).
 */
export function editorMessages(
  messages: ChatMessage[],
  responseFormat?: ChatCompletionCreateParams['response_format'],
): ChatMessage[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  if (responseFormat && responseFormat.type !== 'text') {
    const schema =
      responseFormat.type === 'json_schema' ? `\n${JSON.stringify(responseFormat.json_schema.schema)}` : '';
    system.push(
      `Reply with only one JSON object${schema ? ' that matches this JSON schema:' : ''}${schema}\nNo prose, no Markdown code fences.`,
    );
  }
  const rest = messages.filter((m) => m.role !== 'system');
  if (!system.length) return rest;
  const lead = `Instructions:\n${system.join('\n\n')}`;
  if (rest[0]?.role === 'user') return [{ role: 'user', content: `${lead}\n\n${rest[0].content}` }, ...rest.slice(1)];
  return [{ role: 'user', content: lead }, ...rest];
}
