/**
 * The editor's own models for DagLens's chat, explanations and mapping verification (the `vscode-lm` provider):
 * the chat models VS Code offers (`vscode.lm.selectChatModels`, VS Code ≥ 1.90 — GitHub Copilot's, or any model
 * extension's) are announced to the server (`daglens/lm/models`), whose LLM layer uses one when no
 * OpenAI-compatible key is set (or when `daglens.llm.provider` says so) and sends each request back here
 * (`daglens/lm/chat`): VS Code asks the user's consent the first time, the reply streams back as
 * `daglens/lm/chatDelta`. The server keeps its budget, cache, citation checks and structured-output checks; the
 * status bar says which model answers.
 */
import * as vscode from 'vscode';
import { ErrorCodes, LSPErrorCodes, ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import {
  llmStats,
  VscodeLmChatParamsSchema,
  vscodeLmChat,
  vscodeLmDelta,
  vscodeLmModels,
  type VscodeLmChatResult,
  type VscodeLmModel,
} from '@daglens/protocol';
import { CONTEXT_KEYS, setContextKey } from './contextKeys';
import type { Ctx } from './ctx';

/** The models VS Code offers now, as the server needs them. */
async function editorModels(): Promise<VscodeLmModel[]> {
  if (typeof vscode.lm?.selectChatModels !== 'function') return [];
  const models = await vscode.lm.selectChatModels({});
  return models.map((m) => ({
    id: m.id,
    vendor: m.vendor,
    family: m.family,
    name: m.name,
    version: m.version,
    maxInputTokens: Math.max(1, m.maxInputTokens),
  }));
}

/** LanguageModelError codes → the LLM layer's error kinds (auth: the user did not allow it; rate-limited: quota). */
function kindOf(e: unknown): string {
  const code = e instanceof vscode.LanguageModelError ? e.code : '';
  if (code === 'NoPermissions') return 'auth';
  if (code === 'NotFound') return 'model';
  if (code === 'Blocked') return 'rate-limited';
  return 'bad-response';
}

async function answer(
  client: LanguageClient,
  raw: unknown,
  token: vscode.CancellationToken,
): Promise<VscodeLmChatResult> {
  const p = VscodeLmChatParamsSchema.safeParse(raw);
  if (!p.success)
    throw new ResponseError(
      ErrorCodes.InvalidParams,
      `daglens/lm/chat: ${p.error.issues[0]?.message ?? 'bad params'}`,
      { kind: 'bad-request' },
    );
  const [model] = await vscode.lm.selectChatModels({ id: p.data.modelId });
  if (!model)
    throw new ResponseError(ErrorCodes.InternalError, `the editor no longer offers the model ${p.data.modelId}`, {
      kind: 'model',
    });
  // Editor models take user and assistant turns (the server already folded its instructions into the first).
  const messages = p.data.messages.map((m) =>
    m.role === 'assistant'
      ? vscode.LanguageModelChatMessage.Assistant(m.content)
      : vscode.LanguageModelChatMessage.User(m.content),
  );
  try {
    const res = await model.sendRequest(messages, { justification: p.data.justification }, token);
    let text = '';
    for await (const chunk of res.text) {
      text += chunk;
      void client.sendNotification(vscodeLmDelta, { streamId: p.data.streamId, text: chunk });
    }
    return { text, model: model.id };
  } catch (e) {
    if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    const kind = kindOf(e);
    const why = e instanceof Error ? e.message : String(e);
    const message =
      kind === 'auth'
        ? `DagLens may not use ${model.name} (${model.vendor}): allow it when VS Code asks (${why})`
        : `${model.name} (${model.vendor}): ${why}`;
    throw new ResponseError(ErrorCodes.InternalError, message, { kind });
  }
}

export function registerVscodeLm(ctx: Ctx): vscode.Disposable[] {
  const wired = new WeakSet<LanguageClient>();
  /** Tells the server what the editor offers, then shows which model answers. */
  const publish = async () => {
    const client = ctx.readyClient;
    if (!client) return;
    try {
      await client.sendNotification(vscodeLmModels, { models: await editorModels() });
    } catch (e) {
      ctx.output.warn(`could not list the editor's chat models: ${e instanceof Error ? e.message : String(e)}`);
    }
    await showProvider(ctx);
  };
  const subs: vscode.Disposable[] = [
    ctx.onDidStartClient((client) => {
      if (!wired.has(client)) {
        wired.add(client);
        client.onRequest(vscodeLmChat, (raw, token) => answer(client, raw, token));
      }
      void publish();
    }),
    // Settings reach the server through the client's synchronisation first: ask a moment later.
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('daglens.llm')) setTimeout(() => void showProvider(ctx), 500);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => setTimeout(() => void showProvider(ctx), 500)),
  ];
  if (typeof vscode.lm?.onDidChangeChatModels === 'function')
    subs.push(vscode.lm.onDidChangeChatModels(() => void publish()));
  return subs;
}

/**
 * The status bar's AI line (which provider answers, or why none does) and `daglens.llmReady`, so the AI
 * commands show only when a model answers.
 */
export async function showProvider(ctx: Ctx): Promise<void> {
  const client = ctx.readyClient;
  if (!client) return;
  try {
    const s = await client.sendRequest(llmStats, { uri: vscode.workspace.workspaceFolders?.[0]?.uri.toString() });
    const first = s.providers[0];
    ctx.status.setLlm(
      s.state === 'ready' && first
        ? {
            ready: true,
            line: `AI: ${first.name}${s.providers.length > 1 ? ` (+${s.providers.length - 1} fallback)` : ''}`,
          }
        : { ready: false, line: `AI: off — ${s.message}` },
    );
    setContextKey(CONTEXT_KEYS.llmReady, s.state === 'ready' && !!first);
  } catch {
    ctx.status.setLlm(undefined);
    setContextKey(CONTEXT_KEYS.llmReady, false);
  }
}
