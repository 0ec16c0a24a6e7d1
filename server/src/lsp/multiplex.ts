/**
 * Lets several features answer the same LSP request. vscode-languageserver keeps one handler per method
 * (a second `onCodeLens` silently replaces the first), so features register through this wrapper: code
 * lenses and definitions are concatenated, hovers joined, and a code lens is resolved by the first
 * feature that gives it a command. Features keep calling `ctx.connection.onX(...)` as usual; the disposable each
 * registration returns removes that registration and no other. A feature whose handler fails is logged and left
 * out: the others still answer.
 *
 * It is also where the standard requests' parameters are checked: a client that sends `null`, or a position
 * that is not one, gets InvalidParams naming the field — not an internal error from deep inside a handler (or
 * from vscode-languageserver's own wrappers, which read `params.workDoneToken` before any handler runs).
 */
import {
  CodeLensRequest,
  CodeLensResolveRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  WorkspaceSymbolRequest,
  type CancellationToken,
  type Disposable,
} from 'vscode-languageserver/node';
import type { CodeLens, Connection, DefinitionLink, Hover, Location } from 'vscode-languageserver/node';
import { z } from 'zod';
import { errorMessage, type Logger } from '../engine/log';
import { checkParams, tokenOf } from './handlers';

/** A feature's handler as the multiplexer calls it: params and token (features use no more). */
type Handler = (params: never, token: CancellationToken) => unknown;

const Uri = z.string().min(1).max(10_000);
const Position = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
const TextDocument = z.object({ textDocument: z.object({ uri: Uri }).passthrough() }).passthrough();
const AtPosition = TextDocument.and(z.object({ position: Position }).passthrough());
const PARAMS: Record<string, z.ZodTypeAny> = {
  [CodeLensRequest.method]: TextDocument,
  [DocumentSymbolRequest.method]: TextDocument,
  [HoverRequest.method]: AtPosition,
  [DefinitionRequest.method]: AtPosition,
  [WorkspaceSymbolRequest.method]: z.object({ query: z.string().max(10_000) }).passthrough(),
  [CodeLensResolveRequest.method]: z.object({ range: z.object({ start: Position, end: Position }) }).passthrough(),
};

/** Answers to one request, kept in registration order; the request is registered on first use. */
class Fan {
  private readonly entries: Array<{ handler: Handler }> = [];
  private registered = false;

  constructor(private readonly register: () => void) {}

  get handlers(): Handler[] {
    return this.entries.map((e) => e.handler);
  }

  add(handler: Handler): Disposable {
    const entry = { handler };
    this.entries.push(entry);
    if (!this.registered) this.register();
    this.registered = true;
    return {
      dispose: () => {
        const i = this.entries.indexOf(entry);
        if (i >= 0) this.entries.splice(i, 1);
      },
    };
  }
}

export function multiplex(connection: Connection, log: Pick<Logger, 'warn'> = console): Connection {
  /** Registers a standard request on the JSON-RPC layer: params checked first, handlers get (params, token). */
  const onChecked = (method: string, handler: Handler): Disposable =>
    connection.onRequest(method, (params: unknown, token: unknown) => {
      checkParams(method, PARAMS[method], params);
      return handler(params as never, tokenOf(token)) as Promise<unknown>;
    });
  /** Every feature's answer; one that fails is logged and counts as none, so it hides no other's. */
  const settle = async (method: string, fan: Fan, params: unknown, token: CancellationToken): Promise<unknown[]> => {
    // (A handler that throws synchronously counts as a rejected one.)
    const results = await Promise.allSettled(fan.handlers.map(async (h) => h(params as never, token)));
    return results.map((r) => (r.status === 'fulfilled' ? r.value : failed(method, r.reason, null)));
  };
  const failed = <T>(method: string, e: unknown, instead: T): T => {
    log.warn(`${method}: a feature's handler failed: ${errorMessage(e)}`);
    return instead;
  };
  const flat = <T>(xs: unknown[]): T[] => xs.flatMap((x) => (x == null ? [] : Array.isArray(x) ? x : [x])) as T[];

  const lenses: Fan = new Fan(() =>
    onChecked(CodeLensRequest.method, async (params, token) =>
      flat<CodeLens>(await settle(CodeLensRequest.method, lenses, params, token)),
    ),
  );
  const definitions: Fan = new Fan(() =>
    onChecked(DefinitionRequest.method, async (params, token) =>
      flat<Location | DefinitionLink>(await settle(DefinitionRequest.method, definitions, params, token)),
    ),
  );
  const hovers: Fan = new Fan(() =>
    onChecked(HoverRequest.method, async (params, token) => {
      const found = flat<Hover>(await settle(HoverRequest.method, hovers, params, token));
      if (found.length <= 1) return found[0] ?? null;
      const text = found.map((x) => markdownOf(x.contents)).join('\n\n---\n\n');
      return { contents: { kind: 'markdown', value: text }, range: found[0].range };
    }),
  );
  const resolvers: Fan = new Fan(() =>
    onChecked(CodeLensResolveRequest.method, async (lens: CodeLens, token) => {
      for (const r of resolvers.handlers) {
        const resolve = async () => r(lens as never, token) as CodeLens | Promise<CodeLens>;
        const out = await resolve().catch((e: unknown) => failed(CodeLensResolveRequest.method, e, lens));
        if (out?.command) return out;
      }
      return lens;
    }),
  );

  const members = new Map<PropertyKey, (h: Handler) => Disposable>([
    ['onCodeLens', (h) => lenses.add(h)],
    ['onCodeLensResolve', (h) => resolvers.add(h)],
    ['onDefinition', (h) => definitions.add(h)],
    ['onHover', (h) => hovers.add(h)],
    // One feature answers these; registered here for the params check.
    ['onDocumentSymbol', (h) => onChecked(DocumentSymbolRequest.method, h)],
    ['onWorkspaceSymbol', (h) => onChecked(WorkspaceSymbolRequest.method, h)],
  ]);
  return new Proxy(connection, {
    get(target, prop, receiver) {
      const member = members.get(prop);
      if (member) return member;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

function markdownOf(c: Hover['contents']): string {
  if (typeof c === 'string') return c;
  const fenced = (x: { language: string; value: string }) => '```' + x.language + '\n' + x.value + '\n```';
  if (Array.isArray(c)) return c.map((x) => (typeof x === 'string' ? x : fenced(x))).join('\n\n');
  return 'kind' in c ? c.value : fenced(c);
}
