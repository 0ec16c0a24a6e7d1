/**
 * The chat's backend over the language server: `daglens/ask` with the answer streamed as `daglens/askDelta`
 * notifications, cancelled with the request's token ($/cancelRequest stops the HTTP request server-side),
 * and `daglens/llmStats` for what the view should say when no model can answer.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  ask,
  askDelta,
  llmStats,
  type AskParams,
  type ChatAvailability,
  type ChatContext,
  type LlmState,
} from '@daglens/protocol';
import { SERVER_NOT_READY, SERVER_NOT_READY_SENTENCE } from '../serverCommand';
import type { AskAnswer, AskBackend, AskRequest } from './chatView';

const ADVICE: Record<Exclude<LlmState, 'ready'>, Pick<ChatAvailability, 'state' | 'actions'> & { hint: string }> = {
  noProvider: {
    state: 'noProvider',
    actions: ['setApiKey', 'openSettings'],
    hint: 'Answers come from the index only until a model is configured: set an API key, or point daglens.llm.baseUrl at a local server (Ollama, vLLM, LM Studio).',
  },
  untrusted: {
    state: 'untrusted',
    actions: ['manageTrust'],
    hint: 'This workspace is not trusted, so no code is sent to a model: answers come from the index only. Trust the workspace to chat with a model.',
  },
  disabled: {
    state: 'disabled',
    actions: ['openSettings'],
    hint: 'The LLM is turned off (daglens.llm.enabled): answers come from the index only.',
  },
};

export class ServerAskBackend implements AskBackend {
  private readonly streams = new Map<string, (text: string) => void>();
  private readonly wired = new WeakSet<LanguageClient>();

  /** `readyClient`: the client when its server is ready (ctx.ts), else undefined. */
  constructor(private readonly readyClient: () => LanguageClient | undefined) {}

  private running(): LanguageClient | undefined {
    const c = this.readyClient();
    if (!c) return undefined;
    // One handler per client (a restart makes a new one) dispatching to the answer in flight.
    if (!this.wired.has(c)) {
      this.wired.add(c);
      c.onNotification(askDelta, (d) => this.streams.get(d.streamId)?.(d.text));
    }
    return c;
  }

  async availability(): Promise<ChatAvailability> {
    const c = this.running();
    if (!c) return { state: 'serverDown', message: SERVER_NOT_READY_SENTENCE, actions: ['showLogs', 'restartServer'] };
    if (!vscode.workspace.isTrusted) return { ...ADVICE.untrusted, message: ADVICE.untrusted.hint };
    try {
      const s = await c.sendRequest(llmStats, { uri: vscode.window.activeTextEditor?.document.uri.toString() });
      if (s.state === 'ready') return { state: 'ready', message: s.message, actions: [] };
      const a = ADVICE[s.state];
      // The server's reason is a clause ("no LLM is configured …"): a sentence in the banner.
      const lead = s.message
        .trim()
        .replace(/^\p{Ll}/u, (c) => c.toUpperCase())
        .replace(/([^.!?])$/, '$1.');
      return { state: a.state, actions: a.actions, message: `${lead} ${a.hint}`.trim() };
    } catch (e) {
      return {
        state: 'serverDown',
        message: `The DagLens server did not answer: ${e instanceof Error ? e.message : String(e)}`,
        actions: ['showLogs', 'restartServer'],
      };
    }
  }

  async ask(req: AskRequest, onDelta: (text: string) => void, token: vscode.CancellationToken): Promise<AskAnswer> {
    const c = this.running();
    if (!c) throw new Error(SERVER_NOT_READY);
    const streamId = randomUUID();
    this.streams.set(streamId, onDelta);
    try {
      const res = await c.sendRequest(ask, toParams(req, streamId), token);
      const text =
        res.offline && res.reason && !res.answer.includes(res.reason) ? `${res.answer}\n\n_${res.reason}_` : res.answer;
      return {
        text,
        citations: res.citations.map((x) => ({
          file: x.file,
          startLine: x.startLine,
          endLine: Math.max(x.endLine, x.startLine),
          label: x.symbol,
        })),
      };
    } finally {
      this.streams.delete(streamId);
    }
  }
}

/** Contexts → ask parameters: the first file or selection anchors the question, the rest is context text. */
export function toParams(req: AskRequest, streamId: string): AskParams {
  const anchor = req.contexts.find((c) => c.kind === 'selection') ?? req.contexts.find((c) => c.kind === 'file');
  const extra = req.contexts
    .filter((c) => c !== anchor || c.kind === 'selection')
    .map(describe)
    .filter(Boolean);
  const history = req.history.length
    ? `Earlier in this chat:\n${req.history.map((h) => `${h.role === 'user' ? 'Q' : 'A'}: ${h.text.slice(0, 1500)}`).join('\n')}`
    : '';
  const context = [...extra, history].filter(Boolean).join('\n\n').slice(0, 20_000);
  return {
    question: req.question,
    streamId,
    ...(anchor?.range ? { uri: vscode.Uri.file(absolute(anchor.range.file)).toString() } : {}),
    ...(anchor?.kind === 'selection' && anchor.range
      ? { selection: { startLine: anchor.range.startLine, endLine: anchor.range.endLine } }
      : {}),
    ...(context ? { context } : {}),
  };
}

/** Contexts from graph nodes name workspace-relative files. */
function absolute(file: string): string {
  return path.isAbsolute(file) ? file : path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', file);
}

function describe(c: ChatContext): string {
  const where = c.range ? ` (${c.range.file}:${c.range.startLine}-${c.range.endLine})` : '';
  return c.text ? `${c.kind === 'dagNode' ? 'DAG node' : 'Selected'} ${c.label}${where}:\n${c.text}` : '';
}
