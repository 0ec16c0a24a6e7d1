/**
 * Lets several features answer the same LSP request. vscode-languageserver keeps one handler per method
 * (a second `onCodeLens` silently replaces the first), so features register through this wrapper: code
 * lenses and definitions are concatenated, hovers joined, and a code lens is resolved by the first
 * feature that gives it a command. Features keep calling `ctx.connection.onX(...)` as usual.
 */
import type {
  CodeLens, CodeLensParams, Connection, Definition, DefinitionLink, DefinitionParams, Hover, HoverParams, Location,
} from 'vscode-languageserver/node';

type Handler<P, R> = (params: P, token: never, workDone: never, partial: never) => R | Promise<R> | null | undefined;
type Lenses = CodeLens[] | null | undefined;
type Defs = Definition | DefinitionLink[] | null | undefined;

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
          if (lenses.push(h) === 1) target.onCodeLens(async (...args) => all<CodeLens>(await settle(lenses, args)));
          return { dispose: () => lenses.splice(lenses.indexOf(h), 1) };
        };
      }
      if (prop === 'onCodeLensResolve') {
        return (h: (lens: CodeLens, token: never) => CodeLens | Promise<CodeLens>) => {
          if (resolvers.push(h) === 1) {
            target.onCodeLensResolve(async (lens, token) => {
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
          if (definitions.push(h) === 1) target.onDefinition(async (...args) => all<Location | DefinitionLink>(await settle(definitions, args)) as Location[]);
          return { dispose: () => definitions.splice(definitions.indexOf(h), 1) };
        };
      }
      if (prop === 'onHover') {
        return (h: Handler<HoverParams, Hover | null>) => {
          if (hovers.push(h) === 1) {
            target.onHover(async (...args) => {
              const found = all<Hover>(await settle(hovers, args));
              if (found.length <= 1) return found[0] ?? null;
              const text = found.map((x) => markdownOf(x.contents)).join('\n\n---\n\n');
              return { contents: { kind: 'markdown', value: text }, range: found[0].range };
            });
          }
          return { dispose: () => hovers.splice(hovers.indexOf(h), 1) };
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
