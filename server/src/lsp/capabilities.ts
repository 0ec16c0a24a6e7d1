/**
 * The server's capabilities: what each feature declares, merged by one rule instead of by registration order.
 * A provider flag is on when any feature turns it on (one feature giving hovers means the server does); option
 * objects merge key by key the same way, so `codeLensProvider.resolveProvider` is true when any feature resolves
 * its lenses (the multiplexer asks each in turn). Two different values of anything else are a programming error,
 * thrown when the server starts.
 */
import type { ServerCapabilities } from 'vscode-languageserver/node';

export function mergeCapabilities(...declared: Array<ServerCapabilities | undefined>): ServerCapabilities {
  let out: unknown = {};
  for (const c of declared) out = merge(out, c, 'capabilities');
  return out as ServerCapabilities;
}

function merge(a: unknown, b: unknown, at: string): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a || b;
  if (isRecord(a) && isRecord(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v, `${at}.${k}`);
    return out;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  throw new Error(`${at}: features declare ${JSON.stringify(a)} and ${JSON.stringify(b)}; say which the server has`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
