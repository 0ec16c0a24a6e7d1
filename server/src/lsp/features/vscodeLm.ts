/**
 * The editor's models for chat (`vscode-lm`): the client says which chat models VS Code offers
 * (`daglens/lm/models`, at start and on every change), and each engine's LLM layer may then send requests to one
 * of them through the client (`daglens/lm/chat`, the reply streamed back as `daglens/lm/chatDelta`, cancelled with
 * $/cancelRequest). Errors come back with a kind the LLM layer reasons about (retry, fall back, say why).
 */
import { CancellationTokenSource, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { LlmError, type LlmErrorKind } from '../../engine/llm/errors';
import type { EditorLm } from '../../engine/llm/vscodeLm';
import { VscodeLmDeltaSchema, VscodeLmModelsSchema, vscodeLmChat, vscodeLmDelta, vscodeLmModels } from '../../protocol';
import type { Feature } from '../context';
import { engineFor, validatedNotification } from '../handlers';

const KINDS: LlmErrorKind[] = [
  'auth',
  'model',
  'rate-limited',
  'bad-response',
  'bad-request',
  'server',
  'unreachable',
  'timeout',
];

export const vscodeLmFeature: Feature = {
  register(ctx) {
    const { connection, log } = ctx;
    const streams = new Map<string, (text: string) => void>();
    let next = 1;

    connection.onNotification(
      vscodeLmDelta,
      validatedNotification(vscodeLmDelta, VscodeLmDeltaSchema, log, (d) => {
        streams.get(d.streamId)?.(d.text);
      }),
    );

    const bridge: EditorLm = {
      async chat(req, onDelta, signal) {
        if (signal?.aborted) throw new LlmError('cancelled', 'cancelled');
        const streamId = `lm-${next++}`;
        if (onDelta) streams.set(streamId, onDelta);
        const cts = new CancellationTokenSource();
        const onAbort = () => cts.cancel();
        signal?.addEventListener('abort', onAbort);
        try {
          return await connection.sendRequest(
            vscodeLmChat,
            { streamId, modelId: req.modelId, messages: req.messages, justification: req.justification },
            cts.token,
          );
        } catch (e) {
          if (signal?.aborted) throw new LlmError('cancelled', 'cancelled');
          if (e instanceof ResponseError) {
            if (e.code === LSPErrorCodes.RequestCancelled) throw new LlmError('cancelled', 'cancelled');
            const kind = (e.data as { kind?: string } | undefined)?.kind;
            throw new LlmError(
              KINDS.includes(kind as LlmErrorKind) ? (kind as LlmErrorKind) : 'bad-response',
              e.message,
            );
          }
          throw new LlmError('unreachable', `the editor did not answer: ${e instanceof Error ? e.message : String(e)}`);
        } finally {
          signal?.removeEventListener('abort', onAbort);
          cts.dispose();
          streams.delete(streamId);
        }
      },
    };

    connection.onNotification(
      vscodeLmModels,
      validatedNotification(vscodeLmModels, VscodeLmModelsSchema, log, (p) => {
        const { models } = p;
        for (const e of ctx.session().all) e.llm.setEditorModels(bridge, models);
        const { engine } = engineFor(ctx, undefined);
        const offered = models.length ? ` (${models.map((x) => `${x.vendor}/${x.family}`).join(', ')})` : '';
        const count = `${models.length} chat model${models.length === 1 ? '' : 's'}`;
        log.info(`the editor offers ${count}${offered}; LLM: ${engine.llm.stats().message}`);
      }),
    );
  },
};
