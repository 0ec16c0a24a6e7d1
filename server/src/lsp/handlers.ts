/**
 * How every LSP handler is written, so that features stay thin (check, route, call the engine, render):
 * - `validated`: a request's params are checked against its zod contract before the handler runs; a wrong field
 *   is InvalidParams naming it (`daglens/search: params.query: …`), never an internal error from deep inside.
 * - `withCancellation`: the request's cancellation (and a progress bar's) reaches the engine as one AbortSignal,
 *   the subscriptions end with the work, and the engine's "cancelled" comes back as RequestCancelled.
 * - `engineFor`: the engine that answers for a URI, found one way.
 */
import { CancellationToken, ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { z } from 'zod';
import type { Engine } from '../engine/engine';
import { ToolCancelled } from '../engine/agents/tools';
import { JobCancelled } from '../engine/dag/jobs';
import { LlmError } from '../engine/llm/errors';
import type { Logger } from '../engine/log';
import { RunsCancelled } from '../engine/runs/errors';
import type { ServerContext } from './context';

/** A request or notification type, or its method name. */
export type Method = string | { method: string };
const methodOf = (m: Method): string => (typeof m === 'string' ? m : m.method);

/** Names a wrong field from its path in the checked value. */
export type FieldNamer = (path: readonly PropertyKey[]) => string;
/** `params.position.line`; `params` for the params themselves. */
const paramsField: FieldNamer = (path) => (path.length ? `params.${path.join('.')}` : 'params');

/** `prefix: field: problem; field: problem`, each problem once. */
export function describeIssues(prefix: string, error: z.ZodError, field: FieldNamer = paramsField): string {
  return `${prefix}: ${[...new Set(error.issues.map((i) => `${field(i.path)}: ${i.message}`))].join('; ')}`;
}

/** InvalidParams naming what is wrong, prefixed by the method (or tool) it is about. */
export function invalidParams(prefix: string, error: z.ZodError, field?: FieldNamer): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, describeIssues(prefix, error, field));
}

/** The params checked against `schema` as they came (`null` too); throws InvalidParams. */
export function checkParams<S extends z.ZodTypeAny>(method: Method, schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw invalidParams(methodOf(method), r.error);
  return r.data;
}

/**
 * JSON-RPC spreads positional params (an array) before the token, so a handler's second argument may be no token;
 * handlers always get a real one.
 */
export function tokenOf(t: unknown): CancellationToken {
  return CancellationToken.is(t) ? t : CancellationToken.None;
}

/**
 * A DagLens request handler whose params are checked first and parsed (defaults applied). Absent params count
 * as `{}`: a request without options.
 */
export function validated<S extends z.ZodTypeAny, R>(
  method: Method,
  schema: S,
  fn: (params: z.output<S>, token: CancellationToken) => R,
): (raw: unknown, token?: unknown) => R {
  return (raw, token) => fn(checkParams(method, schema, raw ?? {}), tokenOf(token));
}

/** A notification handler whose params are checked first: there is no reply, so wrong ones are logged and dropped. */
export function validatedNotification<S extends z.ZodTypeAny>(
  method: Method,
  schema: S,
  log: Pick<Logger, 'warn'>,
  fn: (params: z.output<S>) => void,
): (raw: unknown) => void {
  return (raw) => {
    const r = schema.safeParse(raw);
    if (r.success) fn(r.data);
    else log.warn(describeIssues(methodOf(method), r.error));
  };
}

/**
 * Runs engine work under the given cancellation tokens (the request's, a progress bar's) as one AbortSignal.
 * The engine's ways of saying "cancelled" become the RequestCancelled the client expects; other errors pass.
 */
export async function withCancellation<T>(
  tokens: ReadonlyArray<CancellationToken | undefined>,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  const subscriptions = tokens.flatMap((t) => (t ? [t.onCancellationRequested(() => abort.abort())] : []));
  try {
    return await run(abort.signal);
  } catch (e) {
    throw requestCancelled(e) ?? e;
  } finally {
    for (const s of subscriptions) s.dispose();
  }
}

const cancelled = (message: string) => new ResponseError(LSPErrorCodes.RequestCancelled, message);

function requestCancelled(e: unknown): ResponseError<void> | undefined {
  if (e instanceof LlmError) return e.kind === 'cancelled' ? cancelled('cancelled') : undefined;
  const engineCancelled = e instanceof JobCancelled || e instanceof RunsCancelled || e instanceof ToolCancelled;
  return engineCancelled ? cancelled(e.message) : undefined;
}

/** Where a request about a URI is answered. */
export interface Target {
  engine: Engine;
  /** The file's path when the URI is a file (the editor's pending edits applied to the engine first). */
  file?: string;
}

/** Where a file outside every workspace folder is answered. */
export type Outside = 'loose' | 'firstFolder';

/**
 * The engine that answers for `uri`: the workspace folder holding the file. A file outside every folder goes to
 * the loose engine, or, with `outside: 'firstFolder'` (work that needs a project: plan mapping, runs, agent
 * tools), to the first folder. Without a URI, or for one that is no file: the first folder (the loose engine when
 * there is no folder).
 */
export function engineFor(ctx: ServerContext, uri: string | undefined, outside: Outside = 'loose'): Target {
  const s = ctx.session();
  const file = uri ? ctx.pathOf(uri) : undefined;
  const engine = file ? s.engineFor(file) : (s.engines[0] ?? s.loose);
  return { engine: engine === s.loose && outside === 'firstFolder' ? (s.engines[0] ?? s.loose) : engine, file };
}

/** `engineFor` for requests about a file: InvalidParams when the URI is none. */
export function fileTarget(ctx: ServerContext, uri: string, outside?: Outside): Required<Target> {
  const t = engineFor(ctx, uri, outside);
  if (!t.file) throw new ResponseError(ErrorCodes.InvalidParams, `not a file: ${uri}`);
  return { engine: t.engine, file: t.file };
}
