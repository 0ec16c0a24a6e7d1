/**
 * Lets several features answer the same LSP request. vscode-languageserver keeps one handler per method
 * (a second `onCodeLens` silently replaces the first), so features register through this wrapper: code
 * lenses and definitions are concatenated, hovers joined, and a code lens is resolved by the first
 * feature that gives it a command. Features keep calling `ctx.connection.onX(...)` as usual.
 *
 * It is also where the standard requests' parameters are checked: a client that sends `null`, or a position
 * that is not one, gets InvalidParams naming the field — not an internal error from deep inside a handler (or
 * from vscode-languageserver's own wrappers, which read `params.workDoneToken` before any handler runs).
 */
import {
  CodeLensRequest, CodeLensResolveRequest, DefinitionRequest, DocumentSymbolRequest, ErrorCodes, HoverRequest, ResponseError,
  WorkspaceSymbolRequest, type CancellationToken,
} from 'vscode-languageserver/node';
import type {
  CodeLens, CodeLensParams, Connection, Definition, DefinitionLink, DefinitionParams, Hover, HoverParams, Location,
} from 'vscode-languageserver/node';
import { z } from 'zod';

type Handler<P, R> = (params: P, token: never, workDone: never, partial: never) => R | Promise<R> | null | undefined;
type Lenses = CodeLens[] | null | undefined;
type Defs = Definition | DefinitionLink[] | null | undefined;

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

/** The params of a standard request, checked; throws InvalidParams with the first wrong field. */
function checked<P>(method: string, params: unknown): P {
  const schema = PARAMS[method];
  if (!schema) return params as P;
  const r = schema.safeParse(params);
  if (r.success) return params as P;
  const i = r.error.issues[0];
  throw new ResponseError(ErrorCodes.InvalidParams, `${method}: ${i.path.length ? `params.${i.path.join('.')}` : 'params'}: ${i.message}`);
}

/** Registers a standard request straight on the JSON-RPC layer, params checked first; handlers get (params, token). */
function onChecked<P, R>(target: Connection, method: string, handler: (params: P, token: CancellationToken) => R | Promise<R>): void {
  target.onRequest(method, (params: unknown, token: CancellationToken) => handler(checked<P>(method, params), token) as Promise<unknown>);
}

export function multiplex(connection: Connection): Connection {
  const lenses: Array<Handler<CodeLensParams, Lenses>> = [];
  const resolvers: Array<(lens: CodeLens, token: never) => CodeLens | Promise<CodeLens>> = [];
  const definitions: Array<Handler<DefinitionParams, Defs>> = [];
  const hovers: Array<Handler<HoverParams, Hover | null>> = [];
  const all = <T>(xs: Array<T | null | undefined | T[]>): T[] => xs.flatMap((x) => (x == null ? [] : Array.isArray(x) ? x : [x]));
  const settle = async <P, R>(hs: Array<Handler<P, R>>, args: unknown[]) =>
    // One feature failing must not hide the others' answers.
    // (a handler that throws synchronously counts as a rejected one).
    (await Promise.allSettled(hs.map(async (h) => (h as (...a: unknown[]) => unknown)(...args)))).map((r) => (r.status === 'fulfilled' ? r.value as R : null));

  return new Proxy(connection, {
    get(target, prop, receiver) {
      if (prop === 'onCodeLens') {
        return (h: Handler<CodeLensParams, Lenses>) => {
          if (lenses.push(h) === 1) onChecked<CodeLensParams, CodeLens[]>(target, CodeLensRequest.method, async (...args) => all<CodeLens>(await settle(lenses, args)));
          return { dispose: () => lenses.splice(lenses.indexOf(h), 1) };
        };
      }
      if (prop === 'onCodeLensResolve') {
        return (h: (lens: CodeLens, token: never) => CodeLens | Promise<CodeLens>) => {
          if (resolvers.push(h) === 1) {
            onChecked<CodeLens, CodeLens>(target, CodeLensResolveRequest.method, async (lens, token) => {
              for (const r of resolvers) {
                const out = await (async () => r(lens, token as never))().catch(() => lens);
                if (out?.command) return out;
              }
              return lens;
            });
          }
          return { dispose: () => resolvers.splice(resolvers.indexOf(h), 1) };
        };
      }
      if (prop === 'onDefinition') {
        return (h: Handler<DefinitionParams, Defs>) => {
          if (definitions.push(h) === 1) onChecked<DefinitionParams, Location[]>(target, DefinitionRequest.method, async (...args) => all<Location | DefinitionLink>(await settle(definitions, args)) as Location[]);
          return { dispose: () => definitions.splice(definitions.indexOf(h), 1) };
        };
      }
      if (prop === 'onHover') {
        return (h: Handler<HoverParams, Hover | null>) => {
          if (hovers.push(h) === 1) {
            onChecked<HoverParams, Hover | null>(target, HoverRequest.method, async (...args) => {
              const found = all<Hover>(await settle(hovers, args));
              if (found.length <= 1) return found[0] ?? null;
              const text = found.map((x) => markdownOf(x.contents)).join('\n\n---\n\n');
              return { contents: { kind: 'markdown', value: text }, range: found[0].range };
            });
          }
          return { dispose: () => hovers.splice(hovers.indexOf(h), 1) };
        };
      }
      if (prop === 'onDocumentSymbol' || prop === 'onWorkspaceSymbol') {
        const method = prop === 'onDocumentSymbol' ? DocumentSymbolRequest.method : WorkspaceSymbolRequest.method;
        return (h: (params: never, token: CancellationToken) => unknown) => {
          onChecked(target, method, (params, token) => h(params as never, token));
          return { dispose: () => undefined };
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

function markdownOf(c: Hover['contents']): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((x) => (typeof x === 'string' ? x : '```' + x.language + '\n' + x.value + '\n```')).join('\n\n');
  return 'kind' in c ? c.value : '```' + c.language + '\n' + c.value + '\n```';
}
