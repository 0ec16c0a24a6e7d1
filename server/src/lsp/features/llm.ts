/**
 * The LLM requests: `daglens/ask` (streamed as `daglens/askDelta`, cancellable), `daglens/explainSymbol`,
 * `daglens/llmStats`, `daglens/clearLlmCache`, and the workspace-trust notification. Thin: parameters are
 * validated, the engine does the work, and no failure of a provider ever escapes as a crash.
 */
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { LlmError } from '../../engine/llm/errors';
import { errorMessage } from '../../engine/log';
import {
  ask, askDelta, AskParamsSchema, clearLlmCache, explainAll, explainSymbol, ExplainParamsSchema, llmCheck, llmStats, setWorkspaceTrust, WorkspaceTrustSchema,
  type AskResult, type LlmCitation,
} from '../../protocol';
import type { Feature, ServerContext } from '../context';
import { pathToUri } from '../uris';
import path from 'node:path';

export const llmFeature: Feature = {
  register(ctx) {
    const { connection } = ctx;

    connection.onRequest(ask, async (raw, token) => {
      const params = parse(AskParamsSchema, raw);
      const { engine, rel } = target(ctx, params.uri);
      const stream = params.streamId;
      const deltas = stream ? coalesce((text) => void connection.sendNotification(askDelta, { streamId: stream, text })) : undefined;
      let r;
      try {
        r = await guarded(token, (signal) => engine.llm.ask({ question: params.question, file: rel, selection: params.selection, context: params.context }, deltas?.push, signal));
      } finally {
        deltas?.flush(); // every delta goes out before the result
      }
      const cite = (c: { file: string; startLine: number; endLine: number; symbol?: string }): LlmCitation =>
        ({ ...c, uri: pathToUri(path.join(engine.root, c.file)) });
      const result: AskResult = {
        answer: r.answer, citations: r.citations.map(cite), droppedCitations: r.droppedCitations, offline: r.offline,
        ...(r.reason ? { reason: r.reason } : {}), state: engine.llm.state, costUsd: r.costUsd, cached: r.cached,
      };
      return result;
    });

    connection.onRequest(explainSymbol, async (raw, token) => {
      const params = parse(ExplainParamsSchema, raw);
      const { engine, rel } = target(ctx, params.uri);
      if (!rel) throw new ResponseError(ErrorCodes.InvalidParams, `not a workspace file: ${params.uri}`);
      const where = params.name !== undefined ? { name: params.name } : { line: params.line ?? 0, character: params.character, atName: params.atName };
      const stored = engine.llm.storedExplanation(rel, where);
      if (stored || params.storedOnly) return stored ?? null;
      if (params.atName) {
        // A hover: quiet when there is nothing to explain or no model to ask; a failure is logged, not shown.
        if (engine.llm.unavailableReason() || !engine.llm.hasSymbol(rel, where)) return null;
        return guarded(token, (signal) => engine.llm.explain(rel, where, signal)).catch((e: unknown) => {
          if (!(e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled)) ctx.log.warn(`explanation for ${rel}:${(params.line ?? 0) + 1}: ${errorMessage(e)}`);
          return null;
        });
      }
      return guarded(token, (signal) => engine.llm.explain(rel, where, signal));
    });

    connection.onRequest(llmStats, (raw) => {
      const uri = (raw as { uri?: unknown } | undefined)?.uri;
      return target(ctx, typeof uri === 'string' ? uri : undefined).engine.llm.stats();
    });

    connection.onRequest(explainAll, async (raw, token) => {
      const params = (raw ?? {}) as { uri?: unknown; uris?: unknown };
      const { engine } = target(ctx, typeof params.uri === 'string' ? params.uri : undefined);
      const files = Array.isArray(params.uris)
        ? params.uris.filter((u): u is string => typeof u === 'string').map((u) => ctx.pathOf(u)).filter((p): p is string => !!p).map((p) => engine.workspace.relative(p))
        : undefined;
      const why = engine.llm.unavailableReason();
      if (why) throw new ResponseError(ErrorCodes.InvalidRequest, why);
      const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
      progress?.begin('DagLens: explaining symbols', 0, undefined, true);
      try {
        return await guarded(token, (signal) =>
          engine.llm.explainAll(files, signal, (done, total) => progress?.report(Math.round((done / total) * 100), `${done}/${total}`)), progress?.token);
      } finally {
        progress?.done();
      }
    });

    connection.onRequest(llmCheck, async (raw) => {
      const uri = (raw as { uri?: unknown } | undefined)?.uri;
      const { engine } = target(ctx, typeof uri === 'string' ? uri : undefined);
      try {
        return { state: engine.llm.state, problems: await engine.llm.check() };
      } catch (e) {
        return { state: engine.llm.state, problems: [`checking the LLM provider failed: ${errorMessage(e)}`] };
      }
    });

    connection.onRequest(clearLlmCache, () => {
      const all = ctx.session().all;
      for (const e of all) e.llm.clearCache();
      return { folders: all.length - 1 };
    });

    connection.onNotification(setWorkspaceTrust, (raw) => {
      const p = WorkspaceTrustSchema.safeParse(raw);
      if (!p.success) return ctx.log.warn('daglens/setWorkspaceTrust: expected { trusted: boolean }');
      for (const e of ctx.session().all) e.llm.setTrusted(p.data.trusted);
      ctx.log.info(`workspace ${p.data.trusted ? 'trusted: LLM features may send code to the configured provider' : 'untrusted: nothing is sent to any LLM'}`);
    });
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

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new ResponseError(ErrorCodes.InvalidParams, `${i.path.join('.') || 'params'}: ${i.message}`);
}

/** The engine of the file (or the first folder), and the file's workspace-relative path. */
function target(ctx: ServerContext, uri: string | undefined): { engine: Engine; rel?: string } {
  const s = ctx.session();
  const file = uri ? ctx.pathOf(uri) : undefined;
  const engine = file ? s.engineFor(file) : s.engines[0] ?? s.loose;
  return { engine, rel: file ? engine.workspace.relative(file) : undefined };
}

/** Runs an engine call with the request's cancellation (and a progress bar's); maps LLM errors to clean LSP errors. */
async function guarded<T>(token: CancellationToken, run: (signal: AbortSignal) => Promise<T>, also?: CancellationToken): Promise<T> {
  const ac = new AbortController();
  const sub = token.onCancellationRequested(() => ac.abort());
  const sub2 = also?.onCancellationRequested(() => ac.abort());
  try {
    return await run(ac.signal);
  } catch (e) {
    if (e instanceof LlmError && e.kind === 'cancelled') throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    if (e instanceof LlmError) throw new ResponseError(ErrorCodes.InternalError, e.message, { kind: e.kind });
    throw new ResponseError(ErrorCodes.InternalError, errorMessage(e));
  } finally {
    sub.dispose();
    sub2?.dispose();
  }
}
