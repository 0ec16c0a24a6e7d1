/**
 * The LLM requests: `daglens/ask` (streamed as `daglens/askDelta`, cancellable), `daglens/explainSymbol`,
 * `daglens/llmStats`, `daglens/clearLlmCache`, and the workspace-trust notification. Thin: parameters are
 * validated, the engine does the work, and no failure of a provider ever escapes as a crash.
 */
import path from 'node:path';
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { LlmError } from '../../engine/llm/errors';
import { errorMessage } from '../../engine/log';
import {
  ask,
  askDelta,
  AskParamsSchema,
  clearLlmCache,
  explainAll,
  ExplainAllParamsSchema,
  explainSymbol,
  ExplainParamsSchema,
  FolderParamsSchema,
  llmCheck,
  llmStats,
  setWorkspaceTrust,
  WorkspaceTrustSchema,
  type AskResult,
  type LlmCitation,
} from '../../protocol';
import type { Feature, ServerContext } from '../context';
import { engineFor, validated, validatedNotification, withCancellation } from '../handlers';
import { pathToUri } from '../uris';

export const llmFeature: Feature = {
  register(ctx) {
    const { connection } = ctx;

    connection.onRequest(
      ask,
      validated(ask, AskParamsSchema, async (params, token) => {
        const { engine, rel } = target(ctx, params.uri);
        const stream = params.streamId;
        const deltas = stream
          ? coalesce((text) => void connection.sendNotification(askDelta, { streamId: stream, text }))
          : undefined;
        let r;
        try {
          r = await guarded(token, (signal) =>
            engine.llm.ask(
              { question: params.question, file: rel, selection: params.selection, context: params.context },
              deltas?.push,
              signal,
            ),
          );
        } finally {
          deltas?.flush(); // every delta goes out before the result
        }
        const cite = (c: { file: string; startLine: number; endLine: number; symbol?: string }): LlmCitation => ({
          ...c,
          uri: pathToUri(path.join(engine.root, c.file)),
        });
        const result: AskResult = {
          answer: r.answer,
          citations: r.citations.map(cite),
          droppedCitations: r.droppedCitations,
          offline: r.offline,
          ...(r.reason ? { reason: r.reason } : {}),
          state: engine.llm.state,
          costUsd: r.costUsd,
          cached: r.cached,
        };
        return result;
      }),
    );

    connection.onRequest(
      explainSymbol,
      validated(explainSymbol, ExplainParamsSchema, async (params, token) => {
        const { engine, rel } = target(ctx, params.uri);
        if (!rel) throw new ResponseError(ErrorCodes.InvalidParams, `not a workspace file: ${params.uri}`);
        const where =
          params.name !== undefined
            ? { name: params.name }
            : { line: params.line ?? 0, character: params.character, atName: params.atName };
        const stored = engine.llm.storedExplanation(rel, where);
        if (stored || params.storedOnly) return stored ?? null;
        if (params.atName) {
          // A hover: quiet when there is nothing to explain or no model to ask; a failure is logged, not shown.
          if (engine.llm.unavailableReason() || !engine.llm.hasSymbol(rel, where)) return null;
          return guarded(token, (signal) => engine.llm.explain(rel, where, signal)).catch((e: unknown) => {
            if (!(e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled))
              ctx.log.warn(`explanation for ${rel}:${(params.line ?? 0) + 1}: ${errorMessage(e)}`);
            return null;
          });
        }
        return guarded(token, (signal) => engine.llm.explain(rel, where, signal));
      }),
    );

    connection.onRequest(
      llmStats,
      validated(llmStats, FolderParamsSchema, ({ uri }) => engineFor(ctx, uri).engine.llm.stats()),
    );

    connection.onRequest(
      explainAll,
      validated(explainAll, ExplainAllParamsSchema, async (params, token) => {
        const { engine } = engineFor(ctx, params.uri);
        const files = params.uris
          ?.map((u) => ctx.pathOf(u))
          .filter((p): p is string => !!p)
          .map((p) => engine.workspace.relative(p));
        const why = engine.llm.unavailableReason();
        if (why) throw new ResponseError(ErrorCodes.InvalidRequest, why);
        const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
        progress?.begin('DagLens: explaining symbols', 0, undefined, true);
        try {
          return await guarded(
            token,
            (signal) =>
              engine.llm.explainAll(files, signal, (done, total) =>
                progress?.report(Math.round((done / total) * 100), `${done}/${total}`),
              ),
            progress?.token,
          );
        } finally {
          progress?.done();
        }
      }),
    );

    connection.onRequest(
      llmCheck,
      validated(llmCheck, FolderParamsSchema, async ({ uri }) => {
        const { engine } = engineFor(ctx, uri);
        try {
          return { state: engine.llm.state, problems: await engine.llm.check() };
        } catch (e) {
          return { state: engine.llm.state, problems: [`checking the LLM provider failed: ${errorMessage(e)}`] };
        }
      }),
    );

    connection.onRequest(clearLlmCache, () => {
      const all = ctx.session().all;
      for (const e of all) e.llm.clearCache();
      return { folders: all.length - 1 };
    });

    const onTrust = validatedNotification(setWorkspaceTrust, WorkspaceTrustSchema, ctx.log, ({ trusted }) => {
      for (const e of ctx.session().all) e.llm.setTrusted(trusted);
      ctx.log.info(
        trusted
          ? 'workspace trusted: LLM features may send code to the configured provider'
          : 'workspace untrusted: nothing is sent to any LLM',
      );
    });
    connection.onNotification(setWorkspaceTrust, onTrust);
  },
};

/** Joins the tokens of a stream into one notification per ~40 ms: the view re-renders once, not per token. */
function coalesce(send: (text: string) => void, ms = 40): { push: (d: string) => void; flush: () => void } {
  let buf = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buf) send(buf);
    buf = '';
  };
  return {
    push: (d) => {
      buf += d;
      timer ??= setTimeout(flush, ms);
    },
    flush,
  };
}

/** The engine of the file (or the first folder), and the file's workspace-relative path. */
function target(ctx: ServerContext, uri: string | undefined): { engine: Engine; rel?: string } {
  const { engine, file } = engineFor(ctx, uri);
  return { engine, rel: file ? engine.workspace.relative(file) : undefined };
}

/**
 * Runs an engine call with the request's cancellation (and a progress bar's); no failure of a provider escapes
 * as a crash: it comes back as an LSP error carrying the LLM error's kind (the client says why, or retries).
 */
async function guarded<T>(
  token: CancellationToken,
  run: (signal: AbortSignal) => Promise<T>,
  also?: CancellationToken,
): Promise<T> {
  try {
    return await withCancellation([token, also], run);
  } catch (e) {
    if (e instanceof ResponseError) throw e;
    if (e instanceof LlmError) throw new ResponseError(ErrorCodes.InternalError, e.message, { kind: e.kind });
    throw new ResponseError(ErrorCodes.InternalError, errorMessage(e));
  }
}
