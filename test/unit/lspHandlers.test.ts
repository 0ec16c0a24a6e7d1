/** How LSP handlers are written (lsp/handlers.ts), capabilities merged, the multiplexer's logging and disposal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancellationTokenSource,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type Connection,
} from 'vscode-languageserver/node';
import { z } from 'zod';
import { JobCancelled } from '../../server/src/engine/dag/jobs';
import { LlmError } from '../../server/src/engine/llm/errors';
import { mergeCapabilities } from '../../server/src/lsp/capabilities';
import type { ServerContext } from '../../server/src/lsp/context';
import {
  engineFor,
  fileTarget,
  validated,
  validatedNotification,
  withCancellation,
} from '../../server/src/lsp/handlers';
import { multiplex } from '../../server/src/lsp/multiplex';
import { uriToPath } from '../../server/src/lsp/uris';

const Params = z.object({ query: z.string().min(1), k: z.number().int().default(10) });

test('validated: params parsed with defaults; wrong ones are InvalidParams naming each field', () => {
  const h = validated('daglens/x', Params, (p, token) => ({ p, cancelled: token.isCancellationRequested }));
  assert.deepEqual(h({ query: 'a' }), { p: { query: 'a', k: 10 }, cancelled: false });
  // JSON-RPC spreads positional params: whatever comes second, the handler gets a token.
  assert.equal(h({ query: 'a' }, 'not a token').cancelled, false);
  assert.throws(
    () => h({ query: '', k: 1.5 }),
    (e: ResponseError<void>) => {
      assert.equal(e.code, ErrorCodes.InvalidParams);
      assert.equal(
        e.message,
        'daglens/x: params.query: String must contain at least 1 character(s); ' +
          'params.k: Expected integer, received float',
      );
      return true;
    },
  );
  // No params: a request without options.
  assert.throws(
    () => h(null),
    (e: ResponseError<void>) => e.message === 'daglens/x: params.query: Required',
  );
  const optional = validated({ method: 'daglens/y' }, z.object({ uri: z.string().optional() }), (p) => p);
  assert.deepEqual(optional(undefined), {});
});

test('validatedNotification: wrong params are logged and dropped', () => {
  const warned: string[] = [];
  const got: unknown[] = [];
  const log = { warn: (m: string) => warned.push(m) };
  const n = validatedNotification('daglens/n', z.object({ trusted: z.boolean() }), log, (p) => got.push(p));
  n({ trusted: true });
  n({ trusted: 'yes' });
  assert.deepEqual(got, [{ trusted: true }]);
  assert.deepEqual(warned, ['daglens/n: params.trusted: Expected boolean, received string']);
});

test('withCancellation: any token aborts; subscriptions end with the work; cancelled is RequestCancelled', async () => {
  const request = new CancellationTokenSource();
  const progress = new CancellationTokenSource();
  let seen: AbortSignal | undefined;
  const work = withCancellation([request.token, progress.token, undefined], (signal) => {
    seen = signal;
    const stopped = () => new JobCancelled({ done: 1, total: 3 } as never);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(stopped())));
  });
  progress.cancel();
  await assert.rejects(work, (e: ResponseError<void>) => e.code === LSPErrorCodes.RequestCancelled);
  assert.equal(seen?.aborted, true);

  // Once the work is done, cancelling its request reaches nothing (the subscription was disposed).
  const later = new CancellationTokenSource();
  let signal: AbortSignal | undefined;
  assert.equal(
    await withCancellation([later.token], async (s) => {
      signal = s;
      return 42;
    }),
    42,
  );
  later.cancel();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(signal?.aborted, false);

  const llmCancelled = withCancellation([], async () => {
    throw new LlmError('cancelled', 'stopped');
  });
  await assert.rejects(
    llmCancelled,
    (e: ResponseError<void>) => e.code === LSPErrorCodes.RequestCancelled && e.message === 'cancelled',
  );
  // Other failures are the feature's to translate.
  await assert.rejects(
    withCancellation([], async () => {
      throw new LlmError('auth', 'bad key');
    }),
    LlmError,
  );
});

test('engineFor: the folder holding the file; outside every folder the loose engine or the first folder', () => {
  const folder = { root: '/w' };
  const loose = { root: '/' };
  const session = { engines: [folder], loose, engineFor: (p: string) => (p.startsWith('/w/') ? folder : loose) };
  const ctx = { session: () => session, pathOf: uriToPath } as unknown as ServerContext;
  assert.deepEqual(engineFor(ctx, 'file:///w/a.sql'), { engine: folder, file: '/w/a.sql' });
  assert.deepEqual(engineFor(ctx, 'file:///elsewhere/b.sql'), { engine: loose, file: '/elsewhere/b.sql' });
  assert.equal(engineFor(ctx, 'file:///elsewhere/b.sql', 'firstFolder').engine, folder);
  assert.deepEqual(engineFor(ctx, undefined), { engine: folder, file: undefined });
  assert.deepEqual(engineFor(ctx, 'untitled:Untitled-1'), { engine: folder, file: undefined });
  assert.throws(
    () => fileTarget(ctx, 'untitled:Untitled-1'),
    (e: ResponseError<void>) => e.code === ErrorCodes.InvalidParams && e.message === 'not a file: untitled:Untitled-1',
  );
});

test('capabilities merge by rule, not by order; a conflict stops the server', () => {
  const dag = { codeLensProvider: { resolveProvider: false }, definitionProvider: true, hoverProvider: true };
  const lineage = { codeLensProvider: { resolveProvider: true }, hoverProvider: true };
  const expected = {
    textDocumentSync: 2,
    codeLensProvider: { resolveProvider: true },
    definitionProvider: true,
    hoverProvider: true,
  };
  assert.deepEqual(mergeCapabilities({ textDocumentSync: 2 }, dag, undefined, lineage), expected);
  assert.deepEqual(mergeCapabilities({ textDocumentSync: 2 }, lineage, dag), expected);
  assert.deepEqual(dag.codeLensProvider, { resolveProvider: false }, "features' declarations are left as they are");
  assert.throws(
    () => mergeCapabilities({ textDocumentSync: 2 }, { textDocumentSync: 1 }),
    /capabilities\.textDocumentSync: features declare 2 and 1/,
  );
});

test('multiplexer: a failing feature is logged, not silent; dispose removes that registration only, once', async () => {
  const handlers = new Map<string, (...a: unknown[]) => unknown>();
  const conn = {
    onRequest: (method: string, h: (...a: unknown[]) => unknown) => {
      handlers.set(method, h);
      return { dispose() {} };
    },
  };
  const warned: string[] = [];
  const m = multiplex(conn as unknown as Connection, { warn: (w) => warned.push(w) });
  const doc = { textDocument: { uri: 'file:///w/a.sql' } };
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lens = (title: string) => () => [{ range, command: { title, command: '' } }];
  const titles = async () => {
    const lenses = (await handlers.get('textDocument/codeLens')!(doc)) as Array<{ command: { title: string } }>;
    return lenses.map((l) => l.command.title);
  };

  const a = lens('a');
  const first = m.onCodeLens(a);
  const second = m.onCodeLens(a); // the same function twice: two registrations
  m.onCodeLens(lens('b'));
  m.onCodeLens(() => {
    throw new Error('broken feature');
  });
  assert.deepEqual(await titles(), ['a', 'a', 'b']);
  assert.deepEqual(warned, ["textDocument/codeLens: a feature's handler failed: broken feature"]);

  first.dispose();
  first.dispose(); // a second dispose removes nothing else
  assert.deepEqual(await titles(), ['a', 'b']);
  second.dispose();
  assert.deepEqual(await titles(), ['b']);

  m.onCodeLensResolve(() => {
    throw new Error('resolver down');
  });
  m.onCodeLensResolve((l) => ({ ...l, command: { title: 'resolved', command: 'x' } }));
  const resolved = await handlers.get('codeLens/resolve')!({ range });
  assert.equal((resolved as { command: { title: string } }).command.title, 'resolved');
  assert.ok(warned.includes("codeLens/resolve: a feature's handler failed: resolver down"), warned.join('\n'));
});
